"""The OPML reader: listparser's test files, feed readers' and outliners' exports, our own export read back."""

from __future__ import annotations

import pytest
from lxml import etree

from mlops_refs.exporters.opml import OpmlExporter
from mlops_refs.model import Catalog, PartialDate
from mlops_refs.readers.base import NotThisFormatError, UnreadableFileError
from mlops_refs.readers.opml import LOST_FIELDS, OpmlReader
from readers import corpus, kept, read, round_trip, tree

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)


def linked_urls(data: bytes) -> set[str]:
    """An independent count: the distinct URLs of outlines that carry one, as lxml sees them."""
    root = etree.fromstring(data.replace(b"&aelig;", b"&#230;"), SAFE)
    urls = set()
    for outline in root.iter("outline"):
        attributes = {k.lower(): v.strip() for k, v in outline.attrib.items()}
        url = attributes.get("htmlurl") or attributes.get("xmlurl") or attributes.get("url")
        if url:
            urls.add(url)
    return urls


def test_every_corpus_file_reads_and_keeps_every_link() -> None:
    files = sorted(corpus("opml").glob("*.opml"))
    assert len(files) == 12
    for path in files:
        catalog, report = read(OpmlReader(), path.read_bytes(), path.name)
        assert {r.url for r in catalog.resources} == linked_urls(path.read_bytes()), path.name
        assert report.read == len(catalog.resources)


def test_nested_groupings_become_folders_and_duplicates_one_resource() -> None:
    folder = corpus("opml")
    nested, _ = read(OpmlReader(), (folder / "listparser_categories_hier-2-nested.opml").read_bytes())
    assert tree(nested) == [(("grouping1",), ()), (("grouping1", "grouping2"), ("feedname",))]
    twice, _ = read(OpmlReader(), (folder / "listparser_outline-duplication-2.opml").read_bytes())
    (feed,) = twice.resources
    assert [c.title for c in twice.collections_of(feed)] == ["hier1", "hier2"]
    assert feed.extra == (("type", "rss"),)


def test_report_names_exactly_what_was_dropped() -> None:
    data = (corpus("opml") / "opmlPackage_includes.opml").read_bytes()
    catalog, report = read(OpmlReader(), data, "includes.opml")
    base = "http://scripting.com/publicfolder/misc/inclusionDemo"
    assert [str(line) for line in report.lines] == [
        "includes.opml:7: vertScrollState: head entry not kept",
        "includes.opml:8: windowTop: head entry not kept",
        "includes.opml:9: windowLeft: head entry not kept",
        "includes.opml:10: windowBottom: head entry not kept",
        "includes.opml:11: windowRight: head entry not kept",
        f"includes.opml:14: url: includes another outline ({base}/colors.opml); recorded as a link, not fetched",
        f"includes.opml:15: url: includes another outline ({base}/names.opml); recorded as a link, not fetched",
        f"includes.opml:16: url: includes another outline ({base}/veggies.opml); recorded as a link, not fetched",
        "includes.opml:14: name: outline attribute not kept; met 2 times",
    ]
    assert catalog.info.updated == PartialDate(2024, 9, 7)
    assert [r.added for r in catalog.resources] == [
        "2022-05-11T21:02:19Z",
        "2022-05-11T21:03:38Z",
        "2022-05-11T21:03:42Z",
    ]


def test_a_plain_outline_imports_nothing_and_says_so() -> None:
    data = (corpus("opml") / "opmlPackage_states.opml").read_bytes()
    catalog, report = read(OpmlReader(), data, "states.opml")
    assert catalog.resources == ()
    assert catalog.collections == ()
    assert (
        str(report.lines[-1]) == "states.opml: a plain outline of 59 entries with no links; nothing to import"
    )


def test_html_entities_encoding_and_case_blind_attributes() -> None:
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<opml version="1.0"><head><title>Caf\u00e9&nbsp;x</title>'
        '</head><body><outline TEXT="A&eacute;" XMLURL="https://a.example/feed" HTMLURL="https://a.example/"'
        ' CATEGORY="x, y" CREATED="2025-01-02T03:04:05+01:00"/></body></opml>'
    ).encode("latin-1")
    catalog, report = read(OpmlReader(), data)
    assert catalog.info.title == "Caf\u00e9\u00a0x"
    (resource,) = catalog.resources
    assert (resource.title, resource.url, resource.tags) == ("A\u00e9", "https://a.example/", ("x", "y"))
    assert resource.added == "2025-01-02T02:04:05Z"
    assert resource.extra == (("xmlUrl", "https://a.example/feed"),)
    assert report.lines == []


@pytest.mark.parametrize("name", ["good_catalog", "evil_catalog", "bundled_catalog"])
def test_our_export_reads_back_minus_exactly_the_lost_fields(
    name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(name)
    back = round_trip(OpmlExporter(), OpmlReader(), catalog)
    assert tree(back, ordered=False) == tree(catalog, ordered=False)
    by_url = {r.url: r for r in back.resources}
    for original in catalog.resources:
        copy = by_url[original.url]
        assert kept(copy, LOST_FIELDS | {"added"}) == kept(original, LOST_FIELDS | {"added"})
        date = original.accessed or original.issued
        expected = f"{date.year:04d}-{date.month or 1:02d}-{date.day or 1:02d}T00:00:00Z" if date else None
        assert copy.added == expected
    assert back.info.title == catalog.info.title


def test_corpus_files_are_a_fixed_point() -> None:
    for path in sorted(corpus("opml").glob("*.opml")):
        first, _ = read(OpmlReader(), path.read_bytes())
        second = round_trip(OpmlExporter(), OpmlReader(), first)
        assert tree(second, ordered=False) == tree(first, ordered=False), path.name
        assert {r.url: r for r in second.resources} == {r.url: r for r in first.resources}, path.name


def test_hostile_xml_is_one_clean_error_in_bounded_time() -> None:
    laughs = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<opml><body><outline text="&lol2;"/></body></opml>'
    with pytest.raises(UnreadableFileError, match=r"^x.opml:2: declares a DTD or an entity"):
        read(OpmlReader(), laughs, "x.opml")
    xxe = b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body><outline text="&x;"/></body></opml>'
    with pytest.raises(UnreadableFileError):
        read(OpmlReader(), xxe)
    deep = b"<opml><body>" + b'<outline text="f">' * 10_000 + b'<outline text="x" url="https://x.example/"/>'
    deep += b"</outline>" * 10_000 + b"</body></opml>"
    catalog, report = read(OpmlReader(), deep, "deep.opml")
    assert len(catalog.collections) < 300
    assert report.lines[0].field == "xml"
    with pytest.raises(UnreadableFileError):
        read(OpmlReader(), bytes(range(256)) * 100)
    with pytest.raises(NotThisFormatError, match="not <opml>"):
        read(OpmlReader(), b"<rss><channel/></rss>")


def test_what_an_outline_carries_survives_a_write_and_a_read() -> None:
    from mlops_refs.model import CatalogInfo, Collection, Resource

    folders = [Collection(id="f", title="Feeds", kind="folder")]
    feed = Resource(
        id="x",
        type="webpage",
        title="A blog",
        url="https://blog.example/",
        collection_ids=("f",),
        added="2008-03-14T09:00:00Z",
        tags=("t1", "t2"),
        summary="A description",
        extra=(("type", "rss"), ("xmlUrl", "https://blog.example/feed")),
    )
    loose = Resource(id="y", type="webpage", title="Loose", url="https://loose.example/")
    catalog = Catalog.build(CatalogInfo(title="Mine"), folders, [feed, loose])
    back = round_trip(OpmlExporter(), OpmlReader(), catalog)
    assert tree(back) == tree(catalog)
    lost = LOST_FIELDS - {"extra"}
    assert {r.url: kept(r, lost) for r in back.resources} == {r.url: kept(r, lost) for r in catalog.resources}
