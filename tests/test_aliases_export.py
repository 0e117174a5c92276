"""Aliases (other keys of a resource) in the .bib exports: biber resolves them, bibtex and pybtex pass them by."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pybtex.errors
import pytest
from pybtex.database import parse_string

from conftest import require_program
from consumers import PREAMBLE, run
from mlops_refs import dumps
from mlops_refs.model import Catalog
from test_consumer_latex import log_warnings

ALIASES = ("Sculley:2015", "hidden-debt")


def with_aliases(catalog: Catalog) -> Catalog:
    first = replace(catalog.resources[0], aliases=ALIASES)
    return Catalog.build(catalog.info, catalog.collections, [first, *catalog.resources[1:]])


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_aliases_are_written_as_ids(good_catalog: Catalog, fmt: str) -> None:
    catalog = with_aliases(good_catalog)
    text = dumps(catalog, fmt)
    first = catalog.resources[0].id
    entry = text[text.index("{" + first + ",") :].split("\n}\n")[0]
    assert re.search(r"^  ids +=\s\{Sculley:2015, hidden-debt\},$", entry, re.M), entry
    assert dumps(good_catalog, fmt).count(" ids ") == 0  # nothing without aliases


def test_pybtex_reads_the_ids_field_without_warnings(good_catalog: Catalog) -> None:
    previous = pybtex.errors.strict
    pybtex.errors.set_strict_mode(True)  # a warning raises
    try:
        data = parse_string(dumps(with_aliases(good_catalog), "bibtex"), "bibtex")
    finally:
        pybtex.errors.set_strict_mode(previous)
    first = good_catalog.resources[0].id
    assert data.entries[first].fields["ids"] == "Sculley:2015, hidden-debt"


@pytest.mark.consumer
def test_biber_resolves_a_citation_by_its_alias(good_catalog: Catalog, tmp_path: Path) -> None:
    pdflatex, biber = require_program("pdflatex"), require_program("biber")
    (tmp_path / "refs.bib").write_text(dumps(with_aliases(good_catalog), "biblatex"), encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        PREAMBLE
        + "\\usepackage[backend=biber,style=numeric]{biblatex}\n\\addbibresource{refs.bib}\n"
        + "\\begin{document}\nSee \\cite{Sculley:2015} and \\cite{hidden-debt}.\n\\printbibliography\n"
        + "\\end{document}\n",
        encoding="utf-8",
    )
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    run(latex, tmp_path)
    run([biber, "doc"], tmp_path)
    run(latex, tmp_path)
    run(latex, tmp_path)
    blg = (tmp_path / "doc.blg").read_text(encoding="utf-8")
    assert not re.search(r"^(WARN|ERROR)", blg, re.M), blg
    assert log_warnings((tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")) == []
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert re.findall(r"\\entry\{([^}]*)\}", bbl) == [good_catalog.resources[0].id]


@pytest.mark.consumer
def test_bibtex_passes_the_ids_field_by_without_warnings(good_catalog: Catalog, tmp_path: Path) -> None:
    from consumers import typeset

    result = typeset(tmp_path, dumps(with_aliases(good_catalog), "bibtex"), style="plain")
    assert re.findall(r"Warning--.*", result.blg) == [
        "Warning--can't use both author and editor fields in beethoven-book"
    ]
