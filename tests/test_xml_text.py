"""OPML and Zotero RDF are written as text: lxml must parse them and agree with every byte, data intact."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from mlops_refs.errors import ExportError
from mlops_refs.exporters import dumps
from mlops_refs.exporters.opml import OpmlExporter
from mlops_refs.exporters.zotero_rdf import ZoteroRdfExporter
from mlops_refs.model import Catalog, CatalogInfo, Person

EXPORTERS = {"opml": OpmlExporter, "zotero-rdf": ZoteroRdfExporter}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
Z = "{http://www.zotero.org/namespaces/export#}"
FOAF = "{http://xmlns.com/foaf/0.1/}"
# Characters that XML escapes, that parsers normalise unless escaped, or that are legal but unusual.
AWKWARD = "a&b <c> \"d\" 'e' ]]> &amp; \r\n \r \t\tx \x7f \x85 \u2028 \U0001f680 ﬁ  "


@pytest.fixture(scope="module")
def awkward_catalog(evil_catalog: Catalog) -> Catalog:
    """The evil catalog with every text field carrying AWKWARD."""
    resources = [
        replace(
            r,
            title=f"{r.title} {AWKWARD}",
            summary=AWKWARD,
            note=f"{AWKWARD}\n\nsecond paragraph",
            container=r.container and f"{r.container}{AWKWARD}",
            tags=(*r.tags, AWKWARD),
            authors=(
                *r.authors,
                Person(family=f"Fam{AWKWARD}", given=f"Giv{AWKWARD}"),
                Person(literal=AWKWARD),
            ),
        )
        for r in evil_catalog.resources
    ]
    collections = [replace(c, title=c.title + AWKWARD) for c in evil_catalog.collections]
    return Catalog.build(CatalogInfo(title=AWKWARD), collections, resources)


CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog", "awkward_catalog"]


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


@pytest.mark.parametrize("fmt", EXPORTERS)
@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_lxml_writes_back_the_same_bytes(fmt: str, catalog_name: str, request: pytest.FixtureRequest) -> None:
    text = dumps(EXPORTERS[fmt](), request.getfixturevalue(catalog_name))
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n' if fmt == "opml" else ""
    assert text.startswith(declaration)
    body = text[len(declaration) :]
    assert etree.tostring(parse(body), encoding="unicode") + "\n" == body


def test_zotero_rdf_keeps_every_character(awkward_catalog: Catalog) -> None:
    root = parse(dumps(ZoteroRdfExporter(), awkward_catalog))
    items = {
        node.findtext(f"{Z}citationKey"): node for node in root if node.find(f"{Z}citationKey") is not None
    }
    assert set(items) == {r.id for r in awkward_catalog.resources}
    for resource in awkward_catalog.resources:
        node = items[resource.id]
        assert node.findtext(f"{DC}title") == resource.title
        assert node.findtext("{http://purl.org/dc/terms/}abstract") == resource.summary
        assert [s.text for s in node.iter(f"{DC}subject")] == list(resource.tags)
        people = node.findall(f".//{FOAF}Person")
        assert [p.findtext(f"{FOAF}surname") for p in people] == [a.full_family for a in resource.authors]
        assert people[-2].findtext(f"{FOAF}givenName") == f"Giv{AWKWARD}"
    titles = [c.findtext(f"{DC}title") for c in root.iter(f"{Z}Collection")]
    assert sorted(titles) == sorted(c.title for c in awkward_catalog.collections)


def test_opml_keeps_every_character(awkward_catalog: Catalog) -> None:
    root = parse(dumps(OpmlExporter(), awkward_catalog).split("\n", 1)[1])
    assert root.findtext("head/title") == AWKWARD
    links = [o for o in root.iter("outline") if o.get("type") == "link"]
    expected = [
        (r.title, r.url, r.summary, ",".join(r.tags))
        for c, _depth in awkward_catalog.walk()
        for r in awkward_catalog.members(c)
    ]
    got = [(o.get("text"), o.get("url"), o.get("description"), o.get("category")) for o in links]
    assert sorted(got) == sorted(expected)
    folders = {o.get("text") for o in root.iter("outline") if o.get("type") is None}
    assert folders == {c.title for c in awkward_catalog.collections}


@pytest.mark.parametrize("fmt", EXPORTERS)
@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x1f", "\ud800", "\ufffe", "\uffff"])
def test_characters_xml_cannot_carry_are_refused(fmt: str, char: str, good_catalog: Catalog) -> None:
    first, *rest = good_catalog.resources
    bad = Catalog.build(
        good_catalog.info, good_catalog.collections, [replace(first, title=f"x{char}y"), *rest]
    )
    message = f"{fmt}: resource {first.id}: the character U\\+{ord(char):04X} cannot be written in XML"
    with pytest.raises(ExportError, match=message):
        dumps(EXPORTERS[fmt](), bad)


@pytest.mark.parametrize("fmt", EXPORTERS)
def test_a_collection_title_xml_cannot_carry_is_refused(fmt: str, good_catalog: Catalog) -> None:
    first, *rest = good_catalog.collections
    bad = Catalog.build(good_catalog.info, [replace(first, title="x\x01y"), *rest], good_catalog.resources)
    with pytest.raises(ExportError, match=f"{fmt}: collection {first.id}: the character U\\+0001"):
        dumps(EXPORTERS[fmt](), bad)
