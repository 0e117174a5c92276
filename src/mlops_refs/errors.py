"""Typed errors: every user mistake becomes one of these, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class MlopsRefsError(Exception):
    """Base class of every error mlops-refs raises for a user mistake."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a catalog file, located to the character."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogError(MlopsRefsError):
    """A catalog failed to load; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the catalog"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))


class CatalogNotFoundError(MlopsRefsError, FileNotFoundError):
    """The catalog path does not exist or holds no YAML files."""


class UnknownFormatError(MlopsRefsError, LookupError):
    """No exporter is registered under the requested name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown format {name!r}; known formats: {', '.join(known)}")


class ExportOptionError(MlopsRefsError, TypeError):
    """An exporter was given an option it does not have, or a bad value."""


class ExportError(MlopsRefsError):
    """An export could not be written."""


class NothingSelectedError(MlopsRefsError):
    """A selection (collection, types, tags) that matches no resource: nothing is written."""
