"""RIS: every line obeys the tag grammar, and rispy reads back the catalog's values."""

from __future__ import annotations

import re

import pytest
import rispy

from mlops_refs.exporters import dumps
from mlops_refs.exporters.ris import RisExporter
from mlops_refs.model import Catalog, Person, Resource

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]

# The decision record: our type -> RIS TY code (FORMATS.md §6, Zotero's RIS.js type maps).
EXPECTED_TYPES = {
    "journal-article": "JOUR",
    "conference-paper": "CONF",
    "preprint": "MANSCPT",
    "report": "RPRT",
    "book": "BOOK",
    "chapter": "CHAP",
    "thesis": "THES",
    "software": "COMP",
    "service": "COMP",
    "webpage": "ELEC",
    "documentation": "ELEC",
    "blog-post": "BLOG",
    "news-article": "NEWS",
    "video": "VIDEO",
    "dataset": "DATA",
    "course": "ELEC",
}

# Two upper-case letters/digits, two spaces, hyphen, space, then a value without surrounding blanks.
TAG_LINE = re.compile(r"[A-Z][A-Z0-9]  - (?:\S(?:.*\S)?)?")
# The line reader of Zotero's RIS.js, which accepts a little more.
ZOTERO_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")


def name_of(person: Person) -> str:
    """The AU value expected for a person or organisation."""
    if person.literal is not None:
        return person.literal
    return ", ".join(p for p in (person.full_family, person.given, person.suffix) if p)


def records_of(catalog: Catalog, **options: bool) -> list[dict]:
    """The exporter's output for a catalog, parsed back with rispy."""
    return rispy.loads(dumps(RisExporter(**options), catalog))


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_rispy_reads_back_every_record(catalog_name: str, request: pytest.FixtureRequest) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    records = records_of(catalog)
    assert [rec["id"] for rec in records] == [r.id for r in catalog.resources]
    for r, rec in zip(catalog.resources, records, strict=True):
        assert_record_equals_resource(rec, r)


def assert_record_equals_resource(rec: dict, r: Resource) -> None:
    """Each tag holds the catalog's value."""
    assert rec["type_of_reference"] == EXPECTED_TYPES[r.type]
    assert rec["title"] == r.title
    assert rec.get("authors", []) == [name_of(p) for p in r.authors]
    editors = rec.get("secondary_authors", []) + rec.get("tertiary_authors", [])
    editors += rec.get("unknown_tag", {}).get("ED", [])
    assert editors == [name_of(p) for p in r.editors]
    assert rec.get("year") == (str(r.issued.year) if r.issued else None)
    assert rec.get("doi") == r.doi
    assert rec["urls"] == [r.url]
    assert rec.get("keywords", []) == list(r.tags)
    assert_container_where_zotero_reads_it(rec, r)
    note_lines = [line.strip() for line in (r.note or "").splitlines() if line.strip()]
    assert rec.get("notes", []) == ([" ".join(note_lines)] if note_lines else [])
    assert rec.get("abstract") == r.summary
    assert rec.get("language") == (None if r.type in {"software", "service"} else r.language)
    arxiv = ("arXiv", r.arxiv) if r.arxiv else (None, None)
    assert (rec.get("name_of_database"), rec.get("accession_number")) == arxiv


def assert_container_where_zotero_reads_it(rec: dict, r: Resource) -> None:
    """T2 where Zotero's RIS.js reads it as the container; elsewhere the field Zotero RDF uses for it."""
    publisher = (
        (r.institution or r.publisher) if r.type in {"report", "thesis"} else (r.publisher or r.institution)
    )
    ris_type = EXPECTED_TYPES[r.type]
    placed = {
        "secondary_title": rec.get("secondary_title"),
        "publisher": rec.get("publisher"),
        "database_provider": rec.get("database_provider"),
        "note": rec.get("note"),
    }
    if ris_type == "VIDEO":
        expected = {"publisher": publisher, "database_provider": r.container}
    elif ris_type == "COMP":
        expected = {"publisher": publisher or r.container, "note": r.container if publisher else r.number}
    elif ris_type == "DATA":
        expected = {"publisher": publisher or r.container}
    elif ris_type == "MANSCPT" and r.arxiv:
        expected = {"publisher": publisher}
    else:
        expected = {"secondary_title": r.container, "publisher": publisher}
    expected.setdefault("note", None if ris_type == "RPRT" else r.number)
    assert placed == {key: expected.get(key) for key in placed}, r.id


@pytest.mark.parametrize("catalog_name", CATALOGS)
@pytest.mark.parametrize("crlf", [False, True])
def test_every_line_matches_the_ris_grammar(
    catalog_name: str, crlf: bool, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    text = dumps(RisExporter(crlf=crlf), catalog)
    newline = "\r\n" if crlf else "\n"
    assert text.endswith("ER  - " + newline)
    assert text.count("\r") == (text.count("\n") if crlf else 0)
    blocks = text[: -len(newline)].split(newline * 2)
    assert len(blocks) == len(catalog.resources)
    for block in blocks:
        lines = block.split(newline)
        assert lines[0].startswith("TY  - ")
        assert lines[-1] == "ER  - "
        bad = [line for line in lines if not TAG_LINE.fullmatch(line) or not ZOTERO_LINE.match(line)]
        assert bad == []


def test_crlf_option_changes_only_line_endings(bundled_catalog: Catalog) -> None:
    lf = dumps(RisExporter(), bundled_catalog)
    assert dumps(RisExporter(crlf=True), bundled_catalog) == lf.replace("\n", "\r\n")
    assert records_of(bundled_catalog, crlf=True) == rispy.loads(lf)


def test_dates_pages_and_numbers(good_catalog: Catalog) -> None:
    records = {rec["id"]: rec for rec in records_of(good_catalog)}
    paper = records["vaswani2017attention"]
    assert (paper["date"], paper["access_date"]) == ("2017/12//", "2024/01/15/")
    assert (paper["start_page"], paper["end_page"]) == ("5998", "6008")
    assert (
        paper["custom3"] == paper["secondary_title"] == "Advances in Neural Information Processing Systems 30"
    )
    assert records["beethoven-book"]["date"] == "1999///"
    assert records["beethoven-book"]["issn"] == "978-3-16-148410-0"
    assert records["beethoven-book"]["tertiary_authors"] == ["de la Vallée Poussin, Charles-Jean"]
    assert records["sigelman2010dapper"]["issn"] == "dapper-2010-1"
    assert records["sigelman2010dapper"]["publisher"] == "Google, Inc."
    assert "date" not in records["dvc"]
    assert "year" not in records["dvc"]


def test_note_line_breaks_are_folded(evil_catalog: Catalog) -> None:
    (rec,) = (rec for rec in records_of(evil_catalog) if rec["id"] == "evil-specials")
    assert rec["notes"] == ["Note line one. Line two: # % & { } \\ ~ ^ $ _ < > \" '"]
