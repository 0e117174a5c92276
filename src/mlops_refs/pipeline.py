"""The export pipeline, in the order it runs: plan the jobs, serve each from the cache or build it, stage,
store, commit.

``plan`` decides what goes where and the content key of each export; ``export`` writes a plan (every file
replaced together, or none); ``check`` compares a plan's targets with what it would write. The catalog is
loaded only when some export is not in the cache. The command line only parses arguments into a plan and
prints the outcome.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .cache import CatalogSource, OutputCache, usable_cache_dir
from .errors import ExportError, MlopsRefsError, NothingSelectedError
from .exporters import Exporter, Registry, default_registry, write
from .files import STDOUT, cannot_write, open_in_place, staged_files, writes_in_place
from .gcpause import gc_paused
from .memo import run_scope
from .worker import Worker

if TYPE_CHECKING:
    from .catalog import Checked
    from .model import Catalog

WORKER = True  # build in two processes where the machine allows it; False: everything in this one
_LISTED = 20  # a kind with at most this many known names lists them all; beyond, close matches only


@dataclass(frozen=True)
class Selection:
    """Which part of the catalog to export: one collection subtree, resource types, tags (all optional)."""

    collection: str | None = None
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def key(self) -> str:
        """A stable text naming this selection, part of each export's cache key."""
        return repr((self.collection, sorted(set(self.types)), sorted(set(self.tags))))

    def describe(self) -> str:
        """The selection as command-line options."""
        parts = [f"--collection {self.collection}"] if self.collection else []
        parts += [f"--type {t}" for t in self.types] + [f"--tag {t}" for t in self.tags]
        return " ".join(parts)

    def apply(self, catalog: Catalog) -> Catalog:
        """The selected part of ``catalog``; an unknown name or an empty result raises MlopsRefsError."""
        if not (self.collection or self.types or self.tags):
            return catalog
        if self.collection is not None:
            _require_known("collection", [self.collection], [c.id for c in catalog.collections])
        _require_known("type", self.types, _known_types(catalog))
        _require_known("tag", self.tags, sorted({t for r in catalog.resources for t in r.tags}))
        selected = catalog.subset(self.collection, self.types, self.tags)
        if not selected.resources:
            raise NothingSelectedError(f"no resource matches {self.describe()}; nothing was written")
        return selected


def _known_types(catalog: Catalog) -> list[str]:
    from .model import RESOURCE_TYPES

    return sorted({r.type for r in catalog.resources}.union(RESOURCE_TYPES))


def _require_known(kind: str, wanted: Iterable[str], known: list[str]) -> None:
    known_set = set(known)
    for name in wanted:
        if name in known_set:
            continue
        if len(known) <= _LISTED:
            raise MlopsRefsError(f"unknown {kind} {name!r}; {kind}s are: {', '.join(known) or 'none'}")
        import difflib  # only for a name that is not known: a warm export does without it

        close = difflib.get_close_matches(name, known, n=5)
        hint = f"close matches: {', '.join(close)}" if close else "none has a close name"
        raise MlopsRefsError(f"unknown {kind} {name!r}; {hint} (of {len(known)} {kind}s)")


@dataclass(frozen=True)
class Job:
    """One export: an exporter, its target (a path, or ``-`` for standard output) and its cache key."""

    exporter: Exporter
    target: str
    key: str | None = None

    @property
    def name(self) -> str:
        """The format's name."""
        return str(type(self.exporter).name)


@dataclass(frozen=True)
class Plan:
    """Every export of one run, with the catalog's source, the selection and the cache to use (or None)."""

    source: CatalogSource
    selection: Selection
    jobs: tuple[Job, ...]
    cache: OutputCache | None
    broken: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a run did: files written (and which came from the cache), failed formats, stale files."""

    written: list[str] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)


def plan(
    jobs: Iterable[tuple[Exporter, str | os.PathLike[str]]],
    catalog: str | os.PathLike[str] | None = None,
    selection: Selection | None = None,
    use_cache: bool = True,
    broken: dict[str, str] | None = None,
) -> Plan:
    """Plan exports of the catalog at ``catalog`` (default: the bundled one): each (exporter, target)."""
    selection = selection or Selection()
    source = CatalogSource.find(catalog)
    folder = usable_cache_dir() if use_cache else None
    cache = None if folder is None else OutputCache(folder)
    planned = []
    for exporter, target in jobs:
        target = os.fspath(target)
        in_place = writes_in_place(target)
        if not in_place:
            _refuse_catalog_file(Path(target), source)
        key = None if cache is None or in_place else cache.key(source, selection.key(), exporter)
        planned.append(Job(exporter, target, key))
    return Plan(source, selection, tuple(planned), cache, dict(broken or {}))


def plan_all(
    out: str | os.PathLike[str],
    catalog: str | os.PathLike[str] | None = None,
    selection: Selection | None = None,
    use_cache: bool = True,
    registry: Registry = default_registry,
) -> Plan:
    """Plan every registered format into the folder ``out``, under each format's default file name."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"cannot write into {folder}: it is a file, not a folder")
    jobs = [(cls(), folder / cls.default_filename) for cls in registry.classes()]
    return plan(jobs, catalog, selection, use_cache, registry.broken)


def _refuse_catalog_file(target: Path, source: CatalogSource) -> None:
    try:
        info = target.stat()
    except OSError:
        return
    for file in source.files:
        try:
            if os.path.samestat(info, file.stat()):
                raise ExportError(f"refusing to write {target}: it is the catalog file {file}")
        except OSError:
            continue


class LazyCatalog:
    """The selected catalog, loaded on first use only: a run served wholly from the cache never loads it.

    Loading is two steps: reading and validating the files (``check``), then building the model (``get``),
    which a worker forked in between builds for itself while this process builds its own.
    """

    def __init__(self, source: CatalogSource, selection: Selection) -> None:
        self.source = source
        self.selection = selection
        self._checked: Checked | None = None
        self._catalog: Catalog | None = None
        self._unchanged: bool | None = None

    def check(self) -> None:
        """Read and validate the catalog's files once (CatalogError lists every problem)."""
        if self._checked is None and self._catalog is None:
            from .catalog import check_documents, parse_catalog

            with gc_paused():  # parsing builds millions of acyclic objects, as in load_catalog
                self._checked = check_documents(*parse_catalog(self.source.path))

    def get(self) -> Catalog:
        """Load, validate and select once."""
        if self._catalog is None:
            from .catalog import build_checked

            self.check()
            assert self._checked is not None
            self._catalog = self.selection.apply(build_checked(self._checked))
            self._checked = None  # the model keeps what it needs of the files' data
        return self._catalog

    def unchanged(self) -> bool:
        """Read the files, then whether they still hold the bytes the plan digested (asked once): only then
        may what is built from them be cached under the plan's keys."""
        if self._unchanged is None:
            self.check()
            self._unchanged = self.source.unchanged()
        return self._unchanged

    @property
    def loaded(self) -> bool:
        """True once the catalog has been loaded."""
        return self._catalog is not None


def build(
    plan: Plan, job: Job, stream: IO[str], catalog: LazyCatalog | None = None, worker: Worker | None = None
) -> bool:
    """Write one job's output to ``stream``: a checked cache entry (True) or its exporter's output (False),
    built by the run's worker process or here. The worker is asked first: it only ever has what was not in
    the cache when it started, and it puts what it builds there."""
    if worker is not None and hasattr(stream, "buffer") and worker.copy_to(job, stream):
        return False
    if job.key is not None and plan.cache is not None and hasattr(stream, "buffer"):
        if plan.cache.copy_to(job.key, stream.buffer):
            return True
        stream.buffer.seek(0)
        stream.buffer.truncate()
    write(job.exporter, (catalog or LazyCatalog(plan.source, plan.selection)).get(), stream)
    return False


def export(plan: Plan) -> Outcome:
    """Write every job of ``plan``, all files replaced together or none; a failed exporter's file is kept."""
    outcome = Outcome(failed={name: f"failed to load ({why})" for name, why in plan.broken.items()})
    catalog = LazyCatalog(plan.source, plan.selection)
    with staged_files() as staged, gc_paused(), run_scope(), Worker(plan, catalog, WORKER, True) as worker:
        for job in plan.jobs:
            if writes_in_place(job.target):
                with open_in_place(job.target) as stream:
                    _run(job, stream, plan, catalog, outcome, worker)
                continue
            stream = staged.open(Path(job.target))
            if _run(job, stream, plan, catalog, outcome, worker) is None:
                staged.drop(stream)
            elif job.target not in outcome.from_cache and not worker.stored(job):
                _store(job, stream, plan, catalog)
    outcome.written = [job.target for job in plan.jobs if job.name not in outcome.failed]
    return outcome


def _run(
    job: Job, stream: IO[str], plan: Plan, catalog: LazyCatalog, outcome: Outcome, worker: Worker
) -> bool | None:
    """Build one job; None when its exporter failed (recorded), a user error or a write error propagate."""
    try:
        served = build(plan, job, stream, catalog, worker)
    except (MlopsRefsError, BrokenPipeError):
        raise
    except OSError as exc:
        raise ExportError(cannot_write(job.target, exc)) from None
    except Exception as exc:  # a broken exporter must not take the others down
        outcome.failed[job.name] = f"failed: {type(exc).__name__}: {exc}"
        return None
    if served:
        outcome.from_cache.append(job.target)
    return served


def _store(job: Job, stream: IO[str], plan: Plan, catalog: LazyCatalog) -> None:
    """Keep the staged bytes of a built export in the cache, if the catalog did not change meanwhile."""
    if plan.cache is None or job.key is None or not catalog.unchanged():
        return
    try:
        stream.flush()
        plan.cache.store(job.key, stream.fileno())
    except OSError:
        pass  # an unwritable cache costs speed, not the run


def check(plan: Plan) -> Outcome:
    """Compare each target with the bytes ``plan`` would write; the ones that differ are ``stale``."""
    outcome = Outcome(failed={name: f"failed to load ({why})" for name, why in plan.broken.items()})
    catalog = LazyCatalog(plan.source, plan.selection)
    with run_scope(), Worker(plan, catalog, WORKER) as worker:
        for job in plan.jobs:
            expected = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
            if _run(job, expected, plan, catalog, outcome, worker) is None:
                continue
            expected.flush()
            fresh = expected.buffer.getvalue()  # type: ignore[attr-defined]
            try:
                current = Path(job.target).read_bytes()
            except OSError:
                current = None
            if current != fresh:
                outcome.stale.append(job.target)
    return outcome


__all__ = [
    "STDOUT",
    "Job",
    "LazyCatalog",
    "Outcome",
    "Plan",
    "Selection",
    "build",
    "check",
    "export",
    "plan",
    "plan_all",
]
