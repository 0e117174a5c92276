"""The one rule for the characters of catalog text, enforced at validation and relied on by every writer."""

from __future__ import annotations

import re

# Prose, and fields kept as read from another format (extra): every other text is one line.
MULTILINE_FIELDS = frozenset({"description", "summary", "abstract", "note", "extra"})

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
FORBIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
"""What no text may hold: C0 and C1 controls but tab and line feed, surrogates, noncharacters (U+FFFE...)."""

LINE_SEPARATORS = "\u2028\u2029"  # Unicode's line and paragraph separators: line breaks, as "\n" is
_LINE_BREAK_OR_TAB = re.compile(f"[\\t\\n{LINE_SEPARATORS}]")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why a text breaks the rule, or None when every export format can carry it.

    No text starts or ends with blanks. A one-line field (anything but prose such as a summary or a note)
    holds no line break and no tab.

    >>> text_problem("two\\nlines"), text_problem("two\\nlines", multiline=True)
    ('contains a line break (U+000A); write this field on one line', None)
    >>> text_problem("\\ufffe")
    'contains the noncharacter U+FFFE, which no export format can carry; remove it'
    """
    if value[:1].isspace() or value[-1:].isspace():  # formats strip them: the text would not come back
        hint = " (end a YAML block with |- to drop its last line break)" if value.endswith("\n") else ""
        return f"starts or ends with a blank or a line break; remove it{hint}"
    if value.isprintable():  # the common case: no control, separator, surrogate or noncharacter
        return None
    found = FORBIDDEN.search(value)
    if found:
        code = ord(found.group())
        if 0xD800 <= code <= 0xDFFF:
            return f"contains the lone surrogate U+{code:04X}, which is not a character; remove it"
        what = "noncharacter" if code > 0x9F else "control character"
        return f"contains the {what} U+{code:04X}, which no export format can carry; remove it"
    if not multiline and (found := _LINE_BREAK_OR_TAB.search(value)):
        char = found.group()
        kind = "a tab" if char == "\t" else "a line break"
        return f"contains {kind} (U+{ord(char):04X}); write this field on one line"
    return None
