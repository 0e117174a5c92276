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
"""

from __future__ import annotations

import re
from typing import Any

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
_DOCUMENT_MARKER = re.compile(r"\n(?:---|\.\.\.|%)")
# A line that starts this deep in indentation or indicators: yaml-rs recurses once per level of block
# nesting and its stack overflows past about ten thousand (the process dies), so deep texts are declined.
_DEEP = re.compile(r"[ \-?:]{512}")  # at the start of the text
_DEEP_LINE = re.compile(r"\n[ \-?:]{512}")  # at the start of any other line (the line feed first: fast)
_OPEN_FLOW = re.compile(r"[\[{][^\]}]*$")  # a bracket still open at the end of the text before
_FLOW_OVER_LINES = re.compile(r"[\[{][^\]}\n]*\n")  # a bracket still open at the end of its line


def _risky(text: str) -> bool:
    """Whether ``text`` holds something the quick read may read otherwise than the careful reader."""
    if text.startswith(("---", "...", "%")) or "<<" in text:
        return True
    if _refuses_some_character(text) or _DOCUMENT_MARKER.search(text) or _DEEP.match(text):
        return True
    if _DEEP_LINE.search(text):
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
    if yaml_rs is None or _risky(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=_DUPLICATES_ARE_ERRORS)
    except Exception:  # any error of the parser: the careful reader finds and words it
        return None
    if not isinstance(data, dict) or _declines(data):
        return None
    return data


def _declines(root: dict[str, Any]) -> bool:
    """Whether some value in ``root`` may differ from what the careful reader builds; iterative."""
    not_str = _NOT_STR.get
    pending: list[Any] = [root]  # containers only: the scalars are checked where they stand
    while pending:
        container = pending.pop()
        if type(container) is dict:
            for key in container:
                if type(key) is not str or ((rx := not_str(key[:1])) and rx.match(key)):
                    return True
            values = container.values()
        else:
            values = container
        for value in values:
            kind = type(value)
            if kind is str:
                if (rx := not_str(value[:1])) and rx.match(value) and not _quoted(value):
                    return True
            elif kind is dict or kind is list:
                pending.append(value)
            elif kind is not int and kind is not bool and value is not None:
                return True  # floats (1e3 is a string in YAML 1.1), and whatever else the parser made
    return False


def _quoted(text: str) -> bool:
    """Whether yaml-rs would not give ``text`` for it written plain: then it was quoted (a string to both)."""
    try:
        return yaml_rs.loads(text, parse_datetime=False) != text
    except Exception:  # not even a plain scalar on its own
        return True
