"""Merging two generated libraries (and deduplicating their union) at two sizes: linear means <= 12x.

Each library comes from ``generate.merge_pair`` (about a fifth of the second library are planted copies of
the first: DOI forms, arXiv forms, URL variants, same title/year/author). Building the libraries is not
timed; each stage's least CPU time over ``repeat`` runs is, the runs of both sizes alternating. The check:
every planted identifier duplicate merged, every planted title pair proposed, nothing else merged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import generate

from .measure import Stage, cpu_per_call

SMALL_LIBRARIES = 10  # different small pairs timed one after the other, as --scaling does
LINEAR_LIMIT = 12.0  # ten times the records may cost at most twelve times the time
STAGES = ("merge_s", "find_duplicates_s")


def check(first: Any, second: Any, planted: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """What the merge found against what was planted."""
    from mlops_refs.merge import merge

    report = merge(first, [(second, "bibtex")]).report
    merged = {(m["resource"], m["record"]) for m in report.merges}
    expected = {pair for kind in ("doi", "arxiv", "url") for pair in planted[kind]}
    proposed = {tuple(p["resources"]) for p in report.candidates}
    return {
        "planted": {kind: len(pairs) for kind, pairs in planted.items()},
        "merged": len(merged),
        "missed": sorted(expected - merged),
        "wrongly_merged": sorted(merged - expected),
        "candidates_missed": sorted(set(planted["title"]) - proposed),
        "candidates_extra": sorted(proposed - set(planted["title"])),
        "two_way": len(report.two_way),
    }


def stages(size: int, seed: int) -> tuple[dict[str, Callable[[], Any]], dict[str, Any]]:
    """The timed stages of one size, and the check of what its merge found."""
    from mlops_refs.merge import find_duplicates, merge

    first, second, planted = generate.merge_pair(size, seed)
    both = generate.union(first, second)
    run = {
        "merge_s": lambda: merge(first, [(second, "bibtex")]),
        "find_duplicates_s": lambda: find_duplicates(both),
    }
    return run, check(first, second, planted)


def scaling(sizes: list[int], seed: int, repeat: int) -> dict[str, Any]:
    """Both sizes measured, samples alternating between them (drift hits both), and each stage's ratio.

    The small side runs ``SMALL_LIBRARIES`` different library pairs one after the other and counts a tenth
    of their time, so that it does not gain from finding one small pair in the processor's caches again.
    """
    small_size, big_size = min(sizes), max(sizes)
    smalls = [stages(small_size, seed + i) for i in range(SMALL_LIBRARIES)]
    big_run, big_check = stages(big_size, seed)
    small: dict[str, Any] = {"size": small_size, "check": smalls[0][1]}
    big: dict[str, Any] = {"size": big_size, "check": big_check}
    for stage in STAGES:
        small_stages = [Stage(run[stage]) for run, _ in smalls]
        small[stage] = big[stage] = float("inf")
        for _ in range(repeat):
            small[stage] = min(small[stage], cpu_per_call(small_stages, gc_off=True))
            big[stage] = min(big[stage], cpu_per_call([Stage(big_run[stage])], gc_off=True))
    ratios = {stage: big[stage] / small[stage] if small[stage] > 0 else None for stage in STAGES}
    linear = all(r is not None and r <= LINEAR_LIMIT for r in ratios.values())
    return {"small": small, "big": big, "ratios": ratios, "limit": LINEAR_LIMIT, "linear": linear}


def table(result: dict[str, Any]) -> str:
    """The human-readable report of a merge scaling run."""
    small, big = result["small"], result["big"]
    lines = [f"{'stage':<18} {small['size']:>10,} {big['size']:>10,}  ratio (limit {LINEAR_LIMIT:g}x)"]
    for stage, ratio in result["ratios"].items():
        shown = "n/a" if ratio is None else f"{ratio:.1f}x"
        lines.append(f"{stage:<18} {small[stage]:>9.3f}s {big[stage]:>9.3f}s  {shown}")
    for side in (small, big):
        c = side["check"]
        lines.append(
            f"{side['size']:,}: planted {c['planted']}, merged {c['merged']}, missed {len(c['missed'])}, "
            f"wrongly merged {len(c['wrongly_merged'])}, "
            f"candidate pairs missed {len(c['candidates_missed'])}, "
            f"extra {len(c['candidates_extra'])}, two-way {c['two_way']}"
        )
    lines.append("linear: " + ("yes" if result["linear"] else "NO"))
    return "\n".join(lines)
