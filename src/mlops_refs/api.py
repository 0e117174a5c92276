"""The Python API: export a catalog to any registered format."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from .exporters import Exporter, Registry, default_registry
from .exporters import dump as _dump
from .exporters import dumps as _dumps
from .exporters import write as _write
from .model import Catalog


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
