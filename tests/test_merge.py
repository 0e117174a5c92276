"""Merging libraries: one resource per thing, ids kept, every decision in the report."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from mlops_refs.identity import url_key
from mlops_refs.merge import find_duplicates, merge, path_tags
from mlops_refs.model import Catalog, CatalogInfo, Collection, PartialDate, Person, Resource

INFO = CatalogInfo(title="test")


def lib(collections: list[Collection], resources: list[Resource]) -> Catalog:
    return Catalog.build(INFO, collections, resources)


def res(rid: str, url: str | None = None, **fields: object) -> Resource:
    base: dict[str, object] = {"id": rid, "type": "webpage", "title": rid.title(), "url": url}
    base.update(fields)
    return Resource(**base)  # type: ignore[arg-type]


def www_and_slash(url: str) -> str:
    """The same page as http://www. with a trailing slash (query kept)."""
    parts = urlsplit(url)
    host = parts.netloc if parts.netloc.startswith("www.") else f"www.{parts.netloc}"
    path = parts.path if parts.path.endswith("/") else f"{parts.path}/"
    return f"http://{host}{path}" + (f"?{parts.query}" if parts.query else "")


def test_bundled_catalog_merged_with_itself_changes_nothing(bundled_catalog: Catalog) -> None:
    result = merge(bundled_catalog, [(bundled_catalog, "catalog")])
    assert result.catalog == bundled_catalog
    assert (result.touched, result.new) == (set(), [])
    assert len(result.report.merges) == len(bundled_catalog.resources)
    assert result.report.conflicts == result.report.two_way == result.report.added == []


def test_bundled_catalog_merged_with_rewritten_urls_changes_nothing(bundled_catalog: Catalog) -> None:
    rewritten = [replace(r, url=www_and_slash(r.url)) for r in bundled_catalog.resources if r.url]
    assert all(a.url != b.url for a, b in zip(bundled_catalog.resources, rewritten, strict=True))
    for source in ("bibtex", "netscape", "zotero-rdf"):
        copy = lib(list(bundled_catalog.collections), rewritten)
        result = merge(bundled_catalog, [(copy, source)])
        assert result.catalog == bundled_catalog, source  # ids, URLs as saved, memberships
        assert result.report.conflicts == []
        assert result.report.added == []


def test_a_near_duplicate_gains_memberships_tags_identifiers_and_missing_fields() -> None:
    folder = Collection(id="ml", title="ML", kind="folder")
    existing = lib(
        [folder],
        [
            res(
                "sculley2015hidden",
                "https://papers.example.org/hidden",
                tags=("Debt",),
                collection_ids=("ml",),
            )
        ],
    )
    incoming = lib(
        [Collection(id="reading", title="Reading", kind="folder")],
        [
            res(
                "Sculley:2015",
                "http://www.papers.example.org/hidden/?utm_source=feed",
                collection_ids=("reading",),
                tags=("debt", "ml-systems"),
                doi="10.5555/2969442.2969519",
                pages="2503-2511",
            )
        ],
    )
    result = merge(existing, [(incoming, "bibtex")])
    (merged,) = result.catalog.resources
    assert merged.id == "sculley2015hidden"
    assert merged.url == "https://papers.example.org/hidden"  # the saved URL, never rewritten
    assert merged.tags == ("Debt", "ml-systems")  # case-folded union
    assert merged.doi == "10.5555/2969442.2969519"
    assert merged.pages == "2503-2511"
    assert merged.aliases == ("Sculley:2015",)
    assert [c.title for c in result.catalog.collections_of(merged)] == ["ML", "Reading"]
    assert result.report.merges == [
        {
            "resource": "sculley2015hidden",
            "record": "Sculley:2015",
            "source": "bibtex",
            "on": ["url:papers.example.org/hidden"],
        }
    ]
    assert result.report.aliases == [
        {"resource": "sculley2015hidden", "alias": "Sculley:2015", "source": "bibtex"}
    ]
    assert result.touched == {"sculley2015hidden"}


def test_a_type_the_source_format_writes_alike_is_no_conflict() -> None:
    mine = lib([], [res("docs", "https://example.org/docs", type="documentation")])
    as_rdf = lib([], [res("docs", "https://example.org/docs", type="webpage")])  # Zotero: both "webpage"
    as_bib = lib([], [res("docs", "https://example.org/docs", type="software")])  # biblatex tells these apart
    result = merge(mine, [(as_rdf, "zotero-rdf"), (as_bib, "biblatex")])
    assert [(c["field"], c["source"], c["new"]) for c in result.report.conflicts] == [
        ("type", "biblatex", "software")
    ]


def test_the_richer_source_wins_a_conflict_and_the_conflict_is_reported() -> None:
    bookmarks = lib([], [res("hidden", "https://example.org/p", title="Hidden debt | Example")])
    rdf = lib(
        [], [res("item1", "https://example.org/p", type="conference-paper", title="Hidden Technical Debt")]
    )
    bib = lib([], [res("k", "https://example.org/p", type="misc-ish", title="hidden technical debt")])
    result = merge(lib([], []), [(bookmarks, "netscape"), (rdf, "zotero-rdf"), (bib, "biblatex")])
    (merged,) = result.catalog.resources
    assert (merged.id, merged.type, merged.title) == ("hidden", "conference-paper", "Hidden Technical Debt")
    kept = {(c["field"], c["source"]): (c["old"], c["new"], c["kept"]) for c in result.report.conflicts}
    assert kept == {
        ("title", "zotero-rdf"): ("Hidden debt | Example", "Hidden Technical Debt", "new"),
        ("type", "zotero-rdf"): ("webpage", "conference-paper", "new"),
        ("title", "biblatex"): ("Hidden Technical Debt", "hidden technical debt", "old"),
        ("type", "biblatex"): ("conference-paper", "misc-ish", "old"),
    }


def test_the_existing_catalog_is_the_richest_source(bundled_catalog: Catalog) -> None:
    first = bundled_catalog.resources[0]
    changed = replace(first, title="Another title", id="other-key")
    result = merge(bundled_catalog, [(lib([], [changed]), "zotero-rdf")])
    assert result.catalog.resource(first.id).title == first.title
    assert result.report.conflicts[0]["kept"] == "old"


@pytest.mark.parametrize(
    ("existing", "incoming", "on"),
    [
        ({"doi": "10.1145/3533378"}, {"url": "https://dx.doi.org/10.1145/3533378"}, "doi:10.1145/3533378"),
        ({"doi": "10.1145/3533378"}, {"doi": "DOI:10.1145/3533378"}, "doi:10.1145/3533378"),
        ({"arxiv": "2011.09926"}, {"url": "http://arxiv.org/pdf/2011.09926v2.pdf"}, "arxiv:2011.09926"),
        ({"arxiv": "2011.09926"}, {"doi": "10.48550/arXiv.2011.09926"}, "arxiv:2011.09926"),
        ({"isbn": "0-306-40615-2"}, {"isbn": "9780306406157"}, "isbn:9780306406157"),
        ({"pmid": "12345"}, {"pmid": "PMID: 12345"}, "pmid:12345"),
    ],
)
def test_each_identifier_form_merges(existing: dict[str, str], incoming: dict[str, str], on: str) -> None:
    a = lib([], [res("a", **{"url": "https://one.example.org/a", **existing})])
    b = lib([], [res("b", **{"url": "https://two.example.org/b", **incoming})])
    result = merge(a, [(b, "ris")])
    assert [r.id for r in result.catalog.resources] == ["a"]
    assert on in result.report.merges[0]["on"]


def test_different_pages_do_not_merge() -> None:
    a = lib([], [res("a", "https://example.org/item?id=1"), res("b", "https://example.org/docs/a")])
    b = lib([], [res("c", "https://example.org/item?id=2"), res("d", "https://example.org/docs/b")])
    result = merge(a, [(b, "netscape")])
    assert [r.id for r in result.catalog.resources] == ["a", "b", "c", "d"]
    assert result.report.merges == []
    assert result.new == ["c", "d"]


def test_a_two_way_record_is_reported_not_merged() -> None:
    a = lib([], [res("a", "https://example.org/a", doi="10.1234/a"), res("b", "https://example.org/b")])
    both = res("c", "https://example.org/b", doi="10.1234/A")
    disagree = res("d", "https://example.org/a", doi="10.1234/other")
    result = merge(a, [(lib([], [both, disagree]), "bibtex")])
    assert result.catalog == a
    assert [(t["record"], t["matches"]) for t in result.report.two_way] == [
        ("c", [{"resource": "a", "on": ["doi:10.1234/a"]}, {"resource": "b", "on": ["url:example.org/b"]}]),
        ("d", [{"resource": "a", "on": ["url:example.org/a"]}]),
    ]
    assert "doi differs" in result.report.two_way[1]["reason"]


def test_a_known_alias_is_that_resource_and_keys_are_never_regenerated() -> None:
    a = lib([], [res("sculley2015hidden", "https://a.example.org/x", aliases=("Sculley:2015",))])
    b = lib([], [res("Sculley:2015", "https://elsewhere.example.org/y", pages="1-2")])
    result = merge(a, [(b, "biblatex")])
    (merged,) = result.catalog.resources
    assert (merged.id, merged.pages, merged.aliases) == ("sculley2015hidden", "1-2", ("Sculley:2015",))
    assert result.report.merges[0]["on"] == ["key:Sculley:2015"]


def test_a_clashing_key_of_another_thing_gets_a_suffix_and_a_report_line() -> None:
    a = lib([], [res("smith2020", "https://a.example.org/x", title="Deep Things")])
    b = lib([], [res("smith2020", "https://b.example.org/y", title="Shallow Matters")])
    result = merge(a, [(b, "bibtex")])
    assert [r.id for r in result.catalog.resources] == ["smith2020", "smith2020-2"]
    assert result.catalog.resource("smith2020-2").aliases == ()  # "smith2020" names the other one
    assert result.report.renamed == [{"record": "smith2020", "source": "bibtex", "id": "smith2020-2"}]


def test_collections_merge_by_path_and_same_named_folders_at_other_paths_stay_apart() -> None:
    tree = [
        Collection(id="cars", title="Cars", kind="folder"),
        Collection(id="resto", title="Restoration", kind="folder", parent_id="cars"),
    ]
    other = [
        Collection(id="f1", title="cars", kind="folder"),
        Collection(id="f2", title="Restoration", kind="folder", parent_id="f1"),
        Collection(id="f3", title="Houses", kind="folder"),
        Collection(id="f4", title="Restoration", kind="folder", parent_id="f3"),
    ]
    a = lib(tree, [res("a", "https://a.example.org/", collection_ids=("resto",))])
    b = lib(other, [res("b", "https://a.example.org", collection_ids=("f2", "f4"))])
    result = merge(a, [(b, "netscape")], folder_tags=True)
    paths = ["/".join(c.title for c in result.catalog.path(c)) for c in result.catalog.collections]
    assert paths == ["Cars", "Cars/Restoration", "Houses", "Houses/Restoration"]
    (merged,) = result.catalog.resources
    assert merged.collection_ids == ("resto", "f4")
    assert merged.tags == ("cars/Restoration", "Houses/Restoration")


def test_browser_roots_merge_by_role_whatever_their_titles() -> None:
    firefox = lib(
        [
            Collection(id="tb", title="Bookmarks Toolbar", kind="toolbar"),
            Collection(id="x", title="ML", kind="folder", parent_id="tb"),
        ],
        [res("a", "https://a.example.org/", collection_ids=("x",))],
    )
    chrome = lib(
        [
            Collection(id="bar", title="Lesezeichenleiste", kind="toolbar"),
            Collection(id="y", title="ML", kind="folder", parent_id="bar"),
        ],
        [res("b", "https://b.example.org/", collection_ids=("y",))],
    )
    result = merge(lib([], []), [(firefox, "netscape"), (chrome, "netscape")], folder_tags=True)
    assert [c.id for c in result.catalog.collections] == ["tb", "x"]
    assert [r.collection_ids for r in result.catalog.resources] == [("x",), ("x",)]
    assert [r.tags for r in result.catalog.resources] == [("ML",), ("ML",)]  # roots left out of path tags
    assert path_tags(chrome) == {"y": "ML"}


def test_candidate_pairs_are_proposed_never_merged() -> None:
    person = (Person(family="Sculley", given="D."),)
    a = lib(
        [],
        [
            res(
                "a",
                "https://a.example.org/",
                title="Hidden Technical Debt in ML Systems",
                authors=person,
                issued=PartialDate(2015),
            )
        ],
    )
    b = lib(
        [],
        [
            res(
                "b",
                "https://b.example.org/",
                title="Hidden technical debt in ML systems.",
                authors=(Person(family="Sculley", given="David"),),
                issued=PartialDate(2015, 12),
            )
        ],
    )
    result = merge(a, [(b, "bibtex")])
    assert [r.id for r in result.catalog.resources] == ["a", "b"]
    assert [(p["resources"], p["similarity"]) for p in result.report.candidates] == [(["a", "b"], 1.0)]


def test_added_date_keeps_the_earliest_and_extra_is_a_union() -> None:
    a = lib([], [res("a", "https://a.example.org/", added="2020-01-02T00:00:00Z", extra=(("x", "1"),))])
    b = lib([], [res("b", "https://a.example.org/", added="2019-05-01T00:00:00Z", extra=(("y", "2"),))])
    (merged,) = merge(a, [(b, "netscape")]).catalog.resources
    assert merged.added == "2019-05-01T00:00:00Z"
    assert merged.extra == (("x", "1"), ("y", "2"))


def test_the_report_is_json() -> None:
    a = lib([], [res("a", "https://a.example.org/", issued=PartialDate(2020), authors=(Person(family="X"),))])
    b = lib([], [res("b", "https://a.example.org/", issued=PartialDate(2021), authors=(Person(family="Y"),))])
    report = merge(a, [(b, "zotero-rdf")]).report.to_json()
    assert json.loads(json.dumps(report)) == report
    assert [(c["field"], c["old"], c["new"], c["kept"]) for c in report["conflicts"]] == [
        ("title", "A", "B", "old"),
        ("authors", ["X"], ["Y"], "old"),
        ("issued", "2020", "2021", "old"),
    ]


def test_find_duplicates_inside_one_catalog_and_apply() -> None:
    folder = [Collection(id="f", title="F", kind="folder"), Collection(id="g", title="G", kind="folder")]
    catalog = lib(
        folder,
        [
            res("a", "https://example.org/p", collection_ids=("f",)),
            res("b", "https://example.org/q"),
            res("c", "http://www.example.org/p/", collection_ids=("g",), tags=("t",)),
        ],
    )
    result = find_duplicates(catalog)
    assert result.removed == {"c"}
    assert result.touched == {"a"}
    assert [r.id for r in result.catalog.resources] == ["a", "b"]
    merged = result.catalog.resource("a")
    assert (merged.collection_ids, merged.tags, merged.aliases) == (("f", "g"), ("t",), ("c",))
    assert result.report.merges == [
        {"resource": "a", "record": "c", "source": "catalog", "on": ["url:example.org/p"]}
    ]
    assert result.report.added == []


def test_merge_is_one_pass_over_dicts() -> None:
    """Twice the records: the index holds each key once; a merge of n records makes n index lookups."""
    resources = [res(f"r{i}", f"https://example.org/{i}") for i in range(2000)]
    copy = [replace(r, id=f"k{i}", url=www_and_slash(r.url)) for i, r in enumerate(resources)]
    result = merge(lib([], resources), [(lib([], copy), "bibtex")])
    assert len(result.catalog.resources) == 2000
    assert len(result.report.merges) == 2000
    assert {url_key(r.url) for r in result.catalog.resources} == {url_key(r.url) for r in resources}


def test_a_10000_deep_folder_tree_merges_without_recursion() -> None:
    depth = 10_000
    chain = [
        Collection(id=f"f{i}", title=f"F{i}", kind="folder", parent_id=f"f{i - 1}" if i else None)
        for i in range(depth)
    ]
    deep = lib(chain, [res("deep", "https://example.org/deep", collection_ids=(f"f{depth - 1}",))])
    result = merge(deep, [(deep, "netscape")], folder_tags=True)
    assert len(result.catalog.collections) == depth
    assert result.catalog.resources[0].collection_ids == (f"f{depth - 1}",)
    assert result.catalog.resources[0].tags == ()  # a path longer than TAG_LIMIT gives no tag


def test_folders_in_a_parent_cycle_keep_their_members() -> None:
    cycle = [
        Collection(id="a", title="A", kind="folder", parent_id="b"),
        Collection(id="b", title="B", kind="folder", parent_id="a"),
    ]
    incoming = Catalog(INFO, tuple(cycle), (res("x", "https://example.org/x", collection_ids=("a",)),))
    result = merge(lib([], []), [(incoming, "opml")])
    (x,) = result.catalog.resources
    assert [result.catalog.collection(c).title for c in x.collection_ids] == ["A"]


def test_a_field_the_source_format_cannot_carry_is_no_conflict() -> None:
    paper = lib([], [res("p", "https://example.org/p", type="conference-paper", title="Paper")])
    bookmark = lib([], [res("b", "https://example.org/p", type="webpage", title="Paper | Example")])
    result = merge(paper, [(bookmark, "netscape")])  # bookmarks carry no type: 'webpage' is the fallback
    assert [c["field"] for c in result.report.conflicts] == ["title"]
    assert result.catalog == paper
