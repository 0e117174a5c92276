"""OPML 2.0 outline: the collection tree with each resource as a link, for outliners and OPML readers."""

from __future__ import annotations

import codecs
from datetime import datetime, timezone
from functools import lru_cache
from typing import IO, ClassVar

from lxml import etree

from ..model import Catalog, Collection, PartialDate, Resource
from . import BaseExporter

DOCS = "http://opml.org/spec2.opml"


@lru_cache(maxsize=1 << 14)
def rfc822(date: PartialDate) -> str:
    """RFC 822 date-time at 00:00 GMT of the first day the date covers: 'Fri, 01 Mar 2024 00:00:00 GMT'."""
    moment = datetime(date.year, date.month or 1, date.day or 1, tzinfo=timezone.utc)
    from email.utils import format_datetime  # imported on use: it is slow to import and rarely needed

    return format_datetime(moment, usegmt=True)


class OpmlExporter(BaseExporter):
    name: ClassVar[str] = "opml"
    aliases: ClassVar[tuple[str, ...]] = ()
    extension: ClassVar[str] = ".opml"
    media_type: ClassVar[str] = "text/x-opml"
    description: ClassVar[str] = "OPML 2.0 outline of the collections, with each resource as a link."
    default_filename: ClassVar[str] = "mlops-refs.opml"

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as an OPML 2.0 document, streamed: no tree of the whole outline."""
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        with etree.xmlfile(_TextSink(stream), encoding="utf-8") as xf, xf.element("opml", version="2.0"):
            head = self._head(catalog)
            etree.indent(head, space="  ", level=1)
            xf.write("\n  ", head, "\n  ")
            if catalog.roots:
                with xf.element("body"):
                    for collection in catalog.roots:
                        self._folder(xf, catalog, collection, 2)
                    xf.write("\n  ")
            else:
                xf.write(etree.Element("body"))
            xf.write("\n")
        stream.write("\n")

    def _head(self, catalog: Catalog) -> etree._Element:
        """The <head>: title, creation and modification dates from the catalog date, owner, docs."""
        head = etree.Element("head")
        etree.SubElement(head, "title").text = catalog.info.title
        if catalog.date is not None:
            etree.SubElement(head, "dateCreated").text = rfc822(catalog.date)
            etree.SubElement(head, "dateModified").text = rfc822(catalog.date)
        if catalog.info.maintainers:
            owners = ", ".join(person.display for person in catalog.info.maintainers)
            etree.SubElement(head, "ownerName").text = owners
        if catalog.info.homepage:
            etree.SubElement(head, "ownerId").text = catalog.info.homepage
        etree.SubElement(head, "docs").text = DOCS
        return head

    def _folder(self, xf: etree.xmlfile, catalog: Catalog, collection: Collection, depth: int) -> None:
        """One collection as an outline holding its resources, then its sub-collections, indented."""
        pad = "\n" + "  " * depth
        members, children = catalog.members(collection), catalog.children(collection)
        xf.write(pad)
        if not members and not children:
            xf.write(etree.Element("outline", text=collection.title))
            return
        with xf.element("outline", text=collection.title):
            for resource in members:
                xf.write(pad + "  ", etree.Element("outline", link_attributes(resource)))
            for child in children:
                self._folder(xf, catalog, child, depth + 1)
            xf.write(pad)


class _TextSink:
    """A binary write() that decodes UTF-8 onto a text stream, for lxml's incremental writer."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> None:
        self._stream.write(self._decoder.decode(data))


def link_attributes(resource: Resource) -> dict[str, str]:
    """A resource as the attributes of a type="link" outline; its tags as comma-separated categories."""
    attributes = {"text": resource.title, "type": "link", "url": resource.url}
    date = resource.accessed or resource.issued
    if date is not None:
        attributes["created"] = rfc822(date)
    if resource.tags:
        attributes["category"] = ",".join(resource.tags)
    if resource.summary:
        attributes["description"] = resource.summary
    return attributes
