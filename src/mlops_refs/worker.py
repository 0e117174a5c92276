"""A second process that builds some of a run's exports while this one builds the others.

After the catalog is loaded, one forked worker builds some of the run's remaining exports while this process
builds the others. A unit is one export, or the exports whose exporters name the same ``shared_work`` (the two
.bib exports, which escape the same texts, and the HTML page that embeds the bibtex entries), which are worth
building in one process. A pipe holding the units' numbers, the heaviest first (``_COST``), hands out each
unit exactly once: whichever process is free reads the next number, so the two end close together. Both build
each unit they take into an anonymous temp file of their own, this process when an export's turn comes and its
unit is not taken yet; the worker also keeps what it builds in the output cache (when this process found the
catalog unchanged since the plan, before the fork) and reports where it is. This process copies every output
into its staged file in plan order. Besides cache entries the worker only ever builds bytes: every file is
staged, checked and renamed here. An export that failed (an error, a crash of the worker) is built again in
its turn as if there were no worker, so every error and message is the one a single process gives. Without
fork, with one CPU, with other threads running, or when fork or a pipe fails, everything is built here in plan
order (``parallel.can_fork``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from typing import IO, TYPE_CHECKING

from . import parallel
from .cache import remove_temp_entries
from .exporters import write
from .files import writes_in_place

if TYPE_CHECKING:
    from .pipeline import Job, LazyCatalog, Plan

_CHUNK = 1 << 20
_Built = tuple[int, int, bool]  # an output built ahead: its start and end in a temp file, kept in the cache
_OWN_MODULES = f"{__package__}."  # plugins' exporters are built in this process, as always
_MAX_UNITS = 256  # one byte names a unit in the pipe; exports past that many units are built here
# What each built-in export costs, relatively (milliseconds of CPU at 10,000 generated resources, each format
# built on its own; the HTML page without the bibtex entries it shares): the order units are handed out in.
_COST = {
    "bibtex": 380,
    "biblatex": 340,
    "html-page": 330,
    "zotero-rdf": 300,
    "yaml": 250,
    "markdown": 230,
    "csl-json": 190,
    "ris": 135,
    "netscape": 100,
    "opml": 80,
}


class Worker:
    """One forked worker for a plan: started at the first export built, reaped when the block ends."""

    def __init__(self, plan: Plan, catalog: LazyCatalog, enabled: bool = True, store: bool = False) -> None:
        self.plan = plan
        self.catalog = catalog
        self.store = store  # what the worker builds goes into the cache too (an export's, not a check's)
        self.enabled = enabled and parallel.can_fork()
        self.started = False
        self.units: list[list[int]] = []  # plan indexes shared out, grouped, by first index
        self.unit_of: dict[int, int] = {}  # plan index -> its unit
        self.here: dict[int, bool] = {}  # unit -> taken by this process (True) or by the worker, once taken
        self.ahead: dict[int, _Built | None] = {}  # plan index -> where in ``mine``, cached (None: failed)
        self.mine: IO[bytes] | None = None  # the outputs this process built ahead of their turn
        self.storing = False  # each process keeps what it builds in the cache (an export, catalog unchanged)
        self.pid: int | None = None
        self.claims: int | None = None  # read end of the pipe of claims
        self.status: int | None = None  # read end of the worker's reports
        self.out: IO[bytes] | None = None
        self.done: dict[int, _Built] | None = None  # plan index -> where in ``out``, cached
        self.sharing: bool | None = None  # parallel.ENABLED before the worker started, while it runs

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _index(self, job: Job) -> int | None:
        """The plan index of ``job`` (the very object), or None."""
        return next((i for i, planned in enumerate(self.plan.jobs) if planned is job), None)

    def _eligible(self, index: int) -> bool:
        job = self.plan.jobs[index]
        if writes_in_place(job.target) or not type(job.exporter).__module__.startswith(_OWN_MODULES):
            return False
        cache = self.plan.cache
        return not (cache is not None and job.key is not None and cache.has(job.key))

    def copy_to(self, job: Job, stream: IO[str]) -> bool:
        """Copy ``job``'s output, built ahead here or by the worker, into ``stream``; False when it is to be
        built now, in its turn."""
        if not self.enabled:
            return False
        index = self._index(job)
        if index is None:
            return False
        if not self.started:
            if not self._eligible(index):
                return False
            self._start(index)
        unit = self.unit_of.get(index)
        if unit is None or self.claims is None:
            return False
        while unit not in self.here:
            self._take()
        if self.here[unit]:
            built, source = self.ahead.get(index), self.mine
        else:
            built, source = self._collect().get(index), self.out
        return built is not None and source is not None and _copy(source.fileno(), built[0], built[1], stream)

    def _take(self) -> None:
        """Take the next unit from the pipe and build it now; when the pipe is empty, every unit not taken
        here is the worker's."""
        assert self.claims is not None
        taken = os.read(self.claims, 1)
        if not taken:
            for unit in range(len(self.units)):
                self.here.setdefault(unit, False)
            return
        self.here[taken[0]] = True
        self._build_ahead(taken[0])

    def _build_ahead(self, unit: int) -> None:
        """Build a unit's exports now, into ``mine`` (and the cache); one that fails, or finds no temp file,
        waits its turn."""
        if self.mine is None:
            with contextlib.suppress(OSError):
                self.mine = tempfile.TemporaryFile()  # noqa: SIM115 - no name: nothing is ever left behind
        catalog = self.catalog.get()
        for index in self.units[unit]:
            fd = None if self.mine is None else self.mine.fileno()
            self.ahead[index] = None if fd is None else _built(self.plan, index, catalog, fd, self.storing)

    def _start(self, first: int) -> None:
        """Read and validate the catalog here, then fork the worker if two units or more are left."""
        self.started = True
        units = _units(self.plan, [i for i in range(first, len(self.plan.jobs)) if self._eligible(i)])
        units = units[:_MAX_UNITS]
        if len(units) < 2:
            return
        self.catalog.check()  # read and validated once, before the fork; each process builds the model
        storing = self.store and self.plan.cache is not None and self.catalog.unchanged()  # asked once
        self.storing = storing
        opened: list[int] = []
        out: IO[bytes] | None = None
        try:
            out = tempfile.TemporaryFile()  # noqa: SIM115 - no name: nothing is ever left behind
            claims_r, claims_w = os.pipe()
            opened += [claims_r, claims_w]
            status_r, status_w = os.pipe()
            opened += [status_r, status_w]
            os.write(claims_w, bytes(_order(self.plan, units)))
            os.close(claims_w)
            opened.remove(claims_w)
            pid = os.fork()
        except OSError:
            for fd in opened:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if out is not None:
                out.close()
            return
        if pid == 0:
            _serve(self.plan, self.catalog, units, claims_r, status_w, out, storing)  # never returns
        os.close(status_w)
        self.pid, self.claims, self.status, self.out, self.units = pid, claims_r, status_r, out, units
        self.sharing, parallel.ENABLED = parallel.ENABLED, False  # two processes are busy already
        self.unit_of = {index: n for n, unit in enumerate(units) for index in unit}

    def stored(self, job: Job) -> bool:
        """True when ``job`` was built ahead, here or by the worker, and its output kept in the cache."""
        index = self._index(job)
        if index is None:
            return False
        built = self.ahead.get(index) or (self.done or {}).get(index)
        return built is not None and built[2]

    def _collect(self) -> dict[int, _Built]:
        """Wait for the worker to finish; the exports it wrote, by plan index."""
        if self.done is not None:
            return self.done
        self.done = {}
        if self.status is None:
            return self.done
        data = bytearray()
        while chunk := os.read(self.status, 1 << 16):
            data += chunk
        self._reap()
        size = os.fstat(self.out.fileno()).st_size if self.out is not None else 0
        for line in bytes(data).split(b"\n"):
            fields = line.split()
            if len(fields) == 4 and all(f.isdigit() for f in fields):
                index, start, end, cached = (int(f) for f in fields)
                if index in self.unit_of and start <= end <= size:
                    self.done[index] = (start, end, cached == 1)
        return self.done

    def _reap(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None

    def close(self) -> None:
        """Stop the worker if it still runs, wait for it, and close the pipes and the temp file."""
        if self.sharing is not None:
            parallel.ENABLED, self.sharing = self.sharing, None
        if self.pid is not None:
            killed = self.pid
            with contextlib.suppress(ProcessLookupError):
                os.kill(killed, signal.SIGKILL)
            self._reap()
            if self.plan.cache is not None:  # it may have been writing a cache entry
                remove_temp_entries(self.plan.cache.folder, killed)
        for fd in (self.claims, self.status):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.claims = self.status = None
        for temp in (self.out, self.mine):
            if temp is not None:
                with contextlib.suppress(OSError):
                    temp.close()
        self.out = self.mine = None


def _units(plan: Plan, shares: list[int]) -> list[list[int]]:
    """The shared exports grouped so that exporters naming the same ``shared_work`` go to one process."""
    units: list[list[int]] = []
    by_work: dict[str, list[int]] = {}
    for index in shares:
        work = getattr(type(plan.jobs[index].exporter), "shared_work", None)
        if isinstance(work, str) and work in by_work:
            by_work[work].append(index)
            continue
        units.append([index])
        if isinstance(work, str):
            by_work[work] = units[-1]
    return units


def _order(plan: Plan, units: list[list[int]]) -> list[int]:
    """The units' numbers in the order they are handed out: the heaviest first (``_COST``, 100 for a format
    not listed there), in plan order among equals."""
    cost = [sum(_COST.get(plan.jobs[index].name, 100) for index in unit) for unit in units]
    return sorted(range(len(units)), key=lambda n: -cost[n])


def _copy(fd: int, start: int, end: int, stream: IO[str]) -> bool:
    """Append the bytes from ``start`` to ``end`` of the file ``fd`` to ``stream``; False, with ``stream``
    emptied, when they cannot be read."""
    stream.flush()
    buffer = stream.buffer  # type: ignore[attr-defined]
    while start < end:
        try:
            chunk = os.pread(fd, min(_CHUNK, end - start), start)
        except OSError:
            chunk = b""
        if not chunk:  # the temp file lost its bytes: start the file again and build it here
            buffer.seek(0)
            buffer.truncate()
            return False
        buffer.write(chunk)
        start += len(chunk)
    return True


def _serve(
    plan: Plan,
    catalog: LazyCatalog,
    units: list[list[int]],
    claims: int,
    status: int,
    out: IO[bytes],
    storing: bool,
) -> None:
    """The worker's whole life: take units from the pipe, write each export to ``out`` (and, when
    ``storing``, to the cache), report it; exit."""
    code = 1
    parallel.ENABLED = False  # the worker's loops run in it alone: two processes are busy already
    try:
        parent = os.getppid()
        loaded = catalog.get()
        while os.getppid() == parent and (taken := os.read(claims, 1)):
            for index in units[taken[0]]:
                built = _built(plan, index, loaded, out.fileno(), storing)
                where = "-" if built is None else f"{built[0]} {built[1]} {int(built[2])}"
                os.write(status, f"{index} {where}\n".encode("ascii"))
        code = 0
    finally:
        os._exit(code)


def _built(plan: Plan, index: int, catalog: object, fd: int, storing: bool) -> _Built | None:
    """Append job ``index``'s export to the file ``fd`` and, when ``storing``, keep it in the cache: where
    it is and whether it was kept; None when it failed."""
    job = plan.jobs[index]
    span = _build(job.exporter, catalog, fd)
    if span is None:
        return None
    return span[0], span[1], storing and _store(plan, job.key, fd, *span)


def _build(exporter: object, catalog: object, fd: int) -> tuple[int, int] | None:
    """Append one export to the file ``fd``: where it is, or None when it failed."""
    start = os.lseek(fd, 0, os.SEEK_END)
    stream = open(fd, "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
    try:
        write(exporter, catalog, stream)  # type: ignore[arg-type]
        stream.close()
        return start, os.lseek(fd, 0, os.SEEK_END)
    except Exception:  # built again in the main process, which reports it as a single process does
        return None
    finally:
        with contextlib.suppress(Exception):
            stream.close()


def _store(plan: Plan, key: str | None, fd: int, start: int, end: int) -> bool:
    """Keep the bytes from ``start`` to ``end`` of ``fd`` in the cache under ``key``; False when not kept."""
    if plan.cache is None or key is None:
        return False
    try:
        plan.cache.store(key, fd, start, end)
    except OSError:
        return False  # this process stores it, or finds the cache unwritable too
    return True
