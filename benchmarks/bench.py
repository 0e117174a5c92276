"""Time every stage of mlops-refs on a generated catalog of N resources, beside peer tools and floors.

    python benchmarks/bench.py --size 10000              # table
    python benchmarks/bench.py --size 10000 --json       # one JSON object
    python benchmarks/bench.py --scaling                 # 10k and 100k, per-stage ratio big/small

Stages run in this process (YAML parse, schema validation, semantic checks, model build, load_catalog, each
exporter, all exporters) are medians of --repeat runs; fast ones are looped so that each sample lasts at least
50 ms, and stages that a ratio compares are sampled round robin. Command-line runs (cold and warm export,
--help, python -c pass, pandoc) are timed as processes, with their peak RSS. See benchmarks/README.md for
every key of the JSON output and the targets behind the ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import generate

DEFAULT_SEED = 1
MIN_SAMPLE_SECONDS = 0.05
PROCESS_TIMEOUT = 3600.0
STARTUP_REPEAT = 10  # start-up commands are quick and noisy: at least this many samples

# ratio name -> (numerator stage, denominator stage, largest value that meets the target or None)
RATIOS: dict[str, tuple[str, str, float | None]] = {
    "all_exports_vs_pandoc": ("all_exports", "pandoc_bibtex_to_csljson", 0.1),
    "bibtex_vs_bibtexparser": ("export_bibtex", "bibtexparser_write_bibtex", 1 / 3),
    "bibtex_vs_bibtexparser_inplace": ("export_bibtex", "bibtexparser_write_bibtex_inplace", None),
    "bibtex_vs_pybtex": ("export_bibtex", "pybtex_write_bibtex", None),
    "csl_json_vs_json_dumps": ("export_csl_json", "json_dumps_csl", 2.0),
    "opml_vs_lxml": ("export_opml", "lxml_build_opml", 2.0),
    "zotero_rdf_vs_lxml": ("export_zotero_rdf", "lxml_build_zotero_rdf", 2.0),
    "opml_vs_lxml_tostring": ("export_opml", "lxml_tostring_opml", None),
    "zotero_rdf_vs_lxml_tostring": ("export_zotero_rdf", "lxml_tostring_zotero_rdf", None),
    "validate_vs_load": ("validation", "load_catalog", 0.2),
    "warm_vs_cold": ("process_export_warm", "process_export_cold", 0.2),
    "help_vs_python": ("process_help", "process_python_pass", 3.0),
    "export_bundled_vs_help": ("process_export_bundled", "process_help", 2.0),
    "load_vs_json_loads": ("load_catalog", "json_loads_catalog", 8.0),
    "export_cold_vs_pandoc": ("process_export_cold", "pandoc_bibtex_to_csljson", 0.15),
    "convert_vs_pandoc": ("process_convert_bibtex", "pandoc_bibtex_to_csljson", 0.1),
    "import_vs_pandoc": ("process_import_bibtex", "pandoc_bibtex_to_csljson", 0.2),
}
# Ratios the bench does not measure yet: reported as null, with the reason in ``skipped``.
PENDING_RATIOS = {
    "bookmarks_import_vs_html_parser": "the bench does not generate bookmark files yet",
    "merge_2k_to_20k": "measured by benchmarks/merge_scaling.py, not by this bench yet",
}
PEAK_RSS_LIMIT_MB = 1024.0  # for process_export_cold; the issue states it at 100,000 resources
SIZE_INDEPENDENT = frozenset({"process_help", "process_python_pass", "process_export_bundled"})
SCALING_SLACK = 1.2  # 10x the size may cost at most 12x
SCALING_REPEAT = 9  # samples per size: fewer leave the least of each side at the mercy of a noisy host


# Interpreter settings that change start-up or timing, reported when set.
PYTHON_ENV = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPYCACHEPREFIX",
    "PYTHONHASHSEED",
    "PYTHONOPTIMIZE",
    "PYTHONDEVMODE",
    "PYTHONMALLOC",
    "PYTHONPROFILEIMPORTTIME",
    "PYTHONNODEBUGRANGES",
)


class BenchError(Exception):
    """A stage could not run (a failing command, a missing API)."""


# ----------------------------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------------------------


class PeakRss:
    """Peak resident set size of this process since the last reset (Linux: /proc/self/clear_refs)."""

    def __init__(self) -> None:
        self.available = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    def reset(self) -> None:
        if self.available:
            self._reset()

    def read_mb(self) -> float | None:
        if not self.available:
            return None
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None


class Stage(NamedTuple):
    """An in-process stage: the call to time and, optionally, an untimed preparation before each call."""

    fn: Callable[[], Any]
    setup: Callable[[], Any] | None = None


class Figures(NamedTuple):
    """Median wall and CPU seconds of one call; peak RSS (MB) during the first call, when tracked; the least
    CPU time of any sample (what the call costs when nothing else disturbs it)."""

    seconds: float
    cpu_seconds: float
    rss_mb: float | None
    min_cpu_seconds: float


def _sample(stage: Stage, loops: int, tracker: PeakRss | None = None) -> tuple[float, float, float | None]:
    if stage.setup is not None:
        stage.setup()
    gc.collect()
    if tracker is not None:
        tracker.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(loops):
        stage.fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall / loops, cpu / loops, tracker.read_mb() if tracker is not None else None


def measure(stages: dict[str, Stage], repeat: int, tracker: PeakRss | None = None) -> dict[str, Figures]:
    """Time each stage ``repeat`` times, round robin, so that a change in machine load hits every stage of
    the group alike (ours and the floor it is compared with). A stage whose first call takes under 50 ms is
    looped until a sample lasts that long (unless it has a setup); its first call then only calibrates."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in stages}
    loops: dict[str, int] = {}
    peaks: dict[str, float | None] = {}
    for name, stage in stages.items():
        wall, cpu, peaks[name] = _sample(stage, 1, tracker)
        if stage.setup is not None or wall >= MIN_SAMPLE_SECONDS:
            samples[name].append((wall, cpu))
            loops[name] = 1
        else:
            loops[name] = max(1, min(10_000, math.ceil(MIN_SAMPLE_SECONDS / max(wall, 1e-7))))
    while any(len(done) < repeat for done in samples.values()):
        for name, stage in stages.items():
            if len(samples[name]) < repeat:
                wall, cpu, _ = _sample(stage, loops[name])
                samples[name].append((wall, cpu))
    return {
        name: Figures(
            statistics.median(w for w, _ in done),
            statistics.median(c for _, c in done),
            peaks[name],
            min(c for _, c in done),
        )
        for name, done in samples.items()
    }


class Recorder:
    """The figures of one run, filled stage by stage."""

    def __init__(self, repeat: int) -> None:
        self.repeat = repeat
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.min_cpu_seconds: dict[str, float] = {}
        self.peak_rss: dict[str, float] = {}
        self.skipped: dict[str, str] = {}
        self.tracker = PeakRss()

    def time(self, stages: dict[str, Stage], peak: bool = False) -> None:
        """Time in-process stages, interleaved; with ``peak``, also their peak RSS."""
        for name, figures in measure(stages, self.repeat, self.tracker if peak else None).items():
            self.seconds[name], self.cpu_seconds[name] = figures.seconds, figures.cpu_seconds
            self.min_cpu_seconds[name] = figures.min_cpu_seconds
            if figures.rss_mb is not None:
                self.peak_rss[name] = round(figures.rss_mb, 1)

    def processes(self, commands: dict[str, Command], repeat: int) -> None:
        """Time commands, interleaved; a failing one is reported under ``skipped``."""
        for name, outcome in measure_processes(commands, repeat).items():
            if isinstance(outcome, BenchError):
                self.skipped[name] = str(outcome)
            else:
                self.record(name, outcome)

    def record(self, name: str, run: ProcessRun) -> None:
        """Keep the figures of a command."""
        self.seconds[name] = run.seconds
        if run.cpu_seconds is not None:
            self.cpu_seconds[name] = run.cpu_seconds
        if run.min_cpu_seconds is not None:
            self.min_cpu_seconds[name] = run.min_cpu_seconds
        if run.rss_mb is not None:
            self.peak_rss[name] = run.rss_mb


_RSS_UNIT = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB elsewhere


def _rss_mb(rusage: resource.struct_rusage) -> float:
    return rusage.ru_maxrss / _RSS_UNIT


# A child's ru_maxrss counts the memory of the process that forked it (Linux keeps the larger of the two
# across exec), so a child forked by this bench would report the bench's own size. Commands are therefore
# started by this small launcher (python -S -I, builtins only), which spawns the command, waits for it and
# writes "seconds max_rss return_code cpu_seconds" to the file named by its first argument.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    code = os.waitstatus_to_exitcode(status)
    fh.write(f"{elapsed} {usage.ru_maxrss} {code} {usage.ru_utime + usage.ru_stime}")
"""
_CAN_LAUNCH = hasattr(os, "posix_spawnp") and hasattr(os, "wait4")


class ProcessRun(NamedTuple):
    """One finished command: wall and CPU seconds, peak RSS in MB (None where the platform cannot tell)."""

    seconds: float
    cpu_seconds: float | None
    rss_mb: float | None
    min_cpu_seconds: float | None = None


def run_process(
    cmd: list[str], env: dict[str, str] | None = None, timeout: float = PROCESS_TIMEOUT
) -> ProcessRun:
    """Run a command to completion and measure it. Raises BenchError when it fails or times out."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        full = [sys.executable, "-S", "-I", "-c", LAUNCHER, str(report), *cmd] if _CAN_LAUNCH else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the command it started
            proc.wait()
            raise BenchError(f"{' '.join(cmd)} took more than {timeout:g} s") from None
        result = ProcessRun(time.perf_counter() - start, None, None)
        if _CAN_LAUNCH and report.is_file():
            seconds, maxrss, code_text, cpu = report.read_text().split()
            result = ProcessRun(float(seconds), float(cpu), int(maxrss) / _RSS_UNIT)
            code = int(code_text)
        if code != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise BenchError(f"{' '.join(cmd)} exited with {code}: {tail.strip()}")
    return result


def summarise(runs: list[ProcessRun]) -> ProcessRun:
    """Median wall and CPU seconds, largest peak RSS."""
    cpus = [r.cpu_seconds for r in runs if r.cpu_seconds is not None]
    peaks = [r.rss_mb for r in runs if r.rss_mb is not None]
    return ProcessRun(
        statistics.median(r.seconds for r in runs),
        statistics.median(cpus) if cpus else None,
        round(max(peaks), 1) if peaks else None,
        min(cpus) if cpus else None,
    )


Command = Callable[[], tuple[list[str], dict[str, str] | None]]


def measure_processes(commands: dict[str, Command], repeat: int) -> dict[str, ProcessRun | BenchError]:
    """Each command run ``repeat`` times, round robin (so that a change in machine load hits all of them
    alike), summarised; a failing command maps to its error. A first run under a second is a warm-up (it
    fills the OS and .pyc caches) and is left out; a slower one counts as a sample."""
    runs: dict[str, list[ProcessRun]] = {name: [] for name in commands}
    failed: dict[str, BenchError] = {}
    for name, make_cmd in commands.items():
        try:
            first = run_process(*make_cmd())
        except BenchError as exc:
            failed[name] = exc
            continue
        if first.seconds >= 1.0:
            runs[name].append(first)
    while any(len(runs[name]) < repeat for name in commands if name not in failed):
        for name, make_cmd in commands.items():
            if name in failed or len(runs[name]) >= repeat:
                continue
            try:
                runs[name].append(run_process(*make_cmd()))
            except BenchError as exc:
                failed[name] = exc
    return {name: failed[name] if name in failed else summarise(runs[name]) for name in commands}


# ----------------------------------------------------------------------------------------------------------
# The catalog under test
# ----------------------------------------------------------------------------------------------------------


def default_cache_root() -> Path:
    """Where generated catalogs are kept: $MLOPS_REFS_BENCH_CACHE, else a folder in the temp dir."""
    return Path(os.environ.get("MLOPS_REFS_BENCH_CACHE") or Path(tempfile.gettempdir()) / "mlops-refs-bench")


def ensure_catalog(size: int, seed: int, root: Path) -> tuple[Path, bool]:
    """A generated catalog for (size, seed, generator version), made once and reused; (path, reused)."""
    target = root / f"n{size}-seed{seed}-{generate.fingerprint()}"
    if (target / ".complete").is_file():
        return target, True
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".n{size}-", dir=root))
    generate.generate(size, seed, tmp)
    (tmp / ".complete").write_text("generated by benchmarks/generate.py\n", encoding="utf-8")
    try:
        tmp.rename(target)
    except OSError:  # another run finished the same catalog first
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / ".complete").is_file():
            raise
    return target, False


def cache_env_vars() -> list[str]:
    """Environment variables that point mlops-refs at a cache location, found in its source."""
    import mlops_refs

    names = set()
    for file in Path(mlops_refs.__file__).parent.rglob("*.py"):
        for name in re.findall(r"[\"'](MLOPS_REFS_[A-Z0-9_]*CACHE[A-Z0-9_]*)[\"']", file.read_text("utf-8")):
            if not any(word in name for word in ("NO_CACHE", "DISABLE", "OFF", "LIMIT")):
                names.add(name)
    return sorted(names | {"XDG_CACHE_HOME"})


def fresh_cache_env(scratch: Path, names: list[str]) -> dict[str, str]:
    """A copy of os.environ whose cache variables all name one new, empty folder."""
    folder = Path(tempfile.mkdtemp(prefix="cache-", dir=scratch))
    env = dict(os.environ)
    for name in names:
        env[name] = str(folder)
    return env


def cli_command() -> list[str]:
    """How to run the installed mlops-refs command."""
    beside = Path(sys.executable).with_name("mlops-refs")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("mlops-refs")
    return [found] if found else [sys.executable, "-m", "mlops_refs"]


# ----------------------------------------------------------------------------------------------------------
# One benchmark run
# ----------------------------------------------------------------------------------------------------------


def run(size: int, seed: int, repeat: int, cache_root: Path, skip_peers: bool = False) -> dict[str, Any]:
    """Every measurement at one size, as the JSON-ready dict documented in benchmarks/README.md."""
    import mlops_refs

    catalog_dir, reused = ensure_catalog(size, seed, cache_root)
    rec = Recorder(repeat)

    # Warm-up on the bundled catalog: imports, compiled validators, the exporter registry.
    bundled = mlops_refs.load_catalog()
    for name in mlops_refs.formats():
        mlops_refs.dumps(bundled, name)

    scratch = Path(tempfile.mkdtemp(prefix="mlops-refs-bench-"))
    cache_names = cache_env_vars()
    try:
        _load_stages(rec, catalog_dir, scratch, cache_names)
        catalog = mlops_refs.load_catalog(catalog_dir)
        counts = {"resources": len(catalog.resources), "collections": len(catalog.collections)}
        outputs = _export_stages(rec, catalog)
        bib_path = scratch / "entries.bib"  # the BibTeX of the same entries, for convert and import
        bib_path.write_text(outputs["bibtex"], encoding="utf-8", newline="")
        if skip_peers:
            rec.skipped["peers"] = "--skip-peers"
        else:
            _peer_stages(rec, catalog, outputs, scratch)
        del catalog, outputs
        _process_stages(rec, catalog_dir, scratch, cache_names, bib_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rec.peak_rss["bench_process"] = round(_rss_mb(resource.getrusage(resource.RUSAGE_SELF)), 1)

    seconds = rec.seconds
    ratios = {}
    targets = {}
    for name, (top, bottom, limit) in RATIOS.items():
        value = seconds[top] / seconds[bottom] if top in seconds and seconds.get(bottom) else None
        ratios[name] = None if value is None else round(value, 4)
        if limit is not None:
            met = None if value is None else value <= limit
            targets[name] = {"max": round(limit, 4), "value": ratios[name], "met": met}
    for name, reason in PENDING_RATIOS.items():
        ratios[name] = None
        rec.skipped[name] = reason
    cold_rss = rec.peak_rss.get("process_export_cold")
    targets["peak_rss_mb_export_cold"] = {
        "max": PEAK_RSS_LIMIT_MB,
        "value": cold_rss,
        "met": None if cold_rss is None else cold_rss < PEAK_RSS_LIMIT_MB,
    }
    files = sorted(p for p in catalog_dir.rglob("*.yaml") if p.is_file())
    return {
        "size": size,
        "seed": seed,
        "repeat": repeat,
        "catalog": {
            "path": str(catalog_dir),
            "reused": reused,
            "files": len(files),
            "bytes": sum(f.stat().st_size for f in files),
            **counts,
        },
        "seconds": {k: round(v, 6) for k, v in seconds.items()},
        "cpu_seconds": {k: round(v, 6) for k, v in rec.cpu_seconds.items()},
        "min_cpu_seconds": {k: round(v, 6) for k, v in rec.min_cpu_seconds.items()},
        "peak_rss_mb": rec.peak_rss,
        "ratios": ratios,
        "targets": targets,
        "skipped": rec.skipped,
        "cache_env": cache_names,
        "machine": machine(),
    }


def _load_stages(rec: Recorder, catalog_dir: Path, scratch: Path, cache_names: list[str]) -> None:
    """load_catalog end to end and its stages one by one, as mlops_refs.catalog exposes them, interleaved."""
    import mlops_refs

    saved = {name: os.environ.get(name) for name in cache_names}

    def fresh_cache() -> None:  # so that load_catalog never answers from a cache it may grow one day
        os.environ.update(fresh_cache_env(scratch, cache_names))

    def load() -> None:
        mlops_refs.load_catalog(catalog_dir)

    try:
        fresh_cache()  # one call on its own, for the peak RSS of loading alone
        gc.collect()
        rec.tracker.reset()
        load()
        if (mb := rec.tracker.read_mb()) is not None:
            rec.peak_rss["load_catalog"] = round(mb, 1)

        stages = {"load_catalog": Stage(load, setup=fresh_cache)}
        stages.update(_pipeline_stages(catalog_dir))
        stages["json_loads_catalog"] = _json_loads_stage(catalog_dir)
        rec.time(stages)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _json_loads_stage(catalog_dir: Path) -> Stage:
    """``json.loads`` of the catalog's files as JSON: the floor a cold load is compared with."""
    from mlops_refs.catalog import parse_catalog

    docs, _ = parse_catalog(catalog_dir)
    texts = [json.dumps(doc.data, ensure_ascii=False) for doc in docs]

    def loads() -> None:
        for text in texts:
            json.loads(text)

    return Stage(loads)


def _pipeline_stages(catalog_dir: Path) -> dict[str, Stage]:
    """The steps of load_catalog, through the public functions of mlops_refs.catalog."""
    from mlops_refs.catalog import build_catalog, catalog_problems, file_problems, parse_catalog

    docs, problems = parse_catalog(catalog_dir)
    if problems or file_problems(docs) or catalog_problems(docs):
        raise BenchError("the generated catalog has problems")

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


def _export_stages(rec: Recorder, catalog: Any) -> dict[str, str]:
    """Each exporter's dumps() on its own, then all of them together; returns each format's output."""
    import mlops_refs

    names = mlops_refs.formats()
    outputs = {name: mlops_refs.dumps(catalog, name) for name in names}
    rec.time({_export_key(name): Stage(lambda n=name: mlops_refs.dumps(catalog, n)) for name in names})

    rec.time({"all_exports": _all_exports_stage(catalog)}, peak=True)
    return outputs


def _all_exports_stage(catalog: Any) -> Stage:
    """Every registered format exported in turn from the loaded catalog."""
    import mlops_refs

    names = mlops_refs.formats()

    def all_exports() -> None:
        for name in names:
            mlops_refs.dumps(catalog, name)

    return Stage(all_exports)


def _export_key(name: str) -> str:
    return f"export_{name.replace('-', '_')}"


def _process_stages(
    rec: Recorder, catalog_dir: Path, scratch: Path, cache_names: list[str], bib_path: Path
) -> None:
    """The command line as a user runs it: start-up, the bundled catalog, converting and importing a BibTeX
    file, and a cold then a warm export."""
    cli = cli_command()
    private_cache = fresh_cache_env(scratch, cache_names)  # keeps the bench out of the user's own cache

    def out_dir() -> str:
        return tempfile.mkdtemp(prefix="out-", dir=scratch)

    rec.processes(
        {
            "process_python_pass": lambda: ([sys.executable, "-c", "pass"], private_cache),
            "process_help": lambda: ([*cli, "--help"], private_cache),
            "process_export_bundled": lambda: ([*cli, "export", "--out", out_dir()], private_cache),
        },
        max(rec.repeat, STARTUP_REPEAT),
    )
    rec.processes(
        {
            "process_convert_bibtex": lambda: (
                [*cli, "convert", str(bib_path), str(Path(out_dir()) / "out.json")],
                private_cache,
            ),
            "process_import_bibtex": lambda: (
                [*cli, "import", "--into", str(Path(out_dir()) / "catalog"), str(bib_path)],
                private_cache,
            ),
        },
        rec.repeat,
    )

    cold: list[ProcessRun] = []
    warm: list[ProcessRun] = []
    try:
        for _ in range(rec.repeat):
            copy = Path(tempfile.mkdtemp(prefix="catalog-", dir=scratch)) / "catalog"
            shutil.copytree(catalog_dir, copy)  # a new path and a new, empty cache: nothing to reuse
            env = fresh_cache_env(scratch, cache_names)
            cmd = [*cli, "export", "--catalog", str(copy)]
            cold.append(run_process([*cmd, "--out", out_dir()], env))
            warm.append(run_process([*cmd, "--out", out_dir()], env))
            shutil.rmtree(copy.parent, ignore_errors=True)
    except BenchError as exc:
        rec.skipped["process_export_cold"] = rec.skipped["process_export_warm"] = str(exc)
        return
    rec.record("process_export_cold", summarise(cold))
    rec.record("process_export_warm", summarise(warm))


def _peer_stages(rec: Recorder, catalog: Any, outputs: dict[str, str], scratch: Path) -> None:
    """Serialisation floors (json, lxml) and peer tools (bibtexparser, pybtex, pandoc) on the same entries.
    Each in-process floor or peer is timed interleaved with the exporter it is compared with, whose figures
    then replace the ones from _export_stages."""
    import mlops_refs

    def ours(name: str) -> dict[str, Stage]:
        return {_export_key(name): Stage(lambda: mlops_refs.dumps(catalog, name))}

    _floor_stages(rec, outputs, ours)
    bib = outputs.get("bibtex")
    if bib is None:
        for name in ("bibtexparser_write_bibtex", "pybtex_write_bibtex", "pandoc_bibtex_to_csljson"):
            rec.skipped[name] = "no bibtex exporter"
        return
    _bibtexparser_stages(rec, bib, ours("bibtex"))
    _pybtex_stage(rec, bib)

    pandoc = shutil.which("pandoc")
    if pandoc is None:
        rec.skipped["pandoc_bibtex_to_csljson"] = "pandoc is not installed"
        return
    bib_path = scratch / "entries.bib"
    bib_path.write_text(bib, encoding="utf-8", newline="")
    cmd = [pandoc, "-f", "bibtex", "-t", "csljson", str(bib_path), "-o", str(scratch / "pandoc.json")]
    _pandoc_stage(rec, cmd, _all_exports_stage(catalog))


# all_exports samples taken after each pandoc run: pandoc's run is ten times longer and so averages over the
# machine's slow and fast spells, which one short sample of ours would not.
EXPORTS_PER_PANDOC_RUN = 3


def _pandoc_stage(rec: Recorder, cmd: list[str], all_exports: Stage) -> None:
    """pandoc's conversion, each run followed by runs of all our exports, so that both sides of their ratio
    see the same machine load; these all_exports figures replace the ones from _export_stages."""
    runs: list[ProcessRun] = []
    ours: list[tuple[float, float]] = []
    for _ in range(rec.repeat):
        try:
            runs.append(run_process(cmd))
        except BenchError as exc:
            rec.skipped["pandoc_bibtex_to_csljson"] = str(exc)
            return
        for _ in range(EXPORTS_PER_PANDOC_RUN):
            wall, cpu, _ = _sample(all_exports, 1)
            ours.append((wall, cpu))
    rec.record("pandoc_bibtex_to_csljson", summarise(runs))
    rec.seconds["all_exports"] = statistics.median(w for w, _ in ours)
    rec.cpu_seconds["all_exports"] = statistics.median(c for _, c in ours)
    rec.min_cpu_seconds["all_exports"] = min(c for _, c in ours)


def _floor_stages(rec: Recorder, outputs: dict[str, str], ours: Callable[[str], dict[str, Stage]]) -> None:
    """json.dumps of our CSL items, lxml serialising our OPML and Zotero RDF trees."""
    csl = outputs.get("csl-json")
    if csl is None:
        rec.skipped["json_dumps_csl"] = "no csl-json exporter"
    else:
        items = json.loads(csl)
        indent, ensure_ascii = json_settings(csl)
        floor = Stage(lambda: json.dumps(items, indent=indent, ensure_ascii=ensure_ascii))
        rec.time({**ours("csl-json"), "json_dumps_csl": floor})

    from lxml import etree

    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)
    for fmt in ("opml", "zotero-rdf"):
        key = f"lxml_tostring_{fmt.replace('-', '_')}"
        if fmt not in outputs:
            rec.skipped[key] = f"no {fmt} exporter"
            continue
        root = etree.fromstring(outputs[fmt].encode("utf-8"), parser)
        floor = Stage(lambda r=root: etree.tostring(r, pretty_print=True, encoding="unicode"))
        build_key = f"lxml_build_{fmt.replace('-', '_')}"
        rec.time({**ours(fmt), key: floor, build_key: Stage(partial(_lxml_rebuild, _flatten(root)))})


def _flatten(root: Any) -> list[tuple[int, str, str | None, dict[str, str], dict[str | None, str]]]:
    """The tree as (parent index, tag, text, attributes, namespace map) rows in document order (untimed)."""
    index = {root: 0}
    rows = [(-1, root.tag, root.text, dict(root.attrib), dict(root.nsmap))]
    for element in root.iterdescendants():
        index[element] = len(rows)
        rows.append((index[element.getparent()], element.tag, element.text, dict(element.attrib), {}))
    return rows


def _lxml_rebuild(rows: list[tuple[int, str, str | None, dict[str, str], dict[str | None, str]]]) -> str:
    """The floor for an XML exporter: lxml building the same tree from ready-made rows, then serialising it
    pretty-printed; no lookups, no decisions, only the element calls any exporter has to make."""
    from lxml import etree

    _parent, tag, text, attrib, nsmap = rows[0]
    nodes = [etree.Element(tag, attrib, nsmap=nsmap)]
    sub = etree.SubElement
    for parent, tag, text, attrib, _ns in rows[1:]:
        node = sub(nodes[parent], tag, attrib)
        if text is not None:
            node.text = text
        nodes.append(node)
    return etree.tostring(nodes[0], pretty_print=True, encoding="unicode")


def _pybtex_stage(rec: Recorder, bib: str) -> None:
    """pybtex writing the entries it read from our .bib (read once, untimed)."""
    try:
        from pybtex.database import parse_string

        data = parse_string(bib, "bibtex")
        rec.time({"pybtex_write_bibtex": Stage(lambda: data.to_string("bibtex"))})
    except Exception as exc:
        rec.skipped["pybtex_write_bibtex"] = f"{type(exc).__name__}: {exc}"


def _bibtexparser_stages(rec: Recorder, bib: str, ours: dict[str, Stage]) -> None:
    """bibtexparser v2's writer, interleaved with our BibTeX export: as called by default (it deep-copies each
    block first), and with the in-place unparse stack its documentation recommends for large libraries, on a
    fresh copy of the library each time (copied untimed)."""
    import copy
    import logging

    try:
        import bibtexparser
        from bibtexparser import middlewares

        if not hasattr(bibtexparser, "write_string"):
            raise BenchError(f"bibtexparser {bibtexparser.__version__} is not v2 (no write_string)")
        library = bibtexparser.parse_string(bib)
        if library.failed_blocks:
            raise BenchError(f"bibtexparser could not parse {len(library.failed_blocks)} of our entries")
    except Exception as exc:
        rec.skipped["bibtexparser_write_bibtex"] = f"{type(exc).__name__}: {exc}"
        return
    stages = {**ours, "bibtexparser_write_bibtex": Stage(lambda: bibtexparser.write_string(library))}
    stack_factory = getattr(middlewares, "default_unparse_stack", None)
    if stack_factory is None:
        rec.skipped["bibtexparser_write_bibtex_inplace"] = "this bibtexparser has no default_unparse_stack"
    else:
        work = {}

        def fresh_copy() -> None:
            work["library"] = copy.deepcopy(library)

        def write_inplace() -> None:
            stack = stack_factory(allow_inplace_modification=True)
            bibtexparser.write_string(work["library"], unparse_stack=stack)

        stages["bibtexparser_write_bibtex_inplace"] = Stage(write_inplace, setup=fresh_copy)
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.ERROR)  # it advises the in-place stack for large libraries, once per call
    try:
        rec.time(stages)
    except Exception as exc:
        rec.skipped["bibtexparser_write_bibtex"] = f"{type(exc).__name__}: {exc}"
    finally:
        log.setLevel(level)


def json_settings(text: str) -> tuple[int | None, bool]:
    """The indent and ensure_ascii that json.dumps needs to write ``text`` as it is.

    >>> json_settings('[\\n  {\\n    "a": "é"\\n  }\\n]')
    (2, False)
    """
    lines = text.split("\n", 2)
    indent = len(lines[1]) - len(lines[1].lstrip(" ")) if len(lines) > 1 else None
    return indent, text.isascii()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import yaml

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    pandoc = shutil.which("pandoc")
    pandoc_version = None
    if pandoc:
        first = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=False).stdout
        pandoc_version = first.split("\n", 1)[0].removeprefix("pandoc ").strip() or None
    memory = None
    try:
        with open("/proc/meminfo") as fh:
            memory = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": memory,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "python_env": {k: v for k, v in os.environ.items() if k in PYTHON_ENV},
        "versions": {
            name: version(name)
            for name in (
                "mlops-refs",
                "pyyaml",
                "lxml",
                "jsonschema-rs",
                "jsonschema",
                "pybtex",
                "bibtexparser",
            )
        }
        | {"pandoc": pandoc_version},
    }


# ----------------------------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------------------------

STAGE_ORDER = (
    "yaml_parse",
    "schema_validation",
    "semantic_checks",
    "validation",
    "model_build",
    "load_catalog",
)


def _fmt_seconds(value: float) -> str:
    if value >= 1:
        return f"{value:9.3f} s "
    if value >= 1e-3:
        return f"{value * 1e3:9.2f} ms"
    return f"{value * 1e6:9.1f} µs"


def table(result: dict[str, Any]) -> str:
    """The human-readable report of one run."""
    size = result["size"]
    seconds, rss = result["seconds"], result["peak_rss_mb"]
    ordered = [k for k in STAGE_ORDER if k in seconds]
    ordered += sorted(k for k in seconds if k.startswith("export_"))
    ordered += [k for k in seconds if k not in ordered]
    lines = [
        (
            f"mlops-refs benchmark: {size} resources, {result['catalog']['collections']} collections, "
            f"{result['catalog']['files']} files ({result['catalog']['bytes'] / 1e6:.1f} MB), "
            f"median of {result['repeat']}"
        ),
        "",
        f"{'stage':34} {'median':>12} {'CPU':>12} {'per resource':>14} {'peak RSS':>10}",
    ]
    cpu = result.get("cpu_seconds", {})
    for key in ordered:
        per = "" if key in SIZE_INDEPENDENT else f"{seconds[key] / size * 1e6:11.1f} µs"
        mem = f"{rss[key]:7.1f} MB" if rss.get(key) is not None else ""
        used = _fmt_seconds(cpu[key]) if key in cpu else ""
        lines.append(f"{key:34} {_fmt_seconds(seconds[key]):>12} {used:>12} {per:>14} {mem:>10}")
    lines += ["", f"{'ratio (ours / other)':34} {'value':>9} {'target':>9}  met"]
    for name, value in result["ratios"].items():
        target = result["targets"].get(name)
        shown = "n/a" if value is None else f"{value:.3f}"
        limit = f"<= {target['max']:.3g}" if target else ""
        met = "" if not target or target["met"] is None else ("yes" if target["met"] else "NO")
        lines.append(f"{name:34} {shown:>9} {limit:>9}  {met}")
    rss_target = result["targets"]["peak_rss_mb_export_cold"]
    if rss_target["value"] is not None:
        lines.append(
            f"{'peak RSS of cold export':34} {rss_target['value']:>6.0f} MB {'< 1024 MB':>9}  "
            f"{'yes' if rss_target['met'] else 'NO'} (the target is stated at 100,000 resources)"
        )
    for name, why in result["skipped"].items():
        lines.append(f"skipped {name}: {why}")
    m = result["machine"]
    lines += [
        "",
        f"machine: {m['cpu_count']} CPUs, Python {m['python']} ({m['implementation']}), {m['platform']}",
        f"catalog: {result['catalog']['path']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=int, default=10_000, help="resources in the generated catalog (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default 1)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per stage, the median is reported (default 3; 1 from 50000; 9 per size with --scaling)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where generated catalogs are kept (default $MLOPS_REFS_BENCH_CACHE or <tmp>/mlops-refs-bench)",
    )
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="leave out pandoc, pybtex, bibtexparser and the json/lxml floors",
    )
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="time each stage at both ends of --sizes (default 10000 100000), alternating; report big/small",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="sizes for --scaling")
    args = parser.parse_args(argv)
    args.cache_dir = (args.cache_dir or default_cache_root()).resolve()
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.scaling:
        sizes = sorted(set(args.sizes))
        if len(sizes) < 2:
            parser.error("--scaling needs two different --sizes")
        import scaling

        return scaling.main(sizes, args.seed, args.repeat or SCALING_REPEAT, args.cache_dir, args.json)

    if args.size < 1:
        parser.error("--size must be at least 1")
    repeat = args.repeat or (3 if args.size < 50_000 else 1)
    result = run(args.size, args.seed, repeat, args.cache_dir, args.skip_peers)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.modules.setdefault("bench", sys.modules["__main__"])  # scaling.py imports this module by name
    sys.exit(main())
