"""Every measurement at one size: the library's stages, its peers and floors, the command line, the
bookmark import and the merge; the JSON-ready result documented in benchmarks/README.md."""

from __future__ import annotations

import gc
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import merging, peers, report, stages, workspace
from .measure import BenchError, Command, ProcessRun, Recorder, own_peak_rss_mb, run_process, summarise
from .workspace import Scratch

PANDOC_BESIDE = "pandoc_beside_commands"  # pandoc timed in the rounds of the commands compared with it
STARTUP_REPEAT = 10  # start-up commands are quick and noisy: at least this many samples
DEFAULT_BOOKMARKS = 20_000
DEFAULT_MERGE_SIZES = (2_000, 20_000)


def run(
    size: int,
    seed: int,
    repeat: int,
    cache_root: Path,
    skip_peers: bool = False,
    bookmarks: int = DEFAULT_BOOKMARKS,
    merge_sizes: tuple[int, int] = DEFAULT_MERGE_SIZES,
) -> dict[str, Any]:
    """Every measurement at one size, as the JSON-ready dict documented in benchmarks/README.md."""
    import mlops_refs

    catalog_dir, reused = workspace.ensure_catalog(size, seed, cache_root)
    rec = Recorder(repeat)
    stages.warm_up()
    extra: dict[str, Any] = {}
    with workspace.scratch("mlops-refs-bench-") as scratch:
        _load(rec, catalog_dir, scratch)
        catalog = mlops_refs.load_catalog(catalog_dir)
        counts = {"resources": len(catalog.resources), "collections": len(catalog.collections)}
        outputs = {fmt: mlops_refs.dumps(catalog, fmt) for fmt in mlops_refs.formats()}
        rec.time(stages.export_stages(catalog))
        rec.time({"all_exports": stages.all_exports_stage(catalog)}, peak=True)
        bib_path = scratch.path / "entries.bib"  # the BibTeX of the same entries, for convert and import
        bib_path.write_text(outputs["bibtex"], encoding="utf-8", newline="")
        if skip_peers:
            rec.skipped["peers"] = "--skip-peers"
        else:
            _peers(rec, catalog, outputs, bib_path, scratch)
        del catalog, outputs
        gc.collect()
        _processes(rec, catalog_dir, scratch, bib_path)
    extra["bookmarks"] = _bookmarks(rec, bookmarks, seed, cache_root, skip_peers)
    extra["merge"] = merging.scaling(list(merge_sizes), seed, repeat)
    rec.peak_rss["bench_process"] = own_peak_rss_mb()

    files = sorted(p for p in catalog_dir.rglob("*.yaml") if p.is_file())
    catalog_info = {
        "path": str(catalog_dir),
        "reused": reused,
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        **counts,
    }
    return report.single_result(size, seed, rec, catalog_info, extra, scratch.cache_names)


def _load(rec: Recorder, catalog_dir: Path, scratch: Scratch) -> None:
    """load_catalog end to end (its peak RSS from one call on its own) and its stages one by one, with the
    json.loads floor, interleaved."""
    import mlops_refs

    scratch.use_fresh_cache()  # so that load_catalog never answers from a cache it may grow one day
    gc.collect()
    rec.tracker.reset()
    mlops_refs.load_catalog(catalog_dir)
    if (mb := rec.tracker.read_mb()) is not None:
        rec.peak_rss["load_catalog"] = round(mb, 1)
    timed = {"load_catalog": stages.load_stage(catalog_dir, scratch.use_fresh_cache)}
    timed.update(stages.pipeline_stages(catalog_dir))
    timed["json_loads_catalog"] = peers.json_loads_stage(catalog_dir)
    rec.time(timed)


def _peers(rec: Recorder, catalog: Any, outputs: dict[str, str], bib_path: Path, scratch: Scratch) -> None:
    """Each floor and peer tool, interleaved with the exporter it is compared with."""

    def ours(fmt: str) -> dict[str, stages.Stage]:
        return {stages.export_key(fmt): stages.export_stage(catalog, fmt)}

    if "csl-json" in outputs:
        peers.json_dumps_floor(rec, outputs["csl-json"], ours("csl-json"))
    else:
        rec.skipped["json_dumps_csl"] = "no csl-json exporter"
    for fmt in ("opml", "zotero-rdf"):
        if fmt in outputs:
            peers.lxml_floors(rec, fmt, outputs[fmt], ours(fmt))
        else:
            rec.skipped[f"lxml_tostring_{fmt.replace('-', '_')}"] = f"no {fmt} exporter"
    peers.bibtexparser_writers(rec, outputs["bibtex"], ours("bibtex"))
    peers.pybtex_writer(rec, outputs["bibtex"])
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        rec.skipped["pandoc_bibtex_to_csljson"] = "pandoc is not installed"
        return
    out = scratch.path / "pandoc.json"
    cmd = [pandoc, "-f", "bibtex", "-t", "csljson", str(bib_path), "-o", str(out)]
    peers.pandoc_conversion(rec, cmd, stages.all_exports_stage(catalog))


def _processes(rec: Recorder, catalog_dir: Path, scratch: Scratch, bib_path: Path) -> None:
    """The command line as a user runs it: start-up, the bundled catalog, converting and importing a BibTeX
    file, and a cold then a warm export."""
    cli = workspace.cli_command()
    private_cache = scratch.fresh_cache_env()  # keeps the bench out of the user's own cache

    def out_dir() -> str:
        return str(scratch.folder("out-"))

    rec.processes(
        {
            "process_python_pass": lambda: ([sys.executable, "-c", "pass"], private_cache),
            "process_help": lambda: ([*cli, "--help"], private_cache),
            "process_export_bundled": lambda: ([*cli, "export", "--out", out_dir()], private_cache),
        },
        max(rec.repeat, STARTUP_REPEAT),
    )
    _commands_beside_pandoc(rec, catalog_dir, scratch, bib_path, out_dir, private_cache)


def _commands_beside_pandoc(
    rec: Recorder,
    catalog_dir: Path,
    scratch: Scratch,
    bib_path: Path,
    out_dir: Callable[[], str],
    env: dict[str, str],
) -> None:
    """Convert, import, a cold then a warm export, and pandoc's conversion of the same entries
    (``pandoc_beside_commands``, the other side of their ratios), in rounds: each round runs each once, so
    that a change in machine load hits both sides of a ratio alike. Convert and import first run once
    untimed (OS and .pyc caches)."""
    cli = workspace.cli_command()
    commands: dict[str, Command] = {
        "process_convert_bibtex": lambda: ([*cli, "convert", str(bib_path), f"{out_dir()}/out.json"], env),
        "process_import_bibtex": lambda: (
            [*cli, "import", "--into", f"{out_dir()}/catalog", str(bib_path)],
            env,
        ),
    }
    pandoc = shutil.which("pandoc")
    if pandoc is not None and "pandoc_bibtex_to_csljson" in rec.seconds:
        out = str(scratch.path / "pandoc-beside.json")
        commands[PANDOC_BESIDE] = lambda: (
            [pandoc, "-f", "bibtex", "-t", "csljson", str(bib_path), "-o", out],
            None,
        )
    runs: dict[str, list[ProcessRun]] = {
        name: [] for name in [*commands, "process_export_cold", "process_export_warm"]
    }
    for name in ("process_convert_bibtex", "process_import_bibtex"):
        _run_into(rec, runs, name, commands[name], keep=False)
    for _ in range(rec.repeat):
        for name, command in commands.items():
            _run_into(rec, runs, name, command)
        if "process_export_cold" in rec.skipped:
            continue
        try:
            cold, warm = stages.export_cold_then_warm(catalog_dir, scratch)
        except BenchError as exc:
            rec.skipped["process_export_cold"] = rec.skipped["process_export_warm"] = str(exc)
            continue
        runs["process_export_cold"].append(cold)
        runs["process_export_warm"].append(warm)
    for name, done in runs.items():
        if done and name not in rec.skipped:
            rec.record(name, summarise(done))


def _run_into(
    rec: Recorder, runs: dict[str, list[ProcessRun]], name: str, command: Command, keep: bool = True
) -> None:
    """Run one command once, its figures kept in ``runs`` (unless ``keep`` is False); an error skips it."""
    if name in rec.skipped:
        return
    try:
        run = run_process(*command())
    except BenchError as exc:
        rec.skipped[name] = str(exc)
        runs[name].clear()
        return
    if keep:
        runs[name].append(run)


def _bookmarks(rec: Recorder, count: int, seed: int, cache_root: Path, skip_peers: bool) -> dict[str, Any]:
    """``import_bookmarks`` of a generated bookmark file, interleaved with the html.parser floor."""
    import generate

    folder, reused = workspace.ensure_library(count, seed, cache_root)
    path = folder / next(name for name, fmt in generate.LIBRARY_FILES.items() if fmt == "netscape")
    try:
        ours, read = stages.import_bookmarks_stage(path)
    except BenchError as exc:
        rec.skipped["import_bookmarks"] = str(exc)
        return {"path": str(path), "reused": reused}
    timed = {"import_bookmarks": ours}
    if skip_peers:
        rec.skipped["html_parser_bookmarks"] = "--skip-peers"
    else:
        timed["html_parser_bookmarks"] = peers.html_parser_stage(path)
    rec.time(timed)
    return {"path": str(path), "reused": reused, "bytes": path.stat().st_size, "bookmarks": read}
