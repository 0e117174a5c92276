"""``mlops-refs import FILE... --into DIR`` on an existing catalog folder: the merge, end to end."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mlops_refs import dumps, load_catalog
from mlops_refs.bundled import data_path
from mlops_refs.cli import main
from mlops_refs.exporters import default_registry as exporters
from mlops_refs.identity import identity_keys, title_block, url_key
from mlops_refs.model import Catalog, CatalogInfo, Resource
from mlops_refs.readers.registry import default_registry as readers
from readers import corpus, read
from test_read_netscape import http_links

LIBRARY = """\
# My reading list: my comments and my order stay.
catalog:
  title: My references

collections:
  - id: ml          # the folder I use most
    kind: course
    title: ML

resources:
  # ---- papers ----
  - id: paper-one
    title: "Paper one"   # title before type, as I like it
    type: journal-article
    doi: 10.1234/one
    collections: [ml]
    aliases: [One:2020]

  - url: https://example.org/two
    id: paper-two
    type: webpage
    title: Page two
    tags: [a]
    collections: [ml]   # trailing comment
# the end
"""

INCOMING = """\
@misc{Two:2021,
  title = {Page two},
  url = {http://www.example.org/two/?utm_source=rss},
  keywords = {A, fresh},
  note = {Seen again.},
  owner = {me},
}
@article{One:2020,
  title = {Paper one},
  journal = {Journal of One},
  year = {2020},
}
@misc{brand-new,
  title = {Brand new},
  url = {https://example.org/new},
}
"""

MERGED_ITEMS = """\
  - id: paper-one
    type: journal-article
    title: "Paper one"
    issued: "2020"
    container: "Journal of One"
    doi: "10.1234/one"
    collections: [ml]
    aliases: ["One:2020"]

  - id: paper-two
    type: webpage
    title: "Page two"
    url: https://example.org/two
    tags: [a, fresh]
    collections: [ml]
    note: "Seen again."
    aliases: ["Two:2021"]
    extra:
      - {name: owner, value: me}
"""

NEW_FILE = """\
# Resources and collections added by 'mlops-refs import' from: bibtex.
resources:
  - id: brand-new
    type: document
    title: "Brand new"
    url: https://example.org/new
"""


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "new.bib").write_text(INCOMING, encoding="utf-8")
    return folder


def test_import_into_a_catalog_merges_and_rewrites_only_the_touched_resources(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = library.parent / "new.bib"
    report = library.parent / "report.json"
    assert main(["import", str(bib), "--into", str(library), "--report", str(report)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "merge: Two:2021 into paper-two on url:example.org/two",
        "merge: One:2020 into paper-one on key:One:2020",
        "alias: Two:2021 is paper-two",
        f"wrote {library / 'catalog.yaml'}",
        f"wrote {library / 'imported-001.yaml'}",
        "2 merged, 1 added, 0 conflicts, 0 two-way, 0 candidate pairs",
    ]
    assert f"{bib}: bibtex: 3 record(s) read, 0 skipped, 0 report line(s)" in out.err
    head, _rest = LIBRARY.split("  - id: paper-one\n")
    expected = head + MERGED_ITEMS + "# the end\n"
    assert (library / "catalog.yaml").read_text(encoding="utf-8") == expected
    assert (library / "imported-001.yaml").read_text(encoding="utf-8") == NEW_FILE
    assert sorted(files_of(library)) == ["catalog.yaml", "imported-001.yaml"]  # no temp file left
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files"][0]["read"] == 3
    assert [(m["resource"], m["record"], m["on"]) for m in data["merge"]["merges"]] == [
        ("paper-two", "Two:2021", ["url:example.org/two"]),
        ("paper-one", "One:2020", ["key:One:2020"]),
    ]
    assert data["merge"]["aliases"] == [{"resource": "paper-two", "alias": "Two:2021", "source": "bibtex"}]
    assert data["merge"]["added"] == ["brand-new"]
    assert main(["validate", str(library)]) == 0
    # the same file again changes nothing: every key is now known
    before = files_of(library)
    assert main(["import", str(bib), "--into", str(library)]) == 0
    assert files_of(library) == before
    assert "2 merged, 1 added" not in capsys.readouterr().out


def test_dry_run_prints_the_same_decisions_and_writes_nothing(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_of(library.parent)
    bib = library.parent / "new.bib"
    assert main(["import", str(bib), "--into", str(library), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "merge: Two:2021 into paper-two on url:example.org/two",
        "merge: One:2020 into paper-one on key:One:2020",
        "alias: Two:2021 is paper-two",
        f"would write {library / 'catalog.yaml'}",
        f"would write {library / 'imported-001.yaml'}",
        "2 merged, 1 added, 0 conflicts, 0 two-way, 0 candidate pairs (dry run: nothing written)",
    ]
    assert files_of(library.parent) == before


def test_the_richer_source_wins_a_conflict_and_the_report_says_so(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = Resource(
        id="zotero-key", type="webpage", title="Brand new, as Zotero has it", url="https://example.org/new/"
    )
    rdf = library.parent / "new.rdf"
    rdf.write_text(dumps(Catalog.build(CatalogInfo(), (), [record]), "zotero-rdf"), encoding="utf-8")
    bib = library.parent / "new.bib"
    assert main(["import", str(bib), str(rdf), "--into", str(library), "--report", str(rdf) + ".json"]) == 0
    out = capsys.readouterr().out
    assert 'conflict: brand-new.title: "Brand new" -> "Brand new, as Zotero has it" (kept new)\n' in out
    assert 'conflict: brand-new.type: "document" -> "webpage" (kept new)\n' in out
    kept = load_catalog(library).resource("brand-new")
    assert (kept.title, kept.type, kept.url) == (
        "Brand new, as Zotero has it",
        "webpage",
        "https://example.org/new",
    )
    report = json.loads(Path(str(rdf) + ".json").read_text(encoding="utf-8"))
    conflicts = [(c["resource"], c["field"], c["kept"], c["source"]) for c in report["merge"]["conflicts"]]
    assert conflicts == [
        ("brand-new", "type", "new", "zotero-rdf"),
        ("brand-new", "title", "new", "zotero-rdf"),
    ]


BOOKMARKS = """\
<!DOCTYPE NETSCAPE-Bookmark-file-1>
<TITLE>Bookmarks</TITLE>
<H1>Bookmarks</H1>
<DL><p>
<DT><H3>Cars</H3>
<DL><p>
<DT><H3>Restoration</H3>
<DL><p>
<DT><A HREF="https://example.org/two">Page two</A>
</DL><p>
</DL><p>
</DL><p>
"""


@pytest.mark.parametrize("tags", [False, True])
def test_tags_from_folders(library: Path, tags: bool) -> None:
    html = library.parent / "bookmarks.html"
    html.write_text(BOOKMARKS, encoding="utf-8")
    assert (
        main(["import", str(html), "--into", str(library), *(["--tags-from-folders"] if tags else [])]) == 0
    )
    catalog = load_catalog(library)
    kept = catalog.resource("paper-two")
    assert kept.tags == (("a", "Cars/Restoration") if tags else ("a",))
    assert [c.title for c in catalog.collections_of(kept)] == ["ML", "Restoration"]
    assert [c.title for c in catalog.path(catalog.collections_of(kept)[1])] == ["Cars", "Restoration"]


def test_tags_from_folders_into_a_new_folder(tmp_path: Path) -> None:
    html = tmp_path / "bookmarks.html"
    html.write_text(BOOKMARKS, encoding="utf-8")
    assert main(["import", str(html), "--into", str(tmp_path / "new"), "--tags-from-folders"]) == 0
    assert load_catalog(tmp_path / "new").resources[0].tags == ("Cars/Restoration",)


def test_a_record_matching_two_resources_is_left_out_with_exit_1(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = library.parent / "both.bib"
    bib.write_text("@misc{both, title = {Both}, doi = {10.1234/one}, url = {https://example.org/two}}\n")
    before = files_of(library)
    assert main(["import", str(bib), "--into", str(library)]) == 1
    out = capsys.readouterr().out
    assert (
        "two-way: both left apart, its identifiers match different resources: "
        "paper-one on doi:10.1234/one; paper-two on url:example.org/two\n"
    ) in out
    assert files_of(library) == before


def test_a_folder_that_is_neither_empty_nor_a_catalog_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "new.bib").write_text(INCOMING, encoding="utf-8")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["import", str(tmp_path / "new.bib"), "--into", str(tmp_path / "lib")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert [p.name for p in (tmp_path / "lib").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_aliases_go_out_as_ids_and_come_back(fmt: str, good_catalog: Catalog) -> None:
    first = replace(good_catalog.resources[0], aliases=("Other:2017", "paper-17"))
    catalog = Catalog.build(good_catalog.info, good_catalog.collections, [first, *good_catalog.resources[1:]])
    text = dumps(catalog, fmt)
    assert re.search(r"\n  ids +=? \{Other:2017, paper-17\},\n", text)
    back, _ = read(readers.get(fmt), text.encode("utf-8"), "x.bib")
    assert back.resource(first.id).aliases == ("Other:2017", "paper-17")


def test_a_record_keyed_by_a_known_alias_is_that_resource(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bib = library.parent / "alias.bib"
    bib.write_text("@article{One:2020, title = {Something else entirely}, volume = {7}}\n", encoding="utf-8")
    assert main(["import", str(bib), "--into", str(library)]) == 0
    assert capsys.readouterr().out.startswith("merge: One:2020 into paper-one on key:One:2020\n")
    catalog = load_catalog(library)
    assert [r.id for r in catalog.resources] == ["paper-one", "paper-two"]
    assert catalog.resource("paper-one").volume == "7"


# -- real files --------------------------------------------------------------------------------------------


def test_bundled_catalog_merged_with_every_export_through_the_cli_changes_no_byte(
    tmp_path: Path, bundled_catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data_path(), folder)
    before = files_of(folder)
    written = []
    for fmt in sorted(readers.names()):
        path = tmp_path / f"export-{fmt}{exporters.get_class(fmt).extension}"
        path.write_text(dumps(bundled_catalog, fmt), encoding="utf-8")
        written.append(str(path))
    assert {"bibtex", "biblatex", "csl-json", "netscape", "opml", "ris", "zotero-rdf", "yaml"} <= set(
        readers.names()
    )
    status = main(["import", *written, "--into", str(folder), "--report", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert status == 0
    n = len(bundled_catalog.resources)
    assert out.splitlines()[-1].startswith(f"{n * len(written)} merged, 0 added, ")
    assert "wrote" not in out
    assert files_of(folder) == before
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["merge"]["files"] == []
    assert report["merge"]["two_way"] == []


@pytest.mark.parametrize(
    ("firefox", "chromium"),
    [
        ("shaarli-parser_firefox_nested.htm", "shaarli-parser_chromium_nested.htm"),
        ("firefox_bookmarks.preplaces.html", "node-bookmarks-parser_chrome_bookmarks.html"),
        ("firefox_migration_bookmarks.exported.html", "node-bookmarks-parser_chrome_bookmarks.html"),
    ],
)
def test_two_browsers_imported_into_one_catalog_give_one_tree(
    firefox: str, chromium: str, tmp_path: Path
) -> None:
    folder = corpus("netscape")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "catalog.yaml").write_text("catalog:\n  title: My bookmarks\n", encoding="utf-8")
    for name in (firefox, chromium):
        skipped = read(readers.get("netscape"), (folder / name).read_bytes(), name)[1].skipped
        assert main(["import", str(folder / name), "--into", str(lib)]) == (1 if skipped else 0)
    merged = load_catalog(lib)
    keys = [url_key(r.url) for r in merged.resources]
    assert len(keys) == len(set(keys))  # no two resources for one page
    assert set(keys) == {
        url_key(u) for name in (firefox, chromium) for u in http_links((folder / name).read_bytes())
    }
    merged_paths = [tuple(c.title for c in merged.path(c)) for c in merged.collections]
    assert len(merged_paths) == len(set(merged_paths))  # each folder path once
    roles = [c.kind for c in merged.roots if c.kind in ("toolbar", "menu", "unfiled", "mobile")]
    assert len(roles) == len(set(roles))


def test_zotero_library_with_the_same_references_as_bibtex_and_ris_gives_one_resource_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The RDF library, then our BibTeX and RIS of it keyed as other programs key them."""
    path = corpus("zotero-rdf") / "NLP-for-TA_My-Library_collections-autotags.rdf"
    rdf, _ = read(readers.get("zotero-rdf"), path.read_bytes(), path.name)
    assert rdf.collections
    files = [path]
    for fmt, prefix in (("bibtex", "BibTeX:"), ("ris", "RIS-")):
        rekeyed = Catalog.build(
            rdf.info, rdf.collections, [replace(r, id=f"{prefix}{r.id}") for r in rdf.resources]
        )
        files.append(tmp_path / f"library{exporters.get_class(fmt).extension}")
        files[-1].write_text(dumps(rekeyed, fmt), encoding="utf-8")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "catalog.yaml").write_text("catalog:\n  title: My library\n", encoding="utf-8")
    report = tmp_path / "r.json"
    assert main(["import", *map(str, files), "--into", str(lib), "--report", str(report)]) == 0
    merged = load_catalog(lib)
    identified = [r for r in rdf.resources if identity_keys(r)]
    first_of_key: dict[str, str] = {}
    inner = set()  # the library's own duplicates (one DOI twice)
    for r in identified:
        if any(k in first_of_key for k in identity_keys(r)):
            inner.add(r.id)
        for k in identity_keys(r):
            first_of_key.setdefault(k, r.id)
    unidentified = [r for r in rdf.resources if not identity_keys(r)]
    # one resource per identified reference; the copies without any identifier are proposed, never merged
    assert len(merged.resources) == len(rdf.resources) - len(inner) + 2 * len(unidentified)
    by_name = {name: m for m in merged.resources for name in (m.id, *m.aliases)}
    for r in identified:
        kept = by_name[first_of_key[identity_keys(r)[0]]]  # an inner duplicate is in its first copy
        assert {f"BibTeX:{r.id}", f"RIS-{r.id}"} <= set(kept.aliases)
        if r.id not in inner:
            assert kept.id == r.id
            assert kept.title == r.title
        assert {c.title for c in rdf.collections_of(r)} <= {c.title for c in merged.collections_of(kept)}
    assert [tuple(c.title for c in merged.path(c)) for c in merged.collections] == [
        tuple(c.title for c in rdf.path(c)) for c in rdf.collections
    ]
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith("two-way:")]
    # a copy with no identifier under another key is only proposed, never merged on its title
    proposed = {
        tuple(p["resources"]) for p in json.loads(report.read_text(encoding="utf-8"))["merge"]["candidates"]
    }
    for r in unidentified:
        assert merged.resource(r.id).aliases == ()
        if title_block(r) is not None:
            assert {(r.id, f"BibTeX:{r.id}"), (r.id, f"RIS-{r.id}")} <= proposed


def test_dry_run_into_a_new_folder_names_the_files_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "new.bib").write_text(INCOMING, encoding="utf-8")
    into = tmp_path / "new"
    assert main(["import", str(tmp_path / "new.bib"), "--into", str(into), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"would write {into / 'catalog.yaml'}",
        f"would write {into / 'resources' / '001-new-bib.yaml'}",
        f"would write 3 resource(s) into {into} (dry run: nothing written)",
    ]
    assert not into.exists()


def test_a_merge_the_whole_catalog_would_refuse_writes_nothing(
    library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every file valid on its own, but together two resources with one id: checked before any rename."""
    import mlops_refs.mergefiles as mergefiles

    clash = "resources:\n  - {id: paper-one, type: webpage, title: Clash, url: 'https://example.org/c'}\n"
    monkeypatch.setattr(mergefiles, "new_file_text", lambda *_args: clash)
    before = files_of(library)
    assert main(["import", str(library.parent / "new.bib"), "--into", str(library)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("mlops-refs: error: the merge would write an invalid catalog file, so nothing")
    assert "paper-one" in err[-1]
    assert files_of(library) == before


def test_a_catalog_yaml_file_is_the_richest_source(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = library.parent / "mine.yaml"
    record = Resource(
        id="mine", type="webpage", title="Brand new, as I keep it", url="https://example.org/new"
    )
    own.write_text(dumps(Catalog.build(CatalogInfo(), (), [record]), "yaml"), encoding="utf-8")
    assert main(["import", str(library.parent / "new.bib"), str(own), "--into", str(library)]) == 0
    out = capsys.readouterr().out
    assert 'conflict: brand-new.title: "Brand new" -> "Brand new, as I keep it" (kept new)\n' in out
    assert load_catalog(library).resource("brand-new").aliases == ("mine",)


def test_a_report_that_cannot_be_written_stops_the_import_first(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files_of(library)
    bib = library.parent / "new.bib"
    assert main(["import", str(bib), "--into", str(library), "--report", str(library.parent)]) == 2
    assert (
        capsys.readouterr().err
        == f"mlops-refs: error: cannot write {library.parent}: it is a folder; name a file instead\n"
    )
    assert files_of(library) == before


@pytest.mark.parametrize("into", ["existing", "new"])
def test_an_import_writes_its_report_with_the_catalog_or_neither(
    into: str, library: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_merge_files import refuse_temp_files_named

    folder = library if into == "existing" else library.parent / "fresh"
    before = files_of(library)
    bib, report = library.parent / "new.bib", library.parent / "report.json"
    with monkeypatch.context() as patched:
        refuse_temp_files_named(".report.json.", patched)  # the disk fills up at the report
        assert main(["import", str(bib), "--into", str(folder), "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert "no space left on device" in err
    assert files_of(library) == before
    assert not folder.exists() or files_of(folder) == before
    assert not report.exists()
    assert main(["import", str(bib), "--into", str(folder), "--report", str(report)]) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    assert [f["file"] for f in written["files"]] == [str(bib)]
    assert ("merge" in written) == (into == "existing")
    assert files_of(folder) != before


@pytest.mark.parametrize("into", ["existing", "new"])
def test_an_import_refuses_a_report_over_a_catalog_file(
    into: str, library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = library if into == "existing" else library.parent / "fresh"
    before = files_of(library)
    bib = library.parent / "new.bib"
    assert main(["import", str(bib), "--into", str(folder), "--report", str(folder / "catalog.yaml")]) == 2
    assert capsys.readouterr().err == (
        f"mlops-refs: error: refusing to write the report over the catalog file {folder / 'catalog.yaml'}; "
        "name another file\n"
    )
    assert files_of(library) == before
    assert into == "existing" or not folder.exists()
