"""The Zotero RDF reader: real Zotero libraries, Zotero's own test inputs, our export read back, hostile XML."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from conftest import reference_file
from mlops_refs.crosswalk import format_type
from mlops_refs.exporters.zotero_rdf import NO_LANGUAGE_FIELD, ZoteroRdfExporter
from mlops_refs.model import Catalog, Person, Resource
from mlops_refs.readers.base import NotThisFormatError, UnreadableFileError
from mlops_refs.readers.zotero_rdf import LOST_FIELDS, ZoteroRdfReader, type_of
from readers import corpus, kept, read, round_trip, tree

Z = "{http://www.zotero.org/namespaces/export#}"
NOT_ZOTERO = {"litnet_bibliontology-not-zotero-rdf.rdf", "zotero-RDFjs-test00_bibo-not-zotero.rdf"}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def records(data: bytes) -> list[str]:
    """An independent count: lxml's z:itemType nodes, less attachments that hang off an item (link:link)."""
    root = etree.fromstring(data, SAFE)
    linked = {e.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource") for e in root.iter("{*}link")}
    about = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
    return [
        node.getparent().get(about)
        for node in root.iter(f"{Z}itemType")
        if not (node.text == "attachment" and node.getparent().get(about) in linked)
    ]


def test_every_corpus_file_reads_and_keeps_every_item() -> None:
    files = sorted(corpus("zotero-rdf").glob("*.rdf"))
    assert len(files) == 7
    for path in files:
        if path.name in NOT_ZOTERO:
            with pytest.raises(NotThisFormatError, match="Bibliontology RDF"):
                read(ZoteroRdfReader(), path.read_bytes(), path.name)
            continue
        catalog, report = read(ZoteroRdfReader(), path.read_bytes(), path.name)
        assert len(catalog.resources) == len(records(path.read_bytes())), path.name
        assert report.read == len(catalog.resources)


def test_collections_notes_tags_and_containers_of_a_real_library() -> None:
    data = (corpus("zotero-rdf") / "visualiser_My-Library_collections-notes.rdf").read_bytes()
    catalog, _ = read(ZoteroRdfReader(), data)
    assert [path for path, _ in tree(catalog)] == [
        ("Dissertation",),
        ("Dissertation", "Background"),
        ("Dissertation", "Data information"),
        ("Dissertation", "Data issues"),
        ("Dissertation", "Programs/Packages"),
        ("Dissertation", "Formulae/Textbooks"),
    ]
    in_two = [r for r in catalog.resources if len(r.collection_ids) > 1]
    assert in_two, "an item in several collections is one resource with several memberships"
    noted = [r for r in catalog.resources if r.note]
    assert [r.note[:19] for r in noted] == ["Welcome to Zotero!\n", "Pages 1-11 in PDF"]
    referenced = [r for r in catalog.resources if r.container == "Human Biology"]
    assert referenced, "a container referenced by rdf:resource (urn:issn:...) is read"
    smap, _ = read(ZoteroRdfReader(), (corpus("zotero-rdf") / "SMAP_zotero.rdf").read_bytes())
    chapter = smap.resources[0]
    assert (chapter.type, chapter.container, chapter.series) == (
        "chapter",
        "Artificial Intelligence with Python",
        "Machine Learning: Foundations, Methodologies, and Applications",
    )
    assert (chapter.isbn, chapter.publisher, chapter.place, chapter.doi) == (
        "9789811686153",
        "Springer",
        "Singapore",
        "10.1007/978-981-16-8615-3_16",
    )
    assert chapter.authors[0] == Person(family="Teoh", given="Teik Toe")


def test_report_names_exactly_what_was_dropped() -> None:
    data = (corpus("zotero-rdf") / "zotero-pmcid-fetcher_Exported-Items.rdf").read_bytes()
    _catalog, report = read(ZoteroRdfReader(), data, "items.rdf")
    assert [str(line) for line in report.lines] == [
        "items.rdf:10: dc:date: '12/2012' read as 2012-12",
        "items.rdf:57: attachment: attachment 'Silva et al. - 2012 - TNF-α Blocker Therapy and Solid Malignancy Risk in.pdf' not kept (a file or link)",
        "items.rdf:226: attachment: attachment 'Rennard et al. - 2007 - The Safety and Efficacy of Infliximab in Moderate .pdf' not kept (a file or link)",
        "items.rdf:302: attachment: attachment 'Fiorino et al. - 2017 - The safety of biological pharmacotherapy for the t.pdf' not kept (a file or link)",
        "items.rdf:342: attachment: attachment 'Gerke - 2020 - Treatment of Sarcoidosis A Multidisciplinary Appr.pdf' not kept (a file or link)",
        "items.rdf:385: attachment: attachment 'Gerriets et al. - Tumor Necrosis Factor Inhibitors.pdf' not kept (a file or link)",
    ]
    report_number, _ = read(
        ZoteroRdfReader(), (corpus("zotero-rdf") / "zotero-RDFjs-test03_report-number.rdf").read_bytes()
    )
    assert [(r.type, r.number, r.title) for r in report_number.resources] == [
        ("report", "NLR-TP-96-464", "Test")
    ]


def test_zoteros_own_export_sample_reads() -> None:
    data = reference_file("ZOTERO_RDF_SAMPLE").read_bytes()
    catalog, _ = read(ZoteroRdfReader(), data)
    assert len(catalog.resources) == len(records(data))


def expected_back(resource: Resource) -> Resource:
    """What Zotero RDF carries of a resource: the writer's documented merges applied.

    Types map many to one (documentation -> webpage, service -> software); a program has no language field;
    container, publisher and institution share dc:publisher where the item type has no container node; an
    arXiv preprint's repository is arXiv; the summary is written as the abstract.
    """
    zotero_type = format_type(resource.type, "zotero")
    values = {"type": type_of(zotero_type), "abstract": resource.abstract or resource.summary}
    if zotero_type in NO_LANGUAGE_FIELD:
        values["language"] = None
    if zotero_type == "preprint" and resource.arxiv and not resource.container:
        values["container"] = "arXiv"
    return replace(resource, **values)  # type: ignore[arg-type]


def organisations(resource: Resource) -> list[str]:
    return sorted(filter(None, {resource.container, resource.publisher, resource.institution}))


@pytest.mark.parametrize("name", ["good_catalog", "evil_catalog", "bundled_catalog"])
def test_our_export_reads_back_minus_exactly_the_lost_fields(
    name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(name)
    back = round_trip(ZoteroRdfExporter(), ZoteroRdfReader(), catalog)
    assert tree(back, ordered=False) == tree(catalog, ordered=False)
    assert [r.id for r in back.resources] == [r.id for r in catalog.resources]
    lost = LOST_FIELDS | {"container", "publisher", "institution"}
    for original in catalog.resources:
        copy, expected = back.resource(original.id), expected_back(original)
        assert kept(copy, lost) == kept(expected, lost), original.id
        assert organisations(copy) == organisations(expected), original.id


def test_corpus_libraries_are_a_fixed_point() -> None:
    for path in sorted(corpus("zotero-rdf").glob("*.rdf")):
        if path.name in NOT_ZOTERO:
            continue
        first, _ = read(ZoteroRdfReader(), path.read_bytes())
        second = round_trip(ZoteroRdfExporter(), ZoteroRdfReader(), first)
        assert tree(second) == tree(first), path.name
        for resource in first.resources:
            assert kept(second.resource(resource.id), frozenset()) == kept(resource, frozenset()), resource.id


def test_hostile_xml_is_one_clean_error() -> None:
    laughs = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&b;</rdf:RDF>'
    with pytest.raises(UnreadableFileError, match="declares a DTD or an entity"):
        read(ZoteroRdfReader(), laughs)
    with pytest.raises(UnreadableFileError):
        read(ZoteroRdfReader(), bytes(range(256)) * 100)
    deep = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + b"<a>" * 10_000
    with pytest.raises((UnreadableFileError, NotThisFormatError)):
        read(ZoteroRdfReader(), deep)


def collections_rdf(parts: list[tuple[int, list[int]]], item_in: int) -> bytes:
    """Collections #c<n> listing sub-collections, and one item filed in collection ``item_in``."""
    nodes = [
        f'<z:Collection rdf:about="#c{n}"><dc:title>c{n}</dc:title>'
        + "".join(f'<dcterms:hasPart rdf:resource="#c{child}"/>' for child in children)
        + ('<dcterms:hasPart rdf:resource="#item"/>' if n == item_in else "")
        + "</z:Collection>"
        for n, children in parts
    ]
    item = '<bib:Book rdf:about="#item"><z:itemType>book</z:itemType><dc:title>Deep</dc:title></bib:Book>'
    namespaces = (
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:z="http://www.zotero.org/namespaces/export#"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:bib="http://purl.org/net/biblio#"'
    )
    return f"<rdf:RDF {namespaces}>{item}{''.join(nodes)}</rdf:RDF>".encode()


def test_deep_and_looping_collections_are_bounded_and_reported() -> None:
    chain = collections_rdf([(n, [n + 1]) for n in range(10_000)] + [(10_000, [])], item_in=10_000)
    catalog, report = read(ZoteroRdfReader(), chain, "deep.rdf")
    assert len(catalog.collections) == 256
    assert catalog.resources[0].collection_ids == (catalog.collections[-1].id,)
    assert [line.message for line in report.lines] == [
        "collections nested deeper than 256 levels are merged into the one above"
    ]
    loop = collections_rdf([(1, [2]), (2, [1])], item_in=2)
    catalog, report = read(ZoteroRdfReader(), loop, "loop.rdf")
    assert [path for path, _ in tree(catalog)] == [("c1",), ("c1", "c2")]
    assert [str(line) for line in report.lines] == [
        "loop.rdf:1: collection: collection listed under a second parent (or in a loop); kept under the first"
    ]


def test_the_new_fields_survive_a_write_and_a_read() -> None:
    from mlops_refs.model import CatalogInfo, Collection, PartialDate

    rich = Resource(
        id="doe2020rich",
        type="chapter",
        title="A rich record",
        url="https://rich.example/",
        collection_ids=("f",),
        authors=(Person(family="Berg", given="Ana", particle="van der"), Person(literal="ACME Lab")),
        editors=(Person(family="Roe", given="Jo", suffix="Jr."),),
        translators=(Person(family="Tran", given="Lu"),),
        issued=PartialDate(2020, 5),
        original_date=PartialDate(1901),
        container="The Book",
        publisher="Press",
        place="Paris",
        pages="1-9",
        doi="10.1000/rich",
        isbn="9780000000000",
        issn="1234-5678",
        pmid="123",
        pmcid="PMC123",
        edition="2",
        series="Series Name",
        accessed=PartialDate(2021, 1, 2),
        abstract="An abstract.",
        tags=("a", "b"),
        language="en",
        note="Line one\nline two\n\nParagraph.",
        extra=(("shortTitle", "Rich"), ("callNumber", "QA76")),
    )
    catalog = Catalog.build(CatalogInfo(), [Collection(id="f", title="F", kind="folder")], [rich])
    (back,) = round_trip(ZoteroRdfExporter(), ZoteroRdfReader(), catalog).resources
    assert kept(back, frozenset()) == kept(rich, frozenset())


def test_a_doi_kept_as_a_doi_org_link_is_read_as_the_bare_doi() -> None:
    path = corpus("zotero-rdf") / "NLP-for-TA_My-Library_collections-autotags.rdf"
    catalog, _ = read(ZoteroRdfReader(), path.read_bytes(), path.name)
    (article,) = [r for r in catalog.resources if r.url and r.url.endswith("/doi/abs/10.1111/poms.12653")]
    assert article.doi == "10.1111/poms.12653"
    assert all(r.doi is None or r.doi.startswith("10.") for r in catalog.resources)
