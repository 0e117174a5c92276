"""The loader and `mlops-refs validate`: good catalogs load, bad ones report every problem exactly."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_refs import CatalogError, load_catalog
from mlops_refs.catalog import catalog_files
from mlops_refs.errors import CatalogNotFoundError
from mlops_refs.model import Catalog, CatalogInfo, PartialDate, Person, Resource

BAD = Path(__file__).parent / "fixtures" / "bad"
GOOD = Path(__file__).parent / "fixtures" / "good"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    return [str(p) for p in caught.value.problems]


def test_good_catalog_loads_into_typed_immutable_objects(good_catalog) -> None:
    assert len(good_catalog) == 12
    paper = good_catalog.resource("paleyes2022challenges")
    assert paper.authors[2] == Person(family="Lawrence", given="Neil D.")
    assert paper.issued == PartialDate(2022, 12, 7)
    assert paper.doi == "10.1145/3533378"
    with pytest.raises(dataclasses.FrozenInstanceError):
        paper.title = "x"  # type: ignore[misc]
    book = good_catalog.resource("beethoven-book")
    assert book.authors[0].particle == "van"
    assert book.authors[1].suffix == "Jr."
    assert good_catalog.resource("dvc").authors[0].is_organisation


def test_collections_are_resolved_in_both_directions(good_catalog) -> None:
    week1 = good_catalog.collection("week1")
    assert [c.id for c in good_catalog.children(week1)] == ["week1-serving"]
    assert [r.id for r in good_catalog.members(week1)] == [
        "vaswani2017attention",
        "paleyes2022challenges",
        "nakkiran2019deep",
        "sigelman2010dapper",
    ]
    attention = good_catalog.resource("vaswani2017attention")
    assert [c.id for c in good_catalog.collections_of(attention)] == ["week1", "week1-serving"]
    serving = good_catalog.collection("week1-serving")
    assert [c.id for c in good_catalog.path(serving)] == ["course", "week1", "week1-serving"]
    assert [(c.id, d) for c, d in good_catalog.walk()] == [
        ("course", 0),
        ("week1", 1),
        ("week1-serving", 2),
        ("week2", 1),
        ("other", 0),
    ]


def test_subset_keeps_a_subtree_and_prunes_empty_folders(good_catalog) -> None:
    week1 = good_catalog.subset(collection="week1")
    assert [c.id for c in week1.collections] == ["week1", "week1-serving"]
    assert week1.collection("week1").parent_id is None
    assert len(week1) == 4
    tools = good_catalog.subset(types=["software", "service"])
    assert [r.id for r in tools.resources] == ["dvc", "dynamodb"]
    assert [c.id for c in tools.collections] == ["course", "week2"]
    tagged = good_catalog.subset(tags=["nlp"])
    assert [r.id for r in tagged.resources] == ["vaswani2017attention"]


def test_duplicate_yaml_keys_are_refused_not_silently_overwritten() -> None:
    assert problems_of(BAD / "duplicate_key.yaml") == [
        (
            f"{BAD / 'duplicate_key.yaml'}:8:5: resources[0].title: duplicate key 'title' (first set on line 6); "
            "keep only one of them"
        )
    ]


def test_schema_errors_are_all_reported_with_location_and_advice() -> None:
    f = BAD / "schema_errors.yaml"
    assert problems_of(f) == [
        (
            f"{f}:4:9: resources[0].id: 'Bad Id' is not valid: use a key without spaces or any of , {{ }} ( ) \" "
            "# % ' = \\ ~, e.g. sculley2015hidden"
        ),
        (
            f"{f}:5:11: resources[0].type: 'paper' is not allowed; use one of: journal-article, conference-paper, "
            "preprint, report, book, chapter, thesis, software, service, webpage, documentation, blog-post, "
            "news-article, video, dataset, course, magazine-article, encyclopedia-entry, proceedings, manuscript, "
            "presentation, patent, standard, legal, audio, image, map, interview, letter, document"
        ),
        (
            f"{f}:9:10: resources[0].doi: 'https://doi.org/10.1145/3533378' is not valid: write a bare DOI such as "
            "10.1145/3533378, without a https://doi.org/ prefix"
        ),
        (
            f"{f}:10:12: resources[0].arxiv: 'arXiv:2011.09926v2' is not valid: write an arXiv id such as 2011.09926, "
            "without 'arXiv:' or a version suffix"
        ),
        (
            f'{f}:11:13: resources[0].issued: \'2021-13\' is not valid: write a date as "YYYY", "YYYY-MM" or '
            '"YYYY-MM-DD"'
        ),
        (
            f"{f}:13:9: resources[0].authors[0]: {{'family': 'Doe', 'literal': 'Doe Inc.'}} is not valid: an "
            "organisation is {literal: ...} alone; give a person as {family: ..., given: ...}"
        ),
        (
            f"{f}:14:5: resources[0].colour: unknown field 'colour'; allowed fields are: abstract, accessed, added, "
            "aliases, arxiv, arxiv_class, authors, chapter, collections, container, doi, edition, editors, extra, "
            "id, institution, isbn, issn, issue, issued, language, note, number, original_date, pages, place, "
            "pmcid, pmid, publisher, series, summary, tags, title, translators, type, url, volume"
        ),
        f"{f}:15:5: resources[1]: missing required field 'title'; add it",
    ]


def test_urls_that_a_browser_would_run_or_mangle_are_refused() -> None:
    f = BAD / "bad_urls.yaml"
    assert problems_of(f) == [
        (
            f"{f}:4:45: resources[0].url: 'javascript:alert(1)' uses the javascript: scheme; only http:// and "
            "https:// URLs are allowed"
        ),
        (
            f"{f}:5:49: resources[1].url: 'data:text/html,<b>x</b>' uses the data: scheme; only http:// and "
            "https:// URLs are allowed"
        ),
        (
            f"{f}:6:49: resources[2].url: 'file:///etc/passwd' uses the file: scheme; only http:// and https:// "
            "URLs are allowed"
        ),
        (
            f"{f}:7:51: resources[3].url: 'https://example.org/a b' contains ' ', which a URL may not hold as is; "
            "percent-encode them (space is %20, ü is %C3%BC)"
        ),
    ]


def test_references_ids_cycles_and_identifiers_are_checked_across_the_catalog() -> None:
    f = BAD / "references.yaml"
    assert problems_of(f) == [
        (
            f"{f}:2:45: collections[0].parent: collections form a cycle: a -> b -> a; one of them must be a root or "
            "have another parent"
        ),
        f"{f}:4:45: collections[2].parent: unknown collection 'nowhere'; define it under 'collections:'",
        f"{f}:10:22: resources[0].collections[1]: unknown collection 'missing'; define it under 'collections:'",
        (
            f"{f}:11:9: resources[1].id: resource id 'twin' is already used by 'twin' at {f}:6; keep one entry and "
            "list all its collections there"
        ),
        (
            f"{f}:19:10: resources[2].url: URL 'https://example.org/twin-one/' is already used by 'twin' at {f}:9; "
            "keep one entry and list all its collections there"
        ),
        f"{f}:24:11: resources[3].isbn: '978-3-16-148410-1' has a wrong check digit; copy the ISBN again",
        f"{f}:25:13: resources[3].issued: '2021-02-30' is not a real calendar date",
    ]


def test_yaml_syntax_error_is_located() -> None:
    f = BAD / "syntax_error.yaml"
    assert problems_of(f) == [
        (
            f"{f}:4:1: YAML syntax error: while parsing a flow sequence did not find expected ',' or ']'; fix the "
            "indentation or quoting there"
        )
    ]


def test_problems_from_several_files_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("collections:\n  - {id: c, kind: course, title: C}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "resources:\n  - {id: x, type: webpage, title: X, url: 'ftp://x', collections: [c]}\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yml").write_bytes(b"resources: []\ncatalog: {title: \xff}\n")
    problems = problems_of(tmp_path)
    assert problems == [
        (
            f"{tmp_path / 'b.yaml'}:2:43: resources[0].url: 'ftp://x' uses the ftp: scheme; only http:// and "
            "https:// URLs are allowed"
        ),
        f"{tmp_path / 'c.yml'}:2:1: not valid UTF-8; save the file as UTF-8",
    ]


def test_a_folder_is_merged_in_file_name_order(tmp_path: Path) -> None:
    (tmp_path / "resources").mkdir()
    (tmp_path / "b.yaml").write_text("collections:\n  - {id: c, kind: course, title: C}\n", encoding="utf-8")
    (tmp_path / "resources" / "r.yaml").write_text(
        "resources:\n  - {id: x, type: webpage, title: X, url: 'https://x.org', collections: [c]}\n",
        encoding="utf-8",
    )
    assert [p.name for p in catalog_files(tmp_path)] == ["b.yaml", "r.yaml"]
    assert load_catalog(tmp_path).members(load_catalog(tmp_path).collection("c"))[0].id == "x"


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogNotFoundError, match="no such file or folder"):
        load_catalog(tmp_path / "nope.yaml")
    with pytest.raises(CatalogNotFoundError, match=r"no \.yaml or \.yml files"):
        load_catalog(tmp_path)


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text("resources: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    problems = problems_of(f)
    assert any("python/object/apply" in p for p in problems)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args], capture_output=True, text=True, check=False
    )


def test_cli_validate_prints_problems_one_a_line_and_exits_1() -> None:
    result = run_cli("validate", str(BAD / "duplicate_key.yaml"))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"{BAD / 'duplicate_key.yaml'}:8:5: resources[0].title:")
    assert "Traceback" not in result.stderr


def test_cli_validate_summarises_a_clean_catalog() -> None:
    result = run_cli("validate", str(GOOD))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "ok: 12 resources, 5 collections"
    assert "1 conference-paper" in result.stdout


def test_cli_missing_catalog_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert result.stderr == f"mlops-refs: error: {tmp_path / 'missing.yaml'}: no such file or folder\n"


def test_control_characters_that_no_format_can_carry_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "ctrl.yaml"
    f.write_text(
        "collections:\n  - {id: c, kind: course, title: C}\nresources:\n"
        '  - {id: x, type: webpage, title: "form\\ffeed", url: "https://x.org", collections: [c],'
        ' note: "tab\\tand\\nnewline are fine"}\n',
        encoding="utf-8",
    )
    assert problems_of(f) == [
        (
            f"{f}:4:35: resources[0].title: contains the control character U+000C, which no export format can "
            "carry; remove it"
        )
    ]


def test_imported_records_load_with_their_new_fields(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        """resources:
  - id: "Müller:2020/x.y"
    type: magazine-article
    title: No URL and no folder
    pages: xii-xv
    abstract: A long abstract.
    issn: 1234-5679
    pmid: "31452104"
    pmcid: PMC6712345
    edition: "2"
    series: Lecture Notes
    chapter: "3"
    place: Berlin
    original_date: "1899-03"
    translators: [{family: Doe, given: Jane}]
    added: "2008-03-14T09:00:00Z"
    aliases: [mueller2020]
    extra: [{name: mendeley-groups, value: a}, {name: mendeley-groups, value: b}]
  - id: doi-only
    type: journal-article
    title: DOI only
    doi: 10.1000/xyz
    pages: e1234
    extra: {owner: me, timestamp: "2020"}
""",
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path)
    first, second = catalog.resources
    assert (first.url, first.collection_ids, first.pages) == (None, (), "xii-xv")
    assert first.original_date == PartialDate(1899, 3)
    assert first.translators == (Person(family="Doe", given="Jane"),)
    assert (first.issn, first.pmid, first.pmcid, first.place) == (
        "1234-5679",
        "31452104",
        "PMC6712345",
        "Berlin",
    )
    assert first.extra == (("mendeley-groups", "a"), ("mendeley-groups", "b"))
    assert second.extra == (("owner", "me"), ("timestamp", "2020"))
    assert second.link == "https://doi.org/10.1000/xyz"


def test_catalog_date_compares_dates_known_to_different_precision() -> None:
    year, month = PartialDate(2012), PartialDate(2012, 12)
    resources = [Resource(id=f"r{n}", type="book", title="t", issued=d) for n, d in enumerate((year, month))]
    assert Catalog.build(CatalogInfo(), [], resources).date == month


def test_the_schema_allows_exactly_the_model_types_and_collection_kinds() -> None:
    from mlops_refs.bundled import schema_path
    from mlops_refs.model import COLLECTION_KINDS, RESOURCE_TYPES

    defs = json.loads(schema_path().read_text(encoding="utf-8"))["$defs"]
    assert sorted(defs["resource"]["properties"]["type"]["enum"]) == sorted(RESOURCE_TYPES)
    assert sorted(defs["collection"]["properties"]["kind"]["enum"]) == sorted(COLLECTION_KINDS)


def test_loaded_resources_and_people_are_what_their_constructors_make() -> None:
    # load_catalog assembles them from their fields without __init__: they must be indistinguishable
    catalog = load_catalog()
    people = [p for r in catalog.resources for p in (*r.authors, *r.editors, *r.translators)]
    assert people
    for obj in (*catalog.resources, *people):
        names = [f.name for f in dataclasses.fields(obj)]
        made = type(obj)(**{name: getattr(obj, name) for name in names})
        assert (obj == made, hash(obj) == hash(made), repr(obj) == repr(made)) == (True, True, True)
        assert set(vars(obj)) <= set(names)  # no attribute that is not a field
        with pytest.raises(dataclasses.FrozenInstanceError):  # frozen: no attribute can be set
            obj.title = "changed"  # type: ignore[misc,union-attr]
