"""The quick read of a clean catalog file: yaml-rs, used only where it must give the careful reader's data.

yaml-rs parses YAML 1.2 in compiled code, several times faster than PyYAML builds the same data. The
careful reader (``yamlio``) follows YAML 1.1 as PyYAML does and locates every problem. The two agree on
most text; where they may not, the quick read declines and the careful one runs, so that every answer
and every error message stays the careful reader's. It declines:

- before parsing, on any text that holds a character PyYAML refuses or reads as a line break (tabs,
  carriage returns, controls, U+0085, U+2028/9, a byte-order mark), a node property (an anchor ``&``,
  alias ``*`` or tag ``!`` at the start of a token), a merge key ``<<``, a directive or document marker,
  a number written with a leading zero or ``0o`` (octal in YAML 1.1, decimal or ``0o`` in 1.2) after a
  space or a bracket, or a comma or colon that follows an opening bracket on its line, or a line indented
  512 columns deep (yaml-rs nests its recursion by block depth, and its stack would overflow);
- on any parse error, duplicate key or root that is not a mapping;
- after parsing, on any float, any value of another type than str/int/bool/None/list/dict, and any string
  that PyYAML would have read as something else had it been written plain (``yes``, ``1_000``, ``1:20``,
  ``~``, ``<<``), unless yaml-rs too would have read it as something else written plain (``"1.0"``, an
  arXiv id ``"1704.04861"``): then it was quoted, and both readers keep it as written.

The walk over the data that looks for those values also tells whether every text keeps the character rule,
so that validation need not walk the data again.
"""

from __future__ import annotations

import re
from typing import Any

from .characters import MULTILINE_FIELDS, text_problem
from .yamlio import IMPLICIT_RESOLVERS

try:
    import yaml_rs
except ImportError:  # pragma: no cover - the careful reader then reads everything
    yaml_rs = None

_DUPLICATES_ARE_ERRORS = yaml_rs.DuplicateKeyPolicy.Error if yaml_rs is not None else None

# Searches over the text for what sends a file to the careful reader; each starts with one character class,
# which the regular expression engine scans for quickly.
_REFUSED_CHARACTER = re.compile(  # what PyYAML refuses or reads as a line break, and a byte-order mark
    r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# An anchor, alias or tag (one of these characters followed by a non-blank), or a number with a leading zero
# or 0o: risky where a token starts (checked in Python, as a look-behind would slow the scan down).
_PROPERTY_INDICATORS = "&*!"
_ZERO = re.compile(r"0[0-9oO_]")
_TOKEN_START = frozenset(" \n[]{}")
_FLOW_ONLY_TOKEN_START = frozenset(",:")  # PyYAML ends a token at these only inside a flow collection
# A line that starts this deep in indentation or indicators: yaml-rs recurses once per level of block
# nesting and its stack overflows past about ten thousand (the process dies), so deep texts are declined.
_DEEP = re.compile(r"[ \-?:]{512}")  # at the start of the text
# A line other than the first that starts with a document marker or a directive, or that deep (one search:
# the line feed first, which the engine scans for quickly).
_RISKY_LINE = re.compile(r"\n(?:---|\.\.\.|%|[ \-?:]{512})")
_OPEN_FLOW = re.compile(r"[\[{][^\]}]*$")  # a bracket still open at the end of the text before
_FLOW_OVER_LINES = re.compile(r"[\[{][^\]}\n]*\n")  # a bracket still open at the end of its line


def _risky(text: str) -> bool:
    """Whether ``text`` holds something the quick read may read otherwise than the careful reader."""
    if text.startswith(("---", "...", "%")) or ("<" in text and "<<" in text):  # one character: a fast scan
        return True
    if _refuses_some_character(text) or _DEEP.match(text) or _RISKY_LINE.search(text):
        return True
    flow = _FlowOverLines(text)
    for start in _properties(text):  # mostly in prose: "R&D"
        if _starts_token(text, start, flow):
            return True
    for found in _ZERO.finditer(text):  # mostly in dates: "2019-05-01"
        start = found.start()
        if start and text[start - 1] in "+-":
            start -= 1
        if _starts_token(text, start, flow):
            return True
    return False


def _refuses_some_character(text: str) -> bool:
    """Whether ``text`` holds a character PyYAML refuses or reads as a line break, or a byte-order mark.

    Every printable character is one PyYAML takes (the refused ones are controls, separators, surrogates, the
    byte-order mark and noncharacters, none printable), and ``isprintable`` scans faster than the search.
    """
    return not text.replace("\n", " ").isprintable() and _REFUSED_CHARACTER.search(text) is not None


def _properties(text: str) -> list[int]:
    """Where an anchor, alias or tag indicator stands before a non-blank, in no particular order."""
    found = []
    for indicator in _PROPERTY_INDICATORS:  # str.find skips the long stretches between them quickly
        start = text.find(indicator)
        while start >= 0:
            if start + 1 < len(text) and not text[start + 1].isspace():
                found.append(start)
            start = text.find(indicator, start + 1)
    return found


class _FlowOverLines:
    """Whether some flow collection of a text spans lines, searched for only when first asked."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: bool | None = None

    def __bool__(self) -> bool:
        if self._found is None:
            self._found = _FLOW_OVER_LINES.search(self._text) is not None
        return self._found


def _starts_token(text: str, start: int, flow_over_lines: _FlowOverLines) -> bool:
    """Whether a token may start at ``start``: after a blank, line break or bracket, or a comma or colon in a
    flow collection (`[1,017]`, `{"a":017}`); when a flow collection spans lines, after any comma or colon."""
    before = text[start - 1] if start else "\n"
    if before in _TOKEN_START:
        return True
    if before not in _FLOW_ONLY_TOKEN_START:  # "arXiv:0809.2859" outside a flow collection is one scalar
        return False
    return bool(flow_over_lines) or _OPEN_FLOW.search(text, text.rfind("\n", 0, start) + 1, start) is not None


_NOT_STR = {  # first character -> one pattern of PyYAML's resolvers other than str for it
    first: re.compile(
        "|".join(f"(?:{rx.pattern})" for tag, rx in resolvers if tag != "tag:yaml.org,2002:str"), re.VERBOSE
    )
    for first, resolvers in IMPLICIT_RESOLVERS.items()
}


def quick_load(text: str) -> Any:
    """The data of ``text`` when the quick read can promise the careful reader's; ``None`` otherwise.

    ``None`` also stands for a text the quick read declines as empty: the careful reader decides.
    """
    read = quick_read(text)
    return None if read is None else read[0]


def quick_read(text: str, utf8: bytes | None = None) -> tuple[dict[str, Any], bool] | None:
    """As ``quick_load``, with whether every text of the data keeps the character rule (found in the same
    walk over the data, so that validation need not walk it again); ``None`` when the quick read declines.

    ``utf8``, when given, must be the text's UTF-8 encoding (the bytes it was decoded from): yaml-rs then
    reads those instead of encoding the text again.
    """
    if yaml_rs is None or _risky(text):
        return None
    try:
        if utf8 is None:
            data = yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=_DUPLICATES_ARE_ERRORS)
        else:
            data = yaml_rs.load(utf8, parse_datetime=False, duplicate_key_policy=_DUPLICATES_ARE_ERRORS)
    except Exception:  # any error of the parser: the careful reader finds and words it
        return None
    if not isinstance(data, dict):
        return None
    texts_keep_rule = _examine(data)
    return None if texts_keep_rule is None else (data, texts_keep_rule)


_SHORT_TEXT = 64  # longer texts rarely recur: remembering them would cost more than it saves


def _examine(root: dict[str, Any]) -> bool | None:
    """``None`` when some value in ``root`` may differ from what the careful reader builds; otherwise whether
    every text keeps the character rule (``characters.text_problem`` finds nothing). Iterative."""
    not_str = _NOT_STR.get
    texts_keep_rule = True
    fine_keys: set[str] = set()  # the keys found to be strings to both readers: a few, met again and again
    fine_texts: set[str] = set()  # short texts found fine on both counts (names, tags, ids recur)
    # Containers only, those under a prose field apart; scalars are checked where they stand.
    pending: list[Any] = [root]
    pending_prose: list[Any] = []
    while pending or pending_prose:
        prose = not pending
        container = pending_prose.pop() if prose else pending.pop()
        if type(container) is dict:
            if not fine_keys.issuperset(container):
                for key in container:
                    if type(key) is not str or ((rx := not_str(key[:1])) and rx.match(key)):
                        return None
                    fine_keys.add(key)
            items: Any = container.items()
        else:
            items = enumerate(container)
        for key, value in items:
            kind = type(value)
            if kind is str:
                if value in fine_texts:  # both verdicts depend on the text alone
                    continue
                if (rx := not_str(value[:1])) and rx.match(value) and not _quoted(value):
                    return None
                # A printable text without a blank at either end keeps the rule (text_problem's quick
                # answer); any other is asked in full, as validation would ask it.
                if value.strip() is not value or not value.isprintable():
                    texts_keep_rule = texts_keep_rule and not text_problem(
                        value, prose or key in MULTILINE_FIELDS
                    )
                elif len(value) <= _SHORT_TEXT:
                    fine_texts.add(value)
            elif kind is dict or kind is list:
                (pending_prose if prose or key in MULTILINE_FIELDS else pending).append(value)
            elif kind is not int and kind is not bool and value is not None:
                return None  # floats (1e3 is a string in YAML 1.1), and whatever else the parser made
    return texts_keep_rule


def _quoted(text: str) -> bool:
    """Whether yaml-rs would not give ``text`` for it written plain: then it was quoted (a string to both)."""
    try:
        return yaml_rs.loads(text, parse_datetime=False) != text
    except Exception:  # not even a plain scalar on its own
        return True
