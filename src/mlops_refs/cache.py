"""A content-keyed cache of loaded catalogs, so an unchanged catalog is not parsed and validated again.

One entry per catalog location, replaced whenever any byte of its files, the schema or mlops-refs changes:
never stale, never shared between catalogs, and safe to delete at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from . import __version__
from .bundled import catalog_files, data_path, schema_path
from .gcpause import gc_paused

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class CatalogSource:
    """A catalog's files, where it lives and the digest of their content."""

    path: str | os.PathLike[str] | None
    files: list[Path]
    location: str
    key: str

    @classmethod
    def find(cls, path: str | os.PathLike[str] | None = None) -> CatalogSource:
        """The source of the catalog at ``path`` (the bundled one by default)."""
        files = catalog_files(path)
        location = str((data_path() if path is None else Path(path)).resolve())
        return cls(path, files, location, content_key(files))

    def entry(self, *parts: str) -> Path:
        """The cache file of this catalog location for ``parts``; one per location and parts, replaced."""
        name = "\0".join((self.location, *parts))
        return cache_dir() / hashlib.sha256(name.encode()).hexdigest()[:32]


def load_catalog_cached(
    path: str | os.PathLike[str] | None = None, source: CatalogSource | None = None
) -> Catalog:
    """``load_catalog``, answered from the cache when the catalog's files have not changed."""
    from .model import Catalog  # imported here: a run whose exports are all cached never needs it

    source = source or CatalogSource.find(path)
    entry = source.entry("catalog").with_suffix(".pickle")
    try:
        with open(entry, "rb") as fh, gc_paused():
            stored_key, catalog = pickle.load(fh)
        if stored_key == source.key and isinstance(catalog, Catalog):
            return catalog
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass  # no entry yet, or an unreadable one: load afresh
    from .catalog import load_catalog

    catalog = load_catalog(source.path)
    _store(entry, source.key, catalog)
    return catalog


class OutputCache:
    """Exports of one catalog selection, keyed by the catalog's content, the exporter's code and options."""

    def __init__(self, source: CatalogSource, selection: str) -> None:
        self.source = source
        self.selection = selection

    def _key(self, exporter: object) -> str:
        cls = type(exporter)
        options = repr(getattr(exporter, "options", None))
        parts = (
            self.source.key,
            self.selection,
            cls.__module__,
            cls.__qualname__,
            options,
            code_fingerprint(cls.__module__),
        )  # type: ignore[attr-defined]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _entry(self, exporter: object) -> Path:
        cls = type(exporter)
        return self.source.entry("output", self.selection, cls.__module__, cls.__qualname__).with_suffix(
            ".out"
        )

    def open(self, exporter: object) -> BinaryIO | None:
        """The cached output positioned at its first byte, or None when there is no current one."""
        try:
            fh = open(self._entry(exporter), "rb")  # noqa: SIM115 - handed to the caller
        except OSError:
            return None
        if fh.readline().rstrip(b"\n").decode("ascii", "replace") != self._key(exporter):
            fh.close()
            return None
        return fh

    def store(self, exporter: object, written: Path) -> None:
        """Keep a copy of an export just written to ``written``."""
        key = self._key(exporter)

        def copy(out: BinaryIO) -> None:
            out.write(key.encode("ascii") + b"\n")
            with open(written, "rb") as src:
                shutil.copyfileobj(src, out)

        write_entry(self._entry(exporter), copy)


def code_fingerprint(module: str) -> str:
    """A digest of the code an export depends on: this package, the exporter's module, the libraries used."""
    import sys

    plugin_file = getattr(sys.modules.get(module), "__file__", None)
    if not plugin_file or Path(plugin_file).is_relative_to(_PACKAGE):
        return _package_fingerprint()
    return hashlib.sha256(_package_fingerprint().encode() + Path(plugin_file).read_bytes()).hexdigest()


_PACKAGE = Path(__file__).resolve().parent


@cache
def _package_fingerprint() -> str:
    import sys
    from importlib.util import find_spec

    digest = hashlib.sha256(sys.version.encode())
    latexcodec = find_spec("latexcodec")  # its source, without the cost of importing it
    sources = sorted(_PACKAGE.rglob("*.py"))
    if latexcodec is not None and latexcodec.origin:
        sources += sorted(Path(latexcodec.origin).parent.glob("*.py"))
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _store(entry: Path, key: str, catalog: Catalog) -> None:
    def dump(out: BinaryIO) -> None:
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True  # no memo: the catalog is a tree of values, and a memo would double peak memory
        pickler.dump((key, catalog))

    write_entry(entry, dump)


def write_entry(entry: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a cache entry via a temp file and a rename; an unwritable cache costs speed, not the run."""
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "wb") as out:
            write(out)
        os.replace(tmp, entry)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
