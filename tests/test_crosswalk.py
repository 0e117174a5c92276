"""The type crosswalk: one row per catalog type, read the same way by every writer and back by readers."""

from __future__ import annotations

import pytest

from mlops_refs import dumps
from mlops_refs.crosswalk import FORMATS, TYPES, catalog_type, format_type
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


def test_a_type_only_one_of_ours_has_reads_back_as_itself() -> None:
    for fmt in FORMATS:
        names = [format_type(ours, fmt) for ours in RESOURCE_TYPES]  # type: ignore[arg-type]
        for ours, theirs in zip(RESOURCE_TYPES, names, strict=True):
            if names.count(theirs) == 1:
                assert catalog_type(fmt, theirs) == ours  # type: ignore[arg-type]


def test_shared_types_read_back_as_the_general_case() -> None:
    assert catalog_type("bibtex", "misc") == "webpage"
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
