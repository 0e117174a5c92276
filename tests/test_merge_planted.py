"""Two generated libraries with planted duplicates of each kind: the merge finds every one, and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from generate import PLANTED_KINDS, merge_pair  # noqa: E402
from mlops_refs.merge import find_duplicates, merge  # noqa: E402
from mlops_refs.model import Catalog  # noqa: E402


@pytest.mark.parametrize(("size", "seed"), [(300, 1), (500, 7)])
def test_merge_finds_every_planted_duplicate_and_merges_nothing_else(size: int, seed: int) -> None:
    first, second, planted = merge_pair(size, seed)
    assert all(planted[kind] for kind in PLANTED_KINDS), {k: len(v) for k, v in planted.items()}
    result = merge(first, [(second, "bibtex")])
    merged = {(m["resource"], m["record"]) for m in result.report.merges}
    assert merged == {pair for kind in ("doi", "arxiv", "url") for pair in planted[kind]}
    assert {tuple(p["resources"]) for p in result.report.candidates} == set(planted["title"])
    assert result.report.two_way == []
    assert len(result.catalog.resources) == 2 * size - len(merged)
    for original, copy in planted["doi"] + planted["arxiv"] + planted["url"]:
        kept = result.catalog.resource(original)
        assert kept.url == first.resource(original).url  # the saved URL, not the copy's
        assert copy in kept.aliases
    assert {r.id for r in first.resources} <= {r.id for r in result.catalog.resources}  # no id changed


def test_find_duplicates_in_the_union_finds_the_same_pairs() -> None:
    first, second, planted = merge_pair(300, 3)
    both = Catalog.build(
        first.info, (*first.collections, *second.collections), (*first.resources, *second.resources)
    )
    result = find_duplicates(both)
    assert result.removed == {copy for kind in ("doi", "arxiv", "url") for _, copy in planted[kind]}
    assert {tuple(p["resources"]) for p in result.report.candidates} == set(planted["title"])


def test_merge_scaling_bench_reports_every_key() -> None:
    """The bench runs end to end at tiny sizes; its timings are reported, never checked here."""
    out = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "merge_scaling.py"),
            "--sizes",
            "60",
            "120",
            "--repeat",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    report = json.loads(out)
    assert set(report) == {"small", "big", "ratios", "limit", "linear"}
    assert set(report["ratios"]) == {"merge_s", "find_duplicates_s"}
    for side in ("small", "big"):
        check = report[side]["check"]
        assert check["missed"] == check["wrongly_merged"] == check["candidates_missed"] == []
