"""CSL-JSON: the citation data that citeproc processors (pandoc, citeproc-js, Zotero, citeproc-py) format.

The output is a JSON array of CSL 1.0 items, valid against the official csl-data.json schema. Anything without
a CSL variable (collections, the arXiv id of a published paper, its arXiv class, the abstract, since
``abstract`` holds the summary, the added date, aliases, extra fields) goes under ``custom``. An extra field
named by a CSL variable is written as that variable.
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

# The CSL 1.0.2 variables by kind (csl-data.json); an extra field named by one is written as that variable.
NAME_VARIABLES = frozenset(
    [
        "author",
        "chair",
        "collection-editor",
        "compiler",
        "composer",
        "container-author",
        "contributor",
        "curator",
        "director",
        "editor",
        "editorial-director",
        "executive-producer",
        "guest",
        "host",
        "interviewer",
        "illustrator",
        "narrator",
        "organizer",
        "original-author",
        "performer",
        "producer",
        "recipient",
        "reviewed-author",
        "script-writer",
        "series-creator",
        "translator",
    ]
)
DATE_VARIABLES = frozenset(
    ["accessed", "available-date", "event-date", "issued", "original-date", "submitted"]
)
STRING_VARIABLES = frozenset(
    [
        "categories",
        "language",
        "journalAbbreviation",
        "shortTitle",
        "abstract",
        "annote",
        "archive",
        "archive_collection",
        "archive_location",
        "archive-place",
        "authority",
        "call-number",
        "chapter-number",
        "citation-number",
        "citation-label",
        "collection-number",
        "collection-title",
        "container-title",
        "container-title-short",
        "dimensions",
        "division",
        "DOI",
        "edition",
        "event",
        "event-title",
        "event-place",
        "first-reference-note-number",
        "genre",
        "ISBN",
        "ISSN",
        "issue",
        "jurisdiction",
        "keyword",
        "locator",
        "medium",
        "note",
        "number",
        "number-of-pages",
        "number-of-volumes",
        "original-publisher",
        "original-publisher-place",
        "original-title",
        "page",
        "page-first",
        "part",
        "part-title",
        "PMCID",
        "PMID",
        "printing",
        "publisher",
        "publisher-place",
        "references",
        "reviewed-genre",
        "reviewed-title",
        "scale",
        "section",
        "source",
        "status",
        "supplement",
        "title",
        "title-short",
        "URL",
        "version",
        "volume",
        "volume-title",
        "volume-title-short",
        "year-suffix",
    ]
)


@dataclass(frozen=True)
class CslJsonOptions(Options):
    zotero_compatible: bool = field(
        default=False,
        metadata={
            "help": "write software as 'book' and name particles inside 'family', so Zotero's importer "
            "accepts the file (it rejects a file with any 'software' item)"
        },
    )


_RUN = 500  # items encoded together
_SHARED_ITEMS = 3000  # a catalog with this many resources is encoded in two processes


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
        A big catalog's items are encoded in runs, the later ones by a second process (``parallel.py``).
        """
        from ..parallel import map_shared

        resources = catalog.resources
        if not resources:
            stream.write("[]\n")
            return
        encode = json.JSONEncoder(ensure_ascii=False).encode

        def items(run: range) -> str:
            return ",\n".join([encode(self.item(resources[i])) for i in run])

        runs = [range(start, min(start + _RUN, len(resources))) for start in range(0, len(resources), _RUN)]
        stream.write("[\n")
        for n, text in enumerate(map_shared(items, runs, [len(run) for run in runs], _SHARED_ITEMS)):
            stream.write(",\n" + text if n else text)
        stream.write("\n]\n")

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
            "translator": [_name(p, zotero) for p in r.translators],
            "issued": _date(r.issued),
            "original-date": _date(r.original_date),
            "accessed": _date(r.accessed),
            "container-title": None if r.type == "preprint" and r.container == publisher else r.container,
            "collection-title": r.series,
            "publisher": publisher,
            "publisher-place": r.place,
            "edition": r.edition,
            "volume": r.volume,
            "issue": r.issue,
            "chapter-number": r.chapter,
            "page": r.pages,
            "number": number,
            "DOI": r.doi,
            "URL": r.url,
            "ISBN": r.isbn,
            "ISSN": r.issn,
            "PMID": r.pmid,
            "PMCID": r.pmcid,
            "abstract": r.summary,
            "keyword": ", ".join(r.tags),
            "note": r.note,
            "language": r.language,
        }
        item = {key: value for key, value in fields.items() if value}
        rest = _extra_variables(r, item)
        custom = _custom(r, rest)
        if custom:
            item["custom"] = custom
        return item


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


def _custom(r: Resource, extra: list[list[str]]) -> dict[str, Any]:
    """Data without a CSL variable: collection ids, the arXiv id of non-preprints, the arXiv class, the
    abstract (``abstract`` holds the summary), added date, aliases and extra fields no variable names."""
    custom: dict[str, Any] = {"collections": list(r.collection_ids)}
    if r.arxiv and r.type != "preprint":
        custom["arxiv"] = r.arxiv
    if r.arxiv_class:
        custom["arxiv-class"] = r.arxiv_class
    custom.update(abstract=r.abstract, added=r.added, aliases=list(r.aliases), extra=extra)
    return {key: value for key, value in custom.items() if value}


def _extra_variables(r: Resource, item: dict[str, Any]) -> list[list[str]]:
    """Add each extra field named by a free CSL variable to ``item``; return the others as [name, value]."""
    rest = []
    for name, value in r.extra:
        written: Any = None
        if name in item:
            pass
        elif name in STRING_VARIABLES:
            written = value
        elif name in DATE_VARIABLES:
            written = {"literal": value}
        elif name in NAME_VARIABLES:
            written = _name_list(value)
        if written:
            item[name] = written
        else:
            rest.append([name, value])
    return rest


def _name_list(text: str) -> list[dict[str, str]] | None:
    """Name objects kept as JSON text by the reader, or None when the text is not a list of them."""
    try:
        names = json.loads(text)
    except (ValueError, RecursionError):
        return None
    valid = isinstance(names, list) and all(
        isinstance(n, dict) and n and all(isinstance(k, str) and isinstance(v, str) for k, v in n.items())
        for n in names
    )
    return names if valid and names else None
