"""OPML 2.0: parsed back with lxml and with listparser, folders and links equal to the catalog's."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import listparser
import pytest
from lxml import etree

from mlops_refs.exporters import dumps
from mlops_refs.exporters.opml import OpmlExporter
from mlops_refs.model import Catalog, CatalogInfo, Collection, PartialDate, Person, Resource


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    tags: tuple[str, ...]
    created: PartialDate | None
    summary: str | None


@dataclass(frozen=True)
class Folder:
    title: str
    links: tuple[Link, ...]
    folders: tuple[Folder, ...]


def expected_folder(catalog: Catalog, collection: Collection) -> Folder:
    links = tuple(
        Link(r.url, r.title, r.tags, r.accessed or r.issued, r.summary) for r in catalog.members(collection)
    )
    return Folder(
        collection.title, links, tuple(expected_folder(catalog, c) for c in catalog.children(collection))
    )


def as_date(text: str | None) -> PartialDate | None:
    """A created date written at 00:00 GMT, back as a day-precision date."""
    if text is None:
        return None
    moment = parsedate_to_datetime(text)
    assert (moment.hour, moment.minute, moment.second, moment.utcoffset().total_seconds()) == (0, 0, 0, 0)
    return PartialDate(moment.year, moment.month, moment.day)


def day_precision(date: PartialDate | None) -> PartialDate | None:
    return None if date is None else PartialDate(date.year, date.month or 1, date.day or 1)


def read_outline(outline: etree._Element) -> Folder:
    links, folders = [], []
    for child in outline.iterchildren("outline"):
        assert child.get("text"), "every outline needs a text"
        if child.get("type") == "link":
            assert len(child) == 0
            category = child.get("category")
            tags = tuple(category.split(",")) if category is not None else ()
            links.append(
                Link(
                    child.get("url"),
                    child.get("text"),
                    tags,
                    as_date(child.get("created")),
                    child.get("description"),
                )
            )
        else:
            assert child.get("type") is None
            folders.append(read_outline(child))
    return Folder(outline.get("text", ""), tuple(links), tuple(folders))


def flatten(folders: tuple[Folder, ...], depth: int = 0) -> list[tuple[str, int]]:
    out = []
    for folder in folders:
        out.append((folder.title, depth))
        out.extend(flatten(folder.folders, depth + 1))
    return out


def parse(text: str) -> etree._Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n')
    return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))


@pytest.fixture(params=["good_catalog", "evil_catalog", "bundled_catalog"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return request.getfixturevalue(request.param)


def test_document_shape_and_head(catalog: Catalog) -> None:
    root = parse(dumps(OpmlExporter(), catalog))
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert [child.tag for child in root] == ["head", "body"]
    head = root.find("head")
    tags = [child.tag for child in head]
    assert len(tags) == len(set(tags)), "each head element at most once"
    assert head.findtext("title") == catalog.info.title
    for name in ("dateCreated", "dateModified"):
        assert as_date(head.findtext(name)) == day_precision(catalog.date)
    assert head.findtext("docs").startswith("http")
    owners = ", ".join(p.display for p in catalog.info.maintainers) or None
    assert head.findtext("ownerName") == owners


def test_outline_tree_equals_the_collections(catalog: Catalog) -> None:
    body = parse(dumps(OpmlExporter(), catalog)).find("body")
    top = read_outline(body)
    assert top.links == ()
    assert flatten(top.folders) == [(c.title, depth) for c, depth in catalog.walk()]
    expected = tuple(expected_folder(catalog, root) for root in catalog.roots)
    day_expected = tuple(_with_day_dates(f) for f in expected)
    assert top.folders == day_expected


def _with_day_dates(folder: Folder) -> Folder:
    links = tuple(Link(k.url, k.title, k.tags, day_precision(k.created), k.summary) for k in folder.links)
    return Folder(folder.title, links, tuple(_with_day_dates(f) for f in folder.folders))


def test_every_resource_is_under_each_of_its_folders(catalog: Catalog) -> None:
    body = parse(dumps(OpmlExporter(), catalog)).find("body")
    for resource in catalog.resources:
        for collection in catalog.collections_of(resource):
            outline = body
            for step in catalog.path(collection):
                outline = next(o for o in outline.iterchildren("outline") if o.get("text") == step.title)
            links = [o for o in outline.iterchildren("outline") if o.get("url") == resource.url]
            assert len(links) == 1, (resource.id, collection.id)
            assert links[0].get("text") == resource.title
    links = body.xpath('.//outline[@type="link"]')
    assert len(links) == sum(len(r.collection_ids) for r in catalog.resources)


def test_listparser_sees_every_url_title_tag_and_folder(catalog: Catalog) -> None:
    result = listparser.parse(dumps(OpmlExporter(), catalog).encode("utf-8"))
    assert not result.bozo, result.bozo_exception
    assert result.version == "opml2"
    assert result.meta.title == catalog.info.title
    found = {item.url: item for item in result.lists}
    assert set(found) == {r.url for r in catalog.resources}
    for resource in catalog.resources:
        item = found[resource.url]
        assert item.title == resource.title
        folders = {tuple(c.title for c in catalog.path(col)) for col in catalog.collections_of(resource)}
        assert {tuple(c) for c in item.categories} == folders | {(tag,) for tag in resource.tags}
        assert set(resource.tags) <= set(item.tags)


def test_evil_text_round_trips_exactly(evil_catalog: Catalog) -> None:
    top = read_outline(parse(dumps(OpmlExporter(), evil_catalog)).find("body"))
    root = top.folders[0]
    assert root.title == "Root <b>&amp;</b> \"quotes\" 'apostrophes' % {braces} \\ # ~ $ ^ _"
    link = root.links[0]
    assert link.url == "https://example.org/path_with_under%20score?q=a&b=%3Cc%3E&d=%22e%22#frag~x"
    assert link.title == evil_catalog.resource("evil-specials").title
    assert link.tags == ("c++", "r&d", "<tag>", "50%", "ünï")
    assert root.folders[0].title == "Ünïcödé 週 مرحبا 🚀"
    assert "🚀🤖" in root.folders[0].links[1].title


def test_created_only_from_the_resource_and_text_keeps_newlines() -> None:
    dated = Resource(
        "a",
        "webpage",
        "Two\nlines",
        "https://example.org/a?x=1&y=2",
        ("c",),
        issued=PartialDate(2020, 2),
        summary="x\ny",
    )
    undated = Resource("b", "webpage", "B", "https://example.org/b", ("c",), tags=("one", "two words"))
    info = CatalogInfo(title="T", maintainers=(Person(literal="Org & Co"),), homepage="https://example.org/")
    catalog = Catalog.build(info, [Collection("c", "C", "course")], [dated, undated])
    root = parse(dumps(OpmlExporter(), catalog))
    first, second = root.find("body/outline").iterchildren("outline")
    assert first.get("created") == "Sat, 01 Feb 2020 00:00:00 GMT"
    assert first.get("text") == "Two\nlines"
    assert first.get("description") == "x\ny"
    assert second.get("created") is None
    assert second.get("category") == "one,two words"
    assert root.findtext("head/ownerName") == "Org & Co"
    assert root.findtext("head/ownerId") == "https://example.org/"
    assert root.findtext("head/dateCreated") == "Sat, 01 Feb 2020 00:00:00 GMT"
