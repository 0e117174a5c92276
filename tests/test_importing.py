"""mlops-refs import / convert, the read() and loads() API, and the reader registry."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import mlops_refs
from mlops_refs import load_catalog
from mlops_refs.cli import main
from mlops_refs.errors import UnknownFormatError
from mlops_refs.readers.bibtex import BibLaTeXReader, BibTeXReader
from mlops_refs.readers.registry import ReaderRegistry, default_registry

GOOD = "@article{k1, author = {Doe, Jane}, title = {One}, journal = {J}, year = 2020, groups = {g1}}\n"
BROKEN = "@misc{bad, title = {never closed\n\n@misc{k2, title = {Two}}\n"


def test_import_writes_a_catalog_folder_that_validate_accepts(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.bib").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.bib").write_text(GOOD.replace("k1", "k3"), encoding="utf-8")
    into = tmp_path / "out"
    assert main(["import", str(tmp_path / "a.bib"), str(tmp_path / "b.bib"), "--into", str(into)]) == 0
    catalog = load_catalog(into)
    assert [c.title for c in catalog.roots] == ["a.bib", "b.bib"]
    assert [c.title for c in catalog.collections] == ["a.bib", "g1", "b.bib", "g1"]
    assert [r.id for r in catalog.resources] == ["k1", "k3"]
    assert main(["validate", str(into)]) == 0


def test_import_checks_the_files_it_would_write_and_writes_none_that_fail(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_refs.readers import catalog_yaml

    (tmp_path / "a.bib").write_text(GOOD, encoding="utf-8")
    written = catalog_yaml.folder_files

    def duplicated(catalog):  # a writer bug: every resource written twice
        files = written(catalog)
        return {
            name: text.replace("resources:\n", "resources:\n" + text.split("resources:\n")[1] + "\n")
            if "resources:" in text and name != "catalog.yaml"
            else text
            for name, text in files.items()
        }

    monkeypatch.setattr(catalog_yaml, "folder_files", duplicated)
    into = tmp_path / "out"
    assert main(["import", str(tmp_path / "a.bib"), "--into", str(into)]) != 0
    assert "k1" in capsys.readouterr().err
    assert not into.exists() or not any(into.iterdir())


def test_import_in_two_processes_writes_what_one_process_writes(
    tmp_path: Path, capsys, bundled_catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_refs import parallel
    from mlops_refs.readers import bibtex, catalog_yaml

    source = tmp_path / "course.bib"
    source.write_text(mlops_refs.dumps(bundled_catalog, "bibtex"), encoding="utf-8")
    monkeypatch.setattr(catalog_yaml, "FILE_RESOURCES", 30)  # several files to share out, and check
    monkeypatch.setattr(catalog_yaml, "_SHARED_RESOURCES", 0)
    monkeypatch.setattr(parallel, "MIN_SHARED_SIZE", 0)
    monkeypatch.setattr(bibtex, "_PARTS_MIN", 0)
    written, said = [], []
    for shared in (False, True):
        monkeypatch.setattr(parallel, "ENABLED", shared)
        into = tmp_path / f"shared-{shared}"
        assert main(["import", str(source), "--into", str(into)]) == 0
        written.append({p.relative_to(into): p.read_bytes() for p in sorted(into.rglob("*.yaml"))})
        said.append(capsys.readouterr().err.replace(str(into), "INTO"))
    assert len(written[0]) == 1 + -(-len(bundled_catalog.resources) // 30)
    assert written[1] == written[0]
    assert said[1] == said[0]


def test_import_refuses_a_non_empty_folder_and_writes_nothing(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.bib").write_text(GOOD, encoding="utf-8")
    into = tmp_path / "out"
    into.mkdir()
    (into / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["import", str(tmp_path / "a.bib"), "--into", str(into)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert sorted(p.name for p in into.iterdir()) == ["keep.txt"]


def test_exit_1_with_report_lines_and_json_when_a_record_is_skipped(tmp_path: Path, capsys) -> None:
    source = tmp_path / "a.bib"
    source.write_text(BROKEN, encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["convert", str(source), str(tmp_path / "out.yaml"), "--report", str(report)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:1: @misc not read: the value runs into the next entry" in err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["files"][0]["skipped"] == 1
    assert data["files"][0]["lines"][0]["kind"] == "skipped"
    assert '    title: "Two"\n' in (tmp_path / "out.yaml").read_text(encoding="utf-8")


def test_convert_writes_its_report_with_the_output_or_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from test_merge_files import refuse_temp_files_named

    source, out, report = tmp_path / "a.bib", tmp_path / "out.yaml", tmp_path / "report.json"
    source.write_text(BROKEN, encoding="utf-8")
    out.write_text("old", encoding="utf-8")
    with monkeypatch.context() as patched:
        refuse_temp_files_named(".report.json.", patched)  # the disk fills up at the report
        assert main(["convert", str(source), str(out), "--report", str(report)]) == 2
    assert "no space left on device" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bib", "out.yaml"]
    assert main(["convert", str(source), str(out), "--report", str(out)]) == 2
    assert capsys.readouterr().err.endswith(
        f"mlops-refs: error: refusing to write the report over the output file {out}; name another file\n"
    )
    assert out.read_text(encoding="utf-8") == "old"


def test_exit_2_for_an_unreadable_file_and_nothing_written(tmp_path: Path, capsys) -> None:
    source = tmp_path / "a.bib"
    source.write_bytes(b"just some words")
    out = tmp_path / "out.json"
    assert main(["convert", str(source), str(out)]) == 2
    assert "no BibTeX entries" in capsys.readouterr().err
    assert not out.exists()
    assert main(["convert", str(tmp_path / "missing.bib"), str(out)]) == 2
    assert list(tmp_path.iterdir()) == [source]


def test_convert_to_stdout_in_a_subprocess(tmp_path: Path) -> None:
    source = tmp_path / "a.bib"
    source.write_text(GOOD, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mlops_refs", "convert", str(source), "-", "-t", "csl-json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["id"] == "k1"
    assert "Traceback" not in done.stderr


def test_read_and_loads_api(tmp_path: Path) -> None:
    path = tmp_path / "a.bib"
    path.write_text(GOOD, encoding="utf-8")
    catalog, report = mlops_refs.read(path)
    assert (report.format, report.read, [r.id for r in catalog.resources]) == ("bibtex", 1, ["k1"])
    from_stream, _ = mlops_refs.read(io.BytesIO(GOOD.encode()), "bib")
    assert from_stream.resources == catalog.resources
    assert mlops_refs.loads(GOOD, "bibtex")[0].resources == catalog.resources


def test_registry_finds_readers_by_name_alias_extension_and_content() -> None:
    assert default_registry.get_class("bib") is BibTeXReader
    assert default_registry.get_class("biber") is BibLaTeXReader
    assert default_registry.get_class(".bib") is BibTeXReader
    assert default_registry.detect("x.bib", b"@online{k, date = {2020}}").name == "biblatex"
    assert default_registry.detect("x.txt", GOOD.encode()).name == "bibtex"
    assert default_registry.detect("x.yaml", b"resources: []\n").name == "yaml"
    with pytest.raises(UnknownFormatError):
        default_registry.get_class("nope")


def test_a_missing_builtin_reader_does_not_break_the_others() -> None:
    registry = ReaderRegistry(
        table={
            "ghost": "mlops_refs.readers.no_such_module:Reader",
            "bibtex": "mlops_refs.readers.bibtex:BibTeXReader",
        }
    )
    assert registry.names()[:1] == ["bibtex"]
    assert "ghost" in registry.broken


def test_a_file_with_a_known_extension_imports_only_the_readers_it_needs() -> None:
    """Detecting a .bib file tries the built-ins claiming .bib: no other reader module, no plugin lookup."""
    code = (
        "import sys\n"
        "from mlops_refs import plugins\n"
        "plugins.entry_points_of = None  # looking plugins up would fail\n"
        "from mlops_refs.readers.registry import ReaderRegistry\n"
        f"print(ReaderRegistry().detect('x.bib', {GOOD.encode()!r}).name)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('mlops_refs.readers.'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    name, modules = result.stdout.splitlines()
    assert name == "bibtex"
    assert modules.split() == [
        "mlops_refs.readers.base",
        "mlops_refs.readers.bibtex",
        "mlops_refs.readers.builder",
        "mlops_refs.readers.registry",
        "mlops_refs.readers.textio",
    ]


@pytest.mark.parametrize("report", [False, True])
def test_convert_imports_nothing_of_the_merge(report: bool, tmp_path: Path) -> None:
    """A conversion reads and writes: the merge and the catalog editing stay unimported, report or not."""
    source = tmp_path / "a.bib"
    source.write_text(GOOD, encoding="utf-8")
    args = [
        str(source),
        str(tmp_path / "out.json"),
        *(["--report", str(tmp_path / "r.json")] if report else []),
    ]
    code = (
        "import sys\n"
        "from mlops_refs.cli import main\n"
        f"status = main(['convert', *{args!r}])\n"
        "print(status, ' '.join(sorted(m for m in sys.modules if m.startswith('mlops_refs.'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, *modules = result.stdout.split()
    assert status == "0"
    assert "mlops_refs.importing" in modules
    assert not {"mlops_refs.merge", "mlops_refs.mergefiles", "mlops_refs.catalogedit"} & set(modules)


def test_a_file_no_builtin_reader_of_its_extension_takes_goes_to_every_reader() -> None:
    registry = ReaderRegistry()
    assert registry.detect("x.bib", b"TY  - JOUR\nTI  - One\nER  - \n").name == "ris"
    assert registry.detect("x.yaml", b"@misc{k, title = {A}}\n").name == "bibtex"


def test_a_test_registry_takes_its_own_reader_classes() -> None:
    class Upper:
        name = "upper"
        extensions = (".up",)

        def sniff(self, head: str) -> bool:
            return head.isupper()

        def read(self, data, report):
            return load_catalog(Path(__file__).parent / "fixtures" / "good")

    registry = ReaderRegistry([Upper])
    assert registry.detect("x.txt", b"HELLO").name == "upper"


@pytest.mark.parametrize("fmt", mlops_refs.formats())
def test_every_format_writes_imported_records_of_every_type_without_url_or_folder(fmt: str) -> None:
    from mlops_refs.model import RESOURCE_TYPES, Catalog, CatalogInfo, Resource

    records = [Resource(id=f"r{i}", type=t, title=f"A {t}") for i, t in enumerate(RESOURCE_TYPES)]
    records.append(Resource(id="doi-only", type="journal-article", title="By DOI", doi="10.1000/xyz"))
    text = mlops_refs.dumps(Catalog.build(CatalogInfo(), [], records), fmt)
    assert "A magazine-article" in text or fmt in ("netscape", "opml")
    assert "10.1000/xyz" in text


def test_the_same_records_from_two_files_import_into_a_valid_catalog(tmp_path: Path, capsys) -> None:
    tests = Path(__file__).parent
    into = tmp_path / "out"
    sources = [str(tests / "fixtures" / "good" / "catalog.yaml"), str(tests / "golden" / "good.biblatex.bib")]
    assert main(["import", *sources, "--into", str(into), "--report", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert (
        "<import>: doi: paleyes2022challenges-2: '10.1145/3533378' is not valid here (already given by an earlier record); kept in extra"
        in err
    )
    assert main(["validate", str(into)]) == 0
    second = load_catalog(into).resource("paleyes2022challenges-2")
    assert ("doi", "10.1145/3533378") in second.extra


def test_the_readme_fidelity_table_is_the_readers_declarations() -> None:
    from mlops_refs.readers import bibtex, catalog_yaml, csl_json, netscape, opml, ris, zotero_rdf

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name, lost in (
        ("bibtex", bibtex.LOST_FIELDS),
        ("biblatex", bibtex.BIBLATEX_LOST),
        ("csl-json", csl_json.LOST_FIELDS),
        ("netscape", netscape.LOST_FIELDS),
        ("opml", opml.LOST_FIELDS),
        ("ris", ris.LOST_FIELDS),
        ("yaml", catalog_yaml.LOST_FIELDS),
        ("zotero-rdf", zotero_rdf.LOST_FIELDS),
    ):
        assert f"| `{name}` | {', '.join(sorted(lost)) or 'none'} |" in readme


def test_clashing_keys_get_the_next_free_suffix() -> None:
    from mlops_refs.readers.base import Report
    from mlops_refs.readers.builder import CatalogBuilder

    builder = CatalogBuilder(Report("f"))
    ids = [
        builder.add({"type": "document", "title": "T"}, 1, key=k) for k in ("x", "x-2", "x", "x", None, None)
    ]
    assert ids == ["x", "x-2", "x-3", "x-4", "t", "t-2"]
    assert [str(line) for line in builder.report.lines] == [
        "f:1: id: key 'x' is used by an earlier record; this one is 'x-3'",
        "f:1: id: key 'x' is used by an earlier record; this one is 'x-4'",
    ]


def test_convert_passes_writer_options_and_keeps_the_tree_through_bibtex(tmp_path: Path, capsys) -> None:
    good = Path(__file__).parent / "fixtures" / "good" / "catalog.yaml"
    bib = tmp_path / "good.bib"
    assert main(["convert", str(good), str(bib), "-O", "groups=true"]) == 0
    assert main(["convert", str(bib), str(tmp_path / "back.yaml")]) == 0
    back = load_catalog(tmp_path / "back.yaml")
    original = load_catalog(good)
    paths = lambda c: [tuple(x.title for x in c.path(col)) for col in c.collections]  # noqa: E731
    assert paths(back) == paths(original)
    assert main(["convert", str(good), str(bib), "-O", "colour=red"]) == 2
    assert "unknown option colour" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", [f for f in mlops_refs.formats() if f in default_registry.names()])
def test_our_own_files_are_detected_by_extension_and_by_content_alone(fmt: str, good_catalog) -> None:
    from mlops_refs.exporters import default_registry as writers

    data = mlops_refs.dumps(good_catalog, fmt).encode("utf-8")
    assert default_registry.detect(writers.get_class(fmt).default_filename, data).name == fmt
    assert default_registry.detect("no-extension", data).name == fmt


GARBLED = {  # a file of each kind with characters no catalog text may hold: a C0 and a C1 control, U+FFFE
    "garbled.bib": "@misc{key\x9b2J,\n  title = {Half\x01way \ufffe},\n  note = {fine},\n  url = {https://a.example/}\n}\n",
    "garbled.ris": "TY  - JOUR\nTI  - Half\x01way \ufffe\nAU  - Smith\x02, Ann\nUR  - https://a.example/\nER  - \n",
    "garbled.html": (
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><H3>Fold\x01er</H3>\n<DL><p>\n"
        '<DT><A HREF="https://a.example/">Half\x01way \ufffe</A>\n</DL><p>\n</DL><p>\n'
    ),
}


@pytest.mark.parametrize("name", sorted(GARBLED))
def test_characters_no_catalog_can_hold_are_removed_with_a_report_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / name
    source.write_text(GARBLED[name], encoding="utf-8")
    assert main(["import", str(source), "--into", str(tmp_path / "lib")]) == 0
    err = capsys.readouterr().err
    assert "title: removed U+0001, U+FFFE: no format can carry it" in err
    catalog = load_catalog(tmp_path / "lib")  # the catalog rule holds: load_catalog checks it
    assert catalog.resources[0].title == "Halfway"
    assert main(["convert", str(source), str(tmp_path / "out.rdf")]) == 0  # XML takes it now
    from lxml import etree

    assert etree.parse(str(tmp_path / "out.rdf")).getroot() is not None


def test_a_key_with_a_control_character_gets_a_new_key(tmp_path: Path) -> None:
    source = tmp_path / "garbled.bib"
    source.write_text(GARBLED["garbled.bib"], encoding="utf-8")
    catalog, report = mlops_refs.read(source)
    assert catalog.resources[0].id == "halfway"
    assert [(line.field, line.message) for line in report.lines if line.field == "id"] == [
        ("id", "key 'key\\x9b2J' cannot be a citation key; made a new one")
    ]


@pytest.mark.parametrize("name", ["family", "given", "particle", "suffix", "literal"])
def test_every_text_of_a_person_is_looked_at(name: str) -> None:
    from dataclasses import fields

    from mlops_refs.model import Person
    from mlops_refs.readers.base import Report

    assert [f.name for f in fields(Person)] == ["family", "given", "particle", "suffix", "literal"]
    from mlops_refs.readers.builder import CatalogBuilder

    builder = CatalogBuilder(Report("f"))
    person = Person(**({"family": "Smith"} if name != "family" else {}), **{name: "Bad\x01name"})
    builder.add({"type": "document", "title": "T", "authors": (person,), "extra": (("n", "v"),)}, 3)
    assert [str(line) for line in builder.report.lines] == [
        "f:3: authors: removed U+0001: no format can carry it"
    ]
    assert getattr(builder.build().resources[0].authors[0], name) == "Badname"
