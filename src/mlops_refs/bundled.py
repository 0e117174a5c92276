"""Where the bundled catalog and schema live: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import CatalogNotFoundError, MlopsRefsError

_PACKAGE = Path(__file__).resolve().parent
YAML_SUFFIXES = (".yaml", ".yml")


def bundled_path(name: str) -> Path:
    """The bundled ``data`` or ``schema`` folder, from the installed wheel or the source tree."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise MlopsRefsError(
        f"the bundled {name}/ folder is missing from this installation; reinstall mlops-refs"
    )


def schema_path() -> Path:
    """Path of ``catalog.schema.json``."""
    return bundled_path("schema") / "catalog.schema.json"


def data_path() -> Path:
    """Path of the bundled catalog folder."""
    return bundled_path("data")


def catalog_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The YAML files that make up a catalog: one file, or every *.yaml/*.yml below a folder, sorted."""
    root = data_path() if path is None else Path(path)
    if root.is_file():
        return [root]
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        if not files:
            raise CatalogNotFoundError(f"{root}: no .yaml or .yml files in this folder")
        return files
    if root.exists():
        raise CatalogNotFoundError(
            f"{root} is {_kind(root)}; a catalog must be a YAML file or a folder of them"
        )
    raise CatalogNotFoundError(f"{root}: no such file or folder")


def _kind(path: Path) -> str:
    """What a path that is neither a regular file nor a folder is, in words."""
    mode = path.stat().st_mode
    for test, words in (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return words
    return "not a regular file"
