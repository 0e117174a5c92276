"""Linear scaling: each size-dependent stage timed at two sizes in one process, the samples alternating.

The machine's speed drifts (on a busy 2-core host the same call can take 50% longer a minute later), so two
sizes measured minutes apart are not comparable. Here the catalogs are loaded side by side: ``factor``
different catalogs of the small size (factor = big / small, seeds seed, seed + 1, ...) and one of the big
size. A sample at the small size calls a stage once on each small catalog; one at the big size calls it once;
samples go in the order small, big, big, small, small, big ... Both sides of a pair process as much data,
for about as long, back to back, so whatever load the machine has hits them alike, and a steady drift
cancels out. The stages are those of a single-size run, with the same meaning (see ``stages``).
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import stages, workspace
from .measure import BenchError, Stage, alternate, cpu_per_call
from .workspace import Scratch

SCALING_SLACK = 1.2  # 10x the size may cost at most 12x
SCALING_REPEAT = 9  # samples per size: fewer leave the least of each side at the mercy of a noisy host


def side_stages(catalog_dir: Path, scratch: Scratch) -> dict[str, Stage]:
    """The in-process stages of a single-size run, built on one catalog."""
    import mlops_refs

    built = {"load_catalog": stages.load_stage(catalog_dir, scratch.use_fresh_cache)}
    built.update(stages.pipeline_stages(catalog_dir))
    catalog = mlops_refs.load_catalog(catalog_dir)
    built.update(stages.export_stages(catalog))
    built["all_exports"] = stages.all_exports_stage(catalog)
    return built


def _export_runs(directories: list[Path], scratch: Scratch) -> dict[str, float]:
    """A cold then a warm export of each catalog: CPU seconds per call of each, and the cold peak RSS."""
    cold = warm = peak = 0.0
    for directory in directories:
        first, second = stages.export_cold_then_warm(directory, scratch)
        cold += first.cpu_seconds if first.cpu_seconds is not None else first.seconds
        warm += second.cpu_seconds if second.cpu_seconds is not None else second.seconds
        peak = max(peak, first.rss_mb or 0.0)
    calls = len(directories)
    return {"process_export_cold": cold / calls, "process_export_warm": warm / calls, "peak_rss_mb": peak}


def scaling(
    sizes: list[int], seed: int, repeat: int, cache_root: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Every size-dependent stage at the smallest and the largest of ``sizes``, as documented in
    benchmarks/README.md."""
    small_size, big_size = min(sizes), max(sizes)
    factor = max(1, round(big_size / small_size))
    limit = SCALING_SLACK * big_size / small_size
    stages.warm_up()
    samples: dict[str, dict[str, list[float]]] = {}
    # As many different small catalogs as the size ratio: calling a stage ten times on one catalog would find
    # its data in the CPU caches from the second call on, which one call never does.
    small_dirs = [workspace.ensure_catalog(small_size, seed + i, cache_root)[0] for i in range(factor)]
    big_dir, _ = workspace.ensure_catalog(big_size, seed, cache_root)
    with workspace.scratch("mlops-refs-scaling-") as scratch:
        try:
            say(f"scaling: loading {factor} catalogs of {small_size} resources and one of {big_size} ...")
            small = [side_stages(directory, scratch) for directory in small_dirs]
            big = side_stages(big_dir, scratch)
            for name, big_stage in big.items():
                say(f"scaling: {name} ...")
                small_stages = [side[name] for side in small]
                cpu_per_call(small_stages[:1])  # a warm-up of each side, not kept
                cpu_per_call([big_stage])
                smalls, bigs = alternate(
                    lambda s=small_stages: cpu_per_call(s), lambda b=big_stage: cpu_per_call([b]), repeat
                )
                samples[name] = {str(small_size): smalls, str(big_size): bigs}
            del small, big
            gc.collect()

            say("scaling: mlops-refs export as a process, cold and warm ...")
            small_runs, big_runs = alternate(
                lambda: _export_runs(small_dirs, scratch), lambda: _export_runs([big_dir], scratch), repeat
            )
        except BenchError as exc:
            raise BenchError(f"scaling: {exc}") from None
    for stage in ("process_export_cold", "process_export_warm"):
        samples[stage] = {
            str(small_size): [s[stage] for s in small_runs],
            str(big_size): [b[stage] for b in big_runs],
        }
    peak_rss = {
        str(small_size): round(max(s["peak_rss_mb"] for s in small_runs), 1) or None,
        str(big_size): round(max(b["peak_rss_mb"] for b in big_runs), 1) or None,
    }
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
        "skipped": {},
        "machine": workspace.machine(),
    }
