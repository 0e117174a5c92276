"""Merges applied to catalog files: only touched resources change, every other byte stays, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FIXTURES
from mlops_refs import load_catalog
from mlops_refs.bundled import data_path
from mlops_refs.catalogedit import edit, resource_spans, resource_yaml
from mlops_refs.cli import main
from mlops_refs.errors import MlopsRefsError
from mlops_refs.merge import merge
from mlops_refs.mergefiles import dedupe_files, merge_into_folder
from mlops_refs.model import Catalog, CatalogInfo, Resource

HAND_EDITED = """\
# My own reading list: comments, blank lines and my own field order are mine.
catalog:
  title: My references

collections:
  - id: ml          # the folder I use most
    kind: course
    title: ML
  - {id: ml-ops, kind: week, parent: ml, title: "MLOps"}

resources:


  # ---- papers ----
  - id: paper-one
    title: "Paper one"   # order: title before type, as I like it
    type: journal-article
    url: https://example.org/one
    collections: [ml]

  # this one I edit by hand a lot
  - url: https://example.org/two
    id: paper-two
    type: webpage
    title: Page two
    tags: [a]
    collections: [ml-ops]   # trailing comment

  - {id: paper-three, type: webpage, title: Three, url: "https://example.org/three", collections: [ml]}
# the end
"""


def incoming_pair(folder: Path) -> Catalog:
    existing = load_catalog(folder)
    changed = replace(
        existing.resource("paper-two"),
        id="Two:2020",
        url="http://www.example.org/two/?utm_source=rss",
        tags=("A", "new-tag"),
        note="Seen again.",
    )
    new = Resource(
        id="brand-new",
        type="webpage",
        title="Brand new",
        url="https://example.org/new",
        collection_ids=("ml",),
    )
    return Catalog.build(CatalogInfo(), existing.collections, [changed, new])


def test_a_hand_edited_catalog_keeps_everything_the_merge_did_not_touch(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(HAND_EDITED, encoding="utf-8")
    incoming = incoming_pair(tmp_path)
    expected = merge(load_catalog(tmp_path), [(incoming, "bibtex")]).catalog
    report = merge_into_folder(tmp_path, [(incoming, "bibtex")])
    after = (tmp_path / "catalog.yaml").read_text(encoding="utf-8")
    old_item = """\
  - url: https://example.org/two
    id: paper-two
    type: webpage
    title: Page two
    tags: [a]
    collections: [ml-ops]   # trailing comment
"""
    new_item = """\
  - id: paper-two
    type: webpage
    title: "Page two"
    url: https://example.org/two
    tags: [a, new-tag]
    collections: [ml-ops]
    note: "Seen again."
    aliases: ["Two:2020"]
"""
    assert after == HAND_EDITED.replace(old_item, new_item)
    assert after != HAND_EDITED
    new_file = tmp_path / "imported-001.yaml"
    assert report.files == [str(tmp_path / "catalog.yaml"), str(new_file)]
    assert "brand-new" in new_file.read_text(encoding="utf-8")
    assert load_catalog(tmp_path).resource("paper-two") == expected.resource("paper-two")
    assert load_catalog(tmp_path).resource("brand-new") == expected.resource("brand-new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "catalog.yaml",
        "imported-001.yaml",
    ]  # no temp files


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(HAND_EDITED, encoding="utf-8")
    report = merge_into_folder(tmp_path, [(incoming_pair(tmp_path), "bibtex")], dry_run=True)
    assert report.added == ["brand-new"]
    assert (tmp_path / "catalog.yaml").read_text(encoding="utf-8") == HAND_EDITED
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.yaml"]


def test_bundled_catalog_merged_into_a_copy_of_itself_writes_nothing(
    tmp_path: Path, bundled_catalog: Catalog
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data_path(), folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    report = merge_into_folder(folder, [(bundled_catalog, "catalog")])
    assert report.files == []
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("catalog_dir", [FIXTURES / "evil", FIXTURES / "good", None])
def test_every_resource_rewritten_in_place_loads_back_equal(catalog_dir: Path | None, tmp_path: Path) -> None:
    """The writer's YAML carries every value (quotes, escapes, Unicode, line breaks) unchanged."""
    source = data_path() if catalog_dir is None else catalog_dir
    folder = tmp_path / "catalog"
    shutil.copytree(source, folder)
    catalog = load_catalog(folder)
    for file in folder.rglob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        spans = resource_spans(str(file), text)
        file.write_text(
            edit(text, spans, {rid: catalog.resource(rid) for rid in spans}, set()), encoding="utf-8"
        )
    assert load_catalog(folder) == catalog


def test_resource_yaml_is_in_the_style_of_data(bundled_catalog: Catalog) -> None:
    text = (data_path() / "resources" / "course1-2.yaml").read_text(encoding="utf-8")
    r = bundled_catalog.resource("paleyes2020challenges")
    assert f"  - {resource_yaml(r)}\n" in text


def test_a_merge_that_would_write_an_invalid_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(HAND_EDITED, encoding="utf-8")
    incoming = incoming_pair(tmp_path)
    bad = Catalog.build(
        CatalogInfo(), incoming.collections, [replace(r, type="no-such-type") for r in incoming.resources]
    )
    with pytest.raises(MlopsRefsError, match="invalid catalog file, so nothing was written"):
        merge_into_folder(tmp_path, [(bad, "zotero-rdf")])
    assert (tmp_path / "catalog.yaml").read_text(encoding="utf-8") == HAND_EDITED
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.yaml"]


def test_merge_into_a_new_folder(tmp_path: Path, good_catalog: Catalog) -> None:
    folder = tmp_path / "mine"
    report = merge_into_folder(folder, [(good_catalog, "bibtex")])
    assert report.added == [r.id for r in good_catalog.resources]
    assert load_catalog(folder).resources == good_catalog.resources


DUPLICATES = """\
collections:
  - {id: f, kind: course, title: F}
  - {id: g, kind: week, parent: f, title: G}

resources:
  # first
  - id: a
    type: webpage
    title: A page
    url: https://example.org/p
    collections: [f]

  # the same page again, saved from another browser
  - id: b
    type: webpage
    title: A page
    url: http://www.example.org/p/
    tags: [saved]
    collections: [g]

  # same DOI twice
  - id: c
    type: journal-article
    title: C
    doi: 10.1234/c
    url: https://example.org/c
    collections: [f]
  - id: d
    type: journal-article
    title: C
    doi: 10.1234/C
    url: https://doi.org/10.1234/c
    collections: [g]
# end
"""


def test_dedupe_apply_merges_duplicates_and_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    result = dedupe_files(path, apply=True)
    assert result.removed == {"b", "d"}
    catalog = load_catalog(path)  # loads with the usual duplicate checks again
    assert [r.id for r in catalog.resources] == ["a", "c"]
    assert catalog.resource("a").aliases == ("b",)
    assert catalog.resource("a").collection_ids == ("f", "g")
    assert catalog.resource("c").collection_ids == ("f", "g")
    after = path.read_text(encoding="utf-8")
    for comment in ("  # first\n", "  # the same page again, saved from another browser\n", "# end\n"):
        assert comment in after


def test_dedupe_command_reports_and_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    report_file = tmp_path / "report.json"
    assert main(["dedupe", str(path), "--report", str(report_file)]) == 0
    out = capsys.readouterr().out
    assert "merge: b into a on url:example.org/p" in out
    assert "merge: d into c on doi:10.1234/c" in out
    assert path.read_text(encoding="utf-8") == DUPLICATES  # no --apply: nothing changed
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert [(m["resource"], m["record"]) for m in report["merges"]] == [("a", "b"), ("c", "d")]
    assert main(["dedupe", str(path), "--apply"]) == 0
    assert [r.id for r in load_catalog(path).resources] == ["a", "c"]
    assert main(["dedupe", str(path)]) == 0
    assert "0 merged" in capsys.readouterr().out


def test_dedupe_command_on_a_missing_catalog_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dedupe", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no such file or folder" in err


def test_dedupe_apply_empties_a_file_whose_only_resource_was_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(DUPLICATES.split("  # same DOI twice")[0], encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "resources:  # kept from another laptop\n"
        '  - {id: e, type: webpage, title: E, url: "https://EXAMPLE.org/p?utm_medium=x", collections: [f]}\n',
        encoding="utf-8",
    )
    result = dedupe_files(tmp_path, apply=True)
    assert result.removed == {"b", "e"}
    assert (tmp_path / "b.yaml").read_text(encoding="utf-8") == "resources: []  # kept from another laptop\n"
    assert [r.id for r in load_catalog(tmp_path).resources] == ["a"]


def test_dedupe_report_goes_to_a_pipe_in_place(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    try:
        assert main(["dedupe", str(path), "--report", str(fifo)]) == 0
    finally:
        reader.join(timeout=30)
    assert json.loads(received[0])["merges"][0]["record"] == "b"
    assert fifo.is_fifo()


def test_new_resources_go_to_a_numbered_file_of_their_own(tmp_path: Path, bundled_catalog: Catalog) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data_path(), folder)
    week = bundled_catalog.collections[2].id
    for n in (1, 2):
        record = Resource(
            id=f"new-{n}",
            type="webpage",
            title=f"New {n}",
            url=f"https://example.org/{n}",
            collection_ids=(week,),
        )
        report = merge_into_folder(
            folder, [(Catalog.build(CatalogInfo(), bundled_catalog.collections, [record]), "ris")]
        )
        assert report.added == [f"new-{n}"]
    assert sorted(p.name for p in (folder / "resources").glob("imported*.yaml")) == [
        "imported-001.yaml",
        "imported-002.yaml",
    ]
    assert [r.id for r in load_catalog(folder).resources][-2:] == ["new-1", "new-2"]


def test_a_catalog_without_metadata_and_with_flow_lists_merges(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "collections: [{id: f, kind: course, title: F}]\n"
        'resources: [{id: a, type: webpage, title: A, url: "https://example.org/a", collections: [f]}, '
        '{id: b, type: webpage, title: B, url: "https://example.org/b", collections: [f]}]  # one line\n',
        encoding="utf-8",
    )
    existing = load_catalog(tmp_path)
    assert existing.info.title == CatalogInfo().title
    copy = replace(existing.resource("a"), id="A:2020", url="http://www.example.org/a/", tags=("x",))
    merge_into_folder(tmp_path, [(Catalog.build(CatalogInfo(), existing.collections, [copy]), "bibtex")])
    after = load_catalog(tmp_path)
    assert after.resource("a").tags == ("x",)
    assert after.resource("a").aliases == ("A:2020",)
    assert after.resource("b") == existing.resource("b")
    assert (tmp_path / "catalog.yaml").read_text(encoding="utf-8").endswith("]  # one line\n")


def refuse_temp_files_named(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Staging a file whose temp name starts with ``prefix`` fails as on a full disk."""
    from mlops_refs import files

    real = files.tempfile.mkstemp

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(prefix):
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


def test_dedupe_apply_writes_its_report_with_the_catalog_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    report = tmp_path / "report.json"
    with monkeypatch.context() as patched:
        refuse_temp_files_named(".report.json.", patched)
        assert main(["dedupe", str(path), "--apply", "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no space left on device" in err
    assert path.read_text(encoding="utf-8") == DUPLICATES  # the merge was not applied either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.yaml"]  # no temp file left
    assert main(["dedupe", str(path), "--apply", "--report", str(report)]) == 0
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["files"] == [str(path)]
    assert [(m["resource"], m["record"]) for m in written["merges"]] == [("a", "b"), ("c", "d")]
    assert [r.id for r in load_catalog(path).resources] == ["a", "c"]


@pytest.mark.parametrize("apply", [False, True])
def test_dedupe_refuses_a_report_over_a_catalog_file(
    apply: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(DUPLICATES, encoding="utf-8")
    args = ["dedupe", str(path), "--report", str(tmp_path / "." / "catalog.yaml")]
    assert main(args + (["--apply"] if apply else [])) == 2
    assert capsys.readouterr().err == (
        f"mlops-refs: error: refusing to write the report over the catalog file {path}; name another file\n"
    )
    assert path.read_text(encoding="utf-8") == DUPLICATES
