"""What the command line prints for people shows an unprintable character as its escape: a key, title or
file name read from a file can never drive the terminal; the data a command writes stays as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ESC = "\x1b"
RLO = "\u202e"  # right-to-left override: shows what follows backwards; a key may hold it (no catalog rule bars it)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_refs", *args], capture_output=True, cwd=cwd, check=False
    )


def test_a_hostile_key_is_escaped_in_the_report_and_kept_in_the_data(tmp_path: Path) -> None:
    bib = tmp_path / "hostile.bib"
    bib.write_text(f"@misc{{key{RLO}fdp.exe,\n  title = {{T}},\n  pmid = {{123}},\n}}\n", "utf-8")
    done = run("convert", str(bib), "-", "-t", "ris")
    assert done.returncode == 0
    err = done.stderr.decode("utf-8")
    assert RLO not in err
    assert "key\\u202efdp.exe" in err  # a report line naming the record
    assert f"ID  - key{RLO}fdp.exe".encode() in done.stdout  # the data is the file's own


def test_a_hostile_file_name_is_escaped_in_an_error(tmp_path: Path) -> None:
    name = f"bad{ESC}[31m.yaml"
    (tmp_path / name).write_text("resources: [\n", encoding="utf-8")
    done = run("validate", name, cwd=tmp_path)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 1
    assert ESC not in err
    assert err.startswith("bad\\x1b[31m.yaml:2:1: YAML syntax error")


@pytest.mark.parametrize("text", ["plain words", "two\nlines\n", "", "tab\there"])
def test_printable_text_and_line_feeds_pass_unchanged(text: str) -> None:
    from mlops_refs.text.terminal import for_people

    assert for_people(text) == text.replace("\t", "\\t")


def test_a_json_report_escapes_what_is_unprintable_and_reads_back_the_same(tmp_path: Path) -> None:
    import json

    bib = tmp_path / "hostile.bib"
    bib.write_text(f"@misc{{küy{RLO}2J,\n  title = {{T}},\n  pmid = {{123}},\n}}\n", "utf-8")
    report = tmp_path / "report.json"
    done = run("convert", str(bib), str(tmp_path / "out.ris"), "--report", str(report))
    assert done.returncode == 0
    text = report.read_text(encoding="utf-8")
    assert RLO not in text
    assert "küy\\u202e2J" in text  # other text as it is
    messages = [line["message"] for line in json.loads(text)["written"]["lines"]]
    assert any(f"küy{RLO}2J" in message for message in messages)  # the same data once read
