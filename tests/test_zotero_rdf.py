"""Zotero RDF: parsed back with rdflib, field by field, and compared in shape with a real Zotero export."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from conftest import reference_file
from mlops_refs.exporters import dumps
from mlops_refs.exporters.zotero_rdf import ZoteroRdfExporter
from mlops_refs.model import Catalog, Collection, Person, Resource

Z = Namespace("http://www.zotero.org/namespaces/export#")
DC = Namespace("http://purl.org/dc/elements/1.1/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
BIB = Namespace("http://purl.org/net/biblio#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PRISM = Namespace("http://prismstandard.org/namespaces/1.2/basic/")
BASE = "file:///export/mlops-refs.rdf"
CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]

# What Zotero's importer must end up with for each of our types (zotero-schema item types).
EXPECTED_ITEM_TYPE = {
    "journal-article": "journalArticle",
    "conference-paper": "conferencePaper",
    "preprint": "preprint",
    "report": "report",
    "book": "book",
    "chapter": "bookSection",
    "thesis": "thesis",
    "software": "computerProgram",
    "service": "computerProgram",
    "webpage": "webpage",
    "documentation": "webpage",
    "course": "webpage",
    "blog-post": "blogPost",
    "news-article": "newspaperArticle",
    "video": "videoRecording",
    "dataset": "dataset",
}
# Node element per Zotero type, as translators "Zotero RDF.js" writes it (no entry: rdf:Description).
EXPECTED_NODE = {
    "journalArticle": BIB.Article,
    "newspaperArticle": BIB.Article,
    "report": BIB.Report,
    "book": BIB.Book,
    "bookSection": BIB.BookSection,
    "thesis": BIB.Thesis,
    "computerProgram": BIB.Data,
    "webpage": BIB.Document,
    "blogPost": BIB.Document,
    "videoRecording": BIB.Recording,
}
# The importer reads bib:authors only for types whose creator types include "author".
EXPECTED_ROLE = {"computerProgram": Z.programmers, "videoRecording": Z.directors}


def export(catalog: Catalog) -> str:
    return dumps(ZoteroRdfExporter(), catalog)


def parse(text: str) -> Graph:
    return Graph().parse(data=text, format="xml", publicID=BASE)


def item_uri(n: int) -> URIRef:
    return URIRef(f"{BASE}#item_{n}")


def items(catalog: Catalog) -> list[tuple[URIRef, Resource]]:
    return [(item_uri(n), r) for n, r in enumerate(catalog.resources, start=1)]


def seq_members(graph: Graph, seq: Node) -> list[Node]:
    """Members of an rdf:Seq in rdf:_1, rdf:_2 ... order."""
    prefix = str(RDF) + "_"
    numbered = [
        (int(str(p)[len(prefix) :]), o) for p, o in graph.predicate_objects(seq) if str(p).startswith(prefix)
    ]
    return [o for _, o in sorted(numbered)]


def expected_name(person: Person) -> tuple[str, str | None]:
    """(surname, givenName) as Zotero stores a creator: particle in surname, suffix after the given name."""
    if person.literal is not None:
        return person.literal, None
    surname = " ".join(p for p in (person.particle, person.family) if p)
    given = ", ".join(p for p in (person.given, person.suffix) if p) or None
    return surname, given


def identifiers(graph: Graph, item: Node) -> list[str]:
    """dc:identifier literals of the item and of its container, as the importer concatenates them."""
    nodes = [item, *graph.objects(item, DCTERMS.isPartOf)]
    return [str(o) for node in nodes for o in graph.objects(node, DC.identifier) if isinstance(o, Literal)]


def note_text(note_html: str) -> str:
    """Back from Zotero note HTML to the plain text it was made from."""
    text = note_html.replace("</p><p>", "\n\n").replace("<br>", "\n")
    return html.unescape(re.sub(r"</?p>", "", text))


@pytest.fixture(params=CATALOGS)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return request.getfixturevalue(request.param)


def test_output_is_rdf_xml_without_declaration(good_catalog: Catalog) -> None:
    text = export(good_catalog)
    assert text.startswith("<rdf:RDF ")
    assert text.endswith("</rdf:RDF>\n")


def test_one_item_node_per_resource_with_its_zotero_type(catalog: Catalog) -> None:
    graph = parse(export(catalog))
    typed = set(graph.subjects(Z.itemType, None))
    assert typed == {uri for uri, _ in items(catalog)}
    for uri, resource in items(catalog):
        zotero_type = EXPECTED_ITEM_TYPE[resource.type]
        assert graph.value(uri, Z.itemType) == Literal(zotero_type), resource.id
        expected_node = {EXPECTED_NODE[zotero_type]} if zotero_type in EXPECTED_NODE else set()
        assert set(graph.objects(uri, RDF.type)) == expected_node, resource.id
        assert graph.value(uri, DC.title) == Literal(resource.title)
        assert graph.value(uri, Z.citationKey) == Literal(resource.id)


def test_item_uris_are_fragments_never_urls(good_catalog: Catalog) -> None:
    text = export(good_catalog)
    abouts = re.findall(r'rdf:about="([^"]*)"', text)
    assert len(abouts) == len(set(abouts))
    assert all(a.startswith("#") for a in abouts)


def test_creators_in_order_in_one_seq_per_role(catalog: Catalog) -> None:
    graph = parse(export(catalog))
    for uri, resource in items(catalog):
        zotero_type = EXPECTED_ITEM_TYPE[resource.type]
        for role, people in (
            (EXPECTED_ROLE.get(zotero_type, BIB.authors), resource.authors),
            (BIB.editors, resource.editors),
        ):
            seqs = list(graph.objects(uri, role))
            if not people:
                assert seqs == [], resource.id
                continue
            assert len(seqs) == 1, resource.id
            assert (seqs[0], RDF.type, RDF.Seq) in graph
            names = []
            for person in seq_members(graph, seqs[0]):
                assert (person, RDF.type, FOAF.Person) in graph
                given = graph.value(person, FOAF.givenName)
                names.append((str(graph.value(person, FOAF.surname)), None if given is None else str(given)))
            assert names == [expected_name(p) for p in people], resource.id


def test_url_doi_tags_and_dates(catalog: Catalog) -> None:
    graph = parse(export(catalog))
    for uri, resource in items(catalog):
        urls = [
            graph.value(node, RDF.value)
            for node in graph.objects(uri, DC.identifier)
            if (node, RDF.type, DCTERMS.URI) in graph
        ]
        assert urls == [Literal(resource.url)], resource.id
        dois = [i[len("DOI ") :] for i in identifiers(graph, uri) if i.startswith("DOI ")]
        assert dois == ([resource.doi] if resource.doi else []), resource.id
        tags = [str(o) for o in graph.objects(uri, DC.subject)]
        assert Counter(tags) == Counter(resource.tags), resource.id
        date = graph.value(uri, DC.date)
        assert date == (Literal(resource.issued.iso()) if resource.issued else None), resource.id
        abstract = graph.value(uri, DCTERMS.abstract)
        assert abstract == (Literal(resource.summary) if resource.summary else None), resource.id


def test_access_date_never_becomes_a_publication_date(good_catalog: Catalog) -> None:
    graph = parse(export(good_catalog))
    seen_dated = seen_undated = False
    for uri, resource in items(good_catalog):
        submitted = graph.value(uri, DCTERMS.dateSubmitted)
        extra = str(graph.value(uri, DC.description) or "")
        if resource.accessed and resource.issued:
            seen_dated = True
            assert submitted == Literal(f"{resource.accessed.iso()} 00:00:00")
        elif resource.accessed:
            seen_undated = True
            assert submitted is None, "the importer would read it as the publication date"
            assert f"Accessed: {resource.accessed.iso()}" in extra.split("\n")
        else:
            assert submitted is None
    assert seen_dated
    assert seen_undated


def test_arxiv_follows_zotero_conventions(good_catalog: Catalog) -> None:
    graph = parse(export(good_catalog))
    for uri, resource in items(good_catalog):
        if not resource.arxiv:
            continue
        extra = str(graph.value(uri, DC.description)).split("\n")
        assert f"arXiv:{resource.arxiv} [{resource.arxiv_class}]" in extra
        if resource.type == "preprint":
            assert graph.value(uri, PRISM.number) == Literal(f"arXiv:{resource.arxiv}")
            org = graph.value(graph.value(uri, DC.publisher), FOAF.name)
            assert org == Literal("arXiv")


def test_notes_are_child_memos(catalog: Catalog) -> None:
    graph = parse(export(catalog))
    memos = set(graph.subjects(RDF.type, BIB.Memo))
    assert len(memos) == sum(1 for r in catalog.resources if r.note)
    for uri, resource in items(catalog):
        notes = list(graph.objects(uri, DCTERMS.isReferencedBy))
        if not resource.note:
            assert notes == []
            continue
        assert len(notes) == 1
        assert notes[0] in memos
        value = str(graph.value(notes[0], RDF.value))
        assert not re.search(r"[<>]", re.sub(r"</?p>|<br>", "", value)), "note text must be HTML-escaped"
        assert note_text(value) == resource.note


def collection_tree(catalog: Catalog, collection: Collection) -> tuple:
    members = sorted(r.id for r in catalog.members(collection))
    return (
        collection.title,
        tuple(members),
        tuple(sorted(collection_tree(catalog, c) for c in catalog.children(collection))),
    )


def test_collections_recreate_the_tree(catalog: Catalog) -> None:
    graph = parse(export(catalog))
    ids = {uri: r.id for uri, r in items(catalog)}
    nodes = set(graph.subjects(RDF.type, Z.Collection))
    assert len(nodes) == len(list(catalog.walk()))

    def tree(node: Node) -> tuple:
        parts = list(graph.objects(node, DCTERMS.hasPart))
        children = [p for p in parts if p in nodes]
        members = sorted(ids[p] for p in parts if p not in nodes)
        assert len(members) + len(children) == len(parts)
        return (str(graph.value(node, DC.title)), tuple(members), tuple(sorted(tree(c) for c in children)))

    tops = [n for n in nodes if not list(graph.subject_predicates(n))]
    assert sorted(tree(n) for n in tops) == sorted(collection_tree(catalog, c) for c in catalog.roots)
    nested = [n for n in nodes if n not in tops]
    assert all(set(graph.predicates(None, n)) == {DCTERMS.hasPart} for n in nested)


def test_evil_text_round_trips(evil_catalog: Catalog) -> None:
    graph = parse(export(evil_catalog))
    titles = {str(graph.value(n, DC.title)) for n in graph.subjects(RDF.type, Z.Collection)}
    assert titles == {c.title for c in evil_catalog.collections}
    for uri, resource in items(evil_catalog):
        container = graph.value(uri, DCTERMS.isPartOf)
        if resource.container:
            assert graph.value(container, DC.title) == Literal(resource.container)
        if resource.publisher:
            assert graph.value(graph.value(uri, DC.publisher), FOAF.name) == Literal(resource.publisher)


# --- shape against a real Zotero export ------------------------------------------------------------------


def namespaces(text: str) -> dict[str, str]:
    events = ET.iterparse(io.StringIO(text), events=("start-ns",))
    return dict(ns for _, ns in events)


def shapes(graph: Graph) -> dict[str, dict[str, set]]:
    """Per Zotero item type: node classes, creator predicates, URL chain, container classes."""
    out: dict[str, dict[str, set]] = {}
    for item, zotero_type in graph.subject_objects(Z.itemType):
        shape = out.setdefault(
            str(zotero_type), {"node": set(), "creators": set(), "url": set(), "container": set()}
        )
        shape["node"] |= {frozenset(graph.objects(item, RDF.type))}
        for predicate, obj in graph.predicate_objects(item):
            if (obj, RDF.type, RDF.Seq) in graph:
                shape["creators"].add(predicate)
            if (obj, RDF.type, DCTERMS.URI) in graph and graph.value(obj, RDF.value) is not None:
                shape["url"].add((predicate, DCTERMS.URI, RDF.value))
        for container in graph.objects(item, DCTERMS.isPartOf):
            shape["container"] |= set(graph.objects(container, RDF.type))
    return out


@pytest.fixture(scope="module")
def zotero_sample() -> str:
    return reference_file("ZOTERO_RDF_SAMPLE").read_text(encoding="utf-8")


def test_same_namespaces_as_a_real_zotero_export(zotero_sample: str, good_catalog: Catalog) -> None:
    assert namespaces(export(good_catalog)) == namespaces(zotero_sample)


def test_same_shape_as_a_real_zotero_export(
    zotero_sample: str, good_catalog: Catalog, bundled_catalog: Catalog
) -> None:
    sample = shapes(Graph().parse(data=zotero_sample, format="xml", publicID="file:///sample.rdf"))
    ours = shapes(parse(export(good_catalog)))
    for zotero_type, shape in shapes(parse(export(bundled_catalog))).items():
        ours.setdefault(zotero_type, shape)
    common = set(sample) & set(ours)
    assert len(common) >= 8, sorted(common)
    for zotero_type in sorted(common):
        theirs, mine = sample[zotero_type], ours[zotero_type]
        assert mine["node"] == theirs["node"], zotero_type
        assert mine["url"] == theirs["url"] == {(DC.identifier, DCTERMS.URI, RDF.value)}, zotero_type
        if mine["creators"] and theirs["creators"]:
            # Same predicate for the main creators; our items may add an editors Seq the sample lacks.
            assert theirs["creators"] <= mine["creators"], zotero_type
            assert mine["creators"] - theirs["creators"] <= {BIB.editors}, zotero_type
        if mine["container"] and theirs["container"]:
            assert mine["container"] == theirs["container"], zotero_type


def test_collections_shaped_as_in_a_real_zotero_export(zotero_sample: str, good_catalog: Catalog) -> None:
    def collection_predicates(graph: Graph) -> set:
        nodes = set(graph.subjects(RDF.type, Z.Collection))
        assert nodes
        return {p for n in nodes for p in graph.predicates(n, None)}

    sample = Graph().parse(data=zotero_sample, format="xml", publicID="file:///sample.rdf")
    assert collection_predicates(parse(export(good_catalog))) == collection_predicates(sample)
    about = re.compile(r'<z:Collection rdf:about="#collection_\d+">')
    assert about.search(export(good_catalog))
    assert about.search(zotero_sample)


def test_batched_writing_gives_the_bytes_of_one_tree(bundled_catalog, monkeypatch) -> None:
    from mlops_refs.exporters import zotero_rdf

    whole = dumps(ZoteroRdfExporter(), bundled_catalog)
    monkeypatch.setattr(zotero_rdf, "BATCH", 3)
    assert dumps(ZoteroRdfExporter(), bundled_catalog) == whole
