"""OPML 2.0 outline: the collection tree with each resource as a link, for outliners and OPML readers."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import IO, TYPE_CHECKING, ClassVar

from ..errors import ExportError
from ..text.xml import attribute, text
from . import BaseExporter, write_lines

if TYPE_CHECKING:
    from ..model import Catalog, Collection, PartialDate, Resource

DOCS = "http://opml.org/spec2.opml"
INDENT = "  "
MAX_INDENT = 32  # deeper outlines are indented no further, so a file stays linear in the depth of the tree


@lru_cache(maxsize=1 << 14)
def rfc822(date: PartialDate) -> str:
    """RFC 822 date-time at 00:00 GMT of the first day the date covers: 'Fri, 01 Mar 2024 00:00:00 GMT'."""
    # Imported on use: a run whose exports all come from the cache never needs them.
    from datetime import datetime, timezone
    from email.utils import format_datetime

    moment = datetime(date.year, date.month or 1, date.day or 1, tzinfo=timezone.utc)

    return format_datetime(moment, usegmt=True)


class OpmlExporter(BaseExporter):
    name: ClassVar[str] = "opml"
    aliases: ClassVar[tuple[str, ...]] = ()
    extension: ClassVar[str] = ".opml"
    media_type: ClassVar[str] = "text/x-opml"
    description: ClassVar[str] = "OPML 2.0 outline of the collections, with each resource as a link."
    default_filename: ClassVar[str] = "mlops-refs.opml"

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog as an OPML 2.0 document, indented two spaces a level as lxml would."""
        write_lines(stream, self._lines(catalog))

    def _lines(self, catalog: Catalog) -> Iterator[str]:
        """The document line by line."""
        yield '<?xml version="1.0" encoding="UTF-8"?>'
        yield '<opml version="2.0">'
        yield from head_lines(catalog)
        unfiled = [r for r in catalog.resources if not r.collection_ids]
        if not catalog.roots and not unfiled:
            yield f"{INDENT}<body/>"
        else:
            yield f"{INDENT}<body>"
            for resource in unfiled:
                try:
                    yield f"{INDENT * 2}<outline {link_attributes(resource)}/>"
                except ExportError as error:
                    raise ExportError(f"opml: resource {resource.id}: {error}") from None
            for collection in catalog.roots:
                yield from folder_lines(catalog, collection, 2)
            yield f"{INDENT}</body>"
        yield "</opml>"


def head_lines(catalog: Catalog) -> Iterator[str]:
    """The <head>: title, creation and modification dates from the catalog date, owner, docs."""
    pad = INDENT * 2
    yield f"{INDENT}<head>"
    yield f"{pad}<title>{text(catalog.info.title)}</title>"
    if catalog.date is not None:
        yield f"{pad}<dateCreated>{rfc822(catalog.date)}</dateCreated>"
        yield f"{pad}<dateModified>{rfc822(catalog.date)}</dateModified>"
    if catalog.info.maintainers:
        owners = ", ".join(person.display for person in catalog.info.maintainers)
        yield f"{pad}<ownerName>{text(owners)}</ownerName>"
    if catalog.info.homepage:
        yield f"{pad}<ownerId>{text(catalog.info.homepage)}</ownerId>"
    yield f"{pad}<docs>{DOCS}</docs>"
    yield f"{INDENT}</head>"


def folder_lines(catalog: Catalog, collection: Collection, depth: int) -> Iterator[str]:
    """One collection as an outline holding its resources, then its sub-collections, without recursion."""
    for node, level, entering in catalog.outline([collection]):
        pad = indent(depth + level)
        if not entering:
            if node.child_ids or node.resource_ids:
                yield f"{pad}</outline>"
            continue
        try:
            start = f'{pad}<outline text="{attribute(node.title)}"'
        except ExportError as error:
            raise ExportError(f"opml: collection {node.id}: {error}") from None
        if not node.child_ids and not node.resource_ids:
            yield start + "/>"
            continue
        yield start + ">"
        for resource in catalog.members(node):
            try:
                yield f"{pad}{INDENT}<outline {link_attributes(resource)}/>"
            except ExportError as error:
                raise ExportError(f"opml: resource {resource.id}: {error}") from None


def indent(depth: int) -> str:
    """The leading blanks of a line at ``depth``, capped at ``MAX_INDENT`` levels."""
    return INDENT * min(depth, MAX_INDENT)


def saved_moment(iso: str) -> str:
    """An ISO 8601 moment ('2008-03-14T09:00:00Z') as RFC 822 ('Fri, 14 Mar 2008 09:00:00 GMT')."""
    from datetime import timezone
    from email.utils import format_datetime

    from ..readers.moments import from_rfc3339

    moment = from_rfc3339(iso)
    return iso if moment is None else format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def link_attributes(resource: Resource) -> str:
    """A resource as the attributes of a type="link" outline; its tags as comma-separated categories."""
    extra = dict(resource.extra)
    kind, feed, link = extra.get("type", "link"), extra.get("xmlUrl"), attribute(resource.link or "")
    if kind == "rss":
        urls = f'xmlUrl="{attribute(feed)}" htmlUrl="{link}"' if feed else f'xmlUrl="{link}"'
    else:
        urls = f'url="{link}"'
    attributes = f'text="{attribute(resource.title)}" type="{attribute(kind)}" {urls}'
    date = resource.accessed or resource.issued
    if resource.added is not None:
        attributes += f' created="{attribute(saved_moment(resource.added))}"'
    elif date is not None:
        attributes += f' created="{rfc822(date)}"'
    if resource.tags:
        attributes += f' category="{attribute(",".join(resource.tags))}"'
    if resource.summary:
        attributes += f' description="{attribute(resource.summary)}"'
    return attributes
