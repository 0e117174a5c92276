"""What a format cannot carry of a catalog, said before it is written: the report ``convert`` gives of the
file it writes (``api.not_carried`` for the library).

Each reader declares the fields its format loses on the way out and back (``lost_fields``). Of those, and
of a few more, some are lost for some records only: ``PARTLY`` says when, per format, as a test over every
type and every combination that matters holds it to what the writers and readers do. Types go through the
format's own types (crosswalk.py): a type reads back as the crosswalk's type for the format's, and an arXiv
preprint as a preprint (every reader knows one by its id). An exporter may carry more than its reader
declares, by its options (``carries``: the .bib writers' JabRef groups). A loss that depends on a value
itself (an extra field's name) is said as a note on the records that hold the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .crosswalk import COLUMN_OF, catalog_type, format_type
from .partly import ARXIV_PREPRINT, CATALOG_FIELDS_KEPT, PARTLY
from .readers.base import Loss

if TYPE_CHECKING:
    from .exporters import Exporter
    from .model import Catalog, Resource

#: What a format must carry to keep the folder tree: each folder's title and place, each record's folders.
TREE = frozenset({"collection_ids", "collection.title", "collection.parent_id"})
_FOLDER_FIELDS = ("collection.kind", "collection.summary", "collection.url")
_READ_KIND = "folder"  # the kind a reader gives a folder whose kind its format cannot carry
_NAMED = 3  # ids a line names before "and N more"


@dataclass
class WriteReport:
    """What writing one file could not carry of its catalog, a line per field, in a fixed order."""

    file: str
    format: str
    written: int = 0
    lines: list[Loss] = field(default_factory=list)

    def add(self, name: str, message: str, kind: str = "dropped") -> None:
        """Record one field the file loses (``dropped``), changes (``changed``) or may lose (``note``)."""
        self.lines.append(Loss(self.file, None, name, message, kind))

    def summary(self) -> str:
        """The closing line: the file, its format, how many records and report lines."""
        return (
            f"{self.file}: {self.format}: {self.written} record(s) written, {len(self.lines)} report line(s)"
        )

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready mapping."""
        return {
            "file": self.file,
            "format": self.format,
            "written": self.written,
            "lines": [loss.to_json() for loss in self.lines],
        }


def declared_losses(format_name: str) -> frozenset[str] | None:
    """The fields a format's reader declares lost on the way out and back; None when no reader reads it."""
    from .readers.registry import default_registry

    reader = default_registry.named(format_name)
    return None if reader is None else frozenset(getattr(reader, "lost_fields", frozenset()))


def not_carried(catalog: Catalog, exporter: Exporter, file: str) -> WriteReport:
    """What writing ``catalog`` with ``exporter`` to ``file`` loses, changes and may lose, line by line."""
    report = WriteReport(file, exporter.name, len(catalog.resources))
    name = exporter.name
    lost = declared_losses(name)
    if lost is None:
        report.add(
            "",
            f"{name} is written to be read by people: no program reads it back into a library, "
            "so keep the catalog in a format that is (yaml keeps every field)",
            "note",
        )
        return report
    carries = getattr(exporter, "carries", None)
    if callable(carries):
        lost -= carries()
    partly = PARTLY.get(name, {})
    _catalog_fields(catalog, name, report)
    _tree(catalog, lost, exporter, report)
    _types(catalog, lost, exporter, report)
    named = (lost | partly.keys()) - TREE - {"type"}
    for field_name in sorted(f for f in named if not f.startswith("collection.")):
        holders = [r for r in catalog.resources if getattr(r, field_name, None)]
        part = partly.get(field_name)
        if part is None:
            ids = [r.id for r in holders]
            if ids:
                report.add(field_name, f"{name} has no field for it: {_who(ids, 'lose')} it")
        elif part.loses is None:
            ids = [r.id for r in holders]
            if ids:
                report.add(
                    field_name, f"{name} keeps it in part ({part.why}); {_who(ids, 'hold')} one", "note"
                )
        elif ids := [r.id for r in holders if part.loses(r)]:
            report.add(field_name, f"{name} keeps it in part ({part.why}): {_who(ids, 'lose')} it")
    return report


def _catalog_fields(catalog: Catalog, name: str, report: WriteReport) -> None:
    """The line for the catalog's own fields the format has no place for (those not left at their default)."""
    from dataclasses import fields

    from .model import CatalogInfo

    kept = CATALOG_FIELDS_KEPT.get(name, frozenset())
    default = CatalogInfo()
    lost = [
        f.name
        for f in fields(CatalogInfo)
        if f.name not in kept and getattr(catalog.info, f.name) != getattr(default, f.name)
    ]
    if lost:
        report.add("catalog", f"{name} has no place for the catalog's own {', '.join(lost)}")


def _tree(catalog: Catalog, lost: frozenset[str], exporter: Exporter, report: WriteReport) -> None:
    """The lines for the folders: none kept, or the tree flattened, titles, kinds, notes and links lost."""
    folders = catalog.collections
    if not folders:
        return
    name = exporter.name
    if "collection_ids" in lost:
        placed = sum(1 for r in catalog.resources if r.collection_ids)
        option = " without -O groups=true" if "groups" in _option_names(exporter) else ""
        report.add(
            "collections",
            f"{name} cannot carry folders{option}: {_count(len(folders), 'folder')}, and the place of "
            f"{_count(placed, 'record')} in them, are lost ({', '.join(tree_formats())} keep them)",
        )
        return
    nested = [c.id for c in folders if c.parent_id]
    if "collection.parent_id" in lost and nested:
        message = f"{name} cannot carry the folder tree: {_who(nested, 'come', 'folder')} back at the top"
        report.add("collection.parent_id", message)
    titled = [c.id for c in folders if c.title != c.id]
    if "collection.title" in lost and titled:
        message = (
            f"{name} cannot carry folder titles: {_who(titled, 'come', 'folder')} back titled by their ids"
        )
        report.add("collection.title", message)
    for field_name in _FOLDER_FIELDS:
        attribute = field_name.partition(".")[2]
        holders = [c.id for c in folders if getattr(c, attribute) not in (None, "", _READ_KIND)]
        if field_name in lost and holders:
            report.add(field_name, f"{name} has no field for it: {_who(holders, 'lose', 'folder')} it")


def _types(catalog: Catalog, lost: frozenset[str], exporter: Exporter, report: WriteReport) -> None:
    """The lines for types: each type the format's own types turn into another, with its records."""
    name = exporter.name
    column = COLUMN_OF.get(name)
    if column is None:
        if "type" in lost and catalog.resources:
            holders = [r.id for r in catalog.resources]
            report.add("type", f"{name} has no field for it: {_who(holders, 'lose')} it")
        return
    written_type = getattr(exporter, "written_type", None)
    changed: dict[tuple[str, str, str], list[str]] = {}
    for r in catalog.resources:
        written = written_type(r) if callable(written_type) else format_type(r.type, column)
        back = read_back_type(r, written, name)
        if back != r.type:
            changed.setdefault((r.type, written, back), []).append(r.id)
    for (ours, written, back), ids in changed.items():
        report.add(
            "type", f"{name} writes {ours!r} as {written!r}, read back as {back!r}: {_ids(ids)}", "changed"
        )


def read_back_type(r: Resource, written: str, format_name: str) -> str:
    """The type ``r`` has once written as the format's type ``written`` and read back."""
    column = COLUMN_OF[format_name]
    preprint = ARXIV_PREPRINT.get(format_name)
    if r.arxiv and preprint is not None and preprint(r, written):
        return "preprint"
    return catalog_type(column, written) or r.type


def tree_formats() -> list[str]:
    """The formats that carry the folder tree as it is (titles, nesting, each record's folders)."""
    from .readers.registry import default_registry

    return [
        name
        for name in default_registry.names()
        if (lost := declared_losses(name)) is not None and not lost & TREE
    ]


def _option_names(exporter: Exporter) -> set[str]:
    options = getattr(exporter, "options", None)
    return set(getattr(options, "__dataclass_fields__", ()))


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _ids(ids: Sequence[str], what: str = "record") -> str:
    """``1 record (a)``, ``3 records (a, b, c)`` or ``12 records (a, b, c and 9 more)``."""
    shown = ", ".join(ids[:_NAMED])
    more = f" and {len(ids) - _NAMED} more" if len(ids) > _NAMED else ""
    return f"{_count(len(ids), what)} ({shown}{more})"


def _who(ids: Sequence[str], verb: str, what: str = "record") -> str:
    """``_ids`` and a verb in the present that agrees with it: ``1 record (a) loses``."""
    return f"{_ids(ids, what)} {verb}{'s' if len(ids) == 1 else ''}"
