"""Linear scaling: each size-dependent stage timed at two sizes in one process, the samples alternating.

The machine's speed drifts (on a busy 2-core host the same call can take 50% longer a minute later), so two
sizes measured minutes apart are not comparable. Here the catalogs are loaded side by side: ``factor``
different catalogs of the small size (factor = big / small, seeds seed, seed + 1, ...) and one of the big
size. A sample at the small size calls a stage once on each small catalog; one at the big size calls it once;
samples go in the order small, big, big, small, small, big ... Both sides of a pair process as much data,
for about as long, back to back, so whatever load the machine has hits them alike, and a steady drift
cancels out.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench

# A sample: CPU seconds per call of one or more stages, by stage name.
Sample = dict[str, float]
Sampler = Callable[[], Sample]


def cpu_per_call(stages: list[bench.Stage]) -> float:
    """CPU seconds per call, calling each stage once; a stage's setup runs before it and is not timed."""
    gc.collect()
    used = 0.0
    for stage in stages:
        if stage.setup is not None:
            stage.setup()
        start = time.process_time()
        stage.fn()
        used += time.process_time() - start
    return used / len(stages)


def alternate(small: Sampler, big: Sampler, repeat: int) -> tuple[list[Sample], list[Sample]]:
    """``repeat`` samples of each side, in the order small, big, big, small, small, big, ..."""
    smalls: list[Sample] = []
    bigs: list[Sample] = []
    for i in range(repeat):
        if i % 2 == 0:
            smalls.append(small())
            bigs.append(big())
        else:
            bigs.append(big())
            smalls.append(small())
    return smalls, bigs


class DiscardingText(io.TextIOBase):
    """A text stream that keeps nothing: an exporter streams into it as into a file, without the disk."""

    def writable(self) -> bool:
        """Always true."""
        return True

    def write(self, text: str) -> int:
        """Accept the text and drop it."""
        return len(text)


def _values(samples: list[Sample], stage: str) -> list[float]:
    return [sample[stage] for sample in samples]


class Side:
    """One size: its catalog, loaded, and the in-process stages of bench.run built on it.

    The exporters stream into a DiscardingText, as ``mlops-refs export`` streams into files. ``dumps`` would
    add one allocation the size of the whole output (200 MB of Zotero RDF at 100,000 resources), whose
    fresh pages the kernel must map: a cost of the returned string, not of the exporter.
    """

    def __init__(self, size: int, seed: int, cache_root: Path, scratch: Path, cache_names: list[str]) -> None:
        import mlops_refs

        self.directory, _ = bench.ensure_catalog(size, seed, cache_root)
        self.skipped: dict[str, str] = {}
        directory = self.directory

        def fresh_cache() -> None:
            os.environ.update(bench.fresh_cache_env(scratch, cache_names))

        self.stages: dict[str, bench.Stage] = {
            "load_catalog": bench.Stage(lambda: mlops_refs.load_catalog(directory), setup=fresh_cache)
        }
        self.stages.update(bench._pipeline_stages(directory))
        catalog = mlops_refs.load_catalog(directory)
        sink = DiscardingText()
        exports = {
            bench._export_key(name): bench.Stage(lambda n=name: mlops_refs.export(catalog, n, sink))
            for name in mlops_refs.formats()
        }
        self.stages.update(exports)
        self.stages["all_exports"] = bench.Stage(lambda: [stage.fn() for stage in exports.values()])


def _export_runs(sides: list[Side], scratch: Path, cache_names: list[str]) -> dict[str, float]:
    """A cold export of a fresh copy of each side's catalog with an empty cache, each followed by a warm
    export of the same copy: CPU seconds per call of each, and the peak RSS of the cold ones."""
    cli = bench.cli_command()
    cold = warm = 0.0
    peak = 0.0
    for side in sides:
        copy = Path(tempfile.mkdtemp(prefix="catalog-", dir=scratch)) / "catalog"
        shutil.copytree(side.directory, copy)  # a new path and a new, empty cache: nothing to reuse
        env = bench.fresh_cache_env(scratch, cache_names)
        cmd = [*cli, "export", "--catalog", str(copy)]
        try:
            runs = [bench.run_process([*cmd, "--out", tempfile.mkdtemp(dir=scratch)], env) for _ in "cw"]
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
        cold += runs[0].cpu_seconds if runs[0].cpu_seconds is not None else runs[0].seconds
        warm += runs[1].cpu_seconds if runs[1].cpu_seconds is not None else runs[1].seconds
        peak = max(peak, runs[0].rss_mb or 0.0)
    calls = len(sides)
    return {"process_export_cold": cold / calls, "process_export_warm": warm / calls, "peak_rss_mb": peak}


def scaling(
    sizes: list[int], seed: int, repeat: int, cache_root: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Every size-dependent stage at the smallest and the largest of ``sizes``, as documented in
    benchmarks/README.md."""
    import mlops_refs

    small_size, big_size = min(sizes), max(sizes)
    factor = max(1, round(big_size / small_size))
    limit = bench.SCALING_SLACK * big_size / small_size
    bundled = mlops_refs.load_catalog()  # imports, compiled validators, the exporter registry
    for name in mlops_refs.formats():
        mlops_refs.dumps(bundled, name)

    scratch = Path(tempfile.mkdtemp(prefix="mlops-refs-scaling-"))
    cache_names = bench.cache_env_vars()
    saved = {name: os.environ.get(name) for name in cache_names}
    samples: dict[str, dict[str, list[float]]] = {}
    peak_rss: dict[str, float | None] = {}
    try:
        say(f"scaling: loading {factor} catalogs of {small_size} resources and one of {big_size} ...")
        # As many different small catalogs as the size ratio: calling a stage ten times on one catalog
        # would find its data in the CPU caches from the second call on, which one call never does.
        small = [Side(small_size, seed + i, cache_root, scratch, cache_names) for i in range(factor)]
        big = Side(big_size, seed, cache_root, scratch, cache_names)
        for name in big.stages:
            if any(name not in side.stages for side in small):
                continue
            say(f"scaling: {name} ...")
            small_stages = [side.stages[name] for side in small]
            cpu_per_call(small_stages[:1])  # a warm-up of each side, not kept
            cpu_per_call([big.stages[name]])
            smalls, bigs = alternate(
                lambda stages=small_stages, n=name: {n: cpu_per_call(stages)},
                lambda stage=big.stages[name], n=name: {n: cpu_per_call([stage])},
                repeat,
            )
            samples[name] = {str(small_size): _values(smalls, name), str(big_size): _values(bigs, name)}
        skipped = {k: v for side in (*small, big) for k, v in side.skipped.items()}
        for side in (*small, big):
            del side.stages
        gc.collect()

        say("scaling: mlops-refs export as a process, cold and warm ...")
        smalls, bigs = alternate(
            lambda: _export_runs(small, scratch, cache_names),
            lambda: _export_runs([big], scratch, cache_names),
            repeat,
        )
        for stage in ("process_export_cold", "process_export_warm"):
            samples[stage] = {str(small_size): _values(smalls, stage), str(big_size): _values(bigs, stage)}
        peak_rss = {
            str(small_size): round(max(s["peak_rss_mb"] for s in smalls), 1) or None,
            str(big_size): round(max(b["peak_rss_mb"] for b in bigs), 1) or None,
        }
    except bench.BenchError as exc:
        raise bench.BenchError(f"scaling: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    ratios, paired, within = {}, {}, {}
    for stage, by_size in samples.items():
        few, many = by_size[str(small_size)], by_size[str(big_size)]
        if min(few) > 0:
            ratios[stage] = round(min(many) / min(few), 3)
            pairs = [b / s for s, b in zip(few, many, strict=True) if s > 0]
            paired[stage] = round(statistics.median(pairs), 3)
            within[stage] = ratios[stage] <= limit
    return {
        "sizes": [small_size, big_size],
        "size_ratio": big_size / small_size,
        "limit": limit,
        "repeat": repeat,
        "small_calls_per_sample": factor,
        "small_seeds": [seed + i for i in range(factor)],
        "cpu_seconds": samples,
        "scaling": ratios,
        "paired_median": paired,
        "within_limit": within,
        "worst": max(ratios, key=ratios.__getitem__) if ratios else None,
        "peak_rss_mb_export_cold": peak_rss,
        "skipped": skipped,
        "machine": bench.machine(),
    }


def table(report: dict[str, Any]) -> str:
    """The human-readable report of a scaling run."""
    small, big = (str(s) for s in report["sizes"])
    lines = [
        (
            f"scaling {small} -> {big} resources ({report['size_ratio']:g}x): each stage may cost at most "
            f"{report['limit']:g}x; {report['repeat']} alternating samples per size, "
            f"{report['small_calls_per_sample']} calls per sample at {small}"
        ),
        "",
        f"{'stage (least CPU s per call)':34} {small:>12} {big:>12} {'ratio':>8} {'paired':>8}  ok",
    ]
    for stage, ratio in report["scaling"].items():
        a, b = (min(report["cpu_seconds"][stage][size]) for size in (small, big))
        ok = "yes" if report["within_limit"][stage] else "NO"
        paired = report["paired_median"][stage]
        shown = f"{bench._fmt_seconds(a):>12} {bench._fmt_seconds(b):>12}"
        lines.append(f"{stage:34} {shown} {ratio:8.2f} {paired:8.2f}  {ok}")
    lines.append("")
    for size, mb in report["peak_rss_mb_export_cold"].items():
        lines.append(f"peak RSS of a cold export at {size}: {mb} MB")
    for name, why in report["skipped"].items():
        lines.append(f"skipped {name}: {why}")
    return "\n".join(lines)


def main(sizes: list[int], seed: int, repeat: int, cache_root: Path, as_json: bool) -> int:
    """Run the scaling benchmark and print its report."""
    import json

    report = scaling(sizes, seed, repeat, cache_root, lambda text: print(text, file=sys.stderr))
    print(json.dumps(report, indent=2) if as_json else table(report))
    return 0
