"""Generated hostile catalogs through validation and every exporter: a located problem, or output that the
readers of the test suite parse back equal to the catalog; never a traceback."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

import test_bibtex
import test_csl_json
import test_netscape
import test_opml
import test_ris
from conftest import reference_file
from mlops_refs import CatalogError, dumps, formats, load_catalog
from mlops_refs.model import RESOURCE_TYPES, Catalog

# What catalogs from strangers hold: TeX, XML, HTML and RIS specials, the word "and", scripts, emoji, and
# characters no format can carry (which validation must refuse).
SPECIALS = "{}\\%@&#$^_~<>\"'|,;:=-/*!?`"
LETTERS = "aAzZ09 éüßØçñΩλ日本🚀"
HOSTILE = "\n\t\r\x00\x0c\x1b\x7f\x85\u2028\u2029\ufffe\uffff\U0010ffff\ufdd0"
PIECES = st.one_of(
    st.sampled_from(list(SPECIALS + LETTERS)),
    st.sampled_from([" and ", " AND ", "And", "%comment", "@preamble{x}", "\\input{/etc/hostname}", "}{"]),
)
RARE = st.sampled_from(list(HOSTILE))


def texts(max_pieces: int = 8, rare: bool = False) -> st.SearchStrategy[str]:
    """Text of special characters, words and scripts; with ``rare``, what validation must refuse."""
    if rare:  # blanks at either end too, which no format keeps
        pieces = st.lists(st.one_of(*[PIECES] * 7, RARE), min_size=1, max_size=max_pieces)
        return pieces.map("".join).filter(str.strip)
    return st.lists(PIECES, min_size=1, max_size=max_pieces).map(lambda p: "".join(p).strip()).filter(bool)


def people(rare: bool) -> st.SearchStrategy[dict[str, str]]:
    """A person with some of its name parts, or an organisation."""
    person = st.fixed_dictionaries(
        {"family": texts(rare=rare)},
        optional={"given": texts(rare=rare), "particle": texts(3, rare), "suffix": texts(3, rare)},
    )
    return st.one_of(person, st.fixed_dictionaries({"literal": texts(rare=rare)}))


URLS = st.one_of(
    st.sampled_from(["https://example.org/", "HTTP://example.org/x?a=1&b=%3C#frag", "https://[::1]:8080/"]),
    st.builds(lambda path: "https://example.org/" + path, st.text("abc%/?#&=:@~+!$'()*,;", max_size=10)),
    st.sampled_from(
        ["https://u:p@example.org/", "https://example.org:70000/", "javascript:x", "https://ü.de/"]
    ),
)


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    """A catalog file's data: metadata, a tree that may be deep or wide, resources filed in it."""
    rare = draw(st.booleans())  # texts may hold characters that validation must refuse
    deep = draw(st.booleans())
    count = draw(st.integers(1, 40 if deep else 12))
    collections = []
    for i in range(count):
        parent = f"c{i - 1}" if deep else draw(st.sampled_from([None, *(f"c{j}" for j in range(i))]))
        collection = {"id": f"c{i}", "kind": "topic", "title": draw(texts(rare=rare))}
        if parent is not None and i:
            collection["parent"] = parent
        if draw(st.booleans()):
            collection["summary"] = draw(texts(12, rare))
        collections.append(collection)
    ids = [c["id"] for c in collections]
    resources = []
    for i in range(draw(st.integers(1, 4))):
        resource = {
            "id": f"r{i}",
            "type": draw(st.sampled_from(CHECKED_TYPES)),
            "title": draw(texts(rare=rare)),
            "url": draw(URLS) if i == 0 and rare else f"https://example.org/r{i}",
            "collections": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)),
        }
        optional = {
            "authors": st.lists(people(rare), min_size=1, max_size=4),
            "editors": st.lists(people(rare), min_size=1, max_size=2),
            "container": texts(rare=rare),
            "publisher": texts(rare=rare),
            "institution": texts(rare=rare),
            "volume": texts(3, rare),
            "issue": texts(3, rare),
            "number": texts(3, rare),
            "tags": st.lists(texts(4, rare), min_size=1, max_size=3, unique=True),
            "summary": texts(12, rare),
            "note": texts(12, rare),
            "issued": st.sampled_from(["2020", "2021-02", "1999-12-31"]),
        }
        for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
            resource[name] = draw(optional[name])
        if rare and draw(st.booleans()):  # a field the schema does not know, named by a hostile text
            resource[draw(texts(3, rare))] = "x"
        if "publisher" in resource:  # CSL-JSON has one variable for both, so it carries one of them
            resource.pop("institution", None)
        resources.append(resource)
    info: dict[str, Any] = {"title": draw(texts(rare=rare))}
    if draw(st.booleans()):
        info["description"] = draw(texts(12, rare))
    if draw(st.booleans()):
        info["maintainers"] = draw(st.lists(people(rare), min_size=1, max_size=2))
    return {"catalog": info, "collections": collections, "resources": resources}


@pytest.fixture(scope="module")
def csl_schema() -> dict[str, Any]:
    return json.loads(reference_file("CSL_DATA_SCHEMA").read_text(encoding="utf-8"))


# The types whose placement the readers' helpers know.
CHECKED_TYPES = sorted(
    set(RESOURCE_TYPES) & test_ris.EXPECTED_TYPES.keys() & test_csl_json.EXPECTED_TYPES.keys()
)
LOCATED = re.compile(r"^.+:\d+:\d+: .+$")


def load_or_problems(data: dict[str, Any], file: Path) -> Catalog | None:
    """The validated catalog, or None after checking that every problem is located and explained."""
    file.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False), encoding="utf-8")
    try:
        return load_catalog(file)
    except CatalogError as error:
        problems = error.problems
    assert problems
    for problem in problems:
        assert problem.file == str(file)
        assert LOCATED.fullmatch(str(problem)), str(problem)  # one line: file:line:col: message
        assert problem.line >= 1
        assert problem.column >= 1
    return None


def folded(catalog: Catalog, fold: Callable[[str], str]) -> Catalog:
    """The catalog as a format without multi-line text carries it: each summary and note folded by ``fold``."""
    resources = [
        replace(r, summary=r.summary and fold(r.summary), note=r.note and fold(r.note))
        for r in catalog.resources
    ]
    collections = [replace(c, summary=c.summary and fold(c.summary)) for c in catalog.collections]
    return Catalog.build(catalog.info, collections, resources)


def ris_fold(text: str) -> str:
    """RIS has no line breaks in a value: each line stripped, joined by one space."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def html_fold(text: str) -> str:
    """A bookmark file's <DD> holds one line: the lines joined by one space."""
    return " ".join(text.splitlines())


def assert_readers_parse_back_equal(catalog: Catalog, csl_schema: dict[str, Any]) -> None:
    """Each format read back by its independent reader equals the catalog."""
    for fmt in ("bibtex", "biblatex"):
        test_bibtex.test_pybtex_reads_every_entry_with_equal_fields(catalog, fmt)
        test_bibtex.test_bibtexparser_reads_every_entry_without_failed_blocks(catalog, fmt)
    items = test_csl_json.items_of(catalog)
    assert list(jsonschema.Draft7Validator(csl_schema).iter_errors(items)) == []
    for item, resource in zip(items, catalog.resources, strict=True):
        test_csl_json.assert_item_equals_resource(item, resource)
    records = test_ris.records_of(catalog)
    for record, resource in zip(records, folded(catalog, ris_fold).resources, strict=True):
        test_ris.assert_record_equals_resource(record, resource)
    test_opml.test_document_shape_and_head(catalog)
    test_opml.test_outline_tree_equals_the_collections(catalog)
    for root_folder in (True, False):
        netscape = dumps(catalog, "netscape", root_folder=root_folder)
        assert netscape == dumps(folded(catalog, html_fold), "netscape", root_folder=root_folder)
        test_netscape.test_html_parse_gives_the_collection_tree(folded(catalog, html_fold), root_folder)
    assert_zotero_rdf_equal(catalog)


def assert_zotero_rdf_equal(catalog: Catalog) -> None:
    """Zotero RDF read with lxml: each item's title, URL and tags; each collection's title and parts."""
    root = etree.fromstring(
        dumps(catalog, "zotero-rdf").encode("utf-8"),
        etree.XMLParser(resolve_entities=False, no_network=True),
    )
    ns = {"z": "http://www.zotero.org/namespaces/export#", "dc": "http://purl.org/dc/elements/1.1/"}
    rdf = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    items = [node for node in root if node.get(f"{rdf}about", "").startswith("#item_")]
    assert len(items) == len(catalog.resources)
    for node, resource in zip(items, catalog.resources, strict=True):
        assert node.findtext("dc:title", namespaces=ns) == resource.title
        assert node.xpath("dc:identifier/*/rdf:value/text()", namespaces={**ns, "rdf": rdf[1:-1]}) == [
            resource.url
        ]
        assert node.xpath("dc:subject/text()", namespaces=ns) == list(resource.tags)
    collections = root.findall("z:Collection", ns)
    assert [c.findtext("dc:title", namespaces=ns) for c in collections] == [
        c.title for c, _ in catalog.walk()
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=catalogs())
def test_a_hostile_catalog_is_refused_with_located_problems_or_read_back_equal(
    data: dict[str, Any], tmp_path_factory: Any, csl_schema: dict[str, Any]
) -> None:
    file = tmp_path_factory.mktemp("hostile") / "catalog.yaml"
    catalog = load_or_problems(data, file)
    event("refused" if catalog is None else "exported and read back")
    if catalog is None:
        return
    for fmt in formats():
        dumps(catalog, fmt)  # no exception: every validated catalog exports to every format
    assert_readers_parse_back_equal(catalog, csl_schema)
