"""Reading OPML outlines (feed readers' subscription lists, outliners, our own export) as listparser does.

An outline with a URL (``type="link"`` ``url``, ``type="rss"`` ``htmlUrl``/``xmlUrl``, ``type="include"``
``url``) is a resource; an outline without one that holds others is a folder. Attribute names are read case
blind, the title is ``text`` else ``title``, ``category`` is comma-separated tags, ``created`` is RFC 822 or
RFC 3339. An include is recorded, never fetched. A pure outline (no links at all) imports nothing, saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Catalog, CatalogInfo, PartialDate, Person
from ..text.xml import local, parse
from .base import NotThisFormatError, Report
from .builder import CatalogBuilder
from .moments import from_internet_date

if TYPE_CHECKING:
    from lxml import etree

#: Resource and collection fields an outline cannot carry (every link is a web page; no keys).
LOST_FIELDS: frozenset[str] = frozenset(
    {
        "id", "type", "authors", "editors", "translators", "issued", "original_date", "container",
        "publisher", "institution", "volume", "issue", "pages", "number", "doi", "arxiv", "arxiv_class",
        "isbn", "issn", "pmid", "pmcid", "edition", "series", "chapter", "place", "accessed", "abstract",
        "language", "note", "aliases", "extra", "collection.kind", "collection.summary", "collection.url",
    }
)  # fmt: skip

#: ``extra`` names this format writes back: an outline's type when not "link", and a feed's own URL.
EXTRA_TYPE, EXTRA_FEED = "type", "xmlUrl"
_READ = frozenset({"text", "title", "type", "url", "htmlurl", "xmlurl", "created", "category", "description"})
_HEAD_IGNORED = frozenset({"docs"})


class OpmlReader:
    """OPML 1.0 and 2.0: feed subscription lists, link outlines, plain outlines."""

    name: ClassVar[str] = "opml"
    extensions: ClassVar[tuple[str, ...]] = (".opml",)
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True when an ``<opml`` element starts near the top."""
        return "<opml" in head.lower()

    def read(self, data: bytes, report: Report) -> Catalog:
        """The folders and links of an OPML file; NotThisFormatError when its root is not ``<opml>``."""
        report.format = report.format or self.name
        root = parse(data, report)
        if local(root).lower() != "opml":
            raise NotThisFormatError(f"{report.file}: the root element is <{local(root)}>, not <opml>")
        builder = CatalogBuilder(report)
        info = _head(root, report)
        body = next((child for child in root if local(child).lower() == "body"), None)
        outlines = [] if body is None else [o for o in body.iter() if local(o).lower() == "outline"]
        has_links = any(_is_link(_attributes(o)) for o in outlines)
        if body is not None and has_links:
            _walk(body, builder, report)
        elif outlines:
            message = f"a plain outline of {len(outlines)} entries with no links; nothing to import"
            report.add(None, "", message, "note")
        else:
            report.add(None, "", "no outlines found", "note")
        return builder.build(info)


def _attributes(outline: etree._Element) -> dict[str, str]:
    """An outline's attributes by lower-case name (real files write xmlurl, htmlURL, Text...)."""
    return {str(name).rsplit("}", 1)[-1].lower(): value for name, value in outline.attrib.items()}


def _url(attributes: dict[str, str]) -> tuple[str | None, str | None]:
    """The page an outline points at and, for a feed with its own page, the feed's URL."""
    kind = attributes.get("type", "").strip().lower()
    html_url = attributes.get("htmlurl", "").strip()
    xml_url = attributes.get("xmlurl", "").strip()
    url = attributes.get("url", "").strip()
    if kind == "rss" or (xml_url and not url):
        return (html_url, xml_url or None) if html_url else (xml_url or url or None, None)
    return url or html_url or xml_url or None, None


def _is_link(attributes: dict[str, str]) -> bool:
    """True for an outline that stands for a record: it has a URL, or says it is a link or a feed."""
    return bool(_url(attributes)[0]) or attributes.get("type", "").strip().lower() in ("link", "rss")


def _walk(body: etree._Element, builder: CatalogBuilder, report: Report) -> None:
    """Every outline in document order with an explicit stack: links become resources, others folders."""
    unkept: dict[str, list[int]] = {}
    stack: list[tuple[etree._Element, str | None]] = [
        (child, None) for child in reversed(body) if local(child).lower() == "outline"
    ]
    while stack:
        outline, parent = stack.pop()
        attributes = _attributes(outline)
        line = outline.sourceline
        title = (attributes.get("text") or attributes.get("title") or "").strip()
        children = [child for child in outline if local(child).lower() == "outline"]
        url, feed = _url(attributes)
        is_link = _is_link(attributes)
        folder = parent
        if is_link:
            fields = _link_fields(attributes, title, url, feed, line, report)
            builder.add(fields, line, parent, identity=url)
            if children:
                folder = builder.folder(fields["title"], parent)
                message = f"link {fields['title']!r} holds outlines; they go into a folder of its name"
                report.add(line, "outline", message, "changed")
        else:
            if not title:
                report.add(line, "text", "outline has no text or title; its folder is untitled", "guessed")
            summary = attributes.get("description", "").strip() or None
            folder = builder.folder(title, parent, summary=summary)
        for name in attributes:
            if name not in _READ or (name in ("created", "category") and not is_link):
                seen = unkept.setdefault(name, [line or 0, 0])
                seen[1] += 1
        stack.extend((child, folder) for child in reversed(children))
    for name, (line, count) in unkept.items():
        times = "once" if count == 1 else f"{count} times"
        report.add(line or None, name, f"outline attribute not kept; met {times}")


def _link_fields(
    attributes: dict[str, str],
    title: str,
    url: str | None,
    feed: str | None,
    line: int | None,
    report: Report,
) -> dict[str, Any]:
    """A link outline's Resource fields (a link outline with no URL is a record without one)."""
    if not title:
        report.add(line, "text", "outline has no text or title; its URL is the title", "guessed")
        title = url or "(untitled)"
    fields: dict[str, Any] = {"type": "webpage", "title": title, "url": url}
    created = attributes.get("created", "").strip()
    if created:
        moment, why = from_internet_date(created)
        if why is not None:
            report.add(line, "created", why)
        else:
            fields["added"] = moment
    tags = [tag.strip() for tag in attributes.get("category", "").split(",") if tag.strip()]
    if tags:
        fields["tags"] = tags
    description = attributes.get("description", "").strip()
    if description:
        fields["summary"] = description
    kind = attributes.get("type", "").strip().lower()
    extra = []
    if kind and kind != "link":
        extra.append((EXTRA_TYPE, kind))
    if feed:
        extra.append((EXTRA_FEED, feed))
    if kind == "include":
        report.add(line, "url", f"includes another outline ({url}); recorded as a link, not fetched", "note")
    if extra:
        fields["extra"] = tuple(extra)
    return fields


def _head(root: etree._Element, report: Report) -> CatalogInfo | None:
    """The catalog's title, date, owner and home page from ``<head>``; other head entries reported."""
    head = next((child for child in root if local(child).lower() == "head"), None)
    if head is None:
        return None
    values: dict[str, Any] = {}
    dates: dict[str, tuple[PartialDate, int | None]] = {}
    for element in head:
        name, text, line = local(element), (element.text or "").strip(), element.sourceline
        key = name.lower()
        if key == "title" and text:
            values["title"] = text
        elif key in ("datemodified", "datecreated") and text:
            moment, why = from_internet_date(text)
            if why is not None:
                report.add(line, name, why)
            else:
                dates[key] = (PartialDate.parse(moment[:10]), line)
        elif key == "ownername" and text:
            values["maintainers"] = tuple(Person(literal=owner.strip()) for owner in text.split(", "))
        elif key == "ownerid" and text:
            values["homepage"] = text
        elif text and key not in _HEAD_IGNORED:
            report.add(line, name, "head entry not kept")
    modified, created = dates.get("datemodified"), dates.get("datecreated")
    if modified or created:
        values["updated"] = (modified or created)[0]  # type: ignore[index]
    if modified and created and created[0] != modified[0]:
        report.add(created[1], "dateCreated", "not kept (the catalog keeps one date: dateModified)")
    return CatalogInfo(**values) if values else None
