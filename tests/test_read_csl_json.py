"""Reading CSL-JSON: the CSL test suite, citation.js and Better BibTeX files, our own output, hostile input."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import corpus_file, corpus_params, reference_file, require_program
from mlops_refs.crosswalk import catalog_type, format_type
from mlops_refs.exporters import dumps
from mlops_refs.exporters.csl_json import CslJsonExporter, _publisher
from mlops_refs.model import Catalog, CatalogInfo, PartialDate, Person, Resource
from mlops_refs.readers.base import NotThisFormatError, Report, UnreadableFileError
from mlops_refs.readers.csl_json import ITEM_KEYS, LOST_FIELDS, CslJsonReader

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]
CORPUS = corpus_params("csl-json", "*.json")


def read(text: str | bytes | Any, name: str = "test.json") -> tuple[Catalog, Report]:
    """A catalog and its report from CSL-JSON text (or a JSON value, dumped first)."""
    if not isinstance(text, (str, bytes)):
        text = json.dumps(text, ensure_ascii=False, indent=1)
    report = Report(name)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return CslJsonReader().read(data, report), report


def read_one(item: dict[str, Any]) -> tuple[Resource, list[str]]:
    """The one resource of a one-item array, and the report lines."""
    catalog, report = read([item])
    (r,) = catalog.resources
    return r, lines_of(report)


def lines_of(report: Report) -> list[str]:
    """The report as text lines."""
    return [str(loss) for loss in report.lines]


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(reference_file("CSL_DATA_SCHEMA").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def as_csl_carries(r: Resource) -> Resource:
    """The resource as our CSL writer carries it: one CSL type for several of ours (webpage), the publisher
    or institution in ``publisher``, a preprint's repository as its container, keywords in one string."""
    changes: dict[str, Any] = {
        "type": catalog_type("csl", format_type(r.type, "csl")),
        "institution": None,
        "publisher": None,
    }
    publisher = _publisher(r)
    if r.type in ("report", "thesis"):
        changes["institution"] = publisher
    elif r.type == "preprint":
        written_container = None if r.container == publisher else r.container
        changes["container"] = written_container or publisher
        changes["publisher"] = publisher if written_container else None
        if r.arxiv:
            changes["number"] = None  # written as "arXiv:<id>"
    else:
        changes["publisher"] = publisher
    changes["tags"] = tuple(t.strip() for t in re.split(r"[,;]", ", ".join(r.tags)) if t.strip())
    return replace(r, **changes)


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_our_output_reads_back_as_the_catalog(catalog_name: str, request: pytest.FixtureRequest) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    text = dumps(CslJsonExporter(), catalog)
    back, report = read(text)
    assert [r.id for r in back.resources] == [r.id for r in catalog.resources]
    assert list(back.resources) == [as_csl_carries(r) for r in catalog.resources]
    # folders come back flat, titled by their ids (LOST_FIELDS: the tree), with the same members in order
    assert {c.title: c.resource_ids for c in back.collections} == {
        c.id: c.resource_ids for c in catalog.collections if c.resource_ids
    }
    assert {(c.kind, c.parent_id) for c in back.collections} == {("folder", None)}
    assert "collection.title" in LOST_FIELDS
    assert report.lines == []  # our own output reads without a single remark
    assert dumps(CslJsonExporter(), back) == text


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_file_reads_every_item(path: Path | None) -> None:
    path = corpus_file(path)
    data = path.read_bytes()
    catalog, report = read(data, path.name)
    assert len(catalog) == len(json.loads(data)) == report.read > 0


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_file_is_a_fixed_point(path: Path | None) -> None:
    path = corpus_file(path)
    once, _ = read(path.read_bytes(), path.name)
    text = dumps(CslJsonExporter(), once)
    twice, _ = read(text)
    assert twice == once
    assert dumps(CslJsonExporter(), twice) == text


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_rewrite_is_schema_valid_and_keeps_every_variable_or_reports_it(
    path: Path | None, schema_validator: jsonschema.Draft7Validator
) -> None:
    """Every variable of every item is in our rewrite with its text, or a report line of the item names it."""
    path = corpus_file(path)
    originals = json.loads(path.read_bytes())
    catalog, report = read(path.read_bytes(), path.name)
    rewritten = json.loads(dumps(CslJsonExporter(), catalog))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator.iter_errors(rewritten)] == []
    starts = item_lines(path)
    for line, before, after in zip(starts, originals, rewritten, strict=True):
        reported = {loss.field for loss in report.lines if loss.line == line}
        kept = {**after, **dict(after.get("custom", {}).get("extra", []))}
        ids = {after["id"], *after.get("custom", {}).get("aliases", [])}
        for key, value in before.items():
            if value in ("", [], {}, None) or key in reported or key == "custom":
                continue
            if key in ("id", "citation-key"):
                assert str(value) in ids
            elif isinstance(value, str) and key != "keyword":
                assert kept.get(key) == value.strip(), f"{path.name}:{line}: {key}"
            else:
                assert key in kept, f"{path.name}:{line}: {key} lost"


def item_lines(path: Path) -> list[int]:
    """The line each top-level item of a corpus array starts on (an independent count of '{' at depth 1)."""
    text = path.read_text(encoding="utf-8")
    lines, depth, line = [], 0, 1
    in_string = escaped = False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            if depth == 1 and ch == "{":
                lines.append(line)
            depth += 1
        elif ch in "]}":
            depth -= 1
    return lines


def pandoc_items(path: Path) -> tuple[list[dict[str, Any]] | None, str]:
    """pandoc's own reading of a CSL-JSON file (None when it refuses it), and what it printed on stderr."""
    result = subprocess.run(
        [require_program("pandoc"), "-f", "csljson", "-t", "csljson", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return (json.loads(result.stdout) if result.returncode == 0 else None), result.stderr


@pytest.mark.consumer
@pytest.mark.parametrize("path", CORPUS)
def test_pandoc_reads_our_rewrite_with_every_variable_it_reads_in_the_file(
    path: Path | None, tmp_path: Path
) -> None:
    """pandoc reads our rewrite without a word, and finds in it every variable it finds in the file, but
    citation-key (the rewrite's id) and keys outside the schema (moved under custom to stay valid)."""
    path = corpus_file(path)
    catalog, _ = read(path.read_bytes(), path.name)
    rewrite = tmp_path / "rewrite.json"
    rewrite.write_text(dumps(CslJsonExporter(), catalog), encoding="utf-8")
    after, stderr = pandoc_items(rewrite)
    assert (stderr, after is not None) == ("", True)
    before, _ = pandoc_items(path)
    if before is None:  # pandoc refuses string date-parts (Better BibTeX writes them); we read them
        return
    for old, new in zip(before, after or [], strict=True):
        lost = set(old) - set(new) - {"citation-key"} - (set(old) - ITEM_KEYS)
        assert lost == set(), f"{path.name}: {old.get('id')}"


# Exact reports for corpus files.


@pytest.fixture
def any_corpus_file() -> Path | None:
    return CORPUS[0].values[0]


def corpus_report(path: Path | None, name: str) -> tuple[Catalog, list[str]]:
    folder = corpus_file(path).parent
    catalog, report = read((folder / name).read_bytes(), name)
    return catalog, lines_of(report)


def test_report_of_a_season_range_without_title(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "csl-test-suite_date_SeasonRange1.json")
    assert catalog.resources[0].issued == PartialDate(1999)
    assert lines == [
        "csl-test-suite_date_SeasonRange1.json:2: issued: season spring dropped (month 21)",
        "csl-test-suite_date_SeasonRange1.json:2: issued: date range: the end 2001-22 dropped",
        "csl-test-suite_date_SeasonRange1.json:2: title: item has no title; titled '(untitled)'",
    ]


def test_report_of_a_raw_date_that_is_no_date(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "csl-test-suite_date_String.json")
    (r,) = catalog.resources
    assert (r.issued, r.extra) == (None, (("issued", "Bogus Date"),))
    assert lines == [
        "csl-test-suite_date_String.json:2: issued: raw date 'Bogus Date' is not a date; kept as an extra field"
    ]


def test_report_of_markup_and_a_missing_id(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "csl-test-suite_flipflop_ApostropheInsideTag.json")
    (r,) = catalog.resources
    assert (r.id, r.title, r.type) == ("l", "l'''", "journal-article")
    assert lines == [
        "csl-test-suite_flipflop_ApostropheInsideTag.json:2: multi: multi is not a CSL variable; kept as an extra field",
        "csl-test-suite_flipflop_ApostropheInsideTag.json:2: title: markup removed: '<span class=\"nocase\">l\\'\\'\\'</span>'",
        "csl-test-suite_flipflop_ApostropheInsideTag.json:2: id: item has no id; made one from author, year and title",
    ]


def test_report_of_other_creators_and_keys_outside_the_schema(any_corpus_file: Path | None) -> None:
    catalog, lines = corpus_report(any_corpus_file, "bbt_creators-in-extra-2015.csl.json")
    (r,) = catalog.resources
    assert (r.id, r.type, r.container) == ("barrisLemons2017", "video", "Black-ish")
    assert [name for name, _ in r.extra] == ["container-author", "director", "medium", "license"]
    assert lines == [
        "bbt_creators-in-extra-2015.csl.json:2: type: type broadcast has no exact match; read as video",
        "bbt_creators-in-extra-2015.csl.json:2: container-author: no field for container-author names; kept as an extra field",
        "bbt_creators-in-extra-2015.csl.json:2: director: no field for director names; kept as an extra field",
        "bbt_creators-in-extra-2015.csl.json:2: license: license is not a CSL variable; kept as an extra field",
        "bbt_creators-in-extra-2015.csl.json:2: medium: no field for medium; kept as an extra field",
    ]


def test_parse_names_from_the_test_suite(any_corpus_file: Path | None) -> None:
    catalog, _ = corpus_report(any_corpus_file, "csl-test-suite_name_ParseNames.json")
    assert [r.authors for r in catalog.resources] == [
        (Person(family="Vlist", given="Eric", particle="van der"),),
        (Person(family="Gogh", given="Vincent", particle="van"),),
        (Person(family="Humboldt", given="Alexander", particle="von"),),
    ]


# The shapes of a file.


@pytest.mark.parametrize(
    "doc",
    [
        {"id": "a", "type": "book", "title": "One"},
        {"a": {"type": "book", "title": "One"}},
        {"references": [{"id": "a", "type": "book", "title": "One"}]},
        [{"id": "a", "type": "book", "title": "One"}],
    ],
    ids=["single-object", "id-map", "pandoc-references", "array"],
)
def test_file_shapes(doc: Any) -> None:
    catalog, report = read(doc)
    assert [(r.id, r.type, r.title) for r in catalog.resources] == [("a", "book", "One")]
    assert report.lines == []


def test_ids_numbers_missing_and_citation_key_preferred() -> None:
    catalog, report = read(
        [
            {"id": 7, "type": "book", "title": "Numbered"},
            {
                "type": "book",
                "title": "No id",
                "author": [{"family": "Doe", "given": "J"}],
                "issued": {"date-parts": [[2001]]},
            },
            {"id": "ITEM-1", "citation-key": "doe2001", "type": "book", "title": "Keyed"},
            {"id": "x", "type": "book", "title": "Cheat", "note": "Citation Key: cheat2020\nA real note."},
        ]
    )
    assert [(r.id, r.aliases, r.note) for r in catalog.resources] == [
        ("7", (), None),
        ("doe2001no", (), None),
        ("doe2001", ("ITEM-1",), None),
        ("cheat2020", ("x",), "A real note."),
    ]
    assert lines_of(report) == [
        "test.json:7: id: item has no id; made one from author, year and title",
        "test.json:30: note: Citation Key read from the note",
    ]


def test_types_exact_near_empty_and_unknown() -> None:
    catalog, report = read(
        [
            {"id": "a", "type": "article-magazine", "title": "A"},
            {"id": "b", "type": "entry-dictionary", "title": "B"},
            {"id": "c", "type": "", "title": "C"},
            {"id": "d", "type": "misc", "title": "D"},
            {"id": "e", "title": "E"},
        ]
    )
    assert [r.type for r in catalog.resources] == [
        "magazine-article",
        "encyclopedia-entry",
        "document",
        "document",
        "document",
    ]
    assert lines_of(report) == [
        "test.json:7: type: type entry-dictionary has no exact match; read as encyclopedia-entry",
        "test.json:12: type: no type; read as document",
        "test.json:17: type: unknown type 'misc'; read as document",
        "test.json:22: type: no type; read as document",
    ]


def test_dates_in_every_form() -> None:
    base = {"type": "book", "title": "T"}
    catalog, report = read(
        [
            {**base, "id": "a", "issued": {"date-parts": [["2020", "11", "18"]]}},
            {**base, "id": "b", "issued": {"date-parts": [[2011, 5], [2012, 6]], "circa": True}},
            {**base, "id": "c", "issued": {"date-parts": [[2017]], "season": 2}},
            {**base, "id": "d", "issued": {"literal": "November 2019"}},
            {**base, "id": "e", "issued": {"raw": "2018-03-04"}, "original-date": {"date-parts": [[1850]]}},
            {
                **base,
                "id": "f",
                "issued": {"date-parts": [[2020, 13]]},
                "accessed": {"date-parts": [[2021, 2, 30]]},
            },
            {**base, "id": "g", "issued": {"date-parts": [[-44, 3, 15]]}, "submitted": {"raw": "2020-01-02"}},
        ]
    )
    assert [(r.issued, r.original_date, r.accessed) for r in catalog.resources] == [
        (PartialDate(2020, 11, 18), None, None),
        (PartialDate(2011, 5), None, None),
        (PartialDate(2017), None, None),
        (PartialDate(2019, 11), None, None),
        (PartialDate(2018, 3, 4), PartialDate(1850), None),
        (PartialDate(2020), None, None),
        (PartialDate(-44, 3, 15), None, None),
    ]
    assert catalog.resources[-2].extra == (("accessed", "2021-2-30"),)
    assert catalog.resources[-1].extra == (("submitted", "2020-01-02"),)
    assert lines_of(report) == [
        "test.json:16: issued: 'circa' dropped: the date is kept as exact",
        "test.json:16: issued: date range: the end 2012-6 dropped",
        "test.json:34: issued: season 2 dropped",
        "test.json:47: issued: literal date 'November 2019' read as 2019-11",
        "test.json:55: issued: raw date '2018-03-04' read as 2018-03-04",
        "test.json:70: issued: season spring dropped (month 13)",  # Better BibTeX's seasons are months 13-16
        "test.json:70: accessed: date-parts 2021-2-30 are not a date; kept as an extra field",
        "test.json:92: submitted: raw date '2020-01-02' read as 2020-01-02",
        "test.json:92: submitted: no field for the submitted date; kept as an extra field",
    ]


def test_names_particles_literal_and_parse_names_off() -> None:
    r, lines = read_one(
        {
            "id": "a",
            "type": "book",
            "title": "T",
            "author": [
                {"family": "van der Vlist", "given": "Eric"},
                {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
                {"family": "Gogh", "given": "Vincent", "dropping-particle": "van"},
                {"family": "la Fontaine", "given": "Jean", "parse-names": False},
                {"literal": "World Health Organization"},
                {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
                {"given": "Plato"},
            ],
            "translator": [{"family": "Tr", "given": "Ann"}],
        }
    )
    assert r.authors == (
        Person(family="Vlist", given="Eric", particle="van der"),
        Person(family="Beethoven", given="Ludwig", particle="van"),
        Person(family="Gogh", given="Vincent", particle="van"),
        Person(family="la Fontaine", given="Jean"),
        Person(literal="World Health Organization"),
        Person(family="King", given="Martin Luther", suffix="Jr."),
        Person(literal="Plato"),
    )
    assert r.translators == (Person(family="Tr", given="Ann"),)
    assert lines == ["test.json:2: author: name 'Plato' has no family part; kept whole"]


def test_rich_text_unknown_keys_and_cheater_syntax() -> None:
    r, lines = read_one(
        {
            "id": "a",
            "type": "article-journal",
            "title": "On <i>E. coli</i> &amp; H<sub>2</sub>O, <tag> kept",
            "container-title": "R&D <b>Journal</b>",
            "file": "paper.pdf",
            "note": "PMID: 12345\noriginal-date: 1905\nStatus: read twice",
        }
    )
    assert (r.title, r.container, r.pmid, r.original_date) == (
        "On E. coli & H2O, <tag> kept",
        "R&D Journal",
        "12345",
        PartialDate(1905),
    )
    assert (r.note, r.extra) == ("Status: read twice", (("file", "paper.pdf"),))
    assert lines == [
        "test.json:2: title: markup removed: 'On <i>E. coli</i> &amp; H<sub>2</sub>O, <tag> kept'",
        "test.json:2: container-title: markup removed: 'R&D <b>Journal</b>'",
        "test.json:2: file: file is not a CSL variable; kept as an extra field",
        "test.json:2: note: PMID read from the note",
        "test.json:2: note: original-date read from the note",
    ]


def test_new_fields_and_extra_are_written_schema_valid_and_read_back(
    schema_validator: jsonschema.Draft7Validator,
) -> None:
    r = Resource(
        id="k1",
        type="patent",
        title="T",
        translators=(Person(family="Tr", given="Ann"),),
        original_date=PartialDate(1900, 2),
        issn="1234-5679",
        pmid="123",
        pmcid="PMC9",
        edition="2",
        series="S",
        chapter="7",
        place="Berlin",
        added="2008-03-14T09:00:00Z",
        abstract="The abstract.",
        aliases=("old-key",),
        extra=(
            ("medium", "CD"),
            ("director", json.dumps([{"family": "Lynch", "given": "David"}])),
            ("event-date", "2020-05"),
            ("license", "CC-BY"),
            ("AD", "Somewhere"),
        ),
    )
    text = dumps(CslJsonExporter(), Catalog.build(CatalogInfo(), [], [r]))
    items = json.loads(text)
    assert list(schema_validator.iter_errors(items)) == []
    (item,) = items
    assert (item["medium"], item["director"], item["event-date"]) == (
        "CD",
        [{"family": "Lynch", "given": "David"}],
        {"literal": "2020-05"},
    )
    assert item["custom"]["extra"] == [["license", "CC-BY"], ["AD", "Somewhere"]]
    back, _ = read_one(item)
    assert back == replace(
        r,
        extra=(
            ("medium", "CD"),
            ("director", '[{"family": "Lynch", "given": "David"}]'),
            ("event-date", "2020-05"),
            ("license", "CC-BY"),
            ("AD", "Somewhere"),
        ),
    )


# Not CSL-JSON, hostile and huge input.


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"\x00\xff\xfe garbage \x81", UnreadableFileError, r"^test.json:1:1: not JSON: Expecting value$"),
        (b"[" * 100_000 + b"]" * 100_000, UnreadableFileError, r"^test.json:1: JSON nested too deeply"),
        (
            b'[{"id": "a", "type": "book"}] trailing',
            UnreadableFileError,
            r"^test.json:1: not JSON: text after",
        ),
        (
            b'{"name": "a package", "version": "1"}',
            NotThisFormatError,
            r"^test.json: a JSON object that holds no CSL item$",
        ),
        (b'["a", 1]', NotThisFormatError, r"^test.json: a JSON file with no CSL item in it$"),
        (
            b'{"a": {"b": 1}, "c": {"d": 2}}',
            NotThisFormatError,
            r"^test.json: a JSON file with no CSL item in it$",
        ),
        (b"42", NotThisFormatError, r"^test.json: a JSON number, not CSL-JSON items$"),
    ],
    ids=[
        "garbage",
        "deep-nesting",
        "trailing-text",
        "other-json",
        "array-of-scalars",
        "map-of-objects",
        "scalar",
    ],
)
def test_not_csl_json_is_one_clean_error(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        read(data)


def test_deep_nesting_inside_a_value_is_one_clean_error() -> None:
    data = b'[{"id": "a", "type": "book", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]"
    with pytest.raises(UnreadableFileError, match=r"^test.json:1: JSON nested too deeply"):
        read(data)


def test_many_items_are_read_whole() -> None:
    items = [{"id": f"k{n}", "type": "book", "title": f"Book {n}"} for n in range(20_000)]
    catalog, report = read(items)
    assert len(catalog) == report.read == 20_000
    assert catalog.resources[-1].id == "k19999"


def test_sniff() -> None:
    assert CslJsonReader().sniff('[\n  {"id": "a", "type": "book"}')
    assert CslJsonReader().sniff('\ufeff{"references": [')
    assert not CslJsonReader().sniff("TY  - JOUR\n")
    assert not CslJsonReader().sniff('{"name": "x"}')


def test_lost_fields_name_the_folder_tree_and_the_merged_fields() -> None:
    resource_fields = {f.name for f in fields(Resource)}
    assert LOST_FIELDS & resource_fields == {"type", "institution"}
