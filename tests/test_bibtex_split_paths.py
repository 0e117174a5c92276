"""The one-match path for common fields splits every file exactly as the general path does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlops_refs import dumps
from mlops_refs.readers import bibtex
from mlops_refs.readers.base import Report
from readers import corpus

NEVER = re.compile(r"(?!)()()()")

TRICKY = r"""
@article{a, title = {x} # {y}, note = {one}
  # " two", year = 2020abc, month = 2021 # jan,
  volume = 12}
@book{b, title = {a{b{c{d}}}e}, author = {A\}b and {C \{ D}}, pages = {1--2} % comment
, note = {line
two}, url = {http://x/%20}, number = {}, edition = { {x} }, series = {a\
b}}
@misc{c,title={{X}},year=1999,
  abstract = {deep {a {b {c {d}}}}} , key = {\\}, note={\{}}
@misc{d, title = {unclosed}
@misc{e, title = {after the broken one}, year = 2001 }
@misc(f, title = {paren} )
@misc{g, title={x}}}
"""


def split_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    results = []
    for pattern in (bibtex._SIMPLE_FIELD, NEVER):
        with monkeypatch.context() as patch:
            patch.setattr(bibtex, "_SIMPLE_FIELD", pattern)
            report = Report("x")
            blocks = bibtex.split(text, report)
            results.append((blocks, report.lines, report.skipped))
    return results[0], results[1]


def test_tricky_fields_split_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    quick, general = split_both_ways(TRICKY, monkeypatch)
    assert quick == general
    assert [e.key for e in quick[0].entries][:3] == ["a", "b", "c"]


def test_our_exports_split_the_same_both_ways_and_mostly_in_one_match(
    bundled_catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for fmt in ("bibtex", "biblatex"):
        text = dumps(bundled_catalog, fmt)
        quick, general = split_both_ways(text, monkeypatch)
        assert quick == general
    starts = [m.start() for m in re.finditer(r"^  \w+ = ", text, re.MULTILINE)]
    one_match = [start for start in starts if bibtex._SIMPLE_FIELD.match(text, start)]
    assert len(one_match) > 0.9 * len(starts)


def test_every_corpus_file_splits_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(Path(corpus("bibtex")).rglob("*.bib"))
    assert paths
    for path in paths:
        data = path.read_bytes()
        text = bibtex.decode(data, Report(path.name), bibtex.declared_encoding(data))
        quick, general = split_both_ways(text, monkeypatch)
        assert quick == general, path.name
