"""A second process that builds some of a run's exports while this one builds the others.

After the catalog is loaded, one forked worker takes the run's remaining exports from the end of the list
while this process goes on from the start; a pipe holding one byte per unit hands out each unit exactly once
(this process reads one byte before each unit it builds, the worker before each it takes, so the two ends
meet). A unit is one export, or the exports whose exporters name the same ``shared_work`` (the bibtex export
and the HTML page that embeds its entries), which are worth building in one process. The worker writes each
output into an anonymous temp file, keeps it in the output cache (when this process found the catalog
unchanged since the plan, before the fork) and reports where it is; this process copies it into the export's
staged file in plan order. Besides cache entries the worker only ever builds bytes: every file is staged,
checked and renamed here. An export the worker did not finish (an error, a crash) is built here as if there
were no worker, so every error and message is the one a single process gives. Without fork, with one CPU, with
other threads running, or when fork or a pipe fails, everything is built here as before
(``parallel.can_fork``).
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
_OWN_MODULES = f"{__package__}."  # plugins' exporters are built in this process, as always


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
        self.here: dict[int, bool] = {}  # unit -> claimed by this process (True) or by the worker
        self.pid: int | None = None
        self.claims: int | None = None  # read end of the pipe of claims
        self.status: int | None = None  # read end of the worker's reports
        self.out: IO[bytes] | None = None
        self.done: dict[int, tuple[int, int, bool]] | None = None  # index -> (start, end, cached) in ``out``
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
        """Copy ``job``'s output, built by the worker, into ``stream``; False when it is to be built here."""
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
        if unit not in self.here:  # the first export of a unit: units are claimed in order
            self.here[unit] = bool(os.read(self.claims, 1))
        if self.here[unit]:
            return False  # claimed here: build it in this process
        span = self._collect().get(index)
        if span is None or self.out is None:
            return False
        stream.flush()
        buffer = stream.buffer  # type: ignore[attr-defined]
        start, end, _cached = span
        while start < end:
            try:
                chunk = os.pread(self.out.fileno(), min(_CHUNK, end - start), start)
            except OSError:
                chunk = b""
            if not chunk:  # the temp file lost its bytes: start the file again and build it here
                buffer.seek(0)
                buffer.truncate()
                return False
            buffer.write(chunk)
            start += len(chunk)
        return True

    def _start(self, first: int) -> None:
        """Load the catalog here, then fork the worker if at least two exports are left to share."""
        self.started = True
        units = _units(self.plan, [i for i in range(first, len(self.plan.jobs)) if self._eligible(i)])
        if len(units) < 2:
            return
        self.catalog.get()  # loaded once, before the fork: both processes read it
        storing = self.store and self.plan.cache is not None and self.catalog.unchanged()  # asked once
        opened: list[int] = []
        out: IO[bytes] | None = None
        try:
            out = tempfile.TemporaryFile()  # noqa: SIM115 - no name: nothing is ever left behind
            claims_r, claims_w = os.pipe()
            opened += [claims_r, claims_w]
            status_r, status_w = os.pipe()
            opened += [status_r, status_w]
            os.write(claims_w, b"x" * len(units))
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
        """True when the worker built ``job`` and kept its output in the cache itself."""
        index = self._index(job)
        done = self.done.get(index) if self.done is not None and index is not None else None
        return done is not None and done[2]

    def _collect(self) -> dict[int, tuple[int, int, bool]]:
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
        if self.out is not None:
            with contextlib.suppress(OSError):
                self.out.close()
            self.out = None


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


def _serve(
    plan: Plan,
    catalog: LazyCatalog,
    units: list[list[int]],
    claims: int,
    status: int,
    out: IO[bytes],
    storing: bool,
) -> None:
    """The worker's whole life: take units from the end, write each export to ``out`` (and, when
    ``storing``, to the cache), report it; exit."""
    code = 1
    parallel.ENABLED = False  # the worker's loops run in it alone: two processes are busy already
    try:
        parent = os.getppid()
        loaded = catalog.get()
        taken = 0
        while os.getppid() == parent and os.read(claims, 1):
            taken += 1
            for index in units[-taken]:
                job = plan.jobs[index]
                span = _build(job.exporter, loaded, out.fileno())
                cached = storing and span is not None and _store(plan, job.key, out.fileno(), *span)
                where = "-" if span is None else f"{span[0]} {span[1]} {int(cached)}"
                os.write(status, f"{index} {where}\n".encode("ascii"))
        code = 0
    finally:
        os._exit(code)


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
