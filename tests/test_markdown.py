"""The Markdown reading list as CommonMark (markdown-it-py) and GitHub Flavored Markdown (pandoc -f gfm) render it:
every heading, link and title comes out as written, and every anchor resolves."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from urllib.parse import unquote

import lxml.html
import pytest
from markdown_it import MarkdownIt

from conftest import require_program
from mlops_refs import dumps
from mlops_refs.exporters.listing import arxiv_url, doi_url
from mlops_refs.exporters.markdown import Slugger, escape, slug
from mlops_refs.model import Catalog, CatalogInfo, Collection, Person, Resource

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]


def norm(text: str) -> str:
    """Whitespace collapsed, as a reader sees it."""
    return " ".join(text.split())


def render_markdown_it(markdown: str) -> str:
    """CommonMark with GitHub's table and strikethrough extensions, as markdown-it-py renders it."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def render_pandoc(markdown: str) -> str:
    """GitHub Flavored Markdown as pandoc reads it (with GitHub's heading identifiers)."""
    pandoc = require_program("pandoc")
    done = subprocess.run(
        [pandoc, "-f", "gfm", "-t", "html", "--wrap=none"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    return done.stdout


@dataclass
class Rendered:
    """What a reader sees: headings in order, the contents' links, and each section's list items."""

    headings: list[tuple[int, str, str | None]] = field(default_factory=list)
    contents: list[tuple[str, str]] = field(default_factory=list)
    items: list[list[lxml.html.HtmlElement]] = field(default_factory=list)  # one list per section heading
    notes: list[list[tuple[str, str]]] = field(default_factory=list)  # the links of each section's paragraphs


def read(html: str) -> Rendered:
    """Split rendered HTML into headings, the contents list and the bullet list under each heading."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    out = Rendered()
    for element in root:
        if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            out.headings.append((int(element.tag[1]), norm(element.text_content()), element.get("id")))
            out.items.append([])
            out.notes.append([])
        elif element.tag == "p" and out.notes:
            out.notes[-1] += [(norm(a.text_content()), unquote(a.get("href"))) for a in element.iter("a")]
        elif element.tag == "ul" and out.headings[-1][1] == "Contents" and not out.contents:
            out.contents = [(norm(a.text_content()), unquote(a.get("href"))) for a in element.iter("a")]
        elif element.tag == "ul":
            out.items[-1].extend(element.findall("li"))
    return out


def first_link(item: lxml.html.HtmlElement) -> tuple[str, str | None]:
    """Text and target of the first link of a list item; its text before any link when it has no link."""
    anchor = item.find(".//a")
    if anchor is None or (item.text or "").strip():
        return norm((item.text or "").split(" · ")[0]), None
    return norm(anchor.text_content()), unquote(anchor.get("href"))


def expected_headings(catalog: Catalog) -> list[tuple[int, str]]:
    """Title, Contents, then every collection at its depth (roots at level 2, capped at 6)."""
    sections = [(min(depth + 2, 6), norm(c.title)) for c, depth in catalog.walk()]
    return [(1, norm(catalog.info.title)), (2, "Contents"), *sections]


def check_rendering(catalog: Catalog, html: str, with_ids: bool) -> None:
    """Compare the rendered reading list with the catalog, section by section and link by link."""
    shown = read(html)
    assert [(level, text) for level, text, _ in shown.headings] == expected_headings(catalog)
    collections = [c for c, _ in catalog.walk()]
    assert [text for text, _ in shown.contents] == [norm(c.title) for c in collections]
    anchors = [href for _, href in shown.contents]
    assert len(set(anchors)) == len(anchors)
    assert all(href.startswith("#") for href in anchors)
    if with_ids:
        ids = [heading_id for _, _, heading_id in shown.headings]
        assert len(set(ids)) == len(ids)
        assert anchors == [f"#{heading_id}" for heading_id in ids[2:]]

    for collection, links in zip(collections, shown.notes[2:], strict=True):
        assert links == (
            [(f"{collection.kind.capitalize()} page", unquote(collection.url))] if collection.url else []
        )
    first_anchor: dict[str, str] = {}
    for collection, items, anchor in zip(collections, shown.items[2:], anchors, strict=True):
        members = catalog.members(collection)
        assert len(items) == len(members), collection.id
        for resource, item in zip(members, items, strict=True):
            assert first_link(item) == (norm(resource.title), resource.link and unquote(resource.link))
            text = norm(item.text_content())
            links = [(norm(a.text_content()), unquote(a.get("href"))) for a in item.iter("a")]
            if resource.id in first_anchor:
                assert "repeat" in text
                assert links[-1][1] == first_anchor[resource.id]
                continue
            first_anchor[resource.id] = anchor
            if resource.is_paper:
                for person in resource.authors:
                    assert norm(person.display) in text
                if resource.issued:
                    assert f"({resource.issued.year})" in text
            if resource.container:
                assert norm(resource.container) in [norm(e.text_content()) for e in item.iter("em")]
            if resource.summary:
                assert norm(resource.summary) in text
            if resource.doi:
                assert (norm(resource.doi), unquote(doi_url(resource.doi))) in links
            if resource.arxiv:
                assert (resource.arxiv, arxiv_url(resource.arxiv)) in links
    assert set(first_anchor) == {r.id for r in catalog.resources}


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_markdown_it_renders_every_heading_link_and_title_as_written(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    check_rendering(catalog, render_markdown_it(dumps(catalog, "markdown")), with_ids=False)


@pytest.mark.consumer
@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_pandoc_gfm_renders_every_heading_link_and_title_and_resolves_every_anchor(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    check_rendering(catalog, render_pandoc(dumps(catalog, "markdown")), with_ids=True)


def _same_titles_catalog() -> Catalog:
    """Headings that collide: the same week title under two courses, one titled like the contents."""
    collections = [
        Collection(id="a", title="Course", kind="course"),
        Collection(id="a-w1", title="Week 1", kind="week", parent_id="a"),
        Collection(id="b", title="Course", kind="course"),
        Collection(id="b-w1", title="Week 1", kind="week", parent_id="b"),
        Collection(id="c", title="Contents", kind="course"),
    ]
    resources = [
        Resource(
            id=f"r{i}", type="webpage", title=f"Page {i}", url=f"https://example.org/{i}", collection_ids=(c,)
        )
        for i, c in enumerate(["a-w1", "b-w1", "c"])
    ]
    resource = Resource(
        id="both",
        type="preprint",
        title="Both (a) [b]",
        url="https://example.org/x_(y?q=a&amp;b",
        collection_ids=("b-w1", "a-w1"),
        authors=(Person(family="Doe", given="Jane"),),
    )
    no_url = Resource(id="no-url", type="report", title="Unlinked *report*", collection_ids=("c",))
    return Catalog.build(CatalogInfo(title="Contents"), collections, [*resources, resource, no_url])


@pytest.mark.consumer
def test_duplicate_headings_get_githubs_unique_anchors() -> None:
    catalog = _same_titles_catalog()
    markdown = dumps(catalog, "markdown")
    shown = read(render_pandoc(markdown))
    ids = [heading_id for _, _, heading_id in shown.headings]
    assert ids == ["contents", "contents-1", "course", "week-1", "course-1", "week-1-1", "contents-2"]
    assert [href for _, href in shown.contents] == [f"#{i}" for i in ids[2:]]
    check_rendering(catalog, render_pandoc(markdown), with_ids=True)
    check_rendering(catalog, render_markdown_it(markdown), with_ids=False)


# github-slugger's own test fixtures (test/fixtures.json), in order: GitHub's anchors for repeated headings.
SLUGGER_SEQUENCE = [
    ("alpha", "alpha"),
    ("alpha", "alpha-1"),
    ("bravoCharlieDelta", "bravocharliedelta"),
    ("echo", "echo"),
    ("echo", "echo-1"),
    ("echo 1", "echo-1-1"),
    ("echo-1", "echo-1-2"),
    ("echo", "echo-2"),
    ("foxtrot-1", "foxtrot-1"),
    ("foxtrot", "foxtrot"),
    ("foxtrot", "foxtrot-2"),
    ("heading with a - dash", "heading-with-a---dash"),
    ("heading with an _ underscore", "heading-with-an-_-underscore"),
    (
        "exchange.bind_headers(exchange, routing [, bindCallback])",
        "exchangebind_headersexchange-routing--bindcallback",
    ),
    ("apostrophe’s should be trimmed", "apostrophes-should-be-trimmed"),
    ("I ♥ unicode", "i--unicode"),
    ("en–dash", "endash"),
    ("😄 - an emoji", "---an-emoji"),
    ("Привет non-latin 你好", "привет-non-latin-你好"),
    (":ok_hand: Single", "ok_hand-single"),
]


def test_slugger_makes_githubs_anchors() -> None:
    slugger = Slugger()
    assert [slugger.anchor(text) for text, _ in SLUGGER_SEQUENCE] == [
        anchor for _, anchor in SLUGGER_SEQUENCE
    ]
    assert slug("C++ & Go: 2024 ü_x 🚀") == "c--go-2024-ü_x-"


@pytest.mark.parametrize(
    "text",
    [
        "*a*",
        "_a_",
        "[a](b)",
        "<b>x</b>",
        "a | b",
        "~~a~~",
        "&amp;",
        "# x",
        "1. x",
        "\\*",
        "`x`",
        "$x$",
        "![i](j)",
    ],
)
def test_markdown_syntax_in_a_title_stays_text(text: str) -> None:
    html = render_markdown_it(f"- [{escape(text)}](https://example.org/)")
    item = lxml.html.fragment_fromstring(html, create_parent="div").find(".//li")
    assert norm(item.text_content()) == norm(text)
    assert [a.get("href") for a in item.iter("a")] == ["https://example.org/"]
