"""Text to LaTeX for .bib files: special characters escaped, non-ASCII encoded, capitals protected."""

from __future__ import annotations

import codecs
import re

from .characters import FORBIDDEN, LINE_SEPARATORS
from .errors import ExportError

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
    "<": r"{$<$}",  # not \textless: Zotero's importer decodes only the math form (pandoc and pylatexenc both)
    ">": r"{$>$}",
}
# "|" stays as it is: \textbar is lost by pandoc's reader, and with T1 fonts (the modern default) a plain "|"
# prints as a bar.
# Non-ASCII characters whose latexcodec form loses them: latexcodec writes both quotes as ' and `, which
# every reader (Zotero, pybtex, pylatexenc, pandoc) reads back as ASCII. Zotero, pylatexenc and pandoc
# decode these commands back to the quotes (latexcodec leaves them as commands).
ASCII_FORMS = {"\u2019": r"{\textquoteright}", "\u2018": r"{\textquoteleft}"}
_TEX_WORK = "\\{}%&#_$^~<>"  # what escape() changes, besides controls and non-ASCII characters
# One negated class of the printable ASCII characters that need nothing: quick to compile and to search.
_NEEDS_WORK = re.compile(
    "[^" + "".join(re.escape(c) for c in map(chr, range(32, 127)) if c not in _TEX_WORK) + "]"
)
_LINE_BREAKS = re.compile(f"\r\n?|[{LINE_SEPARATORS}]")
# TeX ligatures: in text, "--", "``", "''", "!`" and "?`" would print as a dash, curly quotes, ¡ and ¿, and
# every reader (pylatexenc, pandoc, Zotero) reads them so. A literal pair is kept apart by an empty group.
_LIGATURE = re.compile(r"-(?=-)|`(?=`)|'(?=')|[!?](?=`)")
_APART = "\x00"  # where a pair is kept apart; the table writes {} (catalog text never holds NUL)
_WHITESPACE = re.compile(r"(\s+)")
_BLANK_LINES = re.compile(r"\s*\n\s*(\n\s*)+")


def _encode_char(char: str) -> str:
    if char in ASCII_FORMS:
        return ASCII_FORMS[char]
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


class _Table(dict):  # type: ignore[type-arg]
    """A str.translate table: TeX specials escaped; other characters filled in on first sight."""

    def __init__(self, ascii_only: bool) -> None:
        super().__init__({ord(c): c for c in map(chr, range(32, 127))})
        self.update({ord(c): replacement for c, replacement in SPECIALS.items()})
        self[ord("\t")] = " "
        self[ord("\n")] = "\n"
        self[ord(_APART)] = "{}"
        self.ascii_only = ascii_only

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if FORBIDDEN.match(char):
            raise ExportError(f"the character U+{code:04X} cannot be written in a .bib file; remove it")
        self[code] = _encode_char(char) if self.ascii_only else char
        return self[code]


_TABLES = {True: _Table(ascii_only=True), False: _Table(ascii_only=False)}


def escape(text: str, ascii_only: bool = True) -> str:
    r"""Escape TeX specials; with ``ascii_only`` also encode non-ASCII as LaTeX commands.

    >>> escape("100% R&D {x} ~ é")
    "100\\% R\\&D \\{\\vphantom{\\}}x\\vphantom{\\{}\\} {\\textasciitilde} {\\'e}"
    """
    ligature = _LIGATURE.search(text)
    if not ligature and not _NEEDS_WORK.search(text):
        return text
    if ligature:
        text = _LIGATURE.sub(lambda m: m.group() + _APART, text)
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAKS.sub("\n", text)
    if "\n" in text:
        text = _BLANK_LINES.sub("\n", text)
    return text.translate(_TABLES[ascii_only])


def _needs_protection(word: str, first: bool) -> bool:
    uppers = sum(map(str.isupper, word))
    if not uppers:
        return False
    return not (first and uppers == 1 and word[0].isupper())


def protect_title(text: str, ascii_only: bool = True) -> str:
    """Escape a title and brace each word whose capitals a style must not lower-case.

    >>> protect_title("BERT: Pre-training on TPUs")
    '{BERT:} {Pre-training} on {TPUs}'
    """
    parts = _WHITESPACE.split(text)  # words at even indexes, the whitespace between them at odd ones
    plain = not _NEEDS_WORK.search(text) and not _LIGATURE.search(text)  # then no part needs escaping
    out = parts if plain else [escape(part, ascii_only) for part in parts]
    for i in range(0, len(parts), 2):
        word = parts[i]
        if not word.islower() and _needs_protection(word, first=(i == 0)):
            escaped = out[i]
            out[i] = "{{" + escaped + "}}" if escaped.startswith("\\") else "{" + escaped + "}"
    return "".join(out)
