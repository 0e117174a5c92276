"""Exports built in two processes: the same bytes, the same errors, and no process left behind."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from conftest import no_child_left
from mlops_refs import cache, parallel, pipeline, worker
from mlops_refs.errors import ExportError
from mlops_refs.exporters.bibtex import BibLaTeXExporter
from mlops_refs.exporters.zotero_rdf import ZoteroRdfExporter

GOOD = Path(__file__).parent / "fixtures" / "good"
needs_two_cpus = pytest.mark.skipif(
    not hasattr(os, "fork") or parallel.usable_cpus() < 2, reason="the worker needs fork and two CPUs"
)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def export(out: Path, use_worker: bool, monkeypatch: pytest.MonkeyPatch) -> pipeline.Outcome:
    monkeypatch.setattr(pipeline, "WORKER", use_worker)
    return pipeline.export(pipeline.plan_all(out, GOOD, use_cache=False))


class Spy:
    """Counts the exports the worker handed over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.copied: list[str] = []
        original = worker.Worker.copy_to

        def copy_to(this: worker.Worker, job: pipeline.Job, stream: object) -> bool:
            copied = original(this, job, stream)  # type: ignore[arg-type]
            if copied and this.done is not None and this._index(job) in this.done:  # built by the worker
                self.copied.append(job.name)
            return copied

        monkeypatch.setattr(worker.Worker, "copy_to", copy_to)


@needs_two_cpus
def test_two_processes_write_the_bytes_one_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    alone = export(tmp_path / "alone", False, monkeypatch)
    assert spy.copied == []
    shared = export(tmp_path / "shared", True, monkeypatch)
    assert spy.copied
    assert "zotero-rdf" in spy.copied
    assert len(spy.copied) < len(alone.written)  # and this process the ones from the start
    assert files(tmp_path / "shared") == files(tmp_path / "alone")
    assert [Path(t).name for t in shared.written] == [Path(t).name for t in alone.written]
    assert shared.failed == alone.failed == {}
    assert no_child_left()
    assert sorted(p.name for p in tmp_path.rglob(".*")) == []  # no temp file anywhere


@needs_two_cpus
@pytest.mark.parametrize("first", ["biblatex", "bibtex", "html-page", "markdown", "zotero-rdf"])
def test_exporters_sharing_work_are_built_in_one_process(
    first: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "WORKER", True)
    plan = pipeline.plan_all(tmp_path / "out", GOOD, use_cache=False)
    shares = [i for i, job in enumerate(plan.jobs) if job.name >= first]
    units = worker._units(plan, shares)
    assert sorted(i for unit in units for i in unit) == shares
    together = [unit for unit in units if len(unit) > 1]
    names = [[plan.jobs[i].name for i in unit] for unit in together]
    expected = {"biblatex": [["biblatex", "bibtex", "html-page"]], "bibtex": [["bibtex", "html-page"]]}
    assert names == expected.get(first, [])
    spy = Spy(monkeypatch)
    pipeline.export(plan)
    assert ("bibtex" in spy.copied) == ("html-page" in spy.copied)
    if first == "biblatex":
        assert ("biblatex" in spy.copied) == ("bibtex" in spy.copied)


@needs_two_cpus
def test_the_files_are_read_once_and_each_process_builds_its_own_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_refs import catalog

    parsed: list[int] = []
    built = tmp_path / "built-by"
    real_parse, real_build = catalog.parse_catalog, catalog.build_checked

    def parse(path: object) -> object:
        parsed.append(os.getpid())
        return real_parse(path)  # type: ignore[arg-type]

    def build(checked: catalog.Checked) -> object:
        with built.open("a", encoding="ascii") as log:  # the worker's calls are seen only here
            log.write(f"{os.getpid()}\n")
        return real_build(checked)

    monkeypatch.setattr(catalog, "parse_catalog", parse)
    monkeypatch.setattr(catalog, "build_checked", build)
    spy = Spy(monkeypatch)
    alone = export(tmp_path / "alone", False, monkeypatch)
    assert built.read_text(encoding="ascii").split() == [str(os.getpid())]
    built.unlink()
    shared = export(tmp_path / "shared", True, monkeypatch)
    assert spy.copied
    assert parsed == [os.getpid()] * 2  # once a run, here
    pids = built.read_text(encoding="ascii").split()
    assert len(pids) == len(set(pids)) == 2  # here and in the worker, from the files read here
    assert str(os.getpid()) in pids
    assert files(tmp_path / "shared") == files(tmp_path / "alone")
    assert shared.failed == alone.failed == {}


def test_units_are_handed_out_heaviest_first(tmp_path: Path) -> None:
    plan = pipeline.plan_all(tmp_path / "out", GOOD, use_cache=False)
    units = worker._units(plan, list(range(len(plan.jobs))))
    order = [[plan.jobs[i].name for i in units[n]] for n in worker._order(plan, units)]
    assert order == [
        ["biblatex", "bibtex", "html-page"],
        ["zotero-rdf"],
        ["yaml"],
        ["markdown"],
        ["csl-json"],
        ["ris"],
        ["netscape"],
        ["opml"],
    ]
    ris = [(plan.jobs[6].exporter, tmp_path / f"{n}.ris") for n in range(3)]  # equal costs: plan order
    same = pipeline.plan(ris, GOOD, use_cache=False)
    assert worker._order(same, worker._units(same, [0, 1, 2])) == [0, 1, 2]


def slow_first_build_in(process: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first export ``process`` ("here" or "worker") builds takes a second longer."""
    here = os.getpid()
    real_build = worker._build
    slowed: list[bool] = []

    def build(exporter: object, catalog: object, fd: int) -> tuple[int, int] | None:
        if (os.getpid() == here) == (process == "here") and not slowed:
            slowed.append(True)
            time.sleep(1)
        return real_build(exporter, catalog, fd)

    monkeypatch.setattr(worker, "_build", build)


@needs_two_cpus
@pytest.mark.parametrize("busy", ["here", "worker"])
def test_while_one_process_is_busy_the_other_takes_every_other_unit(
    busy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = export(tmp_path / "alone", False, monkeypatch)
    plan = pipeline.plan_all(tmp_path / "shared", GOOD, use_cache=False)
    units = [{plan.jobs[i].name for i in unit} for unit in worker._units(plan, list(range(len(plan.jobs))))]
    slow_first_build_in(busy, monkeypatch)
    spy = Spy(monkeypatch)
    monkeypatch.setattr(pipeline, "WORKER", True)
    shared = pipeline.export(plan)
    by_worker = set(spy.copied)
    here = {job.name for job in plan.jobs} - by_worker
    assert (here if busy == "here" else by_worker) in units  # one unit: the one taken before the pause
    assert files(tmp_path / "shared") == files(tmp_path / "alone")
    assert shared.failed == alone.failed == {}
    assert no_child_left()


@needs_two_cpus
def test_more_units_than_a_byte_names_are_built_here_past_the_first_256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ris = next(
        job.exporter for job in pipeline.plan_all(tmp_path, GOOD, use_cache=False).jobs if job.name == "ris"
    )
    monkeypatch.setattr(pipeline, "WORKER", True)
    outcome = pipeline.export(
        pipeline.plan([(ris, tmp_path / f"{n}.ris") for n in range(300)], GOOD, use_cache=False)
    )
    assert outcome.failed == {}
    written = {(tmp_path / f"{n}.ris").read_bytes() for n in range(300)}
    assert len(written) == 1
    assert no_child_left()


@needs_two_cpus
def test_without_a_temp_file_for_its_own_units_this_process_builds_them_in_their_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = export(tmp_path / "alone", False, monkeypatch)
    real = tempfile.TemporaryFile
    calls: list[int] = []

    def temporary_file() -> object:
        calls.append(1)
        if len(calls) > 1:  # the worker's file is made; this process' own is refused
            raise OSError(28, "No space left on device")
        return real()

    monkeypatch.setattr(worker.tempfile, "TemporaryFile", temporary_file)
    shared = export(tmp_path / "shared", True, monkeypatch)
    assert len(calls) >= 2  # refused at least once
    assert files(tmp_path / "shared") == files(tmp_path / "alone")
    assert shared.failed == alone.failed == {}
    assert no_child_left()


@needs_two_cpus
def test_check_with_the_worker_finds_the_same_stale_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export(tmp_path / "out", False, monkeypatch)
    (tmp_path / "out" / "mlops-refs.rdf").write_text("old", encoding="utf-8")
    spy = Spy(monkeypatch)
    monkeypatch.setattr(pipeline, "WORKER", True)
    plan = pipeline.plan_all(tmp_path / "out", GOOD, use_cache=False)
    assert pipeline.check(plan).stale == [str(tmp_path / "out" / "mlops-refs.rdf")]
    assert spy.copied
    assert no_child_left()


@needs_two_cpus
def test_a_cached_export_is_served_here_and_the_rest_is_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    first = pipeline.export(pipeline.plan_all(tmp_path / "a", GOOD))
    rdf = next(job for job in pipeline.plan_all(tmp_path / "a", GOOD).jobs if job.name == "zotero-rdf")
    assert rdf.key is not None
    for entry in (tmp_path / "cache").iterdir():
        if entry.name != f"{rdf.key}.out":
            entry.unlink()
    spy = Spy(monkeypatch)
    second = pipeline.export(pipeline.plan_all(tmp_path / "b", GOOD))
    assert second.from_cache == [str(tmp_path / "b" / "mlops-refs.rdf")]
    assert spy.copied
    assert "zotero-rdf" not in spy.copied
    assert files(tmp_path / "b") == files(tmp_path / "a")
    assert first.failed == second.failed == {}


def broken_write(self: object, catalog: object, stream: object) -> None:
    raise RuntimeError("boom")


def user_error(self: object, catalog: object, stream: object) -> None:
    raise ExportError("zotero-rdf: resource x: cannot be written")


@pytest.mark.parametrize("use_worker", [False, True])
def test_an_exporter_failing_in_the_worker_fails_as_in_one_process(
    use_worker: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ZoteroRdfExporter, "write", broken_write)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mlops-refs.rdf").write_text("kept", encoding="utf-8")
    outcome = export(tmp_path / "out", use_worker, monkeypatch)
    assert outcome.failed == {"zotero-rdf": "failed: RuntimeError: boom"}
    assert (tmp_path / "out" / "mlops-refs.rdf").read_text(encoding="utf-8") == "kept"
    assert len(list((tmp_path / "out").iterdir())) == len(outcome.written) + 1
    assert no_child_left()


@pytest.mark.parametrize("use_worker", [False, True])
@pytest.mark.parametrize("failing", [BibLaTeXExporter, ZoteroRdfExporter])  # the first and the last
def test_a_user_error_stops_the_run_as_in_one_process(
    failing: type, use_worker: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(failing, "write", user_error)
    with pytest.raises(ExportError, match=r"^zotero-rdf: resource x: cannot be written$"):
        export(tmp_path / "out", use_worker, monkeypatch)
    assert not (tmp_path / "out").exists()
    assert no_child_left()


def test_without_fork_everything_is_built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export(tmp_path / "alone", False, monkeypatch)
    spy = Spy(monkeypatch)
    monkeypatch.delattr(os, "fork", raising=False)
    export(tmp_path / "nofork", True, monkeypatch)
    assert spy.copied == []
    assert files(tmp_path / "nofork") == files(tmp_path / "alone")


def test_a_failing_fork_builds_everything_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export(tmp_path / "alone", False, monkeypatch)

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    spy = Spy(monkeypatch)
    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    export(tmp_path / "failed", True, monkeypatch)
    assert spy.copied == []
    assert files(tmp_path / "failed") == files(tmp_path / "alone")


@needs_two_cpus
def test_a_crashed_worker_leaves_its_exports_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export(tmp_path / "alone", False, monkeypatch)

    def crash(*args: object) -> None:
        os._exit(3)

    spy = Spy(monkeypatch)
    monkeypatch.setattr(worker, "_serve", crash)
    outcome = export(tmp_path / "crashed", True, monkeypatch)
    assert spy.copied == []
    assert outcome.failed == {}
    assert files(tmp_path / "crashed") == files(tmp_path / "alone")
    assert no_child_left()


@needs_two_cpus
def test_with_other_threads_running_nothing_is_forked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    spy = Spy(monkeypatch)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        export(tmp_path / "threads", True, monkeypatch)
    finally:
        release.set()
        thread.join()
    assert spy.copied == []
    export(tmp_path / "alone", True, monkeypatch)
    assert spy.copied


@needs_two_cpus
def test_a_worker_output_that_cannot_be_read_is_built_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export(tmp_path / "alone", False, monkeypatch)

    def lost(fd: int, size: int, offset: int) -> bytes:
        raise OSError(5, "Input/output error")

    spy = Spy(monkeypatch)
    monkeypatch.setattr(worker.os, "pread", lost)
    outcome = export(tmp_path / "unread", True, monkeypatch)
    assert spy.copied == []
    assert outcome.failed == {}
    assert files(tmp_path / "unread") == files(tmp_path / "alone")


@needs_two_cpus
def test_while_the_worker_runs_this_process_shares_no_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    original = pipeline.write

    def write(exporter: object, catalog: object, stream: object) -> None:
        seen.append(parallel.ENABLED)
        original(exporter, catalog, stream)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "write", write)
    monkeypatch.setattr(worker, "write", write)  # what this process builds ahead of its turn
    spy = Spy(monkeypatch)
    export(tmp_path / "shared", True, monkeypatch)
    assert spy.copied
    assert seen
    assert not any(seen)  # every export built here ran while the worker did
    assert parallel.ENABLED  # and sharing is back afterwards


def cache_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.out")) if folder.exists() else []


@needs_two_cpus
def test_each_process_stores_what_it_built_and_a_warm_run_serves_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "WORKER", True)
    stored_here: list[str] = []
    ranges: list[int | None] = []
    real_store = cache.OutputCache.store

    def store(this: cache.OutputCache, key: str, fd: int, start: int = 0, end: int | None = None) -> None:
        stored_here.append(key)  # only this process' calls: the worker's happen in its own copy
        ranges.append(end)
        real_store(this, key, fd, start, end)

    monkeypatch.setattr(cache.OutputCache, "store", store)
    spy = Spy(monkeypatch)
    plan = pipeline.plan_all(tmp_path / "cold", GOOD)
    cold = pipeline.export(plan)
    assert (cold.failed, cold.from_cache) == ({}, [])
    by_name = {job.name: job.key for job in plan.jobs}
    assert spy.copied
    assert sorted(stored_here) == sorted(by_name[n] for n in by_name if n not in spy.copied)
    assert None not in ranges  # each kept from where it was built, as built: none from its staged file
    assert cache_entries(tmp_path / "cache") == sorted(f"{key}.out" for key in by_name.values())
    warm = pipeline.export(pipeline.plan_all(tmp_path / "warm", GOOD))
    assert warm.from_cache == warm.written
    assert files(tmp_path / "warm") == files(tmp_path / "cold")
    assert no_child_left()


@pytest.mark.parametrize("use_worker", [False, True])
def test_a_catalog_changed_before_the_load_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_worker: bool
) -> None:
    """Built from other bytes than the plan digested, no export may be kept under the plan's keys."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "WORKER", use_worker)
    catalog = tmp_path / "catalog"
    shutil.copytree(GOOD, catalog)
    plan = pipeline.plan_all(tmp_path / "out", catalog)
    file = catalog / "catalog.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("Attention Is All", "Changed"), encoding="utf-8")
    outcome = pipeline.export(plan)
    assert outcome.failed == {}
    assert b"Changed" in (tmp_path / "out" / "mlops-refs.ris").read_bytes()  # the loaded bytes are written
    assert cache_entries(tmp_path / "cache") == []
    assert no_child_left()


@needs_two_cpus
def test_a_check_stores_nothing_in_either_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "WORKER", True)
    spy = Spy(monkeypatch)
    plan = pipeline.plan_all(tmp_path / "out", GOOD)
    assert sorted(pipeline.check(plan).stale) == sorted(job.target for job in plan.jobs)
    assert spy.copied
    assert cache_entries(tmp_path / "cache") == []


@needs_two_cpus
def test_a_worker_stopped_while_it_writes_a_cache_entry_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user error here stops the run and kills the worker; its half-written cache entry goes too."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(pipeline, "WORKER", True)
    here = os.getpid()
    real_store = cache.OutputCache.store

    def store(this: cache.OutputCache, key: str, fd: int, start: int = 0, end: int | None = None) -> None:
        if os.getpid() == here:
            real_store(this, key, fd, start, end)
            return

        def stall(out: object) -> None:  # the worker: a temp entry begun, then never finished
            out.write(b"half")  # type: ignore[attr-defined]
            out.flush()  # type: ignore[attr-defined]
            time.sleep(60)

        cache.write_entry(this._entry(key), stall)

    def fail_once_the_worker_writes(self: object, catalog: object, stream: object) -> None:
        deadline = time.monotonic() + 30
        while not list(folder.glob(".entry.*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(folder.glob(".entry.*.tmp"))  # the worker is inside its cache write now
        raise ExportError("biblatex: resource x: cannot be written")

    monkeypatch.setattr(cache.OutputCache, "store", store)
    monkeypatch.setattr(BibLaTeXExporter, "write", fail_once_the_worker_writes)
    with pytest.raises(ExportError, match="cannot be written"):
        pipeline.export(pipeline.plan_all(tmp_path / "out", GOOD))
    assert no_child_left()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".entry.")) == []
