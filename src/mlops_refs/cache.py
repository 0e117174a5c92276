"""A content-addressed store of export bytes, so an unchanged export is copied instead of built again.

An entry is named by a digest of everything that determines the output: the catalog's bytes, the schema, the
selection, the exporter's options, the code of mlops-refs, of the exporter's whole distribution and of the
libraries it uses. It holds plain bytes behind a header with their length and SHA-256, checked before any byte
is used; nothing in the cache is ever executed or unpickled. The folder is used only when it is a folder of
the current user that no one else can write (as ssh and gpg insist); otherwise there is no caching.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from .bundled import catalog_files, schema_path

CACHE_ENV = "MLOPS_REFS_CACHE_DIR"
NO_CACHE_ENV = "MLOPS_REFS_NO_CACHE"
LIMIT_ENV = "MLOPS_REFS_CACHE_LIMIT"
XDG_ENV = "XDG_CACHE_HOME"
#: The variables that choose where the cache lives, first one set wins (the home folder when none is).
LOCATION_ENV = (CACHE_ENV, XDG_ENV)
DEFAULT_LIMIT = 1 << 30  # 1 GiB
_FORMAT = b"mlops-refs-output 2"
_CHUNK = 1 << 20
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def cache_dir() -> Path | None:
    """$MLOPS_REFS_CACHE_DIR, else $XDG_CACHE_HOME/mlops-refs, else ~/.cache/mlops-refs; None if no home."""
    if os.environ.get(NO_CACHE_ENV):
        return None
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get(XDG_ENV)
    if not base:
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None  # no $HOME and no passwd entry: run without a cache
        base = os.path.join(home, ".cache")
    return Path(base) / "mlops-refs"


def usable_cache_dir() -> Path | None:
    """The cache folder, created 0700; None (after one warning) when another user could write into it."""
    folder = cache_dir()
    return None if folder is None else _checked(folder)


@cache
def _checked(folder: Path) -> Path | None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.stat(folder)
    except OSError as exc:
        return _refuse(folder, f"{(exc.strerror or str(exc)).lower()}")
    if not stat.S_ISDIR(info.st_mode):
        return _refuse(folder, "it is not a folder")
    if info.st_uid != os.geteuid():
        return _refuse(folder, f"it belongs to uid {info.st_uid}, not to you")
    if info.st_mode & 0o022:
        mode = stat.S_IMODE(info.st_mode)
        return _refuse(folder, f"others can write into it (mode {mode:o}); chmod 700 it")
    return folder


def _refuse(folder: Path, why: str) -> None:
    print(f"mlops-refs: warning: not caching in {folder}: {why}", file=sys.stderr)
    return None


def size_limit() -> int:
    """The cache's size bound in bytes: $MLOPS_REFS_CACHE_LIMIT (500M, 2G; 0 stores nothing), else 1G."""
    text = os.environ.get(LIMIT_ENV, "").strip().upper().removesuffix("B").removesuffix("I")
    if not text:
        return DEFAULT_LIMIT
    unit = text[-1] if text[-1] in _UNITS else ""
    try:
        return int(float(text[: len(text) - len(unit)]) * _UNITS[unit])
    except ValueError:
        given = os.environ[LIMIT_ENV]
        print(f"mlops-refs: warning: {LIMIT_ENV}={given!r} is not a size; using 1G", file=sys.stderr)
        return DEFAULT_LIMIT


def write_entry(entry: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a cache entry via an exclusive temp file (named by this process' id) and a rename; an
    unwritable cache costs speed only."""
    try:
        fd, name = tempfile.mkstemp(prefix=_temp_prefix(os.getpid()), suffix=".tmp", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(name, entry)
    except BaseException as exc:  # an interrupt too: no temp entry is left behind
        with contextlib.suppress(OSError):
            os.unlink(name)
        if not isinstance(exc, OSError):
            raise


def _temp_prefix(pid: int) -> str:
    return f".entry.{pid}."


def remove_temp_entries(folder: Path, pid: int) -> None:
    """Delete the temp entries the process ``pid`` left in ``folder`` (it was killed while writing one)."""
    prefix = _temp_prefix(pid)
    try:
        with os.scandir(folder) as found:
            names = [e.name for e in found if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))


def read_entry(entry: Path) -> bytes | None:
    """The bytes of a small cache entry (a regular file, not followed through a symlink), or None."""
    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read()


@dataclass(frozen=True)
class CatalogSource:
    """A catalog's files and the digest of their bytes and of the schema they are validated against."""

    path: str | os.PathLike[str] | None
    files: tuple[Path, ...]
    digest: str

    @classmethod
    def find(cls, path: str | os.PathLike[str] | None = None) -> CatalogSource:
        """The source of the catalog at ``path`` (the bundled one by default)."""
        files = tuple(catalog_files(path))
        return cls(path, files, content_digest(files))

    def unchanged(self) -> bool:
        """True when the catalog's files still hold the bytes this source was digested from."""
        try:
            return content_digest(catalog_files(self.path)) == self.digest
        except OSError:
            return False


def content_digest(files: Iterable[Path]) -> str:
    """A digest of the schema and of every catalog file's name and bytes."""
    digest = hashlib.sha256(schema_path().read_bytes())
    for file in files:
        data = file.read_bytes()
        digest.update(f"\0{file.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


class OutputCache:
    """Export bytes by content key, each entry checked against its recorded length and SHA-256."""

    def __init__(self, folder: Path, limit: int | None = None) -> None:
        self.folder = folder
        self.limit = size_limit() if limit is None else limit

    def key(self, source: CatalogSource, selection: str, exporter: object) -> str:
        """The content key of one export: catalog, selection, exporter class, options and code."""
        cls = type(exporter)
        parts = (
            _FORMAT.decode(),
            source.digest,
            selection,
            f"{cls.__module__}:{cls.__qualname__}",
            repr(getattr(exporter, "options", None)),
            code_fingerprint(cls.__module__),
        )
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / f"{key}.out"

    def has(self, key: str) -> bool:
        """True when an entry for ``key`` exists (``copy_to`` still checks its bytes)."""
        return self._entry(key).is_file()

    def copy_to(self, key: str, out: BinaryIO) -> bool:
        """Copy the entry's bytes to ``out`` and return True when they match their length and SHA-256."""
        try:
            fd = os.open(self._entry(key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return False
            header = fh.readline(200).split()
            if len(header) != 4 or b" ".join(header[:2]) != _FORMAT or not header[2].isdigit():
                return False
            length, expected = int(header[2]), header[3].decode("ascii", "replace")
            digest, copied = hashlib.sha256(), 0
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                copied += len(chunk)
                out.write(chunk)
            if copied != length or digest.hexdigest() != expected:
                return False
        with contextlib.suppress(OSError):
            os.utime(self._entry(key))  # recently used: evicted last
        return True

    def store(self, key: str, fd: int, start: int = 0, end: int | None = None) -> None:
        """Keep the bytes of the open file ``fd`` (the staged file just written), or those from ``start`` to
        ``end``, under ``key``."""
        whole = end is None
        end = os.fstat(fd).st_size if end is None else end
        size = end - start
        if size + 200 > self.limit:
            return

        def write(out: BinaryIO) -> None:
            """One pass: the header with a blank digest, the bytes (hashed on the way), then the digest."""
            head = _FORMAT + f" {size} ".encode()
            out.write(head + b"0" * 64 + b"\n")
            digest = hashlib.sha256()
            position = start
            while position < end and (chunk := os.pread(fd, min(_CHUNK, end - position), position)):
                digest.update(chunk)
                out.write(chunk)
                position += len(chunk)
            if position != end or (whole and os.fstat(fd).st_size != end):
                stored = position - start
                raise OSError(f"the file grew or shrank while it was stored ({stored} of {size} bytes)")
            out.seek(len(head))
            out.write(digest.hexdigest().encode())

        write_entry(self._entry(key), write)
        self.evict()

    def evict(self) -> None:
        """Remove the least recently used entries until the folder's entries fit the size bound."""
        try:
            with os.scandir(self.folder) as found:
                entries = [
                    (e.stat(follow_symlinks=False), e.path)
                    for e in found
                    if e.name.endswith((".out", ".tmp")) and e.is_file(follow_symlinks=False)
                ]
        except OSError:
            return
        abandoned = time.time() - 3600  # a temp file of a run killed over an hour ago
        for info, path in entries:
            if path.endswith(".tmp") and info.st_mtime < abandoned:
                with contextlib.suppress(OSError):
                    os.unlink(path)
        entries = [(info, path) for info, path in entries if path.endswith(".out")]
        total = sum(info.st_size for info, _ in entries)
        for info, path in sorted(entries, key=lambda item: (item[0].st_mtime_ns, item[1])):
            if total <= self.limit:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= info.st_size


def code_fingerprint(module: str) -> str:
    """A digest of the code an export depends on: mlops-refs, latexcodec, and the exporter's distribution."""
    top = module.partition(".")[0]
    if top == __package__:
        return _package_fingerprint()
    return hashlib.sha256((_package_fingerprint() + _distribution_fingerprint(top)).encode()).hexdigest()


_PACKAGE = Path(__file__).resolve().parent


def _hash_files(digest: hashlib._Hash, files: Iterable[Path]) -> None:
    for file in sorted(set(files)):
        if "__pycache__" in file.parts or file.suffix == ".pyc":
            continue
        try:
            data = file.read_bytes()
        except OSError:
            continue
        digest.update(f"\0{file}\0{len(data)}\0".encode())
        digest.update(data)


@cache
def _package_fingerprint() -> str:
    from importlib.util import find_spec

    digest = hashlib.sha256(sys.version.encode())
    sources = [p for p in _PACKAGE.rglob("*") if p.is_file() and "_bundled" not in p.parts]
    latexcodec = find_spec("latexcodec")  # its source, without the cost of importing it
    if latexcodec is not None and latexcodec.origin:
        sources += [p for p in Path(latexcodec.origin).parent.rglob("*") if p.is_file()]
    _hash_files(digest, sources)
    for library in _LOADING_LIBRARIES:  # large compiled code: its files' names, sizes and times
        spec = find_spec(library)
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            for file in sorted(Path(spec.origin).parent.rglob("*")):
                with contextlib.suppress(OSError):
                    info = file.stat()
                    digest.update(f"\0{file}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()


_LOADING_LIBRARIES = (
    "yaml",
    "yaml_rs",
    "jsonschema",
    "jsonschema_rs",
)  # they decide what a catalog's files mean


@cache
def _distribution_fingerprint(top: str) -> str:
    """Every file of the distribution that provides module ``top``, and its package folder."""
    from importlib import metadata
    from importlib.util import find_spec

    digest = hashlib.sha256(top.encode())
    files: list[Path] = []
    for name in metadata.packages_distributions().get(top, []):
        with contextlib.suppress(metadata.PackageNotFoundError):
            dist = metadata.distribution(name)
            digest.update(f"\0{name}\0{dist.version}".encode())
            files += [Path(str(dist.locate_file(f))) for f in dist.files or ()]
    spec = find_spec(top)
    if spec is not None and spec.origin and os.path.isfile(spec.origin):
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            files += [p for p in origin.parent.rglob("*") if p.is_file()]
        else:
            files.append(origin)
    _hash_files(digest, files)
    return digest.hexdigest()
