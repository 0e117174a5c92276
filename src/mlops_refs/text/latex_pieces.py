"""A field's LaTeX cut into plain text and small self-contained constructs, for decoding piece by piece.

pylatexenc parses a whole field at about 0.2 ms, and a .bib file's fields mostly hold plain words with a few
constructs: an escaped special (``\\&``), an accent (``{\\'e}``), a character macro (``{\\ss}``), a dash.
A construct here is a piece whose decoding does not depend on what stands around it, so the reader decodes
each distinct construct once (with pylatexenc itself, so the answers are pylatexenc's) and joins the pieces.
A plain piece holds nothing LaTeX reads as more than characters and group braces, which are dropped.

A field holding anything else (another macro, math, quotes written as ``''``, a group left open) is not cut:
the caller parses it whole. ``tests/test_latex_pieces.py`` checks on generated and real fields that joining
the pieces gives exactly what parsing the whole field gives.
"""

from __future__ import annotations

import re

_NOT_LETTER = r"(?![^\W\d_])"  # a control word ends before any letter, ASCII or not (as pylatexenc reads it)
# Control words pylatexenc reads without arguments, and the spaces after them (which TeX drops).
_CHARACTER_MACROS = (
    *("i", "j", "o", "O", "l", "L", "aa", "AA", "ae", "AE", "oe", "OE", "ss", "dj", "DJ"),
    *("ldots", "dots", "relax", "LaTeX", "TeX", "textasciitilde", "textasciicircum", "textbackslash"),
    *("textquoteright", "textquoteleft", "textless", "textgreater", "textbar"),
)
_ACCENT_ARGUMENT = r"(?:\{\\?[A-Za-z]\}|\\[ij]" + _NOT_LETTER + r"\s*|[A-Za-z])"  # e, {e}, \i, {\i}
_CONSTRUCT = re.compile(
    "|".join(
        (
            r"\\vphantom\{\\[{}]\}",  # the brace balancer the writer puts beside a literal brace
            r"\\[&%$#_{}]",  # an escaped special
            r"\\(?:" + "|".join(_CHARACTER_MACROS) + ")" + _NOT_LETTER + r"\s*",
            r"\\['\"`^~=.]" + _ACCENT_ARGUMENT,  # \'e, \"{o}, \'\i
            r"\\[cvuHdbkrt]" + _NOT_LETTER + r"\s*" + _ACCENT_ARGUMENT,  # \c{c}, \v s
            r"\{\$[<>]\$\}",  # the writer's < and >
            r"\\url\s*\{[^{}\\]*\}",
            r"-{2,}",  # dashes
            r"[!?]?`+|'{2,}",  # quotes written as ligatures, and the inverted ! and ?
            r"[~&]",  # a tie, an alignment sign
        )
    )
)
# What makes a plain piece more than characters and braces: a macro or math.
_NOT_PLAIN = re.compile(r"[\\$]")


def cut(value: str) -> list[tuple[str, bool]] | None:
    """``value`` as (piece, is_construct) pairs, plain ones unbraced; ``None`` where it cannot be cut."""
    pieces: list[tuple[str, bool]] = []
    depth = 0
    start = 0
    for found in _CONSTRUCT.finditer(value):
        plain = value[start : found.start()]
        if plain:
            depth = _depth_after(plain, depth)
            if depth < 0 or _NOT_PLAIN.search(plain):
                return None
            pieces.append((_unbraced(plain), False))
        pieces.append((found.group(), True))
        start = found.end()
    plain = value[start:]
    if plain:
        depth = _depth_after(plain, depth)
        if depth < 0 or _NOT_PLAIN.search(plain):
            return None
        pieces.append((_unbraced(plain), False))
    return pieces if depth == 0 else None


def _depth_after(plain: str, depth: int) -> int:
    """The brace depth after ``plain``; negative as soon as a brace closes one never opened."""
    if "}" not in plain:
        return depth + plain.count("{")
    for char in plain:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return depth
    return depth


def _unbraced(plain: str) -> str:
    return plain.replace("{", "").replace("}", "") if "{" in plain or "}" in plain else plain
