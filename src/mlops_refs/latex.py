"""Text to LaTeX for .bib files: special characters escaped, non-ASCII encoded, capitals protected."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

# Zotero's table (BibTeX.js escapeSpecialCharacters): a literal brace keeps the brace count balanced.
SPECIALS = {
    "\\": r"{\textbackslash}",
    "{": r"\{\vphantom{\}}",
    "}": r"\vphantom{\{}\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "^": r"{\textasciicircum}",
    "~": r"{\textasciitilde}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
}
# "|" stays as it is: \textbar is lost by pandoc's reader, and with T1 fonts (the modern default) a plain "|"
# prints as a bar.
_NEEDS_WORK = re.compile(r"[\\{}%&#_$^~<>\n\r\t]|[^\x00-\x7f]")
_WHITESPACE = re.compile(r"(\s+)")
_BLANK_LINES = re.compile(r"\s*\n\s*(\n\s*)+")


@lru_cache(maxsize=4096)
def _encode_char(char: str) -> str:
    import latexcodec  # noqa: F401  (registers the "ulatex" codec; imported on the first non-ASCII character)

    try:
        encoded = codecs.encode(char, "ulatex+ascii")
    except UnicodeEncodeError:
        encoded = "$"
    if "$" in encoded:
        # No text-mode LaTeX form (Greek, Hebrew, Arabic, CJK, emoji): kept as UTF-8 inside a bibtex "special
        # character" ({\relax ...}), so that bibtex never cuts the multi-byte character when it abbreviates a
        # name or builds a label.
        return "{\\relax " + char + "}"
    return encoded if encoded.isascii() and encoded == char else "{" + encoded.strip() + "}"


def escape(text: str, ascii_only: bool = True) -> str:
    r"""Escape TeX specials; with ``ascii_only`` also encode non-ASCII as LaTeX commands.

    >>> escape("100% R&D {x} ~ é")
    "100\\% R\\&D \\{\\vphantom{\\}}x\\vphantom{\\{}\\} {\\textasciitilde} {\\'e}"
    """
    if not _NEEDS_WORK.search(text):
        return text
    text = _BLANK_LINES.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\t", " ")
    out = []
    for char in text:
        if char in SPECIALS:
            out.append(SPECIALS[char])
        elif ascii_only and not char.isascii():
            out.append(_encode_char(char))
        else:
            out.append(char)
    return "".join(out)


def _needs_protection(word: str, first: bool) -> bool:
    uppers = [c for c in word if c.isupper()]
    if not uppers:
        return False
    return not (first and len(uppers) == 1 and word[0].isupper())


def protect_title(text: str, ascii_only: bool = True) -> str:
    """Escape a title and brace each word whose capitals a style must not lower-case.

    >>> protect_title("BERT: Pre-training on TPUs")
    '{BERT:} {Pre-training} on {TPUs}'
    """
    out = []
    for i, word in enumerate(_WHITESPACE.split(text)):
        escaped = escape(word, ascii_only)
        if i % 2 == 0 and _needs_protection(word, first=(i == 0)):
            escaped = "{{" + escaped + "}}" if escaped.startswith("\\") else "{" + escaped + "}"
        out.append(escaped)
    return "".join(out)
