"""XML both ways: text escaped exactly as libxml2 serialises it, and XML from outside parsed as hostile.

A writer that builds markup from strings is several times faster than building an element tree, and stays
well formed as long as tag names are constants and every piece of data goes through :func:`text` or
:func:`attribute`, which refuse the characters XML 1.0 cannot carry at all.

Reading, :func:`parse` allows no DTD, no entity expansion, no network, and bounded depth and size: a file
that declares a DTD or an entity is refused in one line (that is how XXE and billion-laughs files look);
HTML's named entities (``&nbsp;``, ``&aelig;``, which feed readers meet in real OPML) become the characters
they name; a file that is not well formed is recovered as far as libxml2 can, with a report line. lxml is
imported only when something is read.
"""

from __future__ import annotations

import bisect
import re
from html.entities import html5
from typing import TYPE_CHECKING

from ..errors import ExportError
from ..readers.base import Report, UnreadableFileError
from ..readers.textio import bom_encoding, decode

if TYPE_CHECKING:
    from lxml import etree

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


# --- the inverse: XML from outside, parsed as hostile

_DECLARATION = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["'][^>]*\?>""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DTD = re.compile(r"<!(DOCTYPE|ENTITY)\b", re.IGNORECASE)
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def _parser(recover: bool) -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def declared_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration names, unless a byte-order mark says otherwise."""
    if bom_encoding(data)[0] is not None:
        return None
    found = _DECLARATION.match(data[:512].decode("latin-1"))
    return found.group(1) if found else None


def parse(data: bytes, report: Report) -> etree._Element:
    """The root element of an XML file; UnreadableFileError for a DTD, an entity declaration or no XML."""
    text = decode(data, report, declared_encoding(data))
    dtd = _DTD.search(text)
    if dtd is not None:
        line = text.count("\n", 0, dtd.start()) + 1
        raise UnreadableFileError(
            f"{report.file}:{line}: declares a DTD or an entity (<!{dtd.group(1).upper()}); "
            "refused, as such files can expand without bound or read other files"
        )
    text = _XML_DECLARATION.sub(lambda m: "\n" * m.group().count("\n"), text, count=1)
    breaks: list[int] = []  # offsets of line breaks, found once when an unknown entity needs a line
    text = _ENTITY.sub(lambda m: _html_entity(m, text, breaks, report), text)
    from lxml import etree

    try:
        return etree.fromstring(text, _parser(recover=False))
    except etree.XMLSyntaxError as error:
        line = error.lineno or None
        message = f"not well-formed XML ({error.msg}); read what could be recovered"
        report.add(line, "xml", message, "changed")
    try:
        root = etree.fromstring(text, _parser(recover=True))
    except etree.XMLSyntaxError as error:
        root = None
        reason = error.msg
    else:
        reason = "nothing could be recovered"
    if root is None:
        raise UnreadableFileError(f"{report.file}: not XML: {reason}")
    return root


def _html_entity(match: re.Match[str], text: str, breaks: list[int], report: Report) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group()
    character = html5.get(f"{name};")
    if character is not None:
        return "".join(f"&#{ord(c)};" for c in character)
    if not breaks:
        breaks.extend(found.start() for found in re.finditer("\n", text))
        breaks.append(len(text))
    line = bisect.bisect_left(breaks, match.start()) + 1
    report.add(line, "xml", f"undefined entity &{name}; kept as text", "changed")
    return f"&amp;{name};"


def local(element: etree._Element) -> str:
    """An element's tag without its namespace ('{http://...}title' -> 'title')."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
