"""Decoding a field piece by piece gives exactly what pylatexenc gives for the whole field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_refs import dumps
from mlops_refs.characters import FORBIDDEN
from mlops_refs.readers.base import Report
from mlops_refs.readers.bibtex import declared_encoding, decode, split
from mlops_refs.text import latex
from mlops_refs.text.latex import LatexDecoder, escape, protect_title
from mlops_refs.text.latex_pieces import cut
from readers import corpus


def whole(value: str, multiline: bool = False) -> str:
    """The decoding of ``value`` parsed whole, as before fields were cut."""
    saved = latex.cut
    latex.cut = lambda value: None
    try:
        return LatexDecoder().text(value, multiline)
    finally:
        latex.cut = saved


def assert_same(values: list[str]) -> int:
    """Every value decodes piecewise as it does whole; returns how many were cut."""
    decoder = LatexDecoder()
    cut_count = 0
    for value in values:
        for multiline in (False, True):
            assert decoder.text(value, multiline) == whole(value, multiline), (value, multiline)
        cut_count += cut(value) is not None
    return cut_count


def writable(text: str) -> bool:
    """Whether a catalog may hold ``text`` (the writer refuses the rest)."""
    return FORBIDDEN.search(text) is None


def fields_of(text: str) -> list[str]:
    blocks = split(text, Report("x"))
    return [value for entry in blocks.entries for value in entry.fields.values()]


# Pieces that stress the cut: every construct, the spaces after control words, and what must not be cut.
TOKENS = [
    "a",
    "Z",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "{",
    "}",
    "{}",
    "-",
    "--",
    "---",
    "----",
    "~",
    "&",
    "%",
    "'",
    "''",
    "`",
    "``",
    "!`",
    "?`",
    "!",
    "?",
    "'''",
    ",",
    ".",
    "é",
    "中",
    "\\&",
    "\\%",
    "\\$",
    "\\#",
    "\\_",
    "\\{",
    "\\}",
    "\\vphantom{\\}}",
    "\\vphantom{\\{}",
    "\\i",
    "\\i ",
    "\\i\n",
    "\\ss",
    "\\ss{}",
    "{\\ss}",
    "\\AA",
    "\\o",
    "\\relax ",
    "{\\relax 中}",
    "\\ldots",
    "\\LaTeX",
    "\\TeX{}",
    "\\textasciitilde",
    "{\\textbackslash}",
    "\\'e",
    "\\'{e}",
    "{\\'e}",
    "\\'\\i",
    "\\'{\\i}",
    '\\"o',
    "\\`a",
    "\\^o",
    "\\~n",
    "\\=a",
    "\\.I",
    "\\c c",
    "\\c{c}",
    "{\\c{c}}",
    "\\v s",
    "\\H{o}",
    "\\u{g}",
    "\\k{a}",
    "\\d{s}",
    "\\r{u}",
    "\\t{oo}",
    "{$<$}",
    "{$>$}",
    "$x$",
    "\\url{https://a.b/c_d~e%20}",
    "\\url {x}",
    "\\emph{x}",
    "\\textbf",
    "\\\\",
    "\\ ",
    "\\",
    "\\'",
    "\\c",
    "\\iota",
    "\\ldotsx",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_generated_token_strings_decode_the_same_cut_or_whole(tokens: list[str]) -> None:
    assert_same(["".join(tokens)])


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).filter(writable))
def test_escaped_text_decodes_the_same_cut_or_whole(text: str) -> None:
    assert_same([escape(text), escape(text, ascii_only=False), protect_title(text)])


def test_our_bibtex_export_of_the_bundled_catalog_is_cut_and_decodes_the_same(bundled_catalog) -> None:
    values = fields_of(dumps(bundled_catalog, "bibtex")) + fields_of(dumps(bundled_catalog, "biblatex"))
    assert assert_same(values) > 0.9 * len(values)


def test_every_corpus_bib_field_decodes_the_same_cut_or_whole() -> None:
    paths = sorted(Path(corpus("bibtex")).rglob("*.bib"))
    assert paths
    values = []
    for path in paths:
        data = path.read_bytes()
        values += fields_of(decode(data, Report(path.name), declared_encoding(data)))
    assert len(values) > 500
    assert assert_same(values) > 0.5 * len(values)


@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ("Caf{\\'e} \\& Bar", [("Caf", False), ("\\'e", True), (" ", False), ("\\&", True), (" Bar", False)]),
        ("{BERT:} pages 1--10", [("BERT: pages 1", False), ("--", True), ("10", False)]),
        ("\\emph{x}", None),
        ("{open", None),
        ("close}", None),
        (
            "{``}Live{''} !`",
            [("", False), ("``", True), ("Live", False), ("''", True), (" ", False), ("!`", True)],
        ),
        ("$x$", None),
    ],
)
def test_cut_pieces(value: str, pieces: list[tuple[str, bool]] | None) -> None:
    assert cut(value) == pieces


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000ab")), max_size=30)
)
def test_white_space_is_collapsed_as_every_run_to_one_space(text: str) -> None:
    collapsed = re.sub(r"\s+", " ", text).strip()
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    assert LatexDecoder().text(text) == collapsed
    assert LatexDecoder().text(text, multiline=True) == "\n".join(line for line in lines if line)
