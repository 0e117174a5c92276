"""Bookmark HTML both ways: text escaped with only the entities every importer decodes, and read back.

Netscape bookmark files are not XML: Chrome reads them line by line and decodes five entities, Zotero's
importer none in <DD>, Firefox all of HTML's. Writers escape no more than HTML needs; readers decode as an
HTML parser does, except where html.parser alone would not (a bare ``&name`` inside an attribute).
"""

from __future__ import annotations

import re
from html.entities import html5

_TAG_WITH_AMPERSAND = re.compile(r"<[A-Za-z][^>&]*&[^>]*>")  # only a tag with a "&" can need work
_BARE_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]*)(?![A-Za-z0-9;])(=?)")

# An "&" that could start a character reference (named, with or without ";", or numeric); others are text.
_AMBIGUOUS_AMPERSAND = re.compile(r"&(?=[A-Za-z0-9#])")


def escape(text: str) -> str:
    """Escape text or an attribute value on one line, with only entities Chrome decodes, no more than needed.

    Zotero's bookmark importer decodes no entity in <DD> and Chrome only &amp; &lt; &gt; &quot; &#39;, so a
    bare "'" or an "&" that cannot start a reference stays as it is. ">" and '"' are escaped because
    Chrome's line reader looks for the ends of tags and attribute values with them.

    >>> print(escape("Q & A, R&D: <b> 'z'"))
    Q & A, R&amp;D: &lt;b&gt; 'z'
    """
    if not text.isprintable():  # every line break is unprintable
        text = " ".join(text.splitlines())
    text = _AMBIGUOUS_AMPERSAND.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def keep_bare_references_in_tags(markup: str) -> str:
    """Markup whose tags hold ``&name`` without ``;`` as text wherever HTML would not decode it there."""
    return _TAG_WITH_AMPERSAND.sub(_attribute_references, markup)


def _attribute_references(tag: re.Match[str]) -> str:
    """Keep ``&name`` without ``;`` inside a tag as text unless HTML decodes it there (a URL's ``&notes=1``).

    HTML decodes such a reference in an attribute only when the whole name is a legacy entity and no ``=``
    follows; html.parser would decode ``&notes=`` as ``¬es=``.
    """

    def keep(found: re.Match[str]) -> str:
        if found.group(2) == "" and found.group(1) in html5:  # html5 holds the legacy names without ';'
            return found.group()
        return "&amp;" + found.group()[1:]

    return _BARE_REFERENCE.sub(keep, tag.group())
