"""The export cache: a warm export gives the same bytes without loading the catalog, and never goes stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = Path(__file__).parent / "fixtures" / "good"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, MLOPS_REFS_CACHE_DIR=str(tmp_path / "cache"))


def export(env: dict[str, str], catalog: Path, out: Path, *extra: str) -> dict[str, bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "mlops_refs", "export", "--catalog", str(catalog), "--out", str(out), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_a_warm_export_copies_the_same_bytes_without_loading_the_catalog(env, tmp_path: Path) -> None:
    catalog = Path(shutil.copytree(GOOD, tmp_path / "catalog"))
    cold = export(env, catalog, tmp_path / "cold")
    entries = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").glob("*.out")}
    warm = export(env, catalog, tmp_path / "warm")
    assert warm == cold
    assert sorted((tmp_path / "cache").glob("*.out")) == sorted(entries)  # served, not stored again
    assert warm == export(env, catalog, tmp_path / "uncached", "--no-cache")


def test_a_changed_catalog_or_option_is_never_served_from_the_cache(env, tmp_path: Path) -> None:
    catalog = Path(shutil.copytree(GOOD, tmp_path / "catalog"))
    before = export(env, catalog, tmp_path / "a")
    yaml_file = catalog / "catalog.yaml"
    yaml_file.write_text(
        yaml_file.read_text(encoding="utf-8").replace("A plain web page", "A changed page"), encoding="utf-8"
    )
    after = export(env, catalog, tmp_path / "b")
    assert all(b"A changed page" in content for content in after.values())
    assert all(b"A plain web page" in content for content in before.values())
    ascii_bib = export(env, catalog, tmp_path / "c", "-f", "bibtex")["mlops-refs.bib"]
    utf8_bib = export(env, catalog, tmp_path / "d", "-f", "bibtex", "-O", "encoding=utf-8")["mlops-refs.bib"]
    assert b"Andr{\\'e}" in ascii_bib
    assert "André".encode() in utf8_bib


def test_subsets_are_cached_apart(env, tmp_path: Path) -> None:
    catalog = Path(shutil.copytree(GOOD, tmp_path / "catalog"))
    whole = export(env, catalog, tmp_path / "a", "-f", "ris")["mlops-refs.ris"]
    week = export(env, catalog, tmp_path / "b", "-f", "ris", "--collection", "week2")["mlops-refs.ris"]
    assert whole.count(b"ER  -") == 12
    assert week.count(b"ER  -") == 5
