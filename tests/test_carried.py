"""What a format cannot carry: the rules of ``partly.py`` and ``carried.py`` held to the real writers and
readers, over the fixture catalogs and a grid of every type with and without each field a rule looks at;
and ``convert`` saying it."""

from __future__ import annotations

import itertools
import json
import unicodedata
from dataclasses import fields
from pathlib import Path

import pytest

import mlops_refs
from conftest import reference_file
from mlops_refs.carried import TREE, declared_losses, read_back_type
from mlops_refs.cli import main
from mlops_refs.crosswalk import COLUMN_OF, format_type
from mlops_refs.exporters import default_registry as writers
from mlops_refs.model import RESOURCE_TYPES, Catalog, CatalogInfo, Collection, Resource
from mlops_refs.partly import PARTLY
from mlops_refs.readers.registry import default_registry as readers

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog", "grid_catalog"]
READ_FORMATS = sorted(set(readers.names()) - {"yaml"})
RESOURCE_FIELDS = [f.name for f in fields(Resource)]


@pytest.fixture(scope="module")
def grid_catalog() -> Catalog:
    """Every type, with and without each field a rule looks at (publisher, institution, container, arXiv id,
    summary, language), and some abstracts, notes and extra fields over two lines."""
    records = []
    combinations = itertools.product(
        RESOURCE_TYPES,
        (None, "Pub"),
        (None, "Inst"),
        (None, "Cont", "arXiv"),
        (False, True),
        (None, "S"),
        (None, "en"),
    )
    for n, (kind, publisher, institution, container, arxiv, summary, language) in enumerate(combinations):
        records.append(
            Resource(
                id=f"r{n}",
                type=kind,
                title=f"Title {n}",
                url=f"https://example.org/{n}",
                publisher=publisher,
                institution=institution,
                container=container,
                arxiv=f"2101.{n:05d}" if arxiv else None,
                summary=summary,
                abstract="Line one\nline two" if n % 2 else "One line",
                note="Line one\nline two" if n % 3 else "One line",
                language=language,
                extra=(("owner", "x"),) if n % 5 == 0 else (),
            )
        )
    return Catalog.build(CatalogInfo(), [], records)


def round_trip(catalog: Catalog, fmt: str) -> list[tuple[Resource, Resource]]:
    """Each resource and what it reads back as, once written in ``fmt`` (paired by link and title for the
    bookmark formats, which regroup records by folder)."""
    back, _report = mlops_refs.loads(mlops_refs.dumps(catalog, fmt), fmt)
    if fmt in ("netscape", "opml"):
        found = {(r.url, r.title): r for r in back.resources}
        return [(r, found[(r.url, r.title)]) for r in catalog.resources]
    assert len(back.resources) == len(catalog.resources)
    return list(zip(catalog.resources, back.resources, strict=True))


def written_type(fmt: str, r: Resource) -> str:
    """The type the format's writer gives ``r`` (the .bib writer's own word where it has one)."""
    exporter = writers.get(fmt)
    decide = getattr(exporter, "written_type", None)
    return decide(r) if callable(decide) else format_type(r.type, COLUMN_OF[fmt])


@pytest.mark.parametrize("catalog_name", CATALOGS)
@pytest.mark.parametrize("fmt", sorted(PARTLY))
def test_each_rule_names_exactly_the_records_that_lose_the_field(
    fmt: str, catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    pairs = round_trip(catalog, fmt)
    for name, rule in PARTLY[fmt].items():
        if rule.loses is None:
            continue
        wrong = [
            (before.id, getattr(before, name), getattr(after, name))
            for before, after in pairs
            if getattr(before, name) and rule.loses(before) != (getattr(after, name) != getattr(before, name))
        ]
        assert wrong == [], f"{fmt} {name}: the rule and the round trip disagree on {wrong[:3]}"


@pytest.mark.parametrize("catalog_name", CATALOGS)
@pytest.mark.parametrize("fmt", READ_FORMATS)
def test_every_other_field_reads_back_as_written(fmt: str, catalog_name: str, request) -> None:
    catalog = request.getfixturevalue(catalog_name)
    said = (declared_losses(fmt) or frozenset()) | PARTLY.get(fmt, {}).keys() | TREE | {"type"}
    changed = []
    for before, after in round_trip(catalog, fmt):
        for name in RESOURCE_FIELDS:
            value, back = getattr(before, name), getattr(after, name)
            if name == "title" and fmt == "bibtex":  # ASCII LaTeX writes a ligature as its letters
                value, back = unicodedata.normalize("NFKC", value), unicodedata.normalize("NFKC", back)
            if name not in said and value and value != back:
                changed.append((before.id, name, value, back))
    assert changed == []


@pytest.mark.parametrize("catalog_name", CATALOGS)
@pytest.mark.parametrize("fmt", sorted(COLUMN_OF))
def test_types_read_back_as_predicted(fmt: str, catalog_name: str, request: pytest.FixtureRequest) -> None:
    catalog = request.getfixturevalue(catalog_name)
    wrong = [
        (before.id, before.type, after.type)
        for before, after in round_trip(catalog, fmt)
        if read_back_type(before, written_type(fmt, before), fmt) != after.type
    ]
    assert wrong == []


def lines_of(catalog: Catalog, fmt: str, **options: object) -> list[str]:
    return [str(line) for line in mlops_refs.not_carried(catalog, fmt, "out", **options).lines]


def small_catalog() -> Catalog:
    folders = [
        Collection(id="papers", title="Papers", kind="course", url="https://example.org/course"),
        Collection(id="tools", title="Tools", kind="folder", parent_id="papers"),
    ]
    records = [
        Resource(id="dvc", type="software", title="DVC", language="en", collection_ids=("tools",)),
        Resource(id="paper", type="journal-article", title="P", container="J", language="en", pmid="123"),
        Resource(id="site", type="documentation", title="D", url="https://example.org/d", note="a\nb"),
    ]
    return Catalog.build(CatalogInfo(), folders, records)


def test_ris_lines_name_the_folders_each_lost_field_and_each_changed_type() -> None:
    assert lines_of(small_catalog(), "ris") == [
        (
            "out: collections: ris cannot carry folders: 2 folders, and the place of 1 record in them, are lost "
            "(netscape, opml, yaml, zotero-rdf keep them)"
        ),
        "out: type: ris writes 'documentation' as 'ELEC', read back as 'webpage': 1 record (site)",
        (
            "out: language: ris keeps it in part (not written for a program: Zotero reads LA there as its "
            "programming language): 1 record (dvc) loses it"
        ),
        "out: note: ris keeps it in part (a line break in it reads back as a space): 1 record (site) loses it",
        "out: pmid: ris has no field for it: 1 record (paper) loses it",
    ]


def test_csl_json_keeps_the_folders_flat_and_titled_by_their_ids() -> None:
    assert lines_of(small_catalog(), "csl-json") == [
        (
            "out: collection.parent_id: csl-json cannot carry the folder tree: 1 folder (tools) comes back at the "
            "top"
        ),
        (
            "out: collection.title: csl-json cannot carry folder titles: 2 folders (papers, tools) come back titled "
            "by their ids"
        ),
        "out: collection.kind: csl-json has no field for it: 1 folder (papers) loses it",
        "out: collection.url: csl-json has no field for it: 1 folder (papers) loses it",
        "out: type: csl-json writes 'documentation' as 'webpage', read back as 'webpage': 1 record (site)",
    ]


def test_the_bib_writers_keep_the_tree_with_groups_and_say_the_option_without() -> None:
    without = lines_of(small_catalog(), "biblatex")
    assert without[0].startswith("out: collections: biblatex cannot carry folders without -O groups=true:")
    with_groups = lines_of(small_catalog(), "biblatex", groups=True)
    assert not any(": collections:" in line or "collection.title" in line for line in with_groups)
    assert "out: collection.kind: biblatex has no field for it: 1 folder (papers) loses it" in with_groups


def test_a_lossless_format_says_nothing_and_a_page_says_what_it_is() -> None:
    assert lines_of(small_catalog(), "yaml") == []
    assert lines_of(small_catalog(), "markdown") == [
        (
            "out: markdown is written to be read by people: no program reads it back into a library, so keep "
            "the catalog in a format that is (yaml keeps every field)"
        )
    ]


def test_convert_says_what_the_zotero_library_loses_in_ris(tmp_path: Path, capsys) -> None:
    sample = reference_file("ZOTERO_RDF_SAMPLE")
    out, report = tmp_path / "library.ris", tmp_path / "report.json"
    assert main(["convert", str(sample), str(out), "--report", str(report)]) == 0
    err = capsys.readouterr().err.splitlines()
    catalog, _ = mlops_refs.read(sample)
    folders = len(catalog.collections)
    assert f"{out}: collections: ris cannot carry folders: {folders} folders, and the place of " in err[-5]
    assert err[-1] == f"{out}: ris: {len(catalog.resources)} record(s) written, 4 report line(s)"
    written = json.loads(report.read_text(encoding="utf-8"))["written"]
    assert (written["file"], written["format"], len(written["lines"])) == (str(out), "ris", 4)
    assert [line["field"] for line in written["lines"]] == [
        "collections",
        "abstract",
        "extra",
        "original_date",
    ]
    assert written["lines"][0]["kind"] == "dropped"


def test_convert_to_a_format_that_keeps_everything_reports_no_line(tmp_path: Path, capsys) -> None:
    good = Path(__file__).parent / "fixtures" / "good" / "catalog.yaml"
    assert main(["convert", str(good), str(tmp_path / "copy.yaml")]) == 0
    assert capsys.readouterr().err.splitlines()[-1].endswith("record(s) written, 0 report line(s)")


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "good_catalog"])
@pytest.mark.parametrize("fmt", sorted(readers.names()))
def test_each_format_keeps_the_catalog_fields_it_is_said_to_and_no_other(
    fmt: str, catalog_name: str, request: pytest.FixtureRequest
) -> None:
    from mlops_refs.model import CatalogInfo
    from mlops_refs.partly import CATALOG_FIELDS_KEPT

    catalog = request.getfixturevalue(catalog_name)
    back, _report = mlops_refs.loads(mlops_refs.dumps(catalog, fmt), fmt)
    kept = CATALOG_FIELDS_KEPT.get(fmt, frozenset())
    for field in fields(CatalogInfo):
        value = getattr(catalog.info, field.name)
        if value == field.default or value == ():
            continue
        assert (getattr(back.info, field.name) == value) == (field.name in kept), (fmt, field.name)
    said = [line for line in lines_of(catalog, fmt) if ": catalog: " in line]
    lost = [
        f.name
        for f in fields(CatalogInfo)
        if f.name not in kept and getattr(catalog.info, f.name) not in (f.default, ())
    ]
    assert said == (
        [f"out: catalog: {fmt} has no place for the catalog's own {', '.join(lost)}"] if lost else []
    )
