"""The wheel carries the catalog, the schema and the type marker, and works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlops_refs import load_catalog

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return next(out.glob("mlops_refs-*.whl"))


def test_wheel_holds_the_single_source_catalog_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {f"mlops_refs/_bundled/{p.relative_to(REPO).as_posix()}" for p in (REPO / "data").rglob("*.yaml")}
    assert data <= names
    assert "mlops_refs/_bundled/schema/catalog.schema.json" in names
    assert "mlops_refs/py.typed" in names
    entry_points = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    )
    assert "[mlops_refs.exporters]" in entry_points
    assert "mlops-refs = mlops_refs.cli:run" in entry_points


def test_installed_wheel_exports_the_bundled_catalog_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    code = "import mlops_refs, sys; print(mlops_refs.__file__); print(len(mlops_refs.load_catalog()))"
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    module_file, count = shown.stdout.split()
    assert Path(module_file).is_relative_to(site)
    assert int(count) == len(load_catalog(REPO / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "mlops_refs", "export"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "exports" / "mlops-refs.bib").read_bytes() == (
        REPO / "exports" / "mlops-refs.bib"
    ).read_bytes()
