"""mlops-refs: a validated catalog of MLOps course resources, exported to what reference tools read."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the command line starts faster

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "CatalogError",
    "MlopsRefsError",
    "UnknownFormatError",
    "dump",
    "dumps",
    "export",
    "formats",
    "get_exporter",
    "load_catalog",
    "loads",
    "not_carried",
    "read",
]

_LAZY = {
    "load_catalog": "catalog",
    "Catalog": "model",
    "CatalogError": "errors",
    "MlopsRefsError": "errors",
    "UnknownFormatError": "errors",
    "export": "api",
    "dump": "api",
    "dumps": "api",
    "formats": "api",
    "get_exporter": "api",
    "read": "api",
    "loads": "api",
    "not_carried": "api",
}

if TYPE_CHECKING:
    from typing import Any

    from .api import dump, dumps, export, formats, get_exporter, loads, not_carried, read
    from .catalog import load_catalog
    from .errors import CatalogError, MlopsRefsError, UnknownFormatError
    from .model import Catalog


def __getattr__(name: str) -> Any:
    """Import the public API on first use, so that ``mlops-refs --help`` starts fast."""
    if name not in _LAZY:
        raise AttributeError(f"module 'mlops_refs' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
