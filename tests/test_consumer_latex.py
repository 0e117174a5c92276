"""The .bib exports in LaTeX itself: bibtex + pdflatex (plain, apalike) and biber + biblatex."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumers import squash, typeset
from mlops_refs import dumps
from mlops_refs.model import Catalog

pytestmark = pytest.mark.consumer

# pdflatex notes that are not problems with the .bib file: nothing is allowed yet beyond these patterns.
LOG_ALLOWED = [
    re.compile(
        r"^Package: infwarerr .* Providing info/warning/error messages"
    ),  # a package banner, no warning
]


def log_warnings(log: str) -> list[str]:
    problem = re.compile(
        r"Warning|^!|LaTeX Error|Missing character|Undefined control sequence|Runaway argument"
    )
    lines = [line for line in log.splitlines() if problem.search(line)]
    return [line for line in lines if not any(rx.search(line) for rx in LOG_ALLOWED)]


def title_start(title: str) -> str:
    return squash(title)[:30]


def check_entries_typeset(catalog: Catalog, pdf_text: str) -> None:
    typeset_text = squash(pdf_text)
    for r in catalog.resources:
        start = title_start(r.title)
        if start:  # a title in a script pdflatex cannot set is checked through the .bbl instead
            assert start in typeset_text, f"{r.id}: title {r.title!r} is not in the PDF"
        if r.issued:
            assert str(r.issued.year) in pdf_text, r.id


@pytest.mark.parametrize("style", ["plain", "apalike"])
@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_bibtex_and_pdflatex_typeset_every_entry_cleanly(
    style: str, catalog_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    result = typeset(tmp_path, dumps(catalog, "bibtex"), style=style)
    # plain.bst's @book takes an author or an editor, not both; the export keeps both so that Zotero and
    # biber still read the editors.
    expected = {
        f"Warning--can't use both author and editor fields in {r.id}"
        for r in catalog.resources
        if r.type == "book" and r.authors and r.editors
    }
    if style == "apalike":
        # apalike demands a year for every entry; undated pages and tools have none, and the catalog does not
        # invent one. Exactly those entries may warn, and nothing else.
        expected |= {f"Warning--empty year in {r.id}" for r in catalog.resources if r.issued is None}
    assert set(re.findall(r"Warning--.*", result.blg)) == expected, result.blg
    assert "error message" not in result.blg, result.blg
    assert log_warnings(result.log) == []
    keys = set(re.findall(r"\\bibitem(?:\[[^\]]*\])?\{([^}]*)\}", result.bbl, re.S))
    assert keys == {r.id for r in catalog.resources}
    check_entries_typeset(catalog, result.pdf_text)


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_biber_and_biblatex_typeset_every_entry_cleanly(
    catalog_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    result = typeset(tmp_path, dumps(catalog, "biblatex"), biblatex=True)
    assert not re.search(r"^(WARN|ERROR)", result.blg, re.M), result.blg
    assert log_warnings(result.log) == []
    keys = re.findall(r"\\entry\{([^}]*)\}", result.bbl)
    assert sorted(keys) == sorted(r.id for r in catalog.resources)
    check_entries_typeset(catalog, result.pdf_text)


def test_utf8_bibtex_also_compiles(good_catalog: Catalog, tmp_path: Path) -> None:
    result = typeset(tmp_path, dumps(good_catalog, "bibtex", encoding="utf-8"), style="plain")
    assert re.findall(r"Warning--.*", result.blg) == [
        "Warning--can't use both author and editor fields in beethoven-book"
    ]
    assert "Barroso" in result.pdf_text
    assert "André" in result.pdf_text


def test_signs_and_romanian_letters_typeset_without_an_error(tmp_path: Path) -> None:
    from test_bibtex import ROMANIAN, SIGNS, _titled

    catalog = _titled(SIGNS + ROMANIAN)
    result = typeset(tmp_path, dumps(catalog, "bibtex"), style="plain")
    assert log_warnings(result.log) == []
    assert [char for char in SIGNS if char not in result.pdf_text] == []  # each sign typeset as itself
    assert squash(result.pdf_text).count("title") == len(SIGNS + ROMANIAN)  # and every entry


def test_spaces_of_any_width_typeset_with_biber_and_bibtex(tmp_path: Path) -> None:
    from test_bibtex import _titled

    catalog = _titled("\u2009\u202f\u2003\u3000\u00a0")
    for name, run in (("biblatex", {"biblatex": True}), ("bibtex", {"style": "plain"})):
        (tmp_path / name).mkdir()
        result = typeset(tmp_path / name, dumps(catalog, name), **run)
        assert log_warnings(result.log) == [], name
        assert squash(result.pdf_text).count("titleend") == len(catalog.resources), name
