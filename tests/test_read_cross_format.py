"""Cross-format proof: a real Firefox export and real Zotero libraries, read and written to every format that
carries a folder tree, keep that tree as the consumers see it (Firefox's importer, lxml on OPML and RDF)."""

from __future__ import annotations

from pathlib import Path

import ada_url
import pytest
from lxml import etree

from conftest import require_program
from mlops_refs.exporters import dumps
from mlops_refs.exporters.netscape import NetscapeExporter
from mlops_refs.exporters.opml import OpmlExporter
from mlops_refs.exporters.zotero_rdf import ZoteroRdfExporter
from mlops_refs.model import Catalog
from mlops_refs.readers.netscape import NetscapeReader
from mlops_refs.readers.opml import OpmlReader
from mlops_refs.readers.zotero_rdf import ZoteroRdfReader
from readers import corpus, read
from test_consumer_browser import Places, import_in_firefox, web_url

SOURCES = {
    "firefox": ("netscape", "shaarli-parser_firefox_nested.htm", NetscapeReader),
    "firefox-glue": ("netscape", "firefox_bookmarks.glue.html", NetscapeReader),
    "chromium": ("netscape", "shaarli-parser_chromium_nested.htm", NetscapeReader),
    "zotero-notes": ("zotero-rdf", "visualiser_My-Library_collections-notes.rdf", ZoteroRdfReader),
    "zotero-autotags": ("zotero-rdf", "NLP-for-TA_My-Library_collections-autotags.rdf", ZoteroRdfReader),
    "opml-feeds": ("opml", "NetNewsWire_Subs.opml", OpmlReader),
}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
Tree = list[tuple[tuple[str, ...], list[str]]]


def source(name: str) -> Catalog:
    folder, file, reader = SOURCES[name]
    catalog, _report = read(reader(), (corpus(folder) / file).read_bytes(), file)
    return catalog


def expected(catalog: Catalog, kinds: frozenset[str] = frozenset(), field: str = "link") -> Tree:
    """Each folder's path of titles and the links (or URLs) filed in it, depth first (roles in ``kinds`` left out).

    Bookmarks and outlines link a record without a URL to its DOI or arXiv page; Zotero RDF keeps the URL field.
    """
    out = []
    for collection, _depth in catalog.walk():
        path = catalog.path(collection)
        if any(c.kind in kinds for c in path):
            continue
        links = [getattr(r, field) for r in catalog.members(collection)]
        out.append((tuple(c.title for c in path), [link for link in links if link]))
    return out


def opml_tree(text: str) -> Tree:
    """Folder outlines (no URL) with the URLs of their link outlines, as lxml sees them."""
    root = etree.fromstring(text.encode("utf-8"))
    out = []
    for outline in root.iter("outline"):
        if outline.get("type"):
            continue
        path = tuple(o.get("text") for o in reversed([outline, *outline.iterancestors("outline")]))
        links = [o.get("htmlUrl") or o.get("url") or o.get("xmlUrl") for o in outline if o.get("type")]
        links = [link for link in links if link]
        out.append((path, links))
    return out


def rdf_tree(text: str) -> Tree:
    """z:Collection nodes walked from the roots through dcterms:hasPart, with their items' URLs (lxml)."""
    root = etree.fromstring(text.encode("utf-8"))
    about = f"{RDF}about"
    nodes = {node.get(about): node for node in root}
    collections = [n for n in root if n.tag == "{http://www.zotero.org/namespaces/export#}Collection"]

    def parts(node: etree._Element) -> list[str]:
        return [p.get(f"{RDF}resource") for p in node.findall("{http://purl.org/dc/terms/}hasPart")]

    children = {p for c in collections for p in parts(c)}
    out: Tree = []
    stack = [(c, ()) for c in reversed(collections) if c.get(about) not in children]
    while stack:
        node, above = stack.pop()
        path = (*above, node.findtext("{http://purl.org/dc/elements/1.1/}title"))
        items = [nodes[p] for p in parts(node) if nodes[p].tag != node.tag]
        urls = [
            i.findtext(f".//{RDF}value")
            for i in items
            if i.find(".//{http://purl.org/dc/terms/}URI") is not None
        ]
        out.append((path, urls))
        stack += [(nodes[p], path) for p in reversed(parts(node)) if nodes[p].tag == node.tag]
    return out


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_outlines_keep_the_tree(name: str) -> None:
    catalog = source(name)
    assert opml_tree(dumps(OpmlExporter(), catalog)) == expected(catalog)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_zotero_collections_keep_the_tree(name: str) -> None:
    catalog = source(name)
    assert rdf_tree(dumps(ZoteroRdfExporter(), catalog)) == expected(catalog, field="url")


@pytest.mark.consumer
@pytest.mark.parametrize("name", ["firefox", "firefox-glue", "zotero-notes"])
def test_firefox_imports_the_tree(name: str, tmp_path: Path) -> None:
    firefox = require_program("firefox-esr")
    catalog = source(name)
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(dumps(NetscapeExporter(root_folder=False), catalog), encoding="utf-8")
    places = Places(import_in_firefox(firefox, bookmarks, tmp_path).places)

    def seen(root: str) -> Tree:
        out = []
        stack = [(folder, ()) for folder in reversed(places.folders(places.by_guid[root]))]
        while stack:
            folder, above = stack.pop()
            path = (*above, folder.title)
            links = [i.url for i in places.children(folder) if i.type == Places.BOOKMARK]
            out.append((path, links))
            stack += [(child, path) for child in reversed(places.folders(folder))]
        return out

    def web(tree: Tree) -> Tree:
        """URLs as Firefox stores them; text that is no URL (Zotero's URL field allows it) is not imported."""
        return [(path, [web_url(url) for url in links if ada_url.check_url(url)]) for path, links in tree]

    # Folders marked as the toolbar land in Firefox's toolbar root, by role; the others in the menu.
    assert seen(Places.MENU) == web(expected(catalog, frozenset({"toolbar"})))
    toolbar = [c for c in catalog.roots if c.kind == "toolbar"]
    assert [i.url for i in places.root(Places.TOOLBAR) if i.type == Places.BOOKMARK] == [
        web_url(r.link) for c in toolbar for r in catalog.members(c) if r.link and ada_url.check_url(r.link)
    ]
    top = [
        web_url(r.link)
        for r in catalog.resources
        if not r.collection_ids and r.link and ada_url.check_url(r.link)
    ]
    assert [i.url for i in places.root(Places.MENU) if i.type == Places.BOOKMARK] == top


def test_importing_a_reader_keeps_the_formats_function() -> None:
    import mlops_refs
    import mlops_refs.api
    import mlops_refs.readers.opml  # makes mlops_refs.formats the package

    assert mlops_refs.formats() == mlops_refs.api.formats()
    assert "zotero-rdf" in mlops_refs.formats()
