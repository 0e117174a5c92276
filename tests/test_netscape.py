"""Netscape bookmarks: parsed back as HTML (as Firefox does) and line by line (as Chrome does)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from mlops_refs.exporters import dumps
from mlops_refs.exporters.netscape import NetscapeExporter
from mlops_refs.model import Catalog, CatalogInfo, Collection, PartialDate, Resource
from mlops_refs.text.html import escape

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    tags: tuple[str, ...]
    add_date: int | None
    summary: str | None = None


@dataclass(frozen=True)
class Folder:
    title: str
    links: tuple[Link, ...]
    folders: tuple[Folder, ...]


def resource_time(catalog: Catalog, resource: Resource) -> int | None:
    """The first of accessed, issued and the catalog date that Chrome accepts (0 < t < 2**32)."""
    stamps = [d.timestamp() for d in (resource.accessed, resource.issued, catalog.date) if d is not None]
    return next((t for t in stamps if 0 < t < 2**32), None)


def expected_folder(catalog: Catalog, collection: Collection) -> Folder:
    links = tuple(
        Link(r.url, r.title, r.tags, resource_time(catalog, r), r.summary)
        for r in catalog.members(collection)
    )
    return Folder(
        collection.title, links, tuple(expected_folder(catalog, c) for c in catalog.children(collection))
    )


def flatten(folders: tuple[Folder, ...], depth: int = 0) -> list[tuple[str, int]]:
    out = []
    for folder in folders:
        out.append((folder.title, depth))
        out.extend(flatten(folder.folders, depth + 1))
    return out


@dataclass
class _Open:
    title: str
    links: list[Link]
    folders: list[_Open]

    def freeze(self) -> Folder:
        return Folder(self.title, tuple(self.links), tuple(f.freeze() for f in self.folders))


def parse_html(text: str) -> Folder:
    """The folder tree as a DOM walk sees it: H3 names the next DL, A is a link, DD describes the link."""
    doc = lxml.html.document_fromstring(text.encode("utf-8"))
    top = _Open("", [], [])
    stack, pushed, pending = [top], [], None
    for event, element in etree.iterwalk(doc, events=("start", "end")):
        tag = element.tag
        if event == "end":
            if tag == "dl" and pushed.pop():
                stack.pop()
        elif tag == "h3":
            pending = _Open(element.text_content(), [], [])
        elif tag == "dl":
            pushed.append(pending is not None)
            if pending is not None:
                stack[-1].folders.append(pending)
                stack.append(pending)
                pending = None
        elif tag == "a":
            tags = element.get("tags")
            add_date = element.get("add_date")
            assert element.get("last_modified") == add_date
            link = Link(
                element.get("href"),
                element.text_content(),
                tuple(tags.split(",")) if tags is not None else (),
                int(add_date) if add_date is not None else None,
            )
            stack[-1].links.append(link)
        elif tag == "dd":
            links = stack[-1].links
            links[-1] = replace(links[-1], summary=(element.text or "").strip())
    assert pending is None, "a folder heading without its <DL>"
    return top.freeze()


# A model of chrome/utility/importer/bookmark_html_reader.cc (ImportBookmarksFile and its helpers).
CHROME_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'"}


@dataclass(frozen=True)
class ChromeEntry:
    path: tuple[str, ...]
    title: str
    url: str | None
    add_date: int | None
    is_folder: bool = False


def chrome_unescape(text: str) -> str:
    return re.sub("|".join(CHROME_ENTITIES), lambda m: CHROME_ENTITIES[m.group()], text)


def chrome_attribute(attributes: str, name: str) -> str | None:
    begin = attributes.find(f'{name}="')
    if begin < 0:
        return None
    begin += len(name) + 2
    end = begin + 1
    while end < len(attributes) and not (attributes[end] == '"' and attributes[end - 1] != "\\"):
        end += 1
    return None if end == len(attributes) else attributes[begin:end]


def chrome_time(attributes: str) -> int | None:
    value = chrome_attribute(attributes, "ADD_DATE")
    return int(value) if value is not None and value.isdigit() and 0 < int(value) < 2**32 else None


def chrome_construct(line: str, opening: str, closing: str) -> tuple[str, str] | None:
    """(attribute list, unescaped text) when the line is `<DT>`? + opening ... closing; case-sensitive."""
    if line[:4].upper() == "<DT>":
        line = line[4:].strip(" ")
    if not line.startswith(opening):
        return None
    end = line.find(closing)
    if end < 0:
        return None
    tag_end = line.rfind(">", 0, end + 1) + 1
    if tag_end < len(opening) + 1:
        return None
    return line[len(opening) + 1 : tag_end - 1], chrome_unescape(line[tag_end:end])


def chrome_import(text: str) -> tuple[list[ChromeEntry], int]:
    """Chrome's entries, and the index of the line where it stopped reading."""
    entries: list[ChromeEntry] = []
    path: list[str] = []
    last_folder, last_folder_time = "", None
    has_last_folder = has_subfolder = False
    last_folder_is_empty = True
    lines = text.split("\n")
    for number, raw in enumerate(lines):
        line = raw.strip()
        while line[:4].upper() == "<HR>":
            line = line[4:].strip(" ")
        if (
            line[:5].upper() == "<META"
            and ('CONTENT="' in line or 'content="' in line)
            and "charset=" in line
        ):
            assert line.split("charset=")[1].split('"')[0] == "UTF-8"
            continue
        folder = chrome_construct(line, "<H3", "</H3>")
        if folder is not None:
            last_folder, last_folder_time, has_last_folder = folder[1], chrome_time(folder[0]), True
            continue
        link = chrome_construct(line, "<A", "</A>")
        if link is not None:
            attributes, title = link
            assert chrome_attribute(attributes, "FEEDURL") is None
            assert chrome_attribute(attributes, "POST_DATA") is None
            assert chrome_attribute(attributes, "SHORTCUTURL") is None
            href = chrome_attribute(attributes, "HREF")
            last_folder_is_empty = False
            if not has_subfolder and has_last_folder:
                path.append(last_folder)
                has_last_folder = False
            url = chrome_unescape(href) if href is not None else None
            entries.append(ChromeEntry(tuple(path), title, url, chrome_time(attributes)))
            continue
        if line[:4].upper() == "<DL>":
            has_subfolder = True
            if has_last_folder:
                path.append(last_folder)
                has_last_folder = False
            last_folder_is_empty = True
        elif line[:5].upper() == "</DL>":
            if not path:
                return entries, number
            title = path.pop()
            if last_folder_is_empty:
                entries.append(ChromeEntry(tuple(path), title, None, last_folder_time, is_folder=True))
                last_folder_is_empty = False
    return entries, len(lines)


def expected_chrome_entries(catalog: Catalog, root_folder: bool) -> list[ChromeEntry]:
    prefix = (catalog.info.title,) if root_folder else ()
    folder_time = catalog.date.timestamp() if catalog.date else None
    out = []
    for collection, _ in catalog.walk():
        path = prefix + tuple(c.title for c in catalog.path(collection))
        members = catalog.members(collection)
        for r in members:
            out.append(ChromeEntry(path, r.title, r.url, resource_time(catalog, r)))
        if not members and not collection.child_ids:
            out.append(ChromeEntry(path[:-1], collection.title, None, folder_time, is_folder=True))
    return out


def with_empty_folder(catalog: Catalog) -> Catalog:
    """The catalog with an empty folder between two non-empty siblings."""
    first = catalog.roots[0]
    empty = Collection("empty-folder", "Empty & <unused>", "topic", parent_id=first.id)
    collections = list(catalog.collections)
    collections.insert(collections.index(catalog.children(first)[0]) + 1, empty)
    return Catalog.build(catalog.info, collections, catalog.resources)


@pytest.fixture(params=[*CATALOGS, "empty_folder"])
def catalog(request: pytest.FixtureRequest, good_catalog: Catalog) -> Catalog:
    if request.param == "empty_folder":
        return with_empty_folder(good_catalog)
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("root_folder", [True, False])
def test_html_parse_gives_the_collection_tree(catalog: Catalog, root_folder: bool) -> None:
    text = dumps(NetscapeExporter(root_folder=root_folder), catalog)
    top = parse_html(text)
    assert top.links == ()
    if root_folder:
        assert [f.title for f in top.folders] == [catalog.info.title]
        assert top.folders[0].links == ()
        folders = top.folders[0].folders
    else:
        folders = top.folders
    assert flatten(folders) == [(c.title, depth) for c, depth in catalog.walk()]
    assert folders == tuple(expected_folder(catalog, root) for root in catalog.roots)


def test_every_resource_is_under_each_of_its_folders(catalog: Catalog) -> None:
    top = parse_html(dumps(NetscapeExporter(), catalog)).folders[0]
    by_path: dict[tuple[str, ...], tuple[Link, ...]] = {}

    def index(folders: tuple[Folder, ...], path: tuple[str, ...]) -> None:
        for folder in folders:
            by_path[(*path, folder.title)] = folder.links
            index(folder.folders, (*path, folder.title))

    index(top.folders, ())
    for resource in catalog.resources:
        for collection in catalog.collections_of(resource):
            links = by_path[tuple(c.title for c in catalog.path(collection))]
            matches = [link for link in links if link.url == resource.url and link.title == resource.title]
            assert len(matches) == 1, (resource.id, collection.id)
            assert matches[0].tags == resource.tags
    total = sum(len(links) for links in by_path.values())
    assert total == sum(len(r.collection_ids) for r in catalog.resources)


def test_evil_text_round_trips_exactly(evil_catalog: Catalog) -> None:
    folder = parse_html(dumps(NetscapeExporter(root_folder=False), evil_catalog)).folders[0]
    assert folder.title == "Root <b>&amp;</b> \"quotes\" 'apostrophes' % {braces} \\ # ~ $ ^ _"
    specials = evil_catalog.resource("evil-specials")
    link = folder.links[0]
    assert (
        link.url
        == "https://example.org/path_with_under%20score?q=a&b=%3Cc%3E&d=%22e%22#frag~x"
        == specials.url
    )
    assert link.title == specials.title
    assert link.tags == ("c++", "r&d", "<tag>", "50%", "ünï")
    assert link.summary == specials.summary
    assert folder.folders[0].title == "Ünïcödé 週 مرحبا 🚀"
    assert "🚀🤖" in folder.folders[0].links[1].title


@pytest.mark.parametrize("root_folder", [True, False])
def test_chrome_line_reader_sees_the_same_tree(catalog: Catalog, root_folder: bool) -> None:
    text = dumps(NetscapeExporter(root_folder=root_folder), catalog)
    entries, stopped_at = chrome_import(text)
    assert all(not line.strip() for line in text.split("\n")[stopped_at + 1 :]), (
        "Chrome stopped reading early"
    )
    assert entries == expected_chrome_entries(catalog, root_folder)


def test_each_line_holds_exactly_one_construct(catalog: Catalog) -> None:
    dates = r'( ADD_DATE="\d+" LAST_MODIFIED="\d+")?'
    constructs = re.compile(
        rf'<DT><H3{dates}>[^<>"]*</H3>'
        rf'|<DT><A HREF="[^<>"\s]+"{dates}( TAGS="[^<>"]+")?>[^<>"]*</A>'
        r'|<DD>[^<>"]*|<DL><p>|</DL><p>'
    )
    lines = dumps(NetscapeExporter(), catalog).split("\n")
    assert lines[0] == "<!DOCTYPE NETSCAPE-Bookmark-file-1>"
    assert lines[2] == '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">'
    assert lines[3] == f"<TITLE>{escape(catalog.info.title)}</TITLE>"
    assert lines[4] == f"<H1>{escape(catalog.info.title)}</H1>"
    assert lines[-1] == ""
    for line in lines[5:-1]:
        assert constructs.fullmatch(line.strip()), line
    for stamp in re.findall(r'(?:ADD_DATE|LAST_MODIFIED)="(\d+)"', "\n".join(lines)):
        assert 0 < int(stamp) < 2**32


def test_dates_fall_back_and_never_leave_chromes_range(good_catalog: Catalog) -> None:
    old = replace(good_catalog.resources[0], accessed=None, issued=PartialDate(1950))
    odd = replace(good_catalog.resources[1], title="Line one\nline two\r\nthree", summary="a\nb")
    future = replace(good_catalog.resources[2], accessed=PartialDate(2200), issued=PartialDate(2019, 12, 4))
    catalog = Catalog.build(good_catalog.info, good_catalog.collections, [old, odd, future])
    text = dumps(NetscapeExporter(), catalog)
    links = {link.url: link for link in flat_links(parse_html(text))}
    assert links[old.url].add_date == good_catalog.date.timestamp()
    assert links[future.url].add_date == PartialDate(2019, 12, 4).timestamp()
    assert links[odd.url].title == "Line one line two three"
    assert links[odd.url].summary == "a b"
    assert chrome_import(text)[0] == [
        ChromeEntry(e.path, " ".join(e.title.splitlines()), e.url, e.add_date, e.is_folder)
        for e in expected_chrome_entries(catalog, root_folder=True)
    ]

    undated = Catalog.build(CatalogInfo(title="No dates"), catalog.collections, [replace(old, issued=None)])
    text = dumps(NetscapeExporter(), undated)
    assert "ADD_DATE" not in text
    assert "LAST_MODIFIED" not in text
    assert [link.url for link in flat_links(parse_html(text))] == [old.url] * len(old.collection_ids)


def flat_links(folder: Folder) -> list[Link]:
    return [*folder.links, *(link for child in folder.folders for link in flat_links(child))]


def test_descriptions_can_be_left_out(good_catalog: Catalog) -> None:
    assert "<DD>" in dumps(NetscapeExporter(), good_catalog)
    assert "<DD>" not in dumps(NetscapeExporter(descriptions=False), good_catalog)


def test_registered_under_its_aliases() -> None:
    from mlops_refs.exporters import default_registry

    for name in ("netscape", "bookmarks", "html", ".html"):
        assert default_registry.get_class(name) is NetscapeExporter


@given(st.text())
def test_escape_is_one_line_and_decodes_back_in_both_browsers(text: str) -> None:
    escaped = escape(text)
    one_line = " ".join(text.splitlines())
    assert not set(escaped) & set('\n\r<>"')
    assert "&#x" not in escaped
    assert chrome_unescape(escaped) == one_line
    assert html.unescape(escaped) == one_line


def test_only_chromes_five_entities_and_no_more_escaping_than_html_needs(bundled_catalog: Catalog) -> None:
    text = dumps(NetscapeExporter(), bundled_catalog)
    assert set(re.findall(r"&[#A-Za-z0-9]+;?", text)) <= {"&amp;", "&lt;", "&gt;", "&quot;"}
    assert "&#39;" not in text
    summaries = [r.summary for r in bundled_catalog.resources if r.summary and "'" in r.summary]
    assert summaries
    for summary in summaries:
        assert f"<DD>{summary}" in text  # Zotero's importer reads <DD> without decoding entities
