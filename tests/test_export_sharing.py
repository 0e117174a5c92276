"""Work shared between the exporters of one run: kept per catalog object, dropped when the run ends."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest

from mlops_refs import dumps, memo, pipeline
from mlops_refs.errors import ExportError
from mlops_refs.exporters.bibtex import BibTeXExporter
from mlops_refs.model import Catalog, Resource
from mlops_refs.text.latex import escape, protect_title

GOOD = Path(__file__).parent / "fixtures" / "good"


def page_bibtex(catalog: Catalog) -> dict[str, str]:
    page = lxml.html.document_fromstring(dumps(catalog, "html-page"))
    (data,) = page.xpath('//script[@id="page-data"]')
    return json.loads(data.text)["bibtex"]


def test_the_page_embeds_the_entries_the_bibtex_export_writes(good_catalog: Catalog) -> None:
    written = dumps(good_catalog, "bibtex")
    embedded = page_bibtex(good_catalog)
    assert list(embedded) == [r.id for r in good_catalog.resources]
    for resource in good_catalog.resources:
        assert "\n" + embedded[resource.id] in written
        assert embedded[resource.id] == BibTeXExporter().entry_text(resource)


def test_another_catalog_with_the_same_ids_gets_its_own_entries(good_catalog: Catalog) -> None:
    dumps(good_catalog, "bibtex")  # fills the shared entries of good_catalog
    first = good_catalog.resources[0]
    changed = Catalog(
        good_catalog.info,
        good_catalog.collections,
        (replace(first, title="A Changed Title"), *good_catalog.resources[1:]),
    )
    assert "{Changed} {Title}" in page_bibtex(changed)[first.id]
    assert "{Changed} {Title}" in dumps(changed, "bibtex")
    assert "{Changed} {Title}" not in dumps(good_catalog, "bibtex")


def test_options_that_change_the_entries_are_not_shared(good_catalog: Catalog) -> None:
    plain = dumps(good_catalog, "bibtex")
    unprotected = BibTeXExporter(protect_capitals=False).entry_texts(good_catalog)
    assert unprotected != BibTeXExporter().entry_texts(good_catalog)
    assert dumps(good_catalog, "bibtex") == plain


def test_one_run_builds_each_entry_once_and_the_next_run_afresh(
    good_catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    entry_text = BibTeXExporter.entry_text

    def counted(self: BibTeXExporter, r: Resource) -> str:
        built.append(r.id)
        return entry_text(self, r)

    monkeypatch.setattr(BibTeXExporter, "entry_text", counted)
    monkeypatch.setattr(pipeline, "WORKER", False)
    ids = [r.id for r in good_catalog.resources]
    for _ in range(2):
        built.clear()
        pipeline.export(pipeline.plan_all(tmp_path / "out", GOOD, use_cache=False))
        assert built == ids  # the bibtex export and the HTML page: one entry each
    built.clear()
    dumps(good_catalog, "bibtex")
    dumps(good_catalog, "html-page")
    assert built == ids + ids  # two runs: nothing kept from one to the other
    assert memo._run.get() is None


def test_outside_a_run_nothing_is_kept(good_catalog: Catalog) -> None:
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    assert memo.per_catalog(good_catalog, "k", build) == 1
    assert memo.per_catalog(good_catalog, "k", build) == 2
    with memo.run_scope():
        assert memo.per_catalog(good_catalog, "k", build) == 3
        assert memo.per_catalog(good_catalog, "k", build) == 3
        other = Catalog(good_catalog.info, good_catalog.collections, good_catalog.resources)
        assert memo.per_catalog(other, "k", build) == 4
    with memo.run_scope():
        assert memo.per_catalog(good_catalog, "k", build) == 5


@pytest.mark.parametrize("first", [True, False])
def test_escaped_text_is_kept_apart_for_the_two_encodings(first: bool) -> None:
    for ascii_only in (first, not first):
        expected = "{\\'e}t{\\'e} \\& Co" if ascii_only else "été \\& Co"
        assert escape("été & Co", ascii_only) == expected
        assert protect_title("Été BERT", ascii_only) == (
            "{\\'E}t{\\'e} {BERT}" if ascii_only else "Été {BERT}"
        )
        assert escape("plain & ascii", ascii_only) == "plain \\& ascii"


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_forbidden_character_fails_every_time(ascii_only: bool) -> None:
    for _ in range(2):
        with pytest.raises(ExportError, match="U\\+0001 cannot be written"):
            escape("a\x01b", ascii_only)


def test_each_thread_has_its_own_runs(good_catalog: Catalog) -> None:
    import threading

    seen: list[object] = []
    entered, leave = threading.Event(), threading.Event()

    def other_run() -> None:
        with memo.run_scope():
            seen.append(memo._run.get())
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other_run)
    thread.start()
    entered.wait(10)
    assert memo._run.get() is None  # the other thread's run is not this thread's
    with memo.run_scope():
        assert memo._run.get() is not seen[0]
    leave.set()
    thread.join()
    assert memo._run.get() is None
