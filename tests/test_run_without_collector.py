"""Commands run without the cyclic garbage collector: what a run drops is still freed, or stays bounded."""

from __future__ import annotations

import gc
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_refs import cli, dumps, loads
from mlops_refs.text import latex

ENTRY = "@misc{k%d, title = {The \\textbf{bold} result number %d of \\emph{many}}, year = 2020}\n"


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The collector turned off, as a command runs; what was garbage before is collected first."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        gc.collect()


def garbage_after(run: object) -> Counter[str]:
    """The types of the objects only the collector would free once ``run()`` is done."""
    run()  # type: ignore[operator]
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    found = Counter(type(o).__name__ for o in gc.garbage)
    gc.set_debug(0)
    gc.garbage.clear()
    return found


def test_a_command_runs_without_the_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["mlops-refs", "formats"])
    try:
        assert cli.run() == 0
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_reading_latex_pins_nothing_it_dropped(collector_off: None) -> None:
    text = "".join(ENTRY % (n, n) for n in range(300))  # each title parsed whole by pylatexenc
    garbage = garbage_after(lambda: loads(text, "bibtex"))
    assert garbage["LatexWalkerEndOfStream"] > 0  # pylatexenc's cycles are there ...
    assert garbage["Resource"] == garbage["Entry"] == garbage["Catalog"] == 0  # ... and hold none of ours


@pytest.mark.parametrize(("every", "at_most"), [(100, 100), (10**9, 2000)], ids=["collected", "control"])
def test_pylatexenc_cycles_stay_bounded_without_the_collector(
    every: int, at_most: int, collector_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(latex, "_COLLECT_EVERY", every)
    text = "".join(ENTRY % (n, n) for n in range(1050))
    left = garbage_after(lambda: loads(text, "bibtex"))["LatexWalkerEndOfStream"]
    assert left <= at_most
    if every > 1050:
        assert left >= 1000  # without the collections each whole parse leaves its cycle behind


def test_exports_and_readers_make_no_cycles(collector_off: None, bundled_catalog) -> None:
    for fmt in ("bibtex", "csl-json", "netscape", "opml", "zotero-rdf", "ris", "markdown", "html"):
        text = dumps(bundled_catalog, fmt)
        if fmt in ("markdown", "html"):
            garbage = garbage_after(lambda fmt=fmt: dumps(bundled_catalog, fmt))
        else:
            garbage = garbage_after(lambda fmt=fmt, text=text: loads(text, fmt))
        ours = {
            name: n for name, n in garbage.items() if name in ("Resource", "Person", "Catalog", "Collection")
        }
        assert ours == {}, fmt


def test_the_model_is_built_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_refs import catalog

    seen: list[bool] = []
    real = catalog.resource_from_mapping

    def building(data: dict[str, object], people: object = None) -> object:
        seen.append(gc.isenabled())
        return real(data, people)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog, "resource_from_mapping", building)
    docs, problems = catalog.parse_catalog(Path(__file__).parent / "fixtures" / "good")
    assert gc.isenabled()
    catalog.catalog_from_documents(docs, problems)  # as the readers and the merge build it
    catalog.build_checked(catalog.check_documents(docs, problems))  # as an export builds it
    assert seen
    assert not any(seen)
    assert gc.isenabled()
