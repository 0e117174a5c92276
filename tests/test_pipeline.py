"""The pipeline as a library: plan, build, export and check, each callable (and timeable) on its own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import mlops_refs
from mlops_refs import cache, load_catalog, pipeline
from mlops_refs.exporters import default_registry

GOOD = Path(__file__).parent / "fixtures" / "good"


def test_plan_build_export_and_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    week = pipeline.Selection(collection="week1")
    plan = pipeline.plan_all(tmp_path / "out", GOOD, week)
    assert [job.name for job in plan.jobs] == default_registry.names()
    assert len({job.key for job in plan.jobs}) == len(plan.jobs)
    assert plan.cache is not None
    expected = mlops_refs.dumps(load_catalog(GOOD).subset("week1"), "ris")
    ris = next(job for job in plan.jobs if job.name == "ris")
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    assert pipeline.build(plan, ris, stream) is False  # built: nothing cached yet
    stream.flush()
    assert stream.buffer.getvalue().decode("utf-8") == expected
    assert sorted(pipeline.check(plan).stale) == sorted(job.target for job in plan.jobs)
    first = pipeline.export(plan)
    assert (first.written, first.from_cache, first.failed) == ([j.target for j in plan.jobs], [], {})
    second = pipeline.export(pipeline.plan_all(tmp_path / "out", GOOD, week))
    assert second.from_cache == second.written == [j.target for j in plan.jobs]
    assert pipeline.check(plan).stale == []
    assert (tmp_path / "out" / "mlops-refs.ris").read_text(encoding="utf-8") == expected
    uncached = pipeline.plan_all(tmp_path / "out", GOOD, week, use_cache=False)
    assert uncached.cache is None
    assert all(job.key is None for job in uncached.jobs)
