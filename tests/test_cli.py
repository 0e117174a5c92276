"""`mlops-refs export` and `formats` as a user runs them: files, subsets, --check, atomic writes."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mlops_refs
from mlops_refs import load_catalog
from mlops_refs.errors import UnknownFormatError
from mlops_refs.exporters import BaseExporter, default_registry, dump

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = str(FIXTURES / "good")
ALL_FILES = sorted(cls.default_filename for cls in default_registry.classes())


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_export_writes_every_format_into_exports(tmp_path: Path) -> None:
    result = cli("export", "--catalog", GOOD, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ALL_FILES
    catalog = load_catalog(GOOD)
    for cls in default_registry.classes():
        written = (tmp_path / "exports" / cls.default_filename).read_bytes()
        assert written == mlops_refs.dumps(catalog, cls.name).encode("utf-8")


def test_export_check_names_each_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("export", "--catalog", GOOD, "--out", str(out)).returncode == 0
    assert cli("export", "--catalog", GOOD, "--out", str(out), "--check").returncode == 0
    (out / "mlops-refs.ris").write_text("stale\n", encoding="utf-8")
    (out / "bookmarks.html").unlink()
    result = cli("export", "--catalog", GOOD, "--out", str(out), "--check")
    assert result.returncode == 1
    assert sorted(result.stderr.splitlines()) == [
        f"stale: {out / 'bookmarks.html'} (run: mlops-refs export)",
        f"stale: {out / 'mlops-refs.ris'} (run: mlops-refs export)",
    ]
    assert (out / "mlops-refs.ris").read_text(encoding="utf-8") == "stale\n"  # --check writes nothing


def test_bundled_exports_folder_is_up_to_date() -> None:
    repo = Path(__file__).parents[1]
    result = cli("export", "--check", cwd=repo)
    assert result.returncode == 0, result.stderr


def test_one_format_to_stdout_with_alias_and_option() -> None:
    result = cli("export", "--catalog", GOOD, "-f", "bib", "-o", "-", "-O", "encoding=utf-8")
    assert result.returncode == 0, result.stderr
    assert "Barroso, Luiz André" in result.stdout
    assert result.stdout == mlops_refs.dumps(load_catalog(GOOD), "bibtex", encoding="utf-8")


def test_subsets_by_collection_type_and_tag() -> None:
    items = json.loads(
        cli("export", "--catalog", GOOD, "-f", "csl-json", "-o", "-", "--collection", "week1").stdout
    )
    assert [i["id"] for i in items] == [
        "vaswani2017attention",
        "paleyes2022challenges",
        "nakkiran2019deep",
        "sigelman2010dapper",
    ]
    items = json.loads(
        cli(
            "export", "--catalog", GOOD, "-f", "csl", "-o", "-", "--type", "software", "--type", "service"
        ).stdout
    )
    assert [i["id"] for i in items] == ["dvc", "dynamodb"]
    items = json.loads(cli("export", "--catalog", GOOD, "-f", "csl", "-o", "-", "--tag", "nlp").stdout)
    assert [i["id"] for i in items] == ["vaswani2017attention"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-f", "docx"],
            (
                "mlops-refs: error: unknown format 'docx'; known formats: biblatex, bibtex, csl-json, html-page, markdown, "
                "netscape, opml, ris, yaml, zotero-rdf\n"
            ),
        ),
        (
            ["--collection", "nope"],
            (
                "mlops-refs: error: unknown collection 'nope'; collections are: course, week1, "
                "week1-serving, week2, other\n"
            ),
        ),
        (
            ["-f", "bibtex", "-O", "colour=red"],
            "mlops-refs: error: bibtex: unknown option colour; options are: encoding, groups, protect_capitals\n",
        ),
        (
            ["-o", "x.bib"],
            "mlops-refs: error: -o/--output needs -f/--format; without -f every format goes into --out\n",
        ),
    ],
)
def test_user_mistakes_are_one_line_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = cli("export", "--catalog", GOOD, *args, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, message)
    assert not (tmp_path / "exports").exists()


def test_a_bad_catalog_leaves_earlier_exports_untouched(tmp_path: Path) -> None:
    assert cli("export", "--catalog", GOOD, cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "exports").iterdir()}
    result = cli("export", "--catalog", str(FIXTURES / "bad" / "duplicate_key.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.endswith("mlops-refs: 1 problem(s); nothing was written\n")
    assert {p.name: p.read_bytes() for p in (tmp_path / "exports").iterdir()} == before


class _Exploding(BaseExporter):
    name = "exploding"
    extension = ".txt"
    media_type = "text/plain"
    description = "Fails half-way."
    default_filename = "x.txt"

    def write(self, catalog, stream) -> None:
        stream.write("half of the output\n")
        raise RuntimeError("disk on fire")


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path: Path, good_catalog) -> None:
    target = tmp_path / "x.txt"
    target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        dump(_Exploding(), good_catalog, target)
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_python_api(good_catalog, tmp_path: Path) -> None:
    assert mlops_refs.formats() == [
        "biblatex",
        "bibtex",
        "csl-json",
        "html-page",
        "markdown",
        "netscape",
        "opml",
        "ris",
        "yaml",
        "zotero-rdf",
    ]
    stream = io.StringIO()
    mlops_refs.export(good_catalog, "ris", stream)
    assert stream.getvalue() == mlops_refs.dumps(good_catalog, "ris")
    path = tmp_path / "refs.opml"
    mlops_refs.export(good_catalog, "opml", path)
    assert path.read_text(encoding="utf-8") == mlops_refs.dumps(good_catalog, "opml")
    assert mlops_refs.get_exporter(".rdf").name == "zotero-rdf"
    with pytest.raises(UnknownFormatError, match="known formats: biblatex, bibtex"):
        mlops_refs.dumps(good_catalog, "docx")


class _CollectorWatch(io.StringIO):
    """Records whether the cyclic garbage collector was on at each write."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: set[bool] = set()

    def write(self, text: str) -> int:
        self.collector_on.add(gc.isenabled())
        return super().write(text)


def test_export_to_a_stream_pauses_the_collector_while_writing_and_restores_it(good_catalog) -> None:
    stream = _CollectorWatch()
    mlops_refs.export(good_catalog, "ris", stream)
    assert stream.getvalue() == mlops_refs.dumps(good_catalog, "ris")
    assert stream.collector_on == {False}
    assert gc.isenabled()


def test_formats_lists_each_format_with_its_file_and_options() -> None:
    result = cli("formats")
    assert result.returncode == 0
    assert "bibtex (alias bib)  mlops-refs.bib  application/x-bibtex" in result.stdout
    assert "netscape (alias bookmarks, html)  bookmarks.html  text/html" in result.stdout
    assert "-O encoding=ascii" in result.stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ["--type", "preprnt"],
            2,
            # the model's 30 types, more than a message lists: the close ones only
            "mlops-refs: error: unknown type 'preprnt'; close matches: preprint, report, patent (of 30 types)\n",
        ),
        (
            ["--tag", "nlpp"],
            2,
            (
                "mlops-refs: error: unknown tag 'nlpp'; tags are: data-versioning, deployment, nlp, survey, tools, "
                "transformers\n"
            ),
        ),
        (
            ["--type", "preprint", "--tag", "tools"],
            1,
            "mlops-refs: error: no resource matches --type preprint --tag tools; nothing was written\n",
        ),
    ],
)
def test_a_selection_of_nothing_writes_nothing(
    args: list[str], status: int, message: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.ris"
    result = cli("export", "--catalog", GOOD, "-f", "ris", "-o", str(target), *args)
    assert (result.returncode, result.stderr) == (status, message)
    assert list(tmp_path.iterdir()) == []
    result = cli("export", "--catalog", GOOD, "--out", str(tmp_path / "exports"), *args)
    assert (result.returncode, result.stderr) == (status, message)
    assert list(tmp_path.iterdir()) == []


def test_validate_names_a_device_or_fifo_instead_of_calling_it_missing(tmp_path: Path) -> None:
    result = cli("validate", "/dev/zero")
    assert (result.returncode, result.stderr) == (
        2,
        "mlops-refs: error: /dev/zero is a character device; a catalog must be a YAML file or a folder of them\n",
    )
    fifo = tmp_path / "catalog.yaml"
    os.mkfifo(fifo)
    result = cli("validate", str(fifo))
    assert (result.returncode, result.stderr) == (
        2,
        f"mlops-refs: error: {fifo} is a FIFO (named pipe); a catalog must be a YAML file or a folder of them\n",
    )


def test_an_unknown_collection_among_many_names_a_few_close_matches(tmp_path: Path) -> None:
    ids = [f"c{i}-w{j}" for i in range(1, 41) for j in range(1, 51)]  # 2,000 collections
    lines = ["collections:"] + [f"  - {{id: {cid}, title: Week {cid}, kind: week}}" for cid in ids]
    lines += [
        "resources:",
        "  - {id: r1, type: webpage, title: A page, url: 'https://example.org/', collections: [c1-w1]}",
    ]
    catalog = tmp_path / "many.yaml"
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("export", "--catalog", str(catalog), "-f", "ris", "-o", "-", "--collection", "c12-w400")
    assert (result.returncode, result.stderr) == (
        2,
        (
            "mlops-refs: error: unknown collection 'c12-w400'; close matches: c12-w40, c2-w40, c12-w4, c1-w40, "
            "c32-w40 (of 2000 collections)\n"
        ),
    )
    result = cli("export", "--catalog", str(catalog), "-f", "ris", "-o", "-", "--collection", "zzzzzzzz")
    assert (
        result.stderr
        == "mlops-refs: error: unknown collection 'zzzzzzzz'; none has a close name (of 2000 collections)\n"
    )
