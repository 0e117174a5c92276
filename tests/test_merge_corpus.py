"""Merging what real programs wrote: two browsers' bookmarks, a Zotero library beside its RIS, our own exports."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mlops_refs import dumps
from mlops_refs.bundled import data_path
from mlops_refs.identity import identity_keys, title_block, url_key
from mlops_refs.merge import empty_catalog, merge
from mlops_refs.mergefiles import merge_into_folder
from mlops_refs.model import Catalog
from mlops_refs.readers.registry import default_registry as reader_registry
from readers import corpus, read
from test_read_netscape import http_links

#: Every reader of a format the catalog is exported to, by format name.
READERS = {name: reader_registry.get(name) for name in reader_registry.names() if name != "yaml"}


def own_export(catalog: Catalog, fmt: str) -> Catalog:
    back, _ = read(READERS[fmt], dumps(catalog, fmt).encode("utf-8"), fmt)
    return back


def paths(catalog: Catalog) -> list[tuple[str, ...]]:
    return [tuple(c.title for c in catalog.path(c)) for c in catalog.collections]


def test_every_format_with_a_reader_is_checked() -> None:
    assert {"netscape", "opml", "zotero-rdf", "csl-json", "ris"} <= set(READERS)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_bundled_catalog_merged_with_its_own_export_changes_nothing(
    fmt: str, bundled_catalog: Catalog
) -> None:
    result = merge(bundled_catalog, [(own_export(bundled_catalog, fmt), fmt)])
    assert result.catalog == bundled_catalog
    assert (result.touched, result.new) == (set(), [])
    assert result.report.two_way == []
    assert len(result.report.merges) == len(bundled_catalog.resources)


def test_bundled_catalog_folder_merged_with_every_export_writes_nothing(
    bundled_catalog: Catalog, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data_path(), folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    incoming = [(own_export(bundled_catalog, fmt), fmt) for fmt in sorted(READERS)]
    report = merge_into_folder(folder, incoming, folder_tags=False)
    assert report.files == []
    assert report.added == []
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("firefox", "chromium"),
    [
        ("shaarli-parser_firefox_nested.htm", "shaarli-parser_chromium_nested.htm"),
        ("firefox_bookmarks.preplaces.html", "node-bookmarks-parser_chrome_bookmarks.html"),
        ("firefox_migration_bookmarks.exported.html", "node-bookmarks-parser_chrome_bookmarks.html"),
    ],
)
def test_firefox_and_chromium_bookmarks_merge_into_one_tree_without_duplicates(
    firefox: str, chromium: str
) -> None:
    folder = corpus("netscape")
    files = [(folder / firefox).read_bytes(), (folder / chromium).read_bytes()]
    catalogs = [
        read(READERS["netscape"], data, name)[0]
        for data, name in zip(files, (firefox, chromium), strict=True)
    ]
    result = merge(empty_catalog(), [(c, "netscape") for c in catalogs])
    merged = result.catalog
    keys = [url_key(r.url) for r in merged.resources]
    assert len(keys) == len(set(keys))  # no two resources for one page
    # an independent count: the distinct page keys of every http(s) <A HREF> in both files
    assert set(keys) == {url_key(u) for data in files for u in http_links(data)}
    # one tree: each folder path once, every folder path of both files in it (browser roots by role)
    merged_paths = paths(merged)
    assert len(merged_paths) == len(set(merged_paths))
    roles = [c.kind for c in merged.roots if c.kind in ("toolbar", "menu", "unfiled", "mobile")]
    assert len(roles) == len(set(roles))
    for catalog in catalogs:
        for c in catalog.collections:
            if c.parent_id is None and c.kind in ("toolbar", "menu", "unfiled", "mobile"):
                assert any(m.kind == c.kind for m in merged.roots)
            else:
                assert any(p[-1] == c.title for p in merged_paths), c.title
    # every bookmark keeps every folder it had in either file
    for catalog in catalogs:
        for r in catalog.resources:
            (target,) = [m for m in merged.resources if url_key(m.url) == url_key(r.url)]
            assert len(target.collection_ids) >= len(r.collection_ids)


def test_zotero_library_merged_with_the_same_references_as_ris() -> None:
    """The library as Zotero RDF, then as RIS twice: with its keys, and as another program keyed it."""
    path = corpus("zotero-rdf") / "NLP-for-TA_My-Library_collections-autotags.rdf"
    rdf, _ = read(READERS["zotero-rdf"], path.read_bytes(), path.name)
    assert rdf.collections, "the library has collections"
    same = own_export(rdf, "ris")
    renamed = Catalog.build(
        rdf.info, rdf.collections, [replace(r, id=f"Other:{r.id}") for r in rdf.resources]
    )
    other = own_export(renamed, "ris")
    result = merge(empty_catalog(), [(rdf, "zotero-rdf"), (same, "ris"), (other, "ris")])
    merged = result.catalog
    identified = [r for r in rdf.resources if identity_keys(r)]
    unidentified = [r for r in rdf.resources if not identity_keys(r)]
    # the library itself holds a few duplicates (one DOI twice): counted here on their own
    first_of_key: dict[str, str] = {}
    inner = set()
    for r in identified:
        if any(k in first_of_key for k in identity_keys(r)):
            inner.add(r.id)
        for k in identity_keys(r):
            first_of_key.setdefault(k, r.id)
    assert len(merged.resources) == len(rdf.resources) - len(inner) + len(unidentified)
    by_name = {name: m for m in merged.resources for name in (m.id, *m.aliases)}
    for r in identified:
        kept = by_name[r.id]
        assert f"Other:{r.id}" in kept.aliases  # the other program's key, kept as an alias
        if r.id not in inner:
            assert kept.id == r.id
            assert kept.title == r.title  # the richer source's fields
        titles = {c.title for c in merged.collections_of(kept)}
        assert {c.title for c in rdf.collections_of(r)} <= titles  # the RDF's collections
    # the copies another program keyed differently, with no identifier, are only proposed, never merged
    proposed = {tuple(p["resources"]) for p in result.report.candidates}
    for r in unidentified:
        assert merged.resource(r.id).aliases == ()
        copy = next(m for m in merged.resources if m.id.startswith(f"Other:{r.id}"))
        if title_block(r) is not None:
            assert (r.id, copy.id) in proposed
    assert paths(merged) == paths(rdf)
    assert result.report.two_way == []
