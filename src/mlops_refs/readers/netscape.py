"""Reading Netscape bookmark files (bookmarks.html) as Firefox's importer does: folders become collections.

The file is tokenised as HTML (``html.parser``: every HTML entity decoded, as Firefox does) and walked with
an explicit stack of frames, the way Firefox's BookmarkHTMLUtils does it: a heading (``H2``-``H6``) names the
next folder, ``DL``/``UL``/``MENU`` open and close it, a heading met while the current folder has no open list
closes that folder (a folder with no ``DL``), ``DD`` is the description of the item before it, and a link ends
at ``</A>`` or at the next structural tag (Delicious leaves ``</A>`` out). Browser roots are told by their
attributes (``PERSONAL_TOOLBAR_FOLDER``...), never by their localized names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from ..model import Catalog
from ..text.html import keep_bare_references_in_tags
from .base import NotThisFormatError, Report
from .builder import MAX_DEPTH, CatalogBuilder
from .moments import from_epoch
from .textio import decode

#: Resource and collection fields a bookmark file cannot carry (type: every bookmark is a web page).
LOST_FIELDS: frozenset[str] = frozenset(
    {
        "id", "type", "authors", "editors", "translators", "issued", "original_date", "container",
        "publisher", "institution", "volume", "issue", "pages", "number", "doi", "arxiv", "arxiv_class",
        "isbn", "issn", "pmid", "pmcid", "edition", "series", "chapter", "place", "accessed", "abstract",
        "language", "note", "aliases", "extra", "collection.kind", "collection.summary", "collection.url",
    }
)  # fmt: skip

#: Heading attribute -> the browser root it marks (Firefox's and Chrome's names for the roles).
ROOT_ROLES = {
    "personal_toolbar_folder": "toolbar",
    "bookmarks_menu": "menu",
    "unfiled_bookmarks_folder": "unfiled",
}
#: Bookmark attributes kept in ``extra`` under their own (lower-case) names; the *_DATE ones as ISO moments.
EXTRA_ATTRIBUTES = ("last_modified", "last_visit", "shortcuturl", "private", "toread")
DATE_ATTRIBUTES = frozenset({"add_date", "last_modified", "last_visit"})
#: Attributes read elsewhere or known to be browser-private (icons, charsets): not kept, counted in one line.
_READ = frozenset({"href", "add_date", "tags", *EXTRA_ATTRIBUTES})
_SKIPPED_SCHEMES = {"place": "a smart folder", "javascript": "a bookmarklet", "data": "inline data"}
MAX_TAG_LENGTH = 100  # Firefox drops longer tags
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_CHARSET = re.compile(rb"""<meta[^>]*charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"dl", "ul", "menu"})
_STRUCTURAL = frozenset({"a", "dt", "dd", "hr", "li", *_HEADINGS, *_LISTS})


@dataclass
class _Frame:
    """One open folder: its id (None for the file's top level) and how many lists are open in it."""

    folder: str | None
    nesting: int = 0


@dataclass
class _Pending:
    """A bookmark or folder whose description (a following ``DD``) may still come."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    folder: _Frame | None = None  # set for a folder: the frame that gets its id when it is committed
    title: str = ""
    kind: str = "folder"
    parent: str | None = None


class NetscapeReader:
    """Netscape bookmark HTML (Firefox, Chrome, Edge, Safari, Delicious, Pinboard, Shaarli...)."""

    name: ClassVar[str] = "netscape"
    extensions: ClassVar[tuple[str, ...]] = (".html", ".htm")
    lost_fields: ClassVar[frozenset[str]] = LOST_FIELDS

    def sniff(self, head: str) -> bool:
        """True for the Netscape doctype, or bookmark entries (``<DT><A``, ``<DT><H3``) near the start."""
        lowered = head.lower()
        return "netscape-bookmark-file" in lowered or bool(re.search(r"<dt>\s*<(a|h3)\b", lowered))

    def read(self, data: bytes, report: Report) -> Catalog:
        """The folders and bookmarks of a bookmark file; NotThisFormatError for Pocket or a plain page."""
        report.format = report.format or self.name
        text = decode(data, report, declared_charset(data)).replace("\r\n", "\n").replace("\r", "\n")
        lowered = text[:4096].lower()
        doctype = "netscape-bookmark-file" in lowered
        if not doctype and re.search(r"<a\b[^>]*\btime_added\s*=", text, re.IGNORECASE):
            raise NotThisFormatError(
                f"{report.file}: a Pocket export (<li><a time_added>), not a Netscape bookmark file"
            )
        if not doctype and not re.search(r"<dt\b", text, re.IGNORECASE):
            raise NotThisFormatError(f"{report.file}: no bookmarks found (not a Netscape bookmark file)")
        walker = _Walker(report)
        walker.feed(keep_bare_references_in_tags(text))
        walker.close()
        return walker.finish()


def declared_charset(data: bytes) -> str | None:
    """The charset a ``<META ... charset=...>`` near the start declares, or None."""
    found = _CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


class _Walker(HTMLParser):
    """Firefox's frame machine over html.parser's tokens; one pass, no recursion."""

    def __init__(self, report: Report) -> None:
        super().__init__(convert_charrefs=True)
        self.report = report
        self.builder = CatalogBuilder(report)
        self.frames = [_Frame(None)]
        self.pending: _Pending | None = None
        self.collecting: str | None = None  # "title", "h1", "heading", "link", "description"
        self.text: list[str] = []
        self.heading: tuple[dict[str, str], int] | None = None
        self.link: tuple[dict[str, str], int] | None = None
        self.titles: dict[str, str] = {}
        self.unkept: dict[str, list[int]] = {}  # attribute -> [first line, count]
        self.placed: dict[str, str | None] = {}  # URL -> the folder it was first met in (None: top level)
        self.depth_reported = False

    # -- tokens
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Dispatch one start tag, first closing whatever it implicitly ends."""
        line = self.getpos()[0]
        if tag in _STRUCTURAL or tag in ("title", "h1"):
            self._end_text_runs(tag)
        values = {name: value or "" for name, value in attrs}
        if tag in _HEADINGS:
            frame = self.frames[-1]
            if frame.nesting == 0 and len(self.frames) > 1:
                self.frames.pop()  # the previous folder had no list: it ends here
            self._collect("heading")
            self.heading = (values, line)
        elif tag == "a":
            self._collect("link")
            self.link = (values, line)
        elif tag in _LISTS:
            self.frames[-1].nesting += 1
        elif tag == "dd":
            self._collect("description")
        elif tag == "br" and self.collecting == "description":
            self.text.append("\n")
        elif tag == "hr":
            self._unkept("HR (separator)", line)
        elif tag in ("title", "h1"):
            self._collect(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closing tag (``<br/>``, ``<hr/>``) is its start tag."""
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Close a link, heading, title or list."""
        if tag == "a" and self.collecting == "link":
            self._end_link()
        elif tag in _HEADINGS and self.collecting == "heading":
            self._end_heading()
        elif tag in ("title", "h1") and self.collecting == tag:
            self.titles.setdefault(tag, " ".join("".join(self.text).split()))
            self.collecting = None
        elif tag in _LISTS:
            self._end_text_runs(tag)
            frame = self.frames[-1]
            if frame.nesting > 0:
                frame.nesting -= 1
            if len(self.frames) > 1 and frame.nesting == 0:
                self.frames.pop()

    def handle_data(self, data: str) -> None:
        """Text goes to whatever is being collected (a title, a heading, a link, a description)."""
        if self.collecting is not None:
            self.text.append(data)

    # -- runs of text
    def _collect(self, what: str) -> None:
        self.collecting = what
        self.text = []

    def _end_text_runs(self, tag: str) -> None:
        """A structural tag ends an open link, heading or description, then commits what was pending."""
        if self.collecting == "link":
            self._end_link()
        elif self.collecting == "heading" and tag in _STRUCTURAL:
            self._end_heading()
        elif self.collecting == "description":
            self._end_description()
        if tag != "dd":
            self._commit()

    def _end_link(self) -> None:
        assert self.link is not None
        values, line = self.link
        self.collecting, self.link = None, None
        self._commit()
        title = " ".join("".join(self.text).split())
        fields = self._bookmark_fields(values, title, line)
        if fields is not None:
            self.pending = _Pending(line, fields)

    def _end_heading(self) -> None:
        assert self.heading is not None
        values, line = self.heading
        self.collecting, self.heading = None, None
        self._commit()
        title = " ".join("".join(self.text).split())
        kind = next((role for attr, role in ROOT_ROLES.items() if attr in values), "folder")
        for attr in values:
            if attr not in ROOT_ROLES:
                self._unkept(f"folder {attr.upper()}", line)
        parent = self.frames[-1]
        frame = _Frame(parent.folder)
        self.frames.append(frame)
        if len(self.frames) > MAX_DEPTH + 1:
            if not self.depth_reported:
                message = f"folders nested deeper than {MAX_DEPTH} levels are merged into the one above"
                self.report.add(line, "folder", message, "changed")
                self.depth_reported = True
            return
        self.pending = _Pending(line, folder=frame, title=title, kind=kind, parent=parent.folder)

    def _end_description(self) -> None:
        self.collecting = None
        lines = [part.rstrip() for part in "".join(self.text).strip().split("\n")]
        description = "\n".join(lines).strip()
        if not description or self.pending is None:
            return
        if self.pending.folder is not None:
            self.pending.fields["summary"] = description
        else:
            self.pending.fields.setdefault("summary", description)

    def _commit(self) -> None:
        """Hand the pending bookmark or folder to the builder (its description, if any, is known now)."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        if pending.folder is not None:
            summary = pending.fields.get("summary")
            cid = self.builder.folder(pending.title, pending.parent, pending.kind, summary=summary)
            pending.folder.folder = cid
            return
        url, folder = pending.fields["url"], self.frames[-1].folder
        first = self.placed.setdefault(url, folder)
        if first is not folder and (first is None or folder is None):
            message = "the same URL is also at the top level; it is kept in its folder only"
            self.report.add(pending.line, "folder", message, "changed")
        self.builder.add(pending.fields, pending.line, folder, identity=url)

    # -- one bookmark
    def _bookmark_fields(self, values: dict[str, str], title: str, line: int) -> dict[str, Any] | None:
        """A link's Resource fields, or None (reported) when it is not a bookmark to keep."""
        href = values.get("href", "").strip()
        if "feedurl" in values:
            self.report.skip(line, f"live bookmark (feed {values['feedurl']!r}) {title!r} is not a page")
            return None
        scheme = _SCHEME.match(href)
        if not href or scheme is None or href[scheme.end() :].strip() == "":
            self.report.skip(line, f"link {title!r}: {href!r} is not an absolute URL")
            return None
        why = _SKIPPED_SCHEMES.get(scheme.group(1).lower())
        if why is not None:
            self.report.skip(line, f"link {title!r}: {scheme.group(1).lower()}: URL ({why}), not a page")
            return None
        if not title:
            self.report.add(line, "title", "bookmark has no title; its URL is the title", "guessed")
            title = href
        fields: dict[str, Any] = {"type": "webpage", "title": title, "url": href}
        moments = {name: self._moment(values[name], name, line) for name in DATE_ATTRIBUTES if name in values}
        added = moments.get("add_date") or moments.get("last_modified")
        if added:
            fields["added"] = added
        tags = self._tags(values.get("tags", ""), line)
        if tags:
            fields["tags"] = tags
        extra = []
        for name in EXTRA_ATTRIBUTES:
            value = moments.get(name) if name in DATE_ATTRIBUTES else values.get(name, "").strip()
            if value and not (name == "last_modified" and value == added):
                extra.append((name, value))
        if extra:
            fields["extra"] = tuple(extra)
        for name in values:
            if name not in _READ:
                self._unkept(name.upper(), line)
        return fields

    def _moment(self, raw: str, name: str, line: int) -> str | None:
        if not raw.strip():
            return None
        moment, why = from_epoch(raw)
        if why is not None:
            self.report.add(line, name.upper(), why, "dropped")
        return moment

    def _tags(self, raw: str, line: int) -> list[str]:
        tags = []
        for tag in raw.split(","):
            tag = tag.strip()
            if len(tag) > MAX_TAG_LENGTH:
                message = f"tag of {len(tag)} characters is longer than {MAX_TAG_LENGTH}; left out"
                self.report.add(line, "TAGS", message)
            elif tag:
                tags.append(tag)
        return tags

    def _unkept(self, attribute: str, line: int) -> None:
        seen = self.unkept.setdefault(attribute, [line, 0])
        seen[1] += 1

    def finish(self) -> Catalog:
        """Commit what is left and build the catalog; one report line per kind of attribute not kept."""
        if self.collecting == "link":
            self._end_link()
        elif self.collecting == "heading":
            self._end_heading()
        elif self.collecting == "description":
            self._end_description()
        self._commit()
        for attribute, (line, count) in self.unkept.items():
            what = "favicon data" if attribute.startswith("ICON") else "no field for it"
            times = "once" if count == 1 else f"{count} times"
            self.report.add(line, attribute, f"not kept ({what}); met {times}")
        if self.report.read == 0 and not self.builder.has_folders:
            self.report.add(None, "", "no bookmarks found", "note")
        self.builder.title = self.titles.get("title") or self.titles.get("h1") or None
        return self.builder.build()
