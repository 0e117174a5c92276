"""pandoc (Debian's) reads the BibTeX, BibLaTeX and CSL-JSON exports and renders them with citeproc."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import require_program
from consumers import squash
from mlops_refs import dumps
from mlops_refs.model import Catalog

pytestmark = pytest.mark.consumer

# (export format, pandoc reader, file name)
INPUTS = [
    ("bibtex", "bibtex", "refs.bib"),
    ("biblatex", "biblatex", "refs.bib"),
    ("csl-json", "csljson", "refs.json"),
]
CATALOGS = ["bundled_catalog", "evil_catalog", "good_catalog"]
NOCITE_ALL = "---\nnocite: |\n  @*\n---\n"


def pandoc(args: list[str], cwd: Path, stdin: str = "") -> str:
    result = subprocess.run(
        [require_program("pandoc"), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"pandoc warned:\n{result.stderr}"
    return result.stdout


@pytest.mark.parametrize(("fmt", "reader", "name"), INPUTS, ids=[i[0] for i in INPUTS])
@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_pandoc_reads_every_item_without_warnings(
    fmt: str, reader: str, name: str, catalog_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    (tmp_path / name).write_text(dumps(catalog, fmt), encoding="utf-8")
    items = json.loads(pandoc(["-f", reader, "-t", "csljson", name], tmp_path))
    by_id = {item["id"]: item for item in items}
    assert sorted(by_id) == sorted(r.id for r in catalog.resources)
    for r in catalog.resources:
        item = by_id[r.id]
        title = re.sub(r"</?span[^>]*>", "", item["title"])  # protected words come as <span class="nocase">
        assert squash(title) == squash(r.title), r.id
        assert item.get("URL") == r.url, r.id
        assert item.get("DOI") == r.doi, r.id
        families = [
            squash(
                " ".join(
                    a.get(k, "") for k in ("dropping-particle", "non-dropping-particle", "family", "literal")
                )
            )
            for a in item.get("author", [])
        ]
        assert families == [squash(a.full_family) for a in r.authors], r.id
        if r.issued:
            assert item["issued"]["date-parts"][0] == list(r.issued.parts), r.id  # BibTeX: from `date`


@pytest.mark.parametrize(("fmt", "reader", "name"), INPUTS, ids=[i[0] for i in INPUTS])
@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "good_catalog"])
def test_pandoc_citeproc_renders_a_bibliography_with_every_entry(
    fmt: str, reader: str, name: str, catalog_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    (tmp_path / name).write_text(dumps(catalog, fmt), encoding="utf-8")
    text = pandoc(
        ["--citeproc", "--bibliography", name, "-f", "markdown", "-t", "plain", "--wrap=none"],
        tmp_path,
        NOCITE_ALL,
    )
    entries = [line for line in text.splitlines() if line.strip()]
    assert len(entries) == len(catalog.resources)
    rendered = squash(text)
    for r in catalog.resources:
        assert squash(r.title)[:40] in rendered, r.id
        if r.issued:
            assert str(r.issued.year) in text, r.id
        first = r.authors[0] if r.authors else None
        if first is not None:
            assert squash(first.family or first.literal or "") in rendered, r.id  # a particle may move
