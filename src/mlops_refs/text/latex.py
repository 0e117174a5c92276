"""LaTeX for .bib files both ways: text escaped, non-ASCII encoded, capitals protected; and LaTeX decoded."""

from __future__ import annotations

import codecs
import gc
import re
import unicodedata
from collections.abc import Generator
from typing import Any

from ..characters import FORBIDDEN, LINE_SEPARATORS
from ..errors import ExportError
from ..memo import shared
from .latex_pieces import cut

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
# And signs whose latexcodec form LaTeX does not define (\yen), is math (\neg, \not{c}), or no reader reads
# back (\pounds, \S, \copyright, \"{} and the other spacing accents): the text symbols LaTeX has defined
# since 2020 (textcomp), which Zotero's BibTeX translator, JabRef and pylatexenc read and write.
ASCII_FORMS |= {
    "\u00a2": r"{\textcent}",
    "\u00a3": r"{\textsterling}",
    "\u00a5": r"{\textyen}",
    "\u00a7": r"{\textsection}",
    "\u00a8": r"{\textasciidieresis}",
    "\u00a9": r"{\textcopyright}",
    "\u00ac": r"{\textlnot}",
    "\u00af": r"{\textasciimacron}",
    "\u00b4": r"{\textasciiacute}",
    "\u00b6": r"{\textparagraph}",
    "\u2021": r"{\textdaggerdbl}",
    "\u201e": r"{\quotedblbase}",
}
# Spaces of other widths (en, em, thin, ideographic...) in both .bib writers: a plain space, as Zotero's table
# writes them. As UTF-8 pdflatex has no definition for them (an error), and latexcodec writes some as nothing
# at all (a thin space joined the words around it). The no-break space stays itself, or a tie (~) in ASCII.
SPACES = {chr(c): " " for c in (0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)}
_TEX_WORK = "\\{}%&#_$^~<>"  # what escape() changes, besides controls and non-ASCII characters
# One negated class of the printable ASCII characters that need nothing: quick to compile and to search.
_NEEDS_WORK = re.compile(
    "[^" + "".join(re.escape(c) for c in map(chr, range(32, 127)) if c not in _TEX_WORK) + "]"
)


def _needs_any(text: str) -> bool:
    """True when ``escape`` changes the text: a character needing work, or a pair ``_LIGATURE`` finds
    (substring tests: several times faster than one pattern for both)."""
    return (
        _NEEDS_WORK.search(text) is not None
        or "--" in text
        or "``" in text
        or "''" in text
        or "!`" in text
        or "?`" in text
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
        self.update({ord(c): replacement for c, replacement in (SPECIALS | SPACES).items()})
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
    return _escaped(text, ascii_only and not text.isascii())  # ASCII text: the same in both tables


@shared  # the BibTeX and BibLaTeX exports of a run escape the same text
def _escaped(text: str, ascii_only: bool) -> str:
    return _escape(text, ascii_only)


def _escape(text: str, ascii_only: bool) -> str:
    if not _needs_any(text):
        return text
    ligature = _LIGATURE.search(text)
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
    return _protected(text, ascii_only and not text.isascii())  # ASCII text: the same in both tables


@shared  # the BibTeX and BibLaTeX exports of a run protect the same titles
def _protected(text: str, ascii_only: bool) -> str:
    parts = _WHITESPACE.split(text)  # words at even indexes, the whitespace between them at odd ones
    plain = not _needs_any(text)  # then no part needs escaping
    out = parts if plain else [_escape(part, ascii_only) for part in parts]
    for i in range(0, len(parts), 2):
        word = parts[i]
        if not word.islower() and _needs_protection(word, first=(i == 0)):
            escaped = out[i]
            out[i] = "{{" + escaped + "}}" if escaped.startswith("\\") else "{" + escaped + "}"
    return "".join(out)


# --- the inverse: LaTeX to text (pylatexenc), as the readers need it


# Runs of white space become one space: only runs of two and single other white space need replacing.
_SPACE = re.compile(r"\s{2,}|[^\S ]")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")  # where str.splitlines splits
_BARE_PERCENT = re.compile(r"(?<!\\)%")


# Substring tests: several times faster than one regular-expression search over a long field.
def _has_commands(value: str) -> bool:
    """Whether ``value`` is more than text and braced groups: a macro, math, a tie, a ligature."""
    return (
        "\\" in value or "$" in value or "~" in value or "--" in value
        or "``" in value or "''" in value or "!`" in value or "?`" in value
    )  # fmt: skip


def _has_work(value: str) -> bool:
    """Whether pylatexenc would change ``value``: a macro, a group, math, a tie or a dash."""
    return "\\" in value or "{" in value or "}" in value or "$" in value or "~" in value or "--" in value


def _collapsed(value: str) -> str:
    """``value`` with each run of white space one space, stripped."""
    if "  " not in value and value.isprintable():  # every white space but " " is unprintable
        return value.strip()
    return _SPACE.sub(" ", value).strip()


#: Macros our writer and others use that pylatexenc does not know: name -> (argument spec, text).
_MACROS = {
    "textless": ("", "<"),
    "textgreater": ("", ">"),
    "textasciicircum": ("", "^"),
    "textasciitilde": ("", "~"),
    "textbackslash": ("", "\\"),
    "textbar": ("", "|"),
    "LaTeX": ("", "LaTeX"),
    "TeX": ("", "TeX"),
    "relax": ("", ""),
    "vphantom": ("{", ""),
    "url": ("{", "%(1)s"),
    "href": ("{{", "%(2)s"),
    # plain TeX's and others' names for signs (Zotero and JabRef write the textcomp ones pylatexenc knows)
    "pounds": ("", "\u00a3"),
    "yen": ("", "\u00a5"),
    "S": ("", "\u00a7"),
    "P": ("", "\u00b6"),
    "copyright": ("", "\u00a9"),
    "ddag": ("", "\u2021"),
    "textquotedblbase": ("", "\u201e"),
    "textcommabelow": (
        "{",
        lambda node, l2tobj: _comma_below(l2tobj.nodelist_to_text(node.nodeargd.argnlist)),
    ),
}


def _comma_below(letter: str) -> str:
    """A letter with a comma below (Romanian ș, ț), composed: ``\\textcommabelow s`` is 'ș'."""
    return unicodedata.normalize("NFC", letter[:1] + "\u0326") + letter[1:]


def _latex_converter() -> tuple[Any, Any]:
    from pylatexenc import latex2text, latexwalker, macrospec

    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category(
        "mlops-refs", prepend=True, macros=[macrospec.MacroSpec(n, a) for n, (a, _) in _MACROS.items()]
    )
    texts = latex2text.get_default_latex_context_db()
    texts.add_context_category(
        "mlops-refs",
        prepend=True,
        macros=[latex2text.MacroTextSpec(n, simplify_repl=r) for n, (_, r) in _MACROS.items()],
    )
    converter = latex2text.LatexNodes2Text(latex_context=texts, math_mode="text", strict_latex_spaces=True)
    return parsing, converter


class LatexDecoder:
    """LaTeX to Unicode with pylatexenc, built once per read."""

    def __init__(self) -> None:
        self._converter: Any = None
        self._seen: dict[tuple[str, bool], str] = {}  # names and journals repeat across a file
        self._constructs: dict[str, str | None] = {}  # accents and escapes repeat more

    def text(self, value: str, multiline: bool = False) -> str:
        """A field's LaTeX as plain text; white space collapsed (line breaks kept where ``multiline``)."""
        key = (value, multiline)
        if key not in self._seen:
            if len(self._seen) > 100_000:
                self._seen.clear()
            self._seen[key] = self._text(value, multiline)
        return self._seen[key]

    def _text(self, value: str, multiline: bool) -> str:
        if not _has_commands(value):  # braces only group: no need to parse
            if "{" in value or "}" in value:
                value = value.replace("{", "").replace("}", "")
        elif _has_work(value):
            value = self._decoded(value)
        if multiline and not value.isprintable() and _LINE_BREAK.search(value):
            lines = [_collapsed(line) for line in value.splitlines()]
            return "\n".join(line for line in lines if line)
        return _collapsed(value)

    def _decoded(self, value: str) -> str:
        """pylatexenc's text of ``value``: piece by piece where it can be cut (see ``latex_pieces``)."""
        pieces = cut(value)
        if pieces is not None:
            constructs = self._constructs
            if len(constructs) > 100_000:
                constructs.clear()
            out = []
            for piece, is_construct in pieces:
                if is_construct:
                    if piece not in constructs:
                        constructs[piece] = self._parsed(piece)
                    decoded = constructs[piece]
                    if decoded is None:
                        break
                    piece = decoded
                out.append(piece)
            else:
                return "".join(out)
        parsed = self._parsed(value)
        return value if parsed is None else parsed

    def _parsed(self, value: str) -> str | None:
        """pylatexenc's text of ``value``; ``None`` when it gives up on malformed input."""
        if self._converter is None:
            self._converter = _latex_converter()
        source = _BARE_PERCENT.sub(r"\\%", value)  # a bare % in a field is text to BibTeX, not a comment
        request = (source, *self._converter)
        if not _PARSER.gi_running:
            try:
                return _PARSER.send(request)
            except ValueError:  # another thread got to it first
                pass
        return _parse(request)


def _parse(request: tuple[str, Any, Any]) -> str | None:
    """pylatexenc's text of a source, given its parsing context and text converter; ``None`` on failure."""
    from pylatexenc.latexwalker import LatexWalker

    source, parsing, converter = request
    try:
        nodes = LatexWalker(source, latex_context=parsing, tolerant_parsing=True).get_latex_nodes()[0]
        return converter.nodelist_to_text(nodes)
    except Exception:
        return None


def _parse_forever() -> Generator[str | None, tuple[str, Any, Any], None]:
    """``_parse`` of each request sent, in a frame that never returns.

    pylatexenc keeps the end-of-input exception of a parse in a local of its own frame: a reference cycle
    that only the cyclic collector frees (a command run with it turned off never does), and whose frames
    keep the frames that called them alive, with every object those held when they returned. Called from
    here, the chain of frames stops at this one, which never returns and so never links to its callers.
    With the collector turned off, the young generation (these cycles among it) is collected every
    ``_COLLECT_EVERY`` parses, so that what they hold stays bounded.
    """

    result, parses = None, 0
    while True:
        result = _parse((yield result))
        parses += 1
        if parses % _COLLECT_EVERY == 0 and not gc.isenabled():
            gc.collect(0)


_COLLECT_EVERY = 500


_PARSER = _parse_forever()
next(_PARSER)
