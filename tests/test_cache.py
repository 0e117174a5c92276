"""The catalog cache: answers for an unchanged catalog, never stale, never shared, safe to delete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_refs import cache
from mlops_refs.catalog import load_catalog

GOOD = Path(__file__).parent / "fixtures" / "good"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOOD, tmp_path / "catalog"))


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    import mlops_refs.catalog

    real = mlops_refs.catalog.load_catalog

    def counting(path=None):
        calls.append(1)
        return real(path)

    monkeypatch.setattr(mlops_refs.catalog, "load_catalog", counting)
    return calls


def test_an_unchanged_catalog_is_answered_from_the_cache(
    cache_dir: Path, catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = count_loads(monkeypatch)
    first = cache.load_catalog_cached(catalog_copy)
    second = cache.load_catalog_cached(catalog_copy)
    assert first == second == load_catalog(catalog_copy)
    assert len(loads) == 1
    assert second.resource("dvc").authors[0].literal == "Iterative, Inc."
    assert second.members(second.collection("week1"))  # lookup tables rebuilt after unpickling


def test_any_changed_byte_reloads(
    cache_dir: Path, catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = count_loads(monkeypatch)
    cache.load_catalog_cached(catalog_copy)
    yaml_file = catalog_copy / "catalog.yaml"
    yaml_file.write_text(
        yaml_file.read_text(encoding="utf-8").replace("Attention Is All", "Attention Is Still All"),
        encoding="utf-8",
    )
    changed = cache.load_catalog_cached(catalog_copy)
    assert changed.resource("vaswani2017attention").title == "Attention Is Still All You Need"
    (catalog_copy / "extra.yaml").write_text("resources: []\n", encoding="utf-8")
    cache.load_catalog_cached(catalog_copy)
    assert len(loads) == 3


def test_a_catalog_that_became_invalid_is_reported_not_served(cache_dir: Path, catalog_copy: Path) -> None:
    from mlops_refs.errors import CatalogError

    cache.load_catalog_cached(catalog_copy)
    (catalog_copy / "catalog.yaml").write_text("resources: [{id: Bad}]\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        cache.load_catalog_cached(catalog_copy)


def test_two_catalogs_never_share_an_entry(cache_dir: Path, catalog_copy: Path, tmp_path: Path) -> None:
    other = Path(shutil.copytree(GOOD, tmp_path / "other"))
    cache.load_catalog_cached(catalog_copy)
    cache.load_catalog_cached(other)
    assert len([p for p in cache_dir.iterdir() if p.suffix == ".pickle"]) == 2


def test_a_deleted_or_corrupt_cache_is_harmless(cache_dir: Path, catalog_copy: Path) -> None:
    expected = cache.load_catalog_cached(catalog_copy)
    for entry in cache_dir.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert cache.load_catalog_cached(catalog_copy) == expected
    shutil.rmtree(cache_dir)
    assert cache.load_catalog_cached(catalog_copy) == expected
    assert not list(cache_dir.glob("*.tmp"))


def test_an_unwritable_cache_does_not_fail_the_load(
    tmp_path: Path, catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    assert len(cache.load_catalog_cached(catalog_copy)) == 12
