"""The library's own stages, built through its public API. Each stage name has one meaning everywhere:

- ``load_catalog``: ``mlops_refs.load_catalog(folder)`` with an empty cache;
- ``yaml_parse``, ``schema_validation``, ``semantic_checks``, ``model_build``: its steps, through
  ``mlops_refs.catalog.parse_catalog``, ``file_problems``, ``catalog_problems`` and ``build_catalog``;
  ``validation``: the two checks together;
- ``export_<format>``: ``mlops_refs.dumps(catalog, format)``, the output as one string (as the peers it is
  compared with return theirs); ``all_exports``: every registered format in turn;
- ``import_bookmarks``: ``mlops_refs.read(path)`` of a Netscape bookmark file;
- ``process_export_cold``, ``process_export_warm``: ``mlops-refs export`` as a process, of a fresh copy of
  the catalog with an empty cache, then again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import workspace
from .measure import BenchError, ProcessRun, Stage, run_process
from .workspace import Scratch


def load_stage(catalog_dir: Path, fresh_cache: Callable[[], None]) -> Stage:
    """``load_catalog`` of the folder, each call with a new, empty cache (prepared untimed)."""
    import mlops_refs

    return Stage(lambda: mlops_refs.load_catalog(catalog_dir), setup=fresh_cache)


def pipeline_stages(catalog_dir: Path) -> dict[str, Stage]:
    """The steps of load_catalog, through the public functions of mlops_refs.catalog."""
    from mlops_refs.catalog import build_catalog, catalog_problems, file_problems, parse_catalog

    docs, problems = parse_catalog(catalog_dir)
    if problems or file_problems(docs) or catalog_problems(docs):
        raise BenchError(f"the generated catalog {catalog_dir} has problems")

    def validation() -> None:
        file_problems(docs)
        catalog_problems(docs)

    return {
        "yaml_parse": Stage(lambda: parse_catalog(catalog_dir)),
        "schema_validation": Stage(lambda: file_problems(docs)),
        "semantic_checks": Stage(lambda: catalog_problems(docs)),
        "validation": Stage(validation),
        "model_build": Stage(lambda: build_catalog(docs)),
    }


def export_key(fmt: str) -> str:
    """The stage name of one exporter: ``export_<format>``, dashes as underscores."""
    return f"export_{fmt.replace('-', '_')}"


def export_stage(catalog: Any, fmt: str) -> Stage:
    """One exporter: ``mlops_refs.dumps`` of the loaded catalog."""
    import mlops_refs

    return Stage(lambda: mlops_refs.dumps(catalog, fmt))


def export_stages(catalog: Any) -> dict[str, Stage]:
    """Every registered exporter, by stage name."""
    import mlops_refs

    return {export_key(fmt): export_stage(catalog, fmt) for fmt in mlops_refs.formats()}


def all_exports_stage(catalog: Any) -> Stage:
    """Every registered format exported in turn from the loaded catalog."""
    exports = [stage.fn for stage in export_stages(catalog).values()]

    def all_exports() -> None:
        for export in exports:
            export()

    return Stage(all_exports)


def import_bookmarks_stage(path: Path) -> tuple[Stage, int]:
    """``mlops_refs.read`` of a bookmark file, and how many bookmarks it reads; raises BenchError if it
    skips any or reads none."""
    import mlops_refs

    catalog, report = mlops_refs.read(path)
    if report.skipped or not catalog.resources:
        raise BenchError(f"mlops_refs.read skipped {report.skipped} of the bookmarks in {path}")
    return Stage(lambda: mlops_refs.read(path)), len(catalog.resources)


def export_cold_then_warm(catalog_dir: Path, scratch: Scratch) -> tuple[ProcessRun, ProcessRun]:
    """``mlops-refs export`` of a fresh copy of the catalog with an empty cache (cold), then again (warm)."""
    copy = scratch.folder("catalog-") / "catalog"
    shutil.copytree(catalog_dir, copy)  # a new path and a new, empty cache: nothing to reuse
    env = scratch.fresh_cache_env()
    cmd = [*workspace.cli_command(), "export", "--catalog", str(copy)]
    try:
        cold = run_process([*cmd, "--out", str(scratch.folder("out-"))], env)
        warm = run_process([*cmd, "--out", str(scratch.folder("out-"))], env)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    return cold, warm


def warm_up() -> None:
    """Imports, compiled validators and the exporter registry, on the bundled catalog (untimed)."""
    import mlops_refs

    bundled = mlops_refs.load_catalog()
    for fmt in mlops_refs.formats():
        mlops_refs.dumps(bundled, fmt)
