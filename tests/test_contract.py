"""One contract over every registered exporter: it runs, is deterministic, and keeps its promises."""

from __future__ import annotations

import pytest

from mlops_refs.exporters import Exporter, default_registry, dumps

EXPORTERS = default_registry.classes()
IDS = [cls.name for cls in EXPORTERS]


def test_the_builtin_formats_are_registered() -> None:
    assert set(IDS) >= {
        "bibtex",
        "biblatex",
        "csl-json",
        "netscape",
        "opml",
        "zotero-rdf",
        "ris",
        "markdown",
        "html-page",
    }


@pytest.mark.parametrize("cls", EXPORTERS, ids=IDS)
def test_exporter_declares_its_metadata(cls: type) -> None:
    exporter = cls()
    assert isinstance(exporter, Exporter)
    assert cls.extension.startswith(".")
    assert cls.default_filename.endswith(cls.extension)
    assert "/" in cls.media_type
    assert cls.description
    assert "\n" not in cls.description
    assert cls.name not in cls.aliases


@pytest.mark.parametrize("cls", EXPORTERS, ids=IDS)
@pytest.mark.parametrize("catalog_name", ["good_catalog", "evil_catalog", "bundled_catalog"])
def test_exporter_output_is_deterministic_utf8_lf(
    cls: type, catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    first = dumps(cls(), catalog)
    second = dumps(cls(), catalog)
    assert first == second
    assert first.strip()
    assert "\r" not in first
    assert first.endswith("\n")
    first.encode("utf-8")  # no lone surrogates


# Formats that share an extension with another one keep their golden file under their own name.
GOLDEN_NAMES = {"biblatex": "good.biblatex.bib", "html-page": "good.page.html"}


@pytest.mark.parametrize("cls", EXPORTERS, ids=IDS)
def test_exporter_matches_its_golden_file(cls: type, good_catalog, golden) -> None:
    golden(GOLDEN_NAMES.get(cls.name, f"good{cls.extension}"), dumps(cls(), good_catalog))
