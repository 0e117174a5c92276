"""RIS: tagged records that Zotero, EndNote, Mendeley, RefWorks and most reference managers import.

Every line is ``XX  - value``; records end with ``ER  - `` and are separated by a blank line. RIS has no
escaping, so line breaks inside a value (notes, titles) are folded into single spaces to keep each line a tag.
RIS has no folders: collections are not exported. Items without a publication date get no PY/DA. The
abstract goes to N2 (AB holds the summary); extra fields named by a RIS tag are written under that tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, ClassVar

from ..crosswalk import format_type
from . import BaseExporter, Options

if TYPE_CHECKING:
    from ..model import Catalog, PartialDate, Person, Resource

# Zotero and EndNote read A2 as the editor for these types and A3 for books; ED means editor everywhere.
EDITOR_TAGS: dict[str, str] = {
    "journal-article": "A2",
    "conference-paper": "A2",
    "chapter": "A2",
    "book": "A3",
}

# Extra fields read from RIS keep their tag as name and are written back under it, after ID (so that the
# record's own ID stays the first); TY and ER would break the record.
EXTRA_TAG = re.compile(r"(?!TY|ER)[A-Z][A-Z0-9]")

PAGE_RANGE = re.compile(r"(.+?)[\s\u002d\u00ad\u2010-\u2015\u2212]+(.+)")


@dataclass(frozen=True)
class RisOptions(Options):
    crlf: bool = field(
        default=False,
        metadata={"help": "end lines with CRLF, as the RIS specification and Zotero's exporter do"},
    )


# What str.splitlines() splits on.
LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class RisExporter(BaseExporter):
    name: ClassVar[str] = "ris"
    aliases: ClassVar[tuple[str, ...]] = ()
    extension: ClassVar[str] = ".ris"
    media_type: ClassVar[str] = "application/x-research-info-systems"
    description: ClassVar[str] = "RIS records for Zotero, EndNote, Mendeley and other reference managers."
    default_filename: ClassVar[str] = "mlops-refs.ris"
    Options = RisOptions

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as RIS, one record per resource in catalog order."""
        newline = "\r\n" if self.options.crlf else "\n"
        separator = ""
        for r in catalog.resources:
            stream.write(separator + newline.join(record_lines(r)) + newline)
            separator = newline


def record_lines(r: Resource) -> list[str]:
    """The lines of one record, from TY to ER."""
    pairs: list[tuple[str, str | None]] = [("TI", r.title)]
    pairs += [("AU", _name(p)) for p in r.authors]
    pairs += [(EDITOR_TAGS.get(r.type, "ED"), _name(p)) for p in r.editors]
    pairs += [("A4", _name(p)) for p in r.translators]
    ris_type = format_type(r.type, "ris")
    if r.type in {"report", "thesis"}:
        publisher = r.institution or r.publisher
    else:
        publisher = r.publisher or r.institution
    pairs += _container(r, ris_type, publisher)
    pairs += [("T3", r.series), ("ET", r.edition), ("SE", r.chapter), ("CY", r.place)]
    pairs += [("VL", r.volume), ("IS", r.issue), *_pages(r.pages)]
    if r.issued is not None:
        pairs += [("PY", f"{r.issued.year:04d}"), ("DA", _date(r.issued))]
    pairs += [("SN" if r.type == "report" else "M1", r.number), ("SN", r.isbn), ("SN", r.issn)]
    pairs += [("DO", r.doi), ("UR", r.url)]
    if r.arxiv:
        pairs += [("DB", "arXiv"), ("AN", r.arxiv)]
    pairs += [("Y2", _date(r.accessed) if r.accessed else None), ("AB", r.summary), ("N2", r.abstract)]
    # Zotero reads LA on a COMP record as the programming language: a program's language is left out.
    pairs += [("N1", r.note), ("LA", None if ris_type == "COMP" else r.language)]
    pairs += [*(("KW", tag) for tag in r.tags), ("ID", r.id)]
    pairs += [(name, value) for name, value in r.extra if EXTRA_TAG.fullmatch(name)]
    lines = [f"TY  - {ris_type}"]
    lines += [f"{tag}  - {text}" for tag, value in pairs if value and (text := _fold(value))]
    lines.append("ER  - ")
    return lines


def _container(r: Resource, ris_type: str, publisher: str | None) -> list[tuple[str, str | None]]:
    """The container and publisher tags, placed where Zotero's RIS.js reads them for each record type.

    T2 is the container for journal, conference, chapter, web page, blog and news records. Elsewhere Zotero
    reads T2 as a series title or a note, so the container goes where the Zotero RDF export puts it: a
    video's platform in DP (library catalog), a program's platform in M1 (system) beside its company, a data
    set's portal in PB (repository); an arXiv preprint's repository is already in DB.
    """
    container = r.container
    if ris_type == "VIDEO":
        return [("PB", publisher), ("DP", container)]
    if ris_type == "COMP":
        return [("PB", publisher or container), ("M1", container if publisher else None)]
    if ris_type == "DATA":
        return [("PB", publisher or container)]
    if ris_type == "MANSCPT" and r.arxiv:
        return [("PB", publisher)]
    pairs = [("T2", container)]
    if ris_type == "CONF" and not any(name == "C3" for name, _ in r.extra):
        pairs.append(("C3", container))  # a proceedings title of its own, read from RIS, stays in extra
    return [*pairs, ("PB", publisher)]


def _name(person: Person) -> str:
    """'Family, Given[, Suffix]' with the particle kept in the family part; organisations as written."""
    if person.literal is not None:
        return person.literal
    return ", ".join(p for p in (person.full_family, person.given, person.suffix) if p)


def _pages(pages: str | None) -> list[tuple[str, str | None]]:
    """SP and EP from a page range, SP alone for a single page or text ('Number of Pages')."""
    match = PAGE_RANGE.fullmatch(pages.strip()) if pages else None
    if match and any(c.isdigit() for c in match[1]) and any(c.isdigit() for c in match[2]):
        return [("SP", match[1]), ("EP", match[2])]
    return [("SP", pages)]


def _date(date: PartialDate) -> str:
    """RIS date 'YYYY/MM/DD/' with empty unknown parts, e.g. '2020/03//'."""
    month = f"{date.month:02d}" if date.month else ""
    day = f"{date.day:02d}" if date.day else ""
    return f"{date.year:04d}/{month}/{day}/"


def _fold(value: str | None) -> str:
    """The value on one line: every line break (any Unicode kind) and surrounding blanks become one space."""
    if not value:
        return ""
    if value.isprintable() or not LINE_BREAKS.search(value):  # every line break is unprintable
        return value.strip()
    return " ".join(part.strip() for part in (value or "").splitlines() if part.strip())
