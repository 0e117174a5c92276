"""A content-keyed cache of loaded catalogs, so an unchanged catalog is not parsed and validated again.

One entry per catalog location, replaced whenever any byte of its files, the schema or mlops-refs changes:
never stale, never shared between catalogs, and safe to delete at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from . import __version__
from .bundled import catalog_files, data_path, schema_path
from .gcpause import gc_paused
from .model import Catalog

CACHE_ENV = "MLOPS_REFS_CACHE_DIR"
_FORMAT = 1


def cache_dir() -> Path:
    """Where cache entries live: $MLOPS_REFS_CACHE_DIR, else $XDG_CACHE_HOME/mlops-refs, else ~/.cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlops-refs"


def content_key(files: list[Path]) -> str:
    """A digest of every byte the loaded catalog depends on."""
    digest = hashlib.sha256(f"{__version__}\0{_FORMAT}\0".encode())
    digest.update(schema_path().read_bytes())
    for file in files:
        data = file.read_bytes()
        digest.update(f"\0{file.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def load_catalog_cached(path: str | os.PathLike[str] | None = None) -> Catalog:
    """``load_catalog``, answered from the cache when the catalog's files have not changed."""
    files = catalog_files(path)
    location = str((data_path() if path is None else Path(path)).resolve())
    entry = cache_dir() / (hashlib.sha256(location.encode()).hexdigest()[:32] + ".pickle")
    key = content_key(files)
    try:
        with open(entry, "rb") as fh, gc_paused():
            stored_key, catalog = pickle.load(fh)
        if stored_key == key and isinstance(catalog, Catalog):
            return catalog
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass  # no entry yet, or an unreadable one: load afresh
    from .catalog import load_catalog

    catalog = load_catalog(path)
    _store(entry, key, catalog)
    return catalog


def _store(entry: Path, key: str, catalog: Catalog) -> None:
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "wb") as fh:
            pickle.dump((key, catalog), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError:  # a read-only home is no reason to fail an export
        with contextlib.suppress(OSError):
            tmp.unlink()
