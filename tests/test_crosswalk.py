"""The type crosswalk: one row per catalog type, read the same way by every writer and back by readers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mlops_refs import dumps
from mlops_refs.crosswalk import FORMATS, TYPES, catalog_type, format_type
from mlops_refs.exporters.zotero_rdf import NODE_SHAPES
from mlops_refs.model import RESOURCE_TYPES, Catalog


def test_every_catalog_type_has_one_row() -> None:
    assert sorted(TYPES) == sorted(RESOURCE_TYPES)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reading_a_written_type_back_gives_a_type_with_the_same_format_type(fmt: str) -> None:
    for ours in RESOURCE_TYPES:
        theirs = format_type(ours, fmt)  # type: ignore[arg-type]
        back = catalog_type(fmt, theirs)  # type: ignore[arg-type]
        assert back is not None
        assert format_type(back, fmt) == theirs  # type: ignore[arg-type]
        assert catalog_type(fmt, theirs.upper()) == catalog_type(fmt, theirs.lower())  # type: ignore[arg-type]


def test_every_zotero_type_has_a_node_shape_in_the_rdf_writer() -> None:
    assert {format_type(ours, "zotero") for ours in RESOURCE_TYPES} <= set(NODE_SHAPES)


def test_a_type_only_one_of_ours_has_reads_back_as_itself() -> None:
    for fmt in FORMATS:
        names = [format_type(ours, fmt) for ours in RESOURCE_TYPES]  # type: ignore[arg-type]
        for ours, theirs in zip(RESOURCE_TYPES, names, strict=True):
            if names.count(theirs) == 1:
                assert catalog_type(fmt, theirs) == ours  # type: ignore[arg-type]


def test_shared_types_read_back_as_the_general_case() -> None:
    assert catalog_type("bibtex", "misc") == "document"
    assert catalog_type("ris", "MANSCPT") == "manuscript"
    assert catalog_type("biblatex", "online") == "webpage"
    assert catalog_type("zotero", "computerProgram") == "software"
    assert catalog_type("ris", "UNPB") is None


def test_a_service_is_a_computer_program_in_every_format(bundled_catalog: Catalog) -> None:
    services = [r for r in bundled_catalog.resources if r.type == "service"]
    assert services
    assert {fmt: format_type("service", fmt) for fmt in FORMATS} == {
        "bibtex": "misc",
        "biblatex": "software",
        "csl": "software",
        "ris": "COMP",
        "zotero": "computerProgram",
    }
    subset = bundled_catalog.subset(types=["service"])
    assert "<z:itemType>computerProgram</z:itemType>" in dumps(subset, "zotero-rdf")
    assert '"type":"software"' in dumps(subset, "csl-json").replace(" ", "")
    assert dumps(subset, "ris").count("TY  - COMP") == len(services)
    assert dumps(subset, "biblatex").count("@software{") == len(services)


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex", "csl-json", "netscape", "opml", "ris", "zotero-rdf"])
def test_every_catalog_type_goes_through_every_writer_with_its_crosswalk_type(
    fmt: str, good_catalog: Catalog
) -> None:
    first = good_catalog.resources[0]
    resources = [replace(first, id=f"t-{ours}", type=ours) for ours in RESOURCE_TYPES]
    catalog = Catalog.build(good_catalog.info, good_catalog.collections, resources)
    text = dumps(catalog, fmt)
    for ours in RESOURCE_TYPES:
        theirs = {
            "bibtex": None,  # a type plain.bst cannot print falls back to @misc
            "biblatex": f"@{format_type(ours, 'biblatex')}{{t-{ours},",
            "csl-json": f'"type": "{format_type(ours, "csl")}"',
            "ris": f"TY  - {format_type(ours, 'ris')}",
            "zotero-rdf": f"<z:itemType>{format_type(ours, 'zotero')}</z:itemType>",
        }.get(fmt)
        assert theirs is None or theirs in text, ours
