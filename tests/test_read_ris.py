"""Reading RIS: real files from rispy, JabRef and Zotero's tests, our own output, and hostile input."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
import rispy

from conftest import corpus_file, corpus_params
from mlops_refs.crosswalk import catalog_type, format_type
from mlops_refs.exporters import dumps
from mlops_refs.exporters.ris import RisExporter, _fold
from mlops_refs.model import Catalog, CatalogInfo, PartialDate, Person, Resource
from mlops_refs.readers.base import NotThisFormatError, Report
from mlops_refs.readers.ris import LOST_FIELDS, RisReader

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]
CORPUS = corpus_params("ris", "*.ris")
TY_LINE = re.compile(r"^\ufeff?TY {1,2}-", re.MULTILINE)


def read(text: str | bytes, name: str = "test.ris") -> tuple[Catalog, Report]:
    """A catalog and its report from RIS text."""
    report = Report(name)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return RisReader().read(data, report), report


def lines_of(report: Report) -> list[str]:
    """The report as text lines."""
    return [str(loss) for loss in report.lines]


def as_ris_carries(r: Resource) -> Resource:
    """The resource as our RIS writer carries it: the fields RIS cannot carry empty, and the two it carries
    in part (LOST_FIELDS too) exactly as merged: publisher and institution in one PB, the type its RIS code
    reads back as (ELEC is every web page, documentation and course); one line per value; containers where
    the writer puts them for Zotero (none for a data set or a program without publisher: PB holds it; an
    arXiv preprint's is arXiv, its DB); no language on a program."""
    folded = {f.name: _fold(v) for f in fields(Resource) if isinstance(v := getattr(r, f.name), str) and v}
    r = replace(r, **folded)
    ris_type = format_type(r.type, "ris")
    in_part = {"type", "institution", "container", "language"}
    out = {f.name: f.default for f in fields(Resource) if f.name in LOST_FIELDS - in_part}
    out["type"] = "preprint" if ris_type == "MANSCPT" and r.arxiv else catalog_type("ris", ris_type)
    publisher = (
        r.institution or r.publisher if r.type in ("report", "thesis") else r.publisher or r.institution
    )
    out["publisher"], out["institution"] = (
        (None, publisher) if r.type in ("report", "thesis") else (publisher, None)
    )
    if (ris_type == "COMP" and not publisher) or ris_type == "DATA":
        out["publisher"], out["container"] = publisher or r.container, None
    if ris_type == "MANSCPT" and r.arxiv:
        out["container"] = "arXiv"
    if ris_type == "COMP":
        out["language"] = None
    return replace(r, **out)


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_our_output_reads_back_as_the_catalog_minus_what_ris_cannot_carry(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    text = dumps(RisExporter(), catalog)
    back, report = read(text)
    assert [r.id for r in back.resources] == [r.id for r in catalog.resources]
    assert list(back.resources) == [as_ris_carries(r) for r in catalog.resources]
    assert back.collections == ()
    assert report.lines == []  # our own output reads without a single remark
    assert dumps(RisExporter(), back) == text


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_file_reads_every_record(path: Path | None) -> None:
    path = corpus_file(path)
    data = path.read_bytes()
    catalog, report = read(data, path.name)
    expected = len(TY_LINE.findall(data.decode("utf-8-sig")))
    assert len(catalog) == expected > 0
    assert report.read == expected


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_file_is_a_fixed_point(path: Path | None) -> None:
    path = corpus_file(path)
    once, _ = read(path.read_bytes(), path.name)
    text = dumps(RisExporter(), once)
    twice, _ = read(text)
    assert twice == once
    assert dumps(RisExporter(), twice) == text


RISPY_DATES = {"year", "publication_year", "date", "access_date", "id", "type_of_reference"}


def rispy_values(records: list[dict[str, Any]]) -> set[str]:
    """Every non-empty value rispy reads (list items and unknown tags too), white space folded; no dates."""
    values: set[str] = set()
    for record in records:
        for key, value in record.items():
            if key in RISPY_DATES:
                continue
            items = [v for vs in value.values() for v in vs] if isinstance(value, dict) else value
            for item in items if isinstance(items, list) else [items]:
                if text := re.sub(r"\s*,\s*", ", ", " ".join(str(item).split())):
                    values.add(text)
    return values


@pytest.mark.parametrize("path", CORPUS)
def test_rispy_sees_in_our_rewrite_every_value_or_a_report_line(path: Path | None) -> None:
    """What rispy reads in a corpus file, it reads in our rewrite of it, unless the report names it."""
    path = corpus_file(path)
    data = path.read_bytes()
    catalog, report = read(data, path.name)
    kept = "\n".join(rispy_values(rispy.loads(dumps(RisExporter(), catalog))))
    reported = " ".join(str(loss) for loss in report.lines)
    split = re.compile(r"\s*[;\n]\s*")
    lost = {
        v
        for v in rispy_values(rispy.loads(data.decode("utf-8-sig")))
        if v not in kept and not all(p in kept for p in split.split(v)) and v[:30] not in reported
    }
    assert lost == set()


def test_rispy_agrees_on_the_values_of_a_scopus_record() -> None:
    text = (
        "TY  - JOUR\nTI  - A transversely isotropic composite\nT2  - J. Mech. Phys. Solids\nVL  - 52\n"
        "IS  - 10\nSP  - 2309\nEP  - 2327\nPY  - 2004\nDO  - 10.1016/j.jmps.2004.03.010\n"
        "AU  - Federico, S.\nAU  - Grillo, A.\nKW  - Composite\nKW  - Inclusions\nER  - \n"
    )
    (rec,) = rispy.loads(text)
    (r,) = read(text)[0].resources
    assert r.title == rec["title"]
    assert [f"{p.family}, {p.given}" for p in r.authors] == rec["authors"]
    assert (r.container, r.volume, r.issue) == (rec["secondary_title"], rec["volume"], rec["number"])
    assert r.pages == f"{rec['start_page']}-{rec['end_page']}"
    assert (r.doi, list(r.tags), r.issued) == (rec["doi"], rec["keywords"], PartialDate(2004))


# Exact reports for corpus files: everything that did not fit, and nothing else.


def corpus_report(path: Path | None, name: str) -> tuple[Catalog, list[str]]:
    folder = corpus_file(path).parent
    catalog, report = read((folder / name).read_bytes(), name)
    return catalog, lines_of(report)


@pytest.fixture
def any_corpus_file() -> Path | None:
    return CORPUS[0].values[0]


def test_report_of_y1_against_da(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "zotero-RISjs-test07_deprecated-Y1-vs-DA.ris")
    assert catalog.resources[0].issued == PartialDate(1950, 1, 1)
    assert catalog.resources[0].extra == (("Y1", "1900/01/01"),)
    assert lines == [
        "zotero-RISjs-test07_deprecated-Y1-vs-DA.ris:4: Y1: date 1900/01/01 differs from the date used, 1950-01-01; kept as an extra field"
    ]


def test_report_of_a_scopus_export(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "jabref_RisImporterTestScopus.ris")
    (r,) = catalog.resources
    assert (r.doi, r.issued, r.pages, r.note) == (
        "10.1016/j.jmps.2004.03.010",
        PartialDate(2004),
        "2309-2327",
        "Cited By :44",
    )
    assert r.extra[-2:] == (("M3", "Article"), ("DB", "Scopus"))
    assert lines == [
        "jabref_RisImporterTestScopus.ris:13: AD: no field for AD; kept as an extra field",
        "jabref_RisImporterTestScopus.ris:14: AD: no field for AD; kept as an extra field",
        "jabref_RisImporterTestScopus.ris:15: AD: no field for AD; kept as an extra field",
        "jabref_RisImporterTestScopus.ris:21: N1: a second N1; kept as an extra field",
        "jabref_RisImporterTestScopus.ris:22: M3: no field for M3; kept as an extra field",
        "jabref_RisImporterTestScopus.ris:23: DB: no field for DB; kept as an extra field",
    ]


def test_report_of_junk_between_records_and_a_repeated_id(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "rispy_example_extraneous_data.ris")
    assert [r.id for r in catalog.resources] == ["12345", "12345-2"]
    assert catalog.resources[0].authors == (
        Person(family="Marx", given="Karl"),
        Person(family="Lindgren", given="Astrid"),
    )
    assert catalog.resources[0].editors == (Person(family="Glattauer", given="Daniel"),)  # A2 of an article
    assert lines == [
        "rispy_example_extraneous_data.ris:1: text outside a record ignored: 'Record #1 of 2'",
        "rispy_example_extraneous_data.ris:29: text outside a record ignored: 'Record #2 of 2'",
        "rispy_example_extraneous_data.ris:17: JA: JA differs from the container read from an earlier tag; kept as an extra field",
        "rispy_example_extraneous_data.ris:25: L2: no field for L2; kept as an extra field",
        "rispy_example_extraneous_data.ris:45: JA: JA differs from the container read from an earlier tag; kept as an extra field",
        "rispy_example_extraneous_data.ris:53: L2: no field for L2; kept as an extra field",
        "rispy_example_extraneous_data.ris:33: id: key '12345' is used by an earlier record; this one is '12345-2'",
    ]


def test_report_of_a_doi_prefix_a_missing_title_and_text_after_er(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "jabref_RisImporterTestDoiAndJournalTitle.ris")
    (r,) = catalog.resources
    assert (r.type, r.doi, r.container, r.language, r.edition) == (
        "patent",
        "10.1201/b19107-2",
        "Journal",
        "eng",
        "5",
    )
    assert lines == [
        "jabref_RisImporterTestDoiAndJournalTitle.ris:11: ER: text after ER ignored: 'dsfd'",
        "jabref_RisImporterTestDoiAndJournalTitle.ris:1: TI: record has no title; titled '(untitled)'",
        "jabref_RisImporterTestDoiAndJournalTitle.ris:4: DO: DOI 'doi:10.1201/b19107-2' read as 10.1201/b19107-2",
        "jabref_RisImporterTestDoiAndJournalTitle.ris:7: CA: no field for CA; kept as an extra field",
    ]


def test_report_of_urls_on_one_line(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "rispy_example_urls.ris")
    assert [(r.url, r.extra) for r in catalog.resources] == [
        ("http://example.com", ()),
        ("http://example.com", (("UR", "http://www.example.com"),)),
        ("http://example.com", (("UR", "http://www.example.com"),)),
        ("http://example.com", (("UR", "http://www.example.com"),)),
    ]
    assert lines == [
        "rispy_example_urls.ris:21: UR: a second URL; kept as an extra field",
        "rispy_example_urls.ris:32: UR: a second URL; kept as an extra field",
        "rispy_example_urls.ris:43: UR: a second URL; kept as an extra field",
    ]


# The line grammar and the tags, one behaviour each.


def test_line_grammar_of_zotero_one_or_two_spaces_empty_values_er_without_space() -> None:
    catalog, report = read(
        "TY - JOUR\nTI  - One space before the dash\nSP  -\nER  -\nTY  - BOOK\nTI  - Two\nER  - \n"
    )
    assert [(r.type, r.title, r.pages) for r in catalog.resources] == [
        ("journal-article", "One space before the dash", None),
        ("book", "Two", None),
    ]
    assert report.lines == []


def test_bom_crlf_and_junk_before_the_first_record() -> None:
    data = "\ufeffExported by a database\r\n1.\r\nTY  - JOUR\r\nTI  - Title\r\nER  - \r\n".encode()
    catalog, report = read(data)
    assert [r.title for r in catalog.resources] == ["Title"]
    assert lines_of(report) == ["test.ris:1: text outside a record ignored: 'Exported by a database'"]


def test_utf16_with_bom_and_cp1252_without_one() -> None:
    text = "TY  - JOUR\r\nTI  - Gálvez-Ruiz – “quoted”\r\nER  - \r\n"
    catalog, report = read(text.encode("utf-16"))
    assert [r.title for r in catalog.resources] == ["Gálvez-Ruiz – “quoted”"]
    assert report.lines == []
    catalog, report = read(text.encode("cp1252"))
    assert [r.title for r in catalog.resources] == ["Gálvez-Ruiz – “quoted”"]
    assert lines_of(report) == ["test.ris:2: encoding: not valid UTF-8; read as cp1252 (Windows Western)"]


def test_a_record_cut_off_at_the_end_is_kept_and_reported() -> None:
    catalog, report = read("TY  - JOUR\nTI  - Complete\nER  - \n\nTY  - JOUR\nTI  - Cut off\nAU  - Doe, J")
    assert [r.title for r in catalog.resources] == ["Complete", "Cut off"]
    assert catalog.resources[1].authors == (Person(family="Doe", given="J"),)
    assert lines_of(report) == ["test.ris:5: ER: the last record has no ER line (file cut off?); kept"]


def test_continuation_lines_extend_the_tag_even_when_they_start_with_er() -> None:
    catalog, report = read(
        "TY  - JOUR\nTI  - A title that\n  goes on\nN1  - first line,\nER then more\nER  - \n"
    )
    (r,) = catalog.resources
    assert (r.title, r.note) == ("A title that goes on", "first line, ER then more")
    assert report.lines == []


def test_keywords_and_authors_holding_several_values() -> None:
    text = "TY  - JOUR\nTI  - T\nAU  - Doe, Jane; Roe, Rick\nKW  - one; two\nthree\nKW  - four\nER  - \n"
    (r,) = read(text)[0].resources
    assert r.authors == (Person(family="Doe", given="Jane"), Person(family="Roe", given="Rick"))
    assert r.tags == ("one", "two", "three", "four")


def test_names_particles_suffixes_organisations_and_roles() -> None:
    text = (
        "TY  - BOOK\nTI  - T\nAU  - van der Vlist, Eric\nA1  - King, Martin Luther, Jr.\nAU  - Pachyderm, Inc.\n"
        "AU  - World Health Organization\nA3  - Editor, Ed\nA4  - Translator, Tina\nA2  - Series, Sam\nER  - \n"
    )
    catalog, report = read(text)
    (r,) = catalog.resources
    assert r.authors == (
        Person(family="Vlist", given="Eric", particle="van der"),
        Person(family="King", given="Martin Luther", suffix="Jr."),
        Person(literal="Pachyderm, Inc."),
        Person(literal="World Health Organization"),
    )
    assert (r.editors, r.translators) == (
        (Person(family="Editor", given="Ed"),),
        (Person(family="Translator", given="Tina"),),
    )
    assert r.extra == (("A2", "Series, Sam"),)
    assert lines_of(report) == ["test.ris:9: A2: no field for A2 names in a book; kept as an extra field"]


def test_dates_with_empty_parts_da_beats_y1_and_y2_is_the_access_date() -> None:
    text = (
        "TY  - JOUR\nTI  - A\nPY  - 2016/12//\nER  - \nTY  - JOUR\nTI  - B\nY1  - 1900/01/01\nDA  - 1950/01/01\n"
        "Y2  - 2019/03/28\nER  - \nTY  - JOUR\nTI  - C\nPY  - 2001/00/00/Spring\nER  - \nTY  - JOUR\nTI  - D\n"
        "PY  - c. 1999\nER  - \nTY  - JOUR\nTI  - E\nDA  - Date Accessed\nER  - \n"
    )
    catalog, report = read(text)
    assert [(r.issued, r.accessed) for r in catalog.resources] == [
        (PartialDate(2016, 12), None),
        (PartialDate(1950, 1, 1), PartialDate(2019, 3, 28)),
        (PartialDate(2001), None),
        (PartialDate(1999), None),
        (None, None),
    ]
    assert lines_of(report) == [
        "test.ris:7: Y1: date 1900/01/01 differs from the date used, 1950-01-01; kept as an extra field",
        "test.ris:13: PY: date part 'Spring' dropped",
        "test.ris:17: PY: not a RIS date 'c. 1999'; read the year 1999",
        "test.ris:21: DA: not a date: 'Date Accessed'; kept as an extra field",
    ]


def test_doi_as_url_doi_in_m3_or_n1_and_urls_without_scheme() -> None:
    text = (
        "TY  - JOUR\nTI  - A\nDO  - https://doi.org/10.1000/xyz\nUR  - www.example.org/page\nER  - \n"
        "TY  - JOUR\nTI  - B\nM3  - doi: 10.1063/1.1954747\nER  - \nTY  - JOUR\nTI  - C\nN1  - doi: 10.1063/1.4814070\nER  - \n"
        "TY  - JOUR\nTI  - D\nN1  - Published later, see 10.1000/other.\nER  - \n"
    )
    catalog, report = read(text)
    assert [(r.doi, r.url) for r in catalog.resources] == [
        ("10.1000/xyz", "http://www.example.org/page"),
        ("10.1063/1.1954747", None),
        ("10.1063/1.4814070", None),
        (None, None),  # a sentence that mentions a DOI is a note, not the record's DOI
    ]
    assert lines_of(report) == [
        "test.ris:3: DO: DOI 'https://doi.org/10.1000/xyz' read as 10.1000/xyz",
        "test.ris:4: UR: no scheme in 'www.example.org/page'; read as http://www.example.org/page",
        "test.ris:8: M3: no field for M3; kept as an extra field",
        "test.ris:8: M3: DOI 10.1063/1.1954747 read from M3",
        "test.ris:10: N1: DOI 10.1063/1.4814070 read from the note",
    ]


def test_type_codes_exact_near_and_unknown() -> None:
    text = (
        "TY  - PAT\nTI  - A\nER  - \nTY  - EDBOOK\nTI  - B\nER  - \nTY  - Journal Article\nTI  - C\nER  - \n"
    )
    catalog, report = read(text)
    assert [r.type for r in catalog.resources] == ["patent", "book", "document"]
    assert lines_of(report) == [
        "test.ris:4: TY: type EDBOOK has no exact match; read as book",
        "test.ris:7: TY: unknown type 'Journal Article'; read as document",
    ]


def test_vendor_tags_are_kept_and_written_back() -> None:
    text = "TY  - JOUR\nTI  - A\nH1  - Citavi shelf\nL1  - file:///paper.pdf\nER  - \n"
    catalog, report = read(text)
    assert catalog.resources[0].extra == (("H1", "Citavi shelf"), ("L1", "file:///paper.pdf"))
    assert lines_of(report) == [
        "test.ris:3: H1: H1 is not a RIS tag (a vendor's own); kept as an extra field",
        "test.ris:4: L1: no field for L1; kept as an extra field",
    ]
    assert "H1  - Citavi shelf\nL1  - file:///paper.pdf\nER  - " in dumps(RisExporter(), catalog)


def test_serial_numbers_by_shape() -> None:
    text = (
        "TY  - JOUR\nTI  - A\nSN  - 0021-9606\nER  - \nTY  - BOOK\nTI  - B\nSN  - 978-3-16-148410-0\nER  - \n"
        "TY  - RPRT\nTI  - C\nSN  - TR-2020-01\nER  - \nTY  - JOUR\nTI  - D\nSN  - 2325-9671 (electronic)\nER  - \n"
    )
    catalog, report = read(text)
    assert [(r.issn, r.isbn, r.number) for r in catalog.resources] == [
        ("0021-9606", None, None),
        (None, "978-3-16-148410-0", None),
        (None, None, "TR-2020-01"),
        ("2325-9671", None, None),
    ]
    assert lines_of(report) == ["test.ris:15: SN: ISSN '2325-9671 (electronic)' read as 2325-9671"]


def test_new_fields_are_written_so_that_rispy_and_our_reader_see_them() -> None:
    r = Resource(
        id="k1",
        type="book",
        title="T",
        translators=(Person(family="Tr", given="Ann"),),
        series="Lecture Notes",
        edition="2",
        chapter="7",
        place="Berlin",
        issn="1234-5679",
        abstract="The abstract.",
        extra=(("AD", "Somewhere"), ("not a tag", "dropped by RIS")),
    )
    text = dumps(RisExporter(), Catalog.build(CatalogInfo(), [], [r]))
    (rec,) = rispy.loads(text)
    assert rec["subsidiary_authors"] == ["Tr, Ann"]
    assert (rec["tertiary_title"], rec["edition"], rec["section"], rec["place_published"]) == (
        "Lecture Notes",
        "2",
        "7",
        "Berlin",
    )
    assert (rec["issn"], rec["notes_abstract"], rec["author_address"]) == (
        "1234-5679",
        "The abstract.",
        "Somewhere",
    )
    (back,) = read(text)[0].resources
    assert back == replace(r, extra=(("AD", "Somewhere"),))


# Not RIS, hostile and huge input: one clean error or a report, never a traceback.


def test_web_of_science_file_is_not_ris() -> None:
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Doe, J\nTI A title\nER\nEF\n"
    with pytest.raises(
        NotThisFormatError, match=r"^test.ris: a Web of Science tagged file \(FN/VR/PT lines\), not RIS"
    ):
        read(text)


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe garbage \x81" * 100, b"<html><body>no</body></html>"])
def test_no_record_is_not_ris(data: bytes) -> None:
    with pytest.raises(NotThisFormatError, match=r"^test.ris: no RIS record"):
        read(data)


def test_sniff() -> None:
    assert RisReader().sniff("\ufeff\nTY  - JOUR\nTI  - x\n")
    assert RisReader().sniff("Record #1 of 2\nProvider: x\n1.\nTY  - JOUR\n")
    assert not RisReader().sniff("FN Clarivate Analytics Web of Science\nVR 1.0\n")
    assert not RisReader().sniff("@article{key,\n title={x}}\n")


def test_huge_input_is_read_whole() -> None:
    """100,000 continuation lines, 20,000 records and 20,000 with one key (a quadratic join or key search
    would not finish)."""
    long_note = "TY  - JOUR\nTI  - Long\nN1  - start\n" + "more text\n" * 100_000 + "ER  - \n"
    records = "".join(f"TY  - JOUR\nTI  - Record {n}\nID  - k{n}\nER  - \n" for n in range(20_000))
    catalog, _ = read(long_note + records + "TY  - JOUR\nER  - \n" * 20_000)
    assert len(catalog) == 40_001
    assert catalog.resources[0].note.count("more text") == 100_000
    assert catalog.resources[-1].id == "untitled-20000"
