"""The Netscape bookmark reader: real browsers' files, our own export read back, hostile input."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from mlops_refs.exporters.netscape import NetscapeExporter, unix_time
from mlops_refs.model import Catalog
from mlops_refs.readers.base import NotThisFormatError
from mlops_refs.readers.moments import iso_utc
from mlops_refs.readers.netscape import LOST_FIELDS, NetscapeReader
from readers import corpus, kept, read, round_trip, tree

NOT_BOOKMARKS = {"firefox_migration_bookmarks.invalid.html", "node-bookmarks-parser_pocket_export.html"}


class _Links(HTMLParser):
    """An independent count: distinct http(s) HREFs of <A> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if (
            tag == "a"
            and href.strip().lower().startswith(("http://", "https://"))
            and "feedurl" not in dict(attrs)
        ):
            self.urls.add(href.strip())


def http_links(data: bytes) -> set[str]:
    parser = _Links()
    parser.feed(data.decode("utf-8", "replace"))
    return parser.urls


def test_every_corpus_file_reads_and_keeps_every_http_link() -> None:
    files = sorted(corpus("netscape").glob("*.htm*"))
    assert len(files) >= 16
    for path in files:
        data = path.read_bytes()
        if path.name in NOT_BOOKMARKS:
            with pytest.raises(NotThisFormatError):
                read(NetscapeReader(), data, path.name)
            continue
        catalog, report = read(NetscapeReader(), data, path.name)
        assert {r.url for r in catalog.resources if r.url.startswith("http")} == http_links(data), path.name
        assert report.read == len(catalog.resources)


def test_firefox_roots_by_role_dates_and_folder_without_list() -> None:
    folder = corpus("netscape")
    catalog, _ = read(NetscapeReader(), (folder / "firefox_bookmarks.preplaces.html").read_bytes())
    kinds = {c.title: c.kind for c in catalog.collections}
    assert kinds["Bookmarks Toolbar Folder"] == "toolbar"
    assert kinds["Unsorted Bookmarks"] == "unfiled"
    single, _ = read(NetscapeReader(), (folder / "firefox_bookmarks_html_singleframe.html").read_bytes())
    assert tree(single) == [(("Subtitle",), ("Mozilla",))]


def test_dates_are_scaled_by_their_digits_and_bad_ones_reported() -> None:
    folder = corpus("netscape")
    catalog, _ = read(NetscapeReader(), (folder / "linkding_simple_valid_import_file.html").read_bytes())
    assert [r.added for r in catalog.resources] == ["2021-03-21T14:39:19Z"] * 3
    data = b'<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><A HREF="https://a.example/" ADD_DATE="invaliddate">A</A>\n</DL>'
    catalog, report = read(NetscapeReader(), data, "b.html")
    assert catalog.resources[0].added is None
    assert [str(line) for line in report.lines] == [
        "b.html:3: ADD_DATE: 'invaliddate' is not a number of seconds; left out"
    ]


def test_report_names_exactly_what_was_dropped() -> None:
    data = (corpus("netscape") / "firefox_bookmarks.glue.html").read_bytes()
    catalog, report = read(NetscapeReader(), data, "glue.html")
    assert [str(line) for line in report.lines] == [
        "glue.html:14: folder: the same URL is also at the top level; it is kept in its folder only",
        "glue.html:11: folder ADD_DATE: not kept (no field for it); met once",
        "glue.html:11: folder LAST_MODIFIED: not kept (no field for it); met once",
    ]
    assert tree(catalog) == [(("Bookmarks Toolbar",), ("example",))]
    assert (
        catalog.collections[0].summary
        == "Add bookmarks to this folder to see them displayed on the Bookmarks Toolbar"
    )
    (example,) = catalog.resources  # one URL at the top and in the toolbar: one resource, filed once
    assert example.added == "2009-01-28T15:52:52Z"
    assert example.extra == (("last_modified", "2009-01-28T15:53:04Z"),)


def test_delicious_missing_end_tags_multiline_descriptions_entities_crlf() -> None:
    folder = corpus("netscape")
    data = (folder / "shaarli-parser_netscape_multiline.htm").read_bytes().replace(b"\n", b"\r\n")
    catalog, _ = read(NetscapeReader(), data)
    assert catalog.resources[0].summary == "List:\n- item1\n- item2\n- item3"
    data = b'<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p><DT><A HREF="https://a.example/?a=1&amp;b=2" TAGS="x,,y">Caf&eacute; &mdash; &#233;\n<DT><H3>F</H3><DL><p></DL>\n</DL>'
    catalog, _ = read(NetscapeReader(), data)
    (resource,) = catalog.resources
    assert (resource.title, resource.url, resource.tags) == (
        "Café — é",
        "https://a.example/?a=1&b=2",
        ("x", "y"),
    )
    assert [c.title for c in catalog.collections] == ["F"]


def test_smart_folders_and_bookmarklets_are_reported_and_skipped() -> None:
    data = b'<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><A HREF="place:sort=8">Most visited</A>\n<DT><A HREF="javascript:alert(1)">JS</A>\n<DT><A HREF="b0rked">B</A>\n<DT><A HREF="data:text/html,x">D</A>\n</DL>'
    catalog, report = read(NetscapeReader(), data, "s.html")
    assert catalog.resources == ()
    assert [str(line) for line in report.lines] == [
        "s.html:3: link 'Most visited': place: URL (a smart folder), not a page",
        "s.html:4: link 'JS': javascript: URL (a bookmarklet), not a page",
        "s.html:5: link 'B': 'b0rked' is not an absolute URL",
        "s.html:6: link 'D': data: URL (inline data), not a page",
        "s.html: no bookmarks found",
    ]
    assert report.skipped == 4


def test_charset_from_meta_and_bom() -> None:
    body = '<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1">\n<DL><p><DT><A HREF="https://a.example/">Caf\u00e9</A></DL>'
    catalog, report = read(NetscapeReader(), body.encode("latin-1"))
    assert catalog.resources[0].title == "Café"
    assert report.lines == []
    catalog, _ = read(NetscapeReader(), "\ufeff".encode() + body.replace("ISO-8859-1", "UTF-8").encode())
    assert catalog.resources[0].title == "Café"


@pytest.mark.parametrize("name", ["good_catalog", "evil_catalog", "bundled_catalog"])
def test_our_export_reads_back_minus_exactly_the_lost_fields(
    name: str, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(name)
    back = round_trip(NetscapeExporter(root_folder=False), NetscapeReader(), catalog)
    assert tree(back, ordered=False) == tree(catalog, ordered=False)
    lost = LOST_FIELDS | {"added", "summary", "title"}
    by_url = {r.url: r for r in back.resources}
    assert len(by_url) == len({r.url for r in catalog.resources})
    for original in catalog.resources:
        copy = by_url[original.url]
        assert kept(copy, lost) == kept(original, lost)
        assert copy.title == " ".join(original.title.split())
        assert copy.summary == (" ".join(original.summary.split()) if original.summary else None)
        seconds = unix_time(original.accessed, original.issued, catalog.date)
        assert copy.added == (iso_utc(seconds) if seconds else None)


def test_root_folder_wraps_the_tree_in_one_folder_named_like_the_catalog(good_catalog: Catalog) -> None:
    back = round_trip(NetscapeExporter(), NetscapeReader(), good_catalog)
    assert [c.title for c in back.roots] == [good_catalog.info.title]
    assert back.info.title == good_catalog.info.title


def test_corpus_files_are_a_fixed_point_after_one_write() -> None:
    for path in sorted(corpus("netscape").glob("*.htm*")):
        if path.name in NOT_BOOKMARKS:
            continue
        first, _ = read(NetscapeReader(), path.read_bytes())
        second = round_trip(NetscapeExporter(root_folder=False), NetscapeReader(), first)
        third = round_trip(NetscapeExporter(root_folder=False), NetscapeReader(), second)
        assert tree(second, ordered=False) == tree(first, ordered=False), path.name
        assert second.collections == third.collections, path.name
        assert second.resources == third.resources, path.name
        flat = {r.url: (r.title, r.added, r.tags, r.extra) for r in first.resources}
        assert {r.url: (r.title, r.added, r.tags, r.extra) for r in second.resources} == flat, path.name
        assert [c.kind for c in second.collections] == [c.kind for c in first.collections], path.name


def test_deep_nesting_and_garbage_are_bounded() -> None:
    deep = b"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n" + b"<DT><H3>f</H3><DL><p>\n" * 10_000
    deep += b'<DT><A HREF="https://deep.example/">deep</A>\n' + b"</DL><p>\n" * 10_000
    catalog, report = read(NetscapeReader(), deep, "deep.html")
    assert len(catalog.collections) == 256
    assert catalog.resources[0].collection_ids == (catalog.collections[-1].id,)
    assert "folders nested deeper than 256 levels are merged into the one above" in str(report.lines[0])
    with pytest.raises(NotThisFormatError, match="no bookmarks found"):
        read(NetscapeReader(), bytes(range(256)) * 100)
    with pytest.raises(NotThisFormatError, match="no bookmarks found"):
        read(NetscapeReader(), b"<html><body><p>Hello <a href='https://x.example/'>x</a></p></body></html>")


def test_sniff() -> None:
    assert NetscapeReader().sniff("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    assert not NetscapeReader().sniff("<html><body>")


def test_ampersands_in_urls_decode_as_html_does() -> None:
    """HTML (and Firefox) keep '&notes=' in an attribute; html.parser alone would make it '¬es='."""
    data = b'<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p><DT><A HREF="https://a.example/?x=1&notes=2&copy=3&amp;reg=4&para;">A &copy 2</A></DL>'
    catalog, _ = read(NetscapeReader(), data)
    assert catalog.resources[0].url == "https://a.example/?x=1&notes=2&copy=3&reg=4\u00b6"
    assert catalog.resources[0].title == "A \u00a9 2"  # in text, a legacy name decodes without ';'


def test_what_a_bookmark_file_carries_survives_a_write_and_a_read() -> None:
    from mlops_refs.model import CatalogInfo, Collection, Resource

    folders = [
        Collection(id="bar", title="Barra de favoritos", kind="toolbar"),
        Collection(id="sub", title="Sub", kind="folder", parent_id="bar"),
        Collection(id="other", title="Other", kind="unfiled"),
    ]
    saved = Resource(
        id="x",
        type="webpage",
        title="Saved",
        url="https://saved.example/?a=1&notes=2",
        collection_ids=("sub", "other"),
        added="2008-03-14T09:00:00Z",
        tags=("t1", "t2"),
        summary="A description",
        extra=(("last_modified", "2009-01-01T00:00:00Z"), ("shortcuturl", "kw"), ("toread", "1")),
    )
    loose = Resource(
        id="y", type="webpage", title="Loose", url="https://loose.example/", added="2010-01-01T00:00:00Z"
    )
    catalog = Catalog.build(CatalogInfo(title="Mine"), folders, [saved, loose])
    back = round_trip(NetscapeExporter(root_folder=False), NetscapeReader(), catalog)
    assert tree(back, ordered=False) == tree(catalog, ordered=False)
    assert [c.kind for c in back.collections] == ["toolbar", "folder", "unfiled"]
    lost = LOST_FIELDS - {"extra"}
    assert {r.url: kept(r, lost) for r in back.resources} == {r.url: kept(r, lost) for r in catalog.resources}


def test_separators_are_counted_in_one_report_line() -> None:
    data = b'<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<HR><DT><A HREF="https://a.example/">A</A>\n<HR>\n</DL>'
    catalog, report = read(NetscapeReader(), data, "hr.html")
    assert [r.title for r in catalog.resources] == ["A"]
    assert [str(line) for line in report.lines] == [
        "hr.html:3: HR (separator): not kept (no field for it); met 2 times"
    ]
