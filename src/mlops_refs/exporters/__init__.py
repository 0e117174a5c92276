"""The Exporter contract and the registry that finds exporters through entry points.

The package's own exporters are entry points too; they come first, and a plugin's exporter that claims a
format name already taken (a built-in's, or an earlier plugin's) is not used but named in ``broken``, so an
installed package can never stand in silently for a format. Aliases and extensions go to the first
exporter that has them, a built-in before any plugin.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from ..errors import ExportError, ExportOptionError, UnknownFormatError
from ..files import StagedFiles, open_in_place, staged_files, writes_in_place
from ..gcpause import gc_paused
from ..memo import run_scope

if TYPE_CHECKING:
    from ..model import Catalog

ENTRY_POINT_GROUP = "mlops_refs.exporters"
_OWN_MODULES = f"{__package__.split('.')[0]}."  # entry points into this package: the built-in exporters
__all__ = [
    "BaseExporter",
    "Exporter",
    "Options",
    "Registry",
    "StagedFiles",
    "default_registry",
    "dump",
    "dumps",
    "option_help",
    "staged_files",
    "write",
    "write_lines",
]


@runtime_checkable
class Exporter(Protocol):
    """What every format plugin provides: metadata and ``write(catalog, stream)``."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]]
    extension: ClassVar[str]
    media_type: ClassVar[str]
    description: ClassVar[str]
    default_filename: ClassVar[str]

    def write(self, catalog: Catalog, stream: IO[str]) -> None:
        """Write the whole catalog to a text stream."""


@dataclass(frozen=True)
class Options:
    """Base of each exporter's typed options; subclasses add fields with defaults and help in metadata."""


class BaseExporter:
    """Convenience base: holds validated options and derives ``dumps``/``dump`` from ``write``."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    extension: ClassVar[str]
    media_type: ClassVar[str]
    description: ClassVar[str]
    default_filename: ClassVar[str]
    Options: ClassVar[type[Options]] = Options

    def __init__(self, **options: Any) -> None:
        self.options = make_options(self.Options, options, self.name)

    def write(self, catalog: Catalog, stream: IO[str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def make_options(cls: type[Options], given: dict[str, Any], format_name: str) -> Any:
    """Build an Options instance, rejecting unknown names and values of the wrong type."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(given) - set(known))
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise ExportOptionError(f"{format_name}: unknown option {', '.join(unknown)}; options are: {allowed}")
    for name, value in given.items():
        expected = known[name].metadata.get("choices")
        if expected is not None and value not in expected:
            raise ExportOptionError(f"{format_name}: option {name} must be one of {', '.join(expected)}")
        default = known[name].default
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ExportOptionError(f"{format_name}: option {name} must be true or false, got {value!r}")
    return cls(**given)


def option_help(exporter: type) -> list[tuple[str, Any, str]]:
    """(name, default, help) for each option of an exporter class."""
    opts = getattr(exporter, "Options", Options)
    return [(f.name, f.default, f.metadata.get("help", "")) for f in fields(opts)]


def write(exporter: Exporter, catalog: Catalog, stream: IO[str]) -> None:
    """Export into an open text stream, with the cyclic collector paused (exporting builds no cycles),
    inside a run (``memo.run_scope``: the current one, or one for this export alone)."""
    with gc_paused(), run_scope():
        exporter.write(catalog, stream)


def dumps(exporter: Exporter, catalog: Catalog) -> str:
    """The exporter's output as a string."""
    buffer = io.StringIO(newline="")
    write(exporter, catalog, buffer)
    return buffer.getvalue()


def write_lines(stream: IO[str], lines: Iterable[str], batch: int = 1000) -> None:
    """Write each line followed by a line feed, ``batch`` lines per write call."""
    lines = iter(lines)
    while chunk := list(islice(lines, batch)):
        stream.write("\n".join(chunk) + "\n")


def dump(exporter: Exporter, catalog: Catalog, path: str | os.PathLike[str]) -> Path:
    """Write the output to ``path`` atomically (temp file, then rename): a failure keeps the old file."""
    if writes_in_place(path):
        with open_in_place(path) as stream:
            write(exporter, catalog, stream)
        return Path(path)
    with staged_files() as staged:
        write(exporter, catalog, staged.open(Path(path)))
    return Path(path)


REQUIRED = {
    "name": str,
    "aliases": tuple,
    "extension": str,
    "media_type": str,
    "description": str,
    "default_filename": str,
}


def contract_problem(cls: object) -> str | None:
    """What keeps ``cls`` from being an exporter (a missing or mistyped attribute), or None."""
    for attribute, kind in REQUIRED.items():
        if not isinstance(getattr(cls, attribute, None), kind):
            return f"its {attribute} is missing or not a {kind.__name__}"
    if not callable(getattr(cls, "write", None)):
        return "it has no write(catalog, stream) method"
    return None


class Registry:
    """Exporters by name and alias, loaded from entry points (or given directly, for tests)."""

    def __init__(self, exporters: Iterable[type] | None = None) -> None:
        self._given = None if exporters is None else list(exporters)
        self._classes: dict[str, type] | None = None
        self.broken: dict[str, str] = {}

    def _load(self) -> dict[str, type]:
        if self._classes is None:
            classes: dict[str, type] = {}
            if self._given is not None:
                for cls in self._given:
                    classes.setdefault(cls.name, cls)
            else:
                from ..plugins import entry_points_of, load, name_taken

                found = entry_points_of(ENTRY_POINT_GROUP)
                for name, value in sorted(found, key=lambda entry: not entry[1].startswith(_OWN_MODULES)):
                    try:
                        cls = load(value)
                    except Exception as exc:  # a broken plugin must not take the others down
                        self.broken[name] = f"{type(exc).__name__}: {exc}"
                        continue
                    problem = contract_problem(cls) or name_taken(cls, classes)
                    if problem is not None:
                        self.broken[name] = f"{value}: {problem}"
                        continue
                    classes[cls.name] = cls
            self._classes = classes
        return self._classes

    def names(self) -> list[str]:
        """Canonical format names, sorted."""
        return sorted(self._load())

    def classes(self) -> list[type]:
        """Exporter classes in name order."""
        return [self._load()[n] for n in self.names()]

    def get_class(self, name: str) -> type:
        """The exporter class for a name, alias or file extension."""
        wanted = name.lower().lstrip(".")
        classes = self._load()
        if wanted in classes:
            return classes[wanted]
        for cls in classes.values():
            if wanted in cls.aliases:
                return cls
        for cls in classes.values():
            if wanted == cls.extension.lstrip("."):
                return cls
        if wanted in self.broken:
            raise ExportError(
                f"the {wanted} exporter failed to load ({self.broken[wanted]}); reinstall the "
                "package that provides it"
            )
        raise UnknownFormatError(name, self.names())

    def get(self, name: str, **options: Any) -> Exporter:
        """An exporter instance for a name, alias or extension, with options."""
        return self.get_class(name)(**options)


default_registry = Registry()
