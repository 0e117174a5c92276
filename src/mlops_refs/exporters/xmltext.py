"""XML written as text: escaping exactly as libxml2 (lxml) serialises, refusing what XML cannot carry.

A writer that builds markup from strings is several times faster than building an element tree, and stays
well formed as long as tag names are constants and every piece of data goes through :func:`text` or
:func:`attribute`, which refuse the characters XML 1.0 cannot carry at all.
"""

from __future__ import annotations

import re

from ..errors import ExportError

# Everything outside XML 1.0's Char production: C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """Character data: &, <, > as entities and a carriage return as &#13; (a raw CR would be lost)."""
    if value.isprintable():  # printable implies legal, and the most common case: nothing to escape
        if "&" not in value and "<" not in value and ">" not in value:
            return value
    else:
        _refuse_illegal(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attribute(value: str) -> str:
    """A double-quoted attribute value; tab, line feed and CR as references so parsers keep them."""
    if value.isprintable() and '"' not in value:  # printable: no tab, line feed or CR to encode
        return text(value)
    return text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _refuse_illegal(value: str) -> None:
    found = _ILLEGAL.search(value)
    if found:
        raise ExportError(f"the character U+{ord(found.group()):04X} cannot be written in XML; remove it")
