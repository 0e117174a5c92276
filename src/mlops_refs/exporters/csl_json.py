"""CSL-JSON: the citation data that citeproc processors (pandoc, citeproc-js, Zotero, citeproc-py) format.

The output is a JSON array of CSL 1.0 items, valid against the official csl-data.json schema. Anything without
a CSL variable (collections, the arXiv id of a published paper, its arXiv class) goes under ``custom``.
Items without a publication date get no ``issued`` (styles print "n.d."); none is invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, ClassVar

from ..crosswalk import format_type
from . import BaseExporter, Options

if TYPE_CHECKING:
    from ..model import Catalog, PartialDate, Person, Resource


@dataclass(frozen=True)
class CslJsonOptions(Options):
    zotero_compatible: bool = field(
        default=False,
        metadata={
            "help": "write software as 'book' and name particles inside 'family', so Zotero's importer "
            "accepts the file (it rejects a file with any 'software' item)"
        },
    )


class CslJsonExporter(BaseExporter):
    name: ClassVar[str] = "csl-json"
    aliases: ClassVar[tuple[str, ...]] = ("csl", "csljson")
    extension: ClassVar[str] = ".json"
    media_type: ClassVar[str] = "application/vnd.citationstyles.csl+json"
    description: ClassVar[str] = "CSL-JSON items for pandoc, citeproc processors and Zotero."
    default_filename: ClassVar[str] = "mlops-refs.json"
    Options = CslJsonOptions

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as a CSL-JSON array, one item per line, in catalog order.

        One item a line keeps diffs readable and lets the C JSON encoder do the work (``indent`` would not).
        """
        encode = json.JSONEncoder(ensure_ascii=False).encode
        separator = "[\n"
        for resource in catalog.resources:
            stream.write(separator + encode(self.item(resource)))
            separator = ",\n"
        stream.write("[]\n" if separator == "[\n" else "\n]\n")

    def item(self, r: Resource) -> dict[str, Any]:
        """The CSL item for one resource, keys in a fixed order."""
        zotero = self.options.zotero_compatible
        csl_type = format_type(r.type, "csl")
        if zotero and csl_type == "software":
            csl_type = "book"
        publisher = _publisher(r)
        number = f"arXiv:{r.arxiv}" if r.type == "preprint" and r.arxiv else r.number
        fields: dict[str, Any] = {
            "id": r.id,
            "type": csl_type,
            "title": r.title,
            "author": [_name(p, zotero) for p in r.authors],
            "editor": [_name(p, zotero) for p in r.editors],
            "issued": _date(r.issued),
            "accessed": _date(r.accessed),
            "container-title": None if r.type == "preprint" and r.container == publisher else r.container,
            "publisher": publisher,
            "volume": r.volume,
            "issue": r.issue,
            "page": r.pages,
            "number": number,
            "DOI": r.doi,
            "URL": r.url,
            "ISBN": r.isbn,
            "abstract": r.summary,
            "keyword": ", ".join(r.tags),
            "note": r.note,
            "language": r.language,
            "custom": _custom(r),
        }
        return {key: value for key, value in fields.items() if value}


def _publisher(r: Resource) -> str | None:
    """Publisher, institution or repository, in the variable Zotero maps to each type's publisher field."""
    if r.type == "preprint":
        return r.publisher or r.container or ("arXiv" if r.arxiv else None)
    if r.type in {"report", "thesis"}:
        return r.institution or r.publisher
    return r.publisher or r.institution


def _name(person: Person, zotero: bool) -> dict[str, str]:
    """A CSL name object: literal for organisations, name parts for people."""
    if person.literal is not None:
        return {"literal": person.literal}
    if zotero:
        parts = {"family": person.full_family, "given": person.given, "suffix": person.suffix}
    else:
        parts = {
            "family": person.family,
            "given": person.given,
            "non-dropping-particle": person.particle,
            "suffix": person.suffix,
        }
    return {key: value for key, value in parts.items() if value}


def _date(date: PartialDate | None) -> dict[str, list[list[int]]] | None:
    """A CSL date object with date-parts at the known precision."""
    return None if date is None else {"date-parts": [list(date.parts)]}


def _custom(r: Resource) -> dict[str, Any]:
    """Data without a CSL variable: collection ids, the arXiv id of non-preprints, the arXiv class."""
    custom: dict[str, Any] = {"collections": list(r.collection_ids)}
    if r.arxiv and r.type != "preprint":
        custom["arxiv"] = r.arxiv
    if r.arxiv_class:
        custom["arxiv-class"] = r.arxiv_class
    return {key: value for key, value in custom.items() if value}
