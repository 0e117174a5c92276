"""Where the bundled catalog and schema live: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

from .errors import MlopsRefsError

_PACKAGE = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    """The bundled ``data`` or ``schema`` folder, from the installed wheel or the source tree."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise MlopsRefsError(f"the bundled {name}/ folder is missing from this installation; reinstall mlops-refs")


def schema_path() -> Path:
    """Path of ``catalog.schema.json``."""
    return bundled_path("schema") / "catalog.schema.json"


def data_path() -> Path:
    """Path of the bundled catalog folder."""
    return bundled_path("data")
