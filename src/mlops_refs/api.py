"""The Python API: export a catalog to any registered format."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .exporters import Exporter, Registry, default_registry
from .exporters import dump as _dump
from .exporters import dumps as _dumps
from .exporters import write as _write
from .model import Catalog
from .readers.base import Report, UnreadableFileError

if TYPE_CHECKING:
    from .carried import WriteReport


def formats(registry: Registry = default_registry) -> list[str]:
    """Names of every registered format."""
    return registry.names()


def get_exporter(name: str, registry: Registry = default_registry, **options: Any) -> Exporter:
    """An exporter for a format name, alias or extension (UnknownFormatError lists the known ones)."""
    return registry.get(name, **options)


def dumps(catalog: Catalog, format: str, **options: Any) -> str:
    """The catalog in one format, as a string."""
    return _dumps(get_exporter(format, **options), catalog)


def dump(catalog: Catalog, format: str, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the catalog in one format to a file, atomically."""
    return _dump(get_exporter(format, **options), catalog, path)


def export(catalog: Catalog, format: str, target: str | os.PathLike[str] | IO[str], **options: Any) -> None:
    """Write the catalog in one format to a path (atomically) or to an open text stream."""
    exporter = get_exporter(format, **options)
    if isinstance(target, str | os.PathLike):
        _dump(exporter, catalog, target)
    else:
        _write(exporter, catalog, target)


def not_carried(catalog: Catalog, format: str, file: str | None = None, **options: Any) -> WriteReport:
    """What writing the catalog in one format loses of it, record by record, before it is written.

    ``file`` names the output in the report's lines (by default the format's usual file name).
    """
    from .carried import not_carried as _not_carried

    exporter = get_exporter(format, **options)
    return _not_carried(catalog, exporter, file or exporter.default_filename)


def read(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], fmt: str | None = None
) -> tuple[Catalog, Report]:
    """Read a file (path or open stream) of any known format: (catalog, report of what did not fit).

    Without ``fmt`` the format comes from the file's extension and its first bytes.
    """
    from .readers.registry import read_bytes

    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
    else:
        name = str(getattr(source, "name", "<stream>"))
        raw = source.read()
        data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return read_bytes(data, name, fmt)


def loads(text: str | bytes, fmt: str) -> tuple[Catalog, Report]:
    """Read a catalog from a string in the named format: (catalog, report)."""
    from .readers.registry import read_bytes

    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_bytes(data, "<string>", fmt)
