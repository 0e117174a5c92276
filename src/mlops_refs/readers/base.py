"""The reader contract and the report of everything a read did not keep as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from ..errors import MlopsRefsError

if TYPE_CHECKING:
    from ..model import Catalog

#: What a report line says happened: a value not kept, kept in another form, a fallback decision,
#: a whole record not read, or a plain remark.
KINDS = ("dropped", "changed", "guessed", "skipped", "note")


class NotThisFormatError(MlopsRefsError):
    """The file is not of the format asked for (a Pocket export read as bookmarks, a plain outline...)."""


class UnreadableFileError(MlopsRefsError):
    """The file cannot be read at all (bad bytes, hostile XML, nothing of the format in it)."""


@dataclass(frozen=True, slots=True)
class Loss:
    """One line of a report: where, which field, what happened."""

    file: str
    line: int | None
    field: str
    message: str
    kind: str = "dropped"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The line as a JSON-ready mapping."""
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass
class Report:
    """What one read kept, changed and dropped, in the order found; problems are data, not exceptions."""

    file: str
    format: str = ""
    read: int = 0
    skipped: int = 0
    lines: list[Loss] = field(default_factory=list)

    def add(self, line: int | None, field: str, message: str, kind: str = "dropped") -> None:
        """Record one thing that did not fit."""
        if kind not in KINDS:
            raise ValueError(f"unknown report kind {kind!r}")
        if kind == "skipped":
            self.skipped += 1
        self.lines.append(Loss(self.file, line, field, message, kind))

    def skip(self, line: int | None, message: str) -> None:
        """Record a whole record that could not be read."""
        self.add(line, "", message, "skipped")

    @property
    def exit_status(self) -> int:
        """0 when every record was read (losses reported), 1 when some were skipped."""
        return 1 if self.skipped else 0

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready mapping."""
        return {
            "file": self.file,
            "format": self.format,
            "read": self.read,
            "skipped": self.skipped,
            "lines": [loss.to_json() for loss in self.lines],
        }


@runtime_checkable
class Reader(Protocol):
    """What every format's reading side provides."""

    name: ClassVar[str]  # the format's name, the same as its writer's
    extensions: ClassVar[tuple[str, ...]]  # file suffixes, e.g. (".bib",)

    def sniff(self, head: str) -> bool:
        """True when the start of a decoded file looks like this format."""

    def read(self, data: bytes, report: Report) -> Catalog:
        """The catalog a file's bytes hold; losses go to ``report``; NotThisFormatError when it is not one."""
