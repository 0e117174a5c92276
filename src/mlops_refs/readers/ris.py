"""Reading RIS: the tagged records EndNote, Zotero, Mendeley, Scopus, PubMed and databases export.

The line grammar is Zotero's (``TY  - JOUR``, one or two spaces, empty values allowed); a line that is not a
tag continues the value above it. Junk before a record, a missing ``ER``, repeated tags and vendor tags are
read and reported, never fatal. Tags with no field of their own are kept in ``extra`` under their tag, so
that writing the catalog back as RIS gives them back. RIS has no folders: records are read into no
collection. The tag meanings follow what our writer (``exporters/ris.py``) writes, and Zotero's RIS.js for
the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..crosswalk import catalog_type
from ..model import Catalog, PartialDate, Person
from .base import NotThisFormatError, Report
from .builder import CatalogBuilder
from .dates import make_date
from .names import parse_inverted
from .textio import decode

#: Fields RIS cannot carry (our writer has no tag for them; "collection." names a Collection field), and
#: some it carries in part: ``type`` (where crosswalk.py gives several of our types one code),
#: ``institution`` (PB holds the institution of a report or thesis, the publisher of anything else),
#: ``container`` (not written for a data set with a publisher, nor for an arXiv preprint) and ``language``
#: (not written for a program: Zotero reads LA there as its programming language).
LOST_FIELDS: frozenset[str] = frozenset(
    {"collection_ids", "arxiv_class", "original_date", "pmid", "pmcid", "added", "aliases"}
    | {"collection.title", "collection.kind", "collection.parent_id", "collection.summary", "collection.url"}
    | {"type", "institution", "container", "language"}
)

#: RIS codes our writers never write (crosswalk.py has those) that mean one of our types exactly.
RIS_SYNONYMS: dict[str, str] = {
    "EJOUR": "journal-article",
    "CPAPER": "conference-paper",
    "UNPB": "manuscript",  # "unpublished work"
    "EBOOK": "book",
    "ECHAP": "chapter",
    "WEB": "webpage",
    "FIGURE": "image",
}

#: RIS type codes that have no type of ours; read as the nearest one, with a report line.
RIS_TYPE_NEAR: dict[str, str] = {
    "ABST": "journal-article",
    "INPR": "journal-article",
    "JFULL": "journal-article",
    "EDBOOK": "book",
    "SER": "book",
    "CLSWK": "book",
    "DICT": "encyclopedia-entry",
    "GOVDOC": "report",
    "STAT": "legal",
    "BILL": "legal",
    "UNBILL": "legal",
    "HEAR": "legal",
    "LEGAL": "legal",
    "MUSIC": "audio",
    "CHART": "image",
    "ICOMM": "letter",
    "MPCT": "video",
    "ADVS": "video",
    "MULTI": "video",
    "DBASE": "dataset",
    "AGGR": "dataset",
    "UNPD": "manuscript",
    "PAMP": "document",
    "ANCIENT": "document",
    "CTLG": "document",
    "EQUA": "document",
    "GRANT": "document",
}
FALLBACK_TYPE = "document"

#: Every tag of the RIS specification (and Zotero's reading of it); anything else is a vendor's own.
RIS_TAGS = frozenset(
    [
        "TY",
        "A1",
        "A2",
        "A3",
        "A4",
        "AB",
        "AD",
        "AN",
        "AU",
        "AV",
        "BT",
        "C1",
        "C2",
        "C3",
        "C4",
        "C5",
        "C6",
        "C7",
        "C8",
        "CA",
        "CN",
        "CP",
        "CT",
        "CY",
        "DA",
        "DB",
        "DO",
        "DP",
        "ED",
        "EP",
        "ET",
        "ID",
        "IS",
        "J1",
        "J2",
        "JA",
        "JF",
        "JO",
        "KW",
        "L1",
        "L2",
        "L3",
        "L4",
        "LA",
        "LB",
        "LK",
        "M1",
        "M2",
        "M3",
        "N1",
        "N2",
        "NV",
        "OP",
        "PB",
        "PP",
        "PY",
        "RI",
        "RN",
        "RP",
        "SE",
        "SN",
        "SP",
        "ST",
        "T1",
        "T2",
        "T3",
        "TA",
        "TI",
        "TT",
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "UR",
        "VL",
        "VO",
        "Y1",
        "Y2",
        "ER",
    ]
)

LINE = re.compile(r"([A-Z][A-Z0-9]) {1,2}-(?: (.*))?")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
WEB_OF_SCIENCE = re.compile(r"\ufeff?(FN|VR) ")

TITLE_TAGS = ("TI", "T1", "CT")
CONTAINER_TAGS = ("T2", "JF", "BT", "C3", "JO", "JA", "J2")
DATE_TAGS = ("DA", "Y1", "PY")  # DA beats the deprecated Y1; PY often holds the year alone
SINGLE_FIELDS = {
    "VL": "volume",
    "IS": "issue",
    "ET": "edition",
    "T3": "series",
    "CY": "place",
    "PP": "place",
    "SE": "chapter",
    "LA": "language",
    "AB": "summary",
    "N2": "abstract",
    "N1": "note",
    "M1": "number",
}
#: Types whose A2 is the editor (Zotero's reading); a book's editor is A3. ED is the editor everywhere.
A2_EDITOR_TYPES = frozenset(
    {"journal-article", "conference-paper", "chapter", "encyclopedia-entry", "document"}
)
PUBLISHER_IS_INSTITUTION = frozenset({"report", "thesis"})
#: Where our writer (after Zotero's RIS.js) puts the container of records whose T2 means something else:
#: a video's platform in DP, a program's in M1, a data set's portal in PB (as its publisher), an arXiv
#: preprint's repository in DB. Their T2, JF... are kept as extra fields.
CONTAINER_SOURCES: dict[str, tuple[str, ...]] = {
    "video": ("DP",),
    "software": ("M1",),
    "dataset": (),
    "preprint": (),
}
#: Tags whose meaning differs by type: Zotero reads LA on a program as its programming language.
KEPT_AS_EXTRA = frozenset({("LA", "software")})
NAME_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "ED"})

DOI = re.compile(r"10\.\d{4,9}/\S+")
DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
ONLY_DOI = re.compile(r"\s*(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/\S+\s*", re.IGNORECASE)
ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")
ISSN_PREFIX = re.compile(r"(\d{4}-?\d{3}[\dXx])\s*\(.*\)")
ISBN = re.compile(r"(?:97[89][- ]?)?(?:\d[- ]?){9}[\dXx]")
URL_SPLIT = re.compile(r"\s*;\s*(?=[A-Za-z][A-Za-z0-9+.-]*://|www\.)")
HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
BARE_HOST = re.compile(r"(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?")
RIS_DATE = re.compile(r"(\d{4})?(?:/(\d{0,2})(?:/(\d{0,2})(?:/(.*))?)?)?")
YEAR = re.compile(r"\b(\d{4})\b")


@dataclass
class _Tag:
    tag: str
    value: str
    line: int
    more: list[str] = field(default_factory=list)  # continuation lines, joined once the record is read


@dataclass
class _Record:
    line: int
    type_code: str
    tags: list[_Tag] = field(default_factory=list)


class RisReader:
    """RIS files to a catalog: every ``TY`` record becomes one resource."""

    name: ClassVar[str] = "ris"
    extensions: ClassVar[tuple[str, ...]] = (".ris",)
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True when one of the first non-blank lines is a ``TY  - `` line."""
        lines = [line for line in LINE_BREAK.split(head.lstrip("\ufeff")) if line.strip()][:8]
        return any((m := LINE.fullmatch(line.rstrip())) and m[1] == "TY" for line in lines)

    def read(self, data: bytes, report: Report) -> Catalog:
        """The records of a RIS file, each a resource in no collection; losses go to ``report``."""
        report.format = report.format or self.name
        text = decode(data, report)
        first = next((line for line in LINE_BREAK.split(text) if line.strip()), "")
        if WEB_OF_SCIENCE.match(first):
            raise NotThisFormatError(
                f"{report.file}: a Web of Science tagged file (FN/VR/PT lines), not RIS; "
                "export 'Other reference software' (RIS) from Web of Science instead"
            )
        records = split_records(text, report)
        if not records:
            raise NotThisFormatError(f"{report.file}: no RIS record (no 'TY  - ' line); is it a RIS file?")
        builder = CatalogBuilder(report)
        for record in records:
            fields, key = record_fields(record, report)
            builder.add(fields, record.line, key=key)
        return builder.build()


def split_records(text: str, report: Report) -> list[_Record]:
    """The records of a file, each with its tags in order; continuation lines joined to their tag."""
    records: list[_Record] = []
    current: _Record | None = None
    junk = False
    for number, raw in enumerate(LINE_BREAK.split(text), start=1):
        if number == 1:
            raw = raw.lstrip("\ufeff")
        match = LINE.fullmatch(raw.rstrip(" \t"))
        if match is None:
            if current is not None and current.tags:
                current.tags[-1].more.append(raw.strip())
            elif raw.strip(" \t\ufeff") and not junk:
                junk = True
                report.add(number, "", f"text outside a record ignored: {_quote(raw)}")
            continue
        tag, value = match[1], (match[2] or "").strip()
        if tag == "TY":
            if current is not None:
                report.add(current.line, "ER", "record ended by the next TY without an ER line", "note")
            current = _Record(number, value)
            records.append(current)
            junk = False
        elif current is None:
            if not junk:
                junk = True
                report.add(number, tag, f"tag outside a record ignored: {_quote(raw)}")
        elif tag == "ER":
            if value:
                report.add(number, "ER", f"text after ER ignored: {_quote(value)}")
            current = None
        else:
            current.tags.append(_Tag(tag, value, number))
    if current is not None:
        report.add(current.line, "ER", "the last record has no ER line (file cut off?); kept", "note")
    return records


def record_fields(record: _Record, report: Report) -> tuple[dict[str, Any], str | None]:
    """The Resource fields of one record and its key (ID), reporting what did not fit."""
    return _RecordReader(record, report).fields()


class _RecordReader:
    """Maps one record's tags to fields; every tag that has no field is kept in ``extra`` and reported."""

    def __init__(self, record: _Record, report: Report) -> None:
        self.record = record
        self.report = report
        self.out: dict[str, Any] = {}
        self.extra: list[tuple[str, str]] = []
        self.people: dict[str, list[Person]] = {"authors": [], "editors": [], "translators": []}
        self.tags: list[str] = []
        self.dois: list[tuple[str, _Tag]] = []

    def fields(self) -> tuple[dict[str, Any], str | None]:
        for t in self.record.tags:
            if t.more:
                t.value = "\n".join([t.value, *t.more]).strip()
        rtype = self._type()
        self.out["type"] = rtype
        by_tag: dict[str, list[_Tag]] = {}
        for t in self.record.tags:
            if t.value:
                by_tag.setdefault(t.tag, []).append(t)
        self._arxiv(by_tag)
        rtype = self.out["type"]
        self._title(by_tag)
        self._pick("container", CONTAINER_SOURCES.get(rtype, CONTAINER_TAGS), by_tag)
        self._dates(by_tag)
        self._pages(by_tag)
        key = self._key(by_tag)
        left = {id(t) for tags in by_tag.values() for t in tags}
        for t in self.record.tags:
            if id(t) in left:
                self._tag(t, rtype)
        self._doi_from_notes()
        for role, people in self.people.items():
            if people:
                self.out[role] = tuple(people)
        if self.tags:
            self.out["tags"] = self.tags
        if self.extra:
            self.out["extra"] = tuple(self.extra)
        return self.out, key

    def _type(self) -> str:
        code = self.record.type_code.upper()
        known = catalog_type("ris", code) or RIS_SYNONYMS.get(code)
        if known is not None:
            return known
        if code in RIS_TYPE_NEAR:
            near = RIS_TYPE_NEAR[code]
            self.report.add(
                self.record.line, "TY", f"type {code} has no exact match; read as {near}", "guessed"
            )
            return near
        self.report.add(
            self.record.line,
            "TY",
            f"unknown type {_quote(self.record.type_code)}; read as {FALLBACK_TYPE}",
            "guessed",
        )
        return FALLBACK_TYPE

    def _title(self, by_tag: dict[str, list[_Tag]]) -> None:
        tags = TITLE_TAGS + (("BT",) if self.out["type"] == "book" else ()) + ("ST",)
        self._pick("title", tags, by_tag)
        if "title" not in self.out:
            self.out["title"] = "(untitled)"
            self.report.add(self.record.line, "TI", "record has no title; titled '(untitled)'", "guessed")

    def _pick(self, name: str, tags: tuple[str, ...], by_tag: dict[str, list[_Tag]]) -> None:
        """The first value of the first present tag is the field; other different values go to extra."""
        chosen: str | None = None
        for tag in tags:
            for t in by_tag.pop(tag, ()):
                value = _one_line(t.value)
                if chosen is None:
                    chosen = self.out[name] = value
                elif value != chosen:
                    self._keep(t, f"{t.tag} differs from the {name} read from an earlier tag")

    def _dates(self, by_tag: dict[str, list[_Tag]]) -> None:
        chosen: PartialDate | None = None
        for tag in DATE_TAGS:
            for t in by_tag.pop(tag, ()):
                date = self._date(t)
                if date is None:
                    continue
                if chosen is None:
                    chosen = self.out["issued"] = date
                elif chosen.parts[: len(date.parts)] != date.parts:
                    self._keep(t, f"date {t.value} differs from the date used, {chosen.iso()}")

    def _date(self, t: _Tag) -> PartialDate | None:
        """A RIS date 'YYYY/MM/DD/other' with empty or zero unknown parts; a bare year found in text."""
        match = RIS_DATE.fullmatch(t.value.strip())
        if match and match[1]:
            year, month, day = (int(p) if p and int(p) else None for p in match.groups()[:3])
            if match[4] and match[4].strip():
                self.report.add(t.line, t.tag, f"date part {_quote(match[4].strip())} dropped")
            date = make_date(year or 0, month, day if month else None) if year else None
            if date is not None:
                return date
        found = YEAR.search(t.value)
        if found:
            self.report.add(
                t.line, t.tag, f"not a RIS date {_quote(t.value)}; read the year {found[1]}", "guessed"
            )
            return PartialDate(int(found[1]))
        self._keep(t, f"not a date: {_quote(t.value)}")
        return None

    def _pages(self, by_tag: dict[str, list[_Tag]]) -> None:
        start = by_tag.pop("SP", [])
        end = by_tag.pop("EP", [])
        first = start[0].value if start else None
        last = end[0].value if end else None
        if first and last and first != last:
            self.out["pages"] = f"{first}-{last}"
        elif first or last:
            self.out["pages"] = first or last
        for t in start[1:] + end[1:]:
            self._keep(t, f"a second {t.tag}")

    def _key(self, by_tag: dict[str, list[_Tag]]) -> str | None:
        ids = by_tag.pop("ID", [])
        for t in ids[1:]:
            self._keep(t, "a second ID")
        return ids[0].value if ids else None

    def _arxiv(self, by_tag: dict[str, list[_Tag]]) -> None:
        """DB arXiv + AN is an arXiv id; a manuscript from arXiv is a preprint, and arXiv its container."""
        databases = by_tag.get("DB", [])
        numbers = by_tag.get("AN", [])
        if databases and numbers and databases[0].value.lower() == "arxiv":
            self.out["arxiv"] = numbers[0].value
            if self.out["type"] == "manuscript":
                self.out["type"] = "preprint"
                self.out["container"] = databases[0].value
            by_tag["DB"], by_tag["AN"] = databases[1:], numbers[1:]

    def _tag(self, t: _Tag, rtype: str) -> None:
        tag = t.tag
        if tag in NAME_TAGS:
            self._names(t, rtype)
        elif tag == "KW":
            self.tags.extend(v for v in re.split(r"\s*[\n;]\s*", t.value) if v)
        elif tag == "UR":
            self._urls(t)
        elif tag == "DO":
            self._doi(t)
        elif tag == "PB":
            self._single(t, "institution" if rtype in PUBLISHER_IS_INSTITUTION else "publisher")
        elif tag == "SN":
            self._serial(t, rtype)
        elif tag == "Y2":
            date = self._date(t)
            if date is not None:
                self._single_value(t, "accessed", date)
        elif tag == "M3" and (doi := self._doi_text(t.value)):
            self.dois.append((doi, t))  # the DOI again, as publishers write it, or the only one
            self._keep(t, "no field for M3")
        elif (tag, rtype) in KEPT_AS_EXTRA:
            self._keep(t, f"{tag} of a {rtype} is not its language")
        elif tag in SINGLE_FIELDS:
            self._single(t, SINGLE_FIELDS[tag])
        elif tag in RIS_TAGS:
            self._keep(t, f"no field for {tag}")
        else:
            self._keep(t, f"{tag} is not a RIS tag (a vendor's own)")

    def _names(self, t: _Tag, rtype: str) -> None:
        tag = t.tag
        if tag in ("AU", "A1"):
            role = "authors"
        elif tag == "ED" or (tag == "A2" and rtype in A2_EDITOR_TYPES) or (tag == "A3" and rtype == "book"):
            role = "editors"
        elif tag == "A4":
            role = "translators"
        else:
            self._keep(t, f"no field for {tag} names in a {rtype}")
            return
        for part in re.split(r"\s*[\n;]\s*", t.value):
            person = parse_inverted(part)
            if person is not None:
                self.people[role].append(person)

    def _urls(self, t: _Tag) -> None:
        for url in URL_SPLIT.split(_one_line(t.value)):
            if not HAS_SCHEME.match(url):
                if BARE_HOST.fullmatch(url):
                    self.report.add(
                        t.line, "UR", f"no scheme in {_quote(url)}; read as http://{url}", "changed"
                    )
                    url = f"http://{url}"
                else:
                    self._keep(_Tag("UR", url, t.line), "not a URL")
                    continue
            if "url" in self.out:
                if url != self.out["url"]:
                    self._keep(_Tag("UR", url, t.line), "a second URL")
            else:
                self.out["url"] = url

    def _doi(self, t: _Tag) -> None:
        doi = self._doi_text(t.value)
        if doi is None:
            self._keep(t, "not a DOI")
            return
        if doi != t.value:
            self.report.add(t.line, "DO", f"DOI {_quote(t.value)} read as {doi}", "changed")
        self._single_value(t, "doi", doi)

    @staticmethod
    def _doi_text(value: str) -> str | None:
        match = DOI.search(DOI_PREFIX.sub("", value.strip()))
        return match[0].rstrip(".,;") if match else None

    def _doi_from_notes(self) -> None:
        """A DOI that only M3 or N1 holds ('doi: 10.1063/1.1954747') becomes the DOI; repeats are dropped."""
        if "doi" not in self.out:
            note = self.out.get("note", "")
            note_doi = self._doi_text(note) if ONLY_DOI.fullmatch(note) else None
            if self.dois:
                doi, t = self.dois[0]
                self.out["doi"] = doi
                self.report.add(t.line, "M3", f"DOI {doi} read from M3", "guessed")
            elif note_doi:
                self.out["doi"] = note_doi
                self.report.add(self.record.line, "N1", f"DOI {note_doi} read from the note", "guessed")

    def _serial(self, t: _Tag, rtype: str) -> None:
        value = t.value.strip()
        if ISSN.fullmatch(value):
            self._single_value(t, "issn", value)
        elif ISBN.fullmatch(value):
            self._single_value(t, "isbn", value)
        elif (match := ISSN_PREFIX.fullmatch(value)) is not None:
            self.report.add(t.line, "SN", f"ISSN {_quote(value)} read as {match[1]}", "changed")
            self._single_value(t, "issn", match[1])
        elif rtype == "report":
            self._single(t, "number")
        else:
            self._keep(t, "SN is neither an ISSN nor an ISBN")

    def _single(self, t: _Tag, name: str) -> None:
        self._single_value(t, name, _one_line(t.value))

    def _single_value(self, t: _Tag, name: str, value: Any) -> None:
        """Set a one-value field; a later, different value is kept as an extra field under its tag."""
        if name not in self.out:
            self.out[name] = value
        elif self.out[name] != value:
            self._keep(t, f"a second {t.tag}")

    def _keep(self, t: _Tag, why: str) -> None:
        self.extra.append((t.tag, _one_line(t.value)))
        self.report.add(t.line, t.tag, f"{why}; kept as an extra field", "note")


def _one_line(value: str) -> str:
    """A value whose continuation lines are joined by single spaces (line breaks mean nothing in RIS)."""
    return " ".join(value.split()) if "\n" in value else value.strip()


def _quote(text: str, limit: int = 60) -> str:
    """A short, single-quoted excerpt of a value for a report line."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
