"""The HTML page's own promises, read with lxml: one CSP that allows exactly its inline script and style."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import lxml.html
import pytest

from mlops_refs import dumps
from mlops_refs.exporters.bibtex import BibTeXExporter
from mlops_refs.exporters.html_page import script_json

CATALOGS = ["good_catalog", "evil_catalog", "bundled_catalog"]


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_csp_allows_exactly_the_inline_script_and_style_and_nothing_else(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    page = lxml.html.document_fromstring(dumps(catalog, "html-page"))
    (meta,) = page.xpath('//meta[@http-equiv="Content-Security-Policy"]')
    policy = dict(d.strip().split(" ", 1) for d in meta.get("content").split(";"))
    (style,) = page.xpath("//style")
    scripts = page.xpath("//script")
    code = [s for s in scripts if s.get("type") is None]
    assert len(scripts) == 2
    assert len(code) == 1
    assert policy == {
        "default-src": "'none'",
        "script-src": sha256(code[0].text),
        "style-src": sha256(style.text),
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    # Nothing on the page could fetch anything: no src, no stylesheet link, no inline style attribute.
    assert page.xpath("//*[@src] | //link | //*[@style] | //iframe | //object | //img") == []


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_data_block_holds_each_resource_and_its_bibtex_entry(
    catalog_name: str, request: pytest.FixtureRequest
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    text = dumps(catalog, "html-page")
    (block,) = re.findall(r'<script type="application/json" id="page-data">(.*?)</script>', text, flags=re.S)
    assert not set(block) & {"<", ">", "&", "\u2028", "\u2029"}
    data = json.loads(block)
    bibtex = BibTeXExporter()
    assert data == {"bibtex": {r.id: bibtex.entry_text(r) for r in catalog.resources}}


def test_bibtex_entries_are_those_of_the_bib_file(bundled_catalog) -> None:
    bib = dumps(bundled_catalog, "bibtex")
    bibtex = BibTeXExporter()
    assert "".join("\n" + bibtex.entry_text(r) for r in bundled_catalog.resources) in bib


@pytest.mark.parametrize("text", ["</script>", "<!--", "]]>", "\u2028\u2029", "&amp;", "'\"\\"])
def test_script_json_reads_back_equal_and_cannot_end_the_script(text: str) -> None:
    encoded = script_json({"t": text})
    assert json.loads(encoded) == {"t": text}
    assert "</" not in encoded
    assert "<!--" not in encoded
