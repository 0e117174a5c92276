"""CSL-JSON: schema-valid, equal to the catalog when read back, and rendered by citeproc-py."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from conftest import reference_file
from mlops_refs.exporters import dumps
from mlops_refs.exporters.csl_json import CslJsonExporter
from mlops_refs.model import Catalog, PartialDate, Person, Resource

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]

# The decision record: our type -> CSL type (FORMATS.md §2, Zotero's schema.json csl.types).
EXPECTED_TYPES = {
    "journal-article": "article-journal",
    "conference-paper": "paper-conference",
    "preprint": "article",
    "report": "report",
    "book": "book",
    "chapter": "chapter",
    "thesis": "thesis",
    "software": "software",
    "service": "software",
    "webpage": "webpage",
    "documentation": "webpage",
    "blog-post": "post-weblog",
    "news-article": "article-newspaper",
    "video": "motion_picture",
    "dataset": "dataset",
    "course": "webpage",
}

# The CSL types our mapping can produce that Zotero's "CSL JSON" translator accepts in detectImport().
ZOTERO_IMPORTABLE = set(EXPECTED_TYPES.values()) - {"software"}


def items_of(catalog: Catalog, **options: Any) -> list[dict[str, Any]]:
    """The exporter's output for a catalog, parsed back with json."""
    return json.loads(dumps(CslJsonExporter(**options), catalog))


def person_of(name: dict[str, str]) -> Person:
    """A CSL name object read back as our Person."""
    return Person(
        family=name.get("family"),
        given=name.get("given"),
        particle=name.get("non-dropping-particle"),
        suffix=name.get("suffix"),
        literal=name.get("literal"),
    )


def date_of(value: dict[str, Any] | None) -> PartialDate | None:
    """A CSL date object read back as a PartialDate."""
    if value is None:
        return None
    (parts,) = value["date-parts"]
    return PartialDate(*parts)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(reference_file("CSL_DATA_SCHEMA").read_text(encoding="utf-8"))


@pytest.mark.parametrize("catalog_name", CATALOGS)
@pytest.mark.parametrize("zotero_compatible", [False, True])
def test_output_is_valid_against_the_official_schema(
    catalog_name: str, zotero_compatible: bool, schema: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    items = items_of(catalog, zotero_compatible=zotero_compatible)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(items)]
    assert errors == []


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_every_field_parses_back_equal_to_the_catalog(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    items = items_of(catalog)
    assert [item["id"] for item in items] == [r.id for r in catalog.resources]
    for r, item in zip(catalog.resources, items, strict=True):
        assert_item_equals_resource(item, r)


def assert_item_equals_resource(item: dict[str, Any], r: Resource) -> None:
    """Each CSL variable holds the catalog's value."""
    assert item["type"] == EXPECTED_TYPES[r.type]
    assert item["title"] == r.title
    assert [person_of(n) for n in item.get("author", [])] == list(r.authors)
    assert [person_of(n) for n in item.get("editor", [])] == list(r.editors)
    assert date_of(item.get("issued")) == r.issued
    assert date_of(item.get("accessed")) == r.accessed
    plain = {
        "volume": r.volume,
        "issue": r.issue,
        "page": r.pages,
        "DOI": r.doi,
        "URL": r.url,
        "ISBN": r.isbn,
    }
    plain |= {"abstract": r.summary, "note": r.note, "language": r.language}
    assert {key: item.get(key) for key in plain} == plain
    assert item.get("keyword", "").split(", ") == (list(r.tags) or [""])
    custom = item.get("custom", {})
    assert custom.get("collections", []) == list(r.collection_ids)
    assert custom.get("arxiv-class") == r.arxiv_class
    if r.type == "preprint":
        assert item.get("publisher") == (r.publisher or r.container or ("arXiv" if r.arxiv else None))
        assert item.get("number") == (f"arXiv:{r.arxiv}" if r.arxiv else r.number)
        assert "arxiv" not in custom
    else:
        venues = {item.get("container-title"), item.get("publisher")} - {None}
        assert venues == {r.container, r.publisher, r.institution} - {None}
        assert item.get("number") == r.number
        assert custom.get("arxiv") == r.arxiv


def test_text_is_utf8_one_item_a_line_with_a_final_newline(evil_catalog: Catalog) -> None:
    text = dumps(CslJsonExporter(), evil_catalog)
    assert "日本語のタイトル" in text
    assert "\\u" not in text
    lines = text.splitlines()
    assert lines[0] == "["
    assert lines[-1] == "]"
    assert [json.loads(line.rstrip(","))["id"] for line in lines[1:-1]] == [
        r.id for r in evil_catalog.resources
    ]
    assert lines[1].startswith('{"id": "evil-specials", "type": "article-journal",')


def test_arxiv_preprint_follows_zoteros_convention(good_catalog: Catalog) -> None:
    (item,) = (i for i in items_of(good_catalog) if i["id"] == "nakkiran2019deep")
    assert (item["type"], item["publisher"], item["number"]) == ("article", "arXiv", "arXiv:1912.02292")


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_zotero_compatible_output_passes_zoteros_type_check(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    items = items_of(catalog, zotero_compatible=True)
    assert {item["type"] for item in items} <= ZOTERO_IMPORTABLE
    for r, item in zip(catalog.resources, items, strict=True):
        expected = EXPECTED_TYPES[r.type]
        assert item["type"] == ("book" if expected == "software" else expected)
        names = [*item.get("author", []), *item.get("editor", [])]
        assert all("non-dropping-particle" not in n for n in names)
        families = [n.get("family", n.get("literal")) for n in names]
        assert families == [p.full_family for p in (*r.authors, *r.editors)]


def test_zotero_compatible_keeps_particles_in_the_family_name(good_catalog: Catalog) -> None:
    (book,) = (i for i in items_of(good_catalog, zotero_compatible=True) if i["id"] == "beethoven-book")
    assert book["author"][0] == {"family": "van Beethoven", "given": "Ludwig"}
    assert book["author"][1] == {"family": "King", "given": "Martin Luther", "suffix": "Jr."}


@pytest.mark.parametrize("catalog_name", ["good_catalog", "bundled_catalog"])
def test_citeproc_py_renders_title_first_author_and_year(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    items = items_of(catalog)
    for r, item in zip(catalog.resources, items, strict=True):
        item.pop("custom", None)  # citeproc-py predates CSL's free-form "custom" object
        source = CiteProcJSON([item])
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        (entry,) = (str(e) for e in bibliography.bibliography())
        assert r.title in entry, entry
        if r.authors:
            first = r.authors[0]
            assert (first.literal or first.family) in entry, entry
        if r.issued is not None:
            assert str(r.issued.year) in entry, entry
        else:
            assert "(no date)" in entry, entry


@pytest.mark.parametrize("shared", [False, True], ids=["one process", "two processes"])
def test_items_encoded_in_runs_make_the_same_bytes(
    shared: bool, bundled_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from mlops_refs import parallel
    from mlops_refs.exporters import csl_json

    expected = (Path(__file__).resolve().parent.parent / "exports" / "mlops-refs.json").read_text("utf-8")
    monkeypatch.setattr(parallel, "ENABLED", shared)
    monkeypatch.setattr(csl_json, "_RUN", 7)  # runs of 7 items, the last one shorter
    monkeypatch.setattr(csl_json, "_SHARED_ITEMS", 0)
    assert dumps(CslJsonExporter(), bundled_catalog) == expected
    assert dumps(CslJsonExporter(), Catalog.build(bundled_catalog.info, (), ())) == "[]\n"
