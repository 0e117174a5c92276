"""A big .bib file read in two parts at once gives exactly what reading it whole gives: catalog and report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_refs import dumps, parallel
from mlops_refs.readers import bibtex
from mlops_refs.readers.base import Report
from readers import corpus

needs_two_cpus = pytest.mark.skipif(
    not hasattr(os, "fork") or parallel.usable_cpus() < 2, reason="two parts need fork and two CPUs"
)

# Blocks that make a cut land somewhere awkward: values running over lines that start with '@' (indented, the
# value goes on; not, the entry is broken off there), a broken entry, comment lines holding '@', JabRef's
# group tree at the end (the second part holds it).
AWKWARD = r"""
% a comment line @misc{not, title={an entry}}
@misc{indented, title = {one}, abstract = {a value holding
  @misc{quoted, title = {an indented line of the abstract}}
  and going on}, year = 2002}
@misc{multi, title = {one}, abstract = {first line
@misc{inside, title = {this line is in the abstract}}
last line}}
@misc{broken, title = {never closed
@misc{after, title = {after the broken one}, groups = {Week 1}, year = 2001}
@comment{jabref-meta: grouping:
0 AllEntriesGroup:;
1 StaticGroup:Week 1\;0\;1\;\;\;\;;
}
"""


def read_both_ways(
    data: bytes, monkeypatch: pytest.MonkeyPatch, fmt: str = "bibtex"
) -> tuple[str, str, bool]:
    """(catalog and report read whole, the same read in two parts where it can, whether it could)."""
    reader = bibtex.BibLaTeXReader() if fmt == "biblatex" else bibtex.BibTeXReader()
    took: list[bool] = []
    in_two = bibtex._read_in_two

    def spy(text: str, report: Report, fmt: bibtex.Format) -> object:
        read = in_two(text, report, fmt)
        took.append(read is not None)
        return read

    answers = []
    for shared in (False, True):
        with monkeypatch.context() as mp:
            mp.setattr(parallel, "ENABLED", shared)
            mp.setattr(bibtex, "_PARTS_MIN", 0)
            mp.setattr(bibtex, "_read_in_two", spy)
            report = Report("x.bib")
            try:
                catalog = reader.read(data, report)
            except bibtex.NotThisFormatError as exc:
                catalog = exc  # type: ignore[assignment]
            answers.append(repr((catalog, [str(line) for line in report.lines], report.read, report.skipped)))
    return answers[0], answers[1], took[-1]


@needs_two_cpus
@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_our_exports_read_the_same_in_two_parts(fmt: str, bundled_catalog, monkeypatch) -> None:
    alone, shared, took = read_both_ways(dumps(bundled_catalog, fmt).encode("utf-8"), monkeypatch, fmt)
    assert took
    assert shared == alone


@needs_two_cpus
def test_every_corpus_file_reads_the_same_in_two_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(Path(corpus("bibtex")).rglob("*.bib"))
    assert paths
    took = []
    for path in paths:
        alone, shared, two = read_both_ways(path.read_bytes(), monkeypatch)
        assert shared == alone, path.name
        took.append(two)
    assert any(took)


@needs_two_cpus
def test_wherever_the_cut_falls_the_parts_read_as_the_whole(bundled_catalog, monkeypatch) -> None:
    text = dumps(bundled_catalog, "bibtex")
    middle = text.index("\n@", len(text) // 2)
    body = text[:middle] + AWKWARD + text[middle:]
    took = []
    for pad in range(
        -1200, 1200, 40
    ):  # moves the middle of the text, and so the cut, over the awkward blocks
        padded = "%" * max(0, -pad) + "\n" + body + "\n%" + "%" * max(0, pad)
        alone, shared, two = read_both_ways(padded.encode("utf-8"), monkeypatch)
        assert shared == alone, pad
        took.append(two)
    assert any(took)
    assert not all(took)  # some cuts fell inside the indented value: those files were read whole


@needs_two_cpus
@pytest.mark.parametrize(
    "link",
    [
        "@string{mlep = {MLEP}}\n",
        "@misc{child, title = {x}, crossref = {parent}}\n@book{parent, title = {P}, year = 2020}\n",
        "@xdata{shared, publisher = {P}}\n@misc{uses, title = {x}, xdata = {shared}}\n",
        "@misc{child, title = {x}, CrossRef = {multi}}\n",
    ],
    ids=["string", "crossref", "xdata", "crossref written otherwise"],
)
def test_files_whose_parts_depend_on_each_other_are_read_whole(
    link: str, bundled_catalog, monkeypatch
) -> None:
    text = dumps(bundled_catalog, "biblatex")
    for placed in (link + text, text + link):  # in the first part, in the second
        alone, shared, took = read_both_ways(placed.encode("utf-8"), monkeypatch, "biblatex")
        assert not took
        assert shared == alone
