"""Where readers are found: the built-in ones in a static table, third-party ones through entry points.

A reader is looked up by its format name (the same as its writer's), by one of the writer's aliases
(``bookmarks``, ``rdf``, ...) or by a file extension; with neither, the file's start decides (``sniff``).
Built-in modules are imported only when asked for, so one that is missing or broken does not take the others
down; it is named, with why, when someone asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..errors import MlopsRefsError, UnknownFormatError
from ..gcpause import gc_paused
from .base import Reader, Report, UnreadableFileError
from .textio import bom_encoding

ENTRY_POINT_GROUP = "mlops_refs.readers"

#: The built-in readers, in the order detection tries them (the more specific sniff first).
BUILTIN_READERS: dict[str, str] = {
    "biblatex": "mlops_refs.readers.bibtex:BibLaTeXReader",
    "bibtex": "mlops_refs.readers.bibtex:BibTeXReader",
    "ris": "mlops_refs.readers.ris:RisReader",
    "csl-json": "mlops_refs.readers.csl_json:CslJsonReader",
    "zotero-rdf": "mlops_refs.readers.zotero_rdf:ZoteroRdfReader",
    "opml": "mlops_refs.readers.opml:OpmlReader",
    "netscape": "mlops_refs.readers.netscape:NetscapeReader",
    "yaml": "mlops_refs.readers.catalog_yaml:CatalogYamlReader",
}

#: How many bytes of a file detection looks at.
HEAD_BYTES = 65536


class ReaderError(MlopsRefsError):
    """A reader could not be loaded or no reader recognises a file."""


def head_text(data: bytes) -> str:
    """The start of a file as text for ``sniff``: its BOM's encoding, else UTF-8 with bad bytes replaced."""
    encoding, skip = bom_encoding(data)
    chunk = data[skip : skip + HEAD_BYTES]
    return chunk.decode(encoding or "utf-8", errors="replace")


class ReaderRegistry:
    """Readers by name, alias and extension; built-ins from the table, plugins from entry points.

    Tests give their own ``readers`` (classes) instead of patching a global.
    """

    def __init__(self, readers: Iterable[type] | None = None, table: dict[str, str] | None = None) -> None:
        self._given = None if readers is None else list(readers)
        self._table = dict(BUILTIN_READERS if table is None else table)
        self._classes: dict[str, type] | None = None
        self._loaded: dict[str, type | None] = {}  # table or entry-point name -> its class, None if broken
        self.broken: dict[str, str] = {}

    def _load(self) -> dict[str, type]:
        if self._classes is not None:
            return self._classes
        classes: dict[str, type] = {}
        if self._given is not None:
            for cls in self._given:
                classes.setdefault(cls.name, cls)
        else:
            from ..plugins import entry_points_of, name_taken

            sources = list(self._table.items())
            sources += [(n, v) for n, v in entry_points_of(ENTRY_POINT_GROUP) if n not in self._table]
            for name, value in sources:
                cls = self._load_one(name, value)
                if cls is not None and (problem := name_taken(cls, classes)) is not None:
                    self.broken[name] = f"{value}: {problem}"  # a built-in's name, or an earlier plugin's
                elif cls is not None:
                    classes[cls.name] = cls
        self._classes = classes
        return classes

    def _load_one(self, name: str, value: str) -> type | None:
        """The reader class ``value`` names, imported once; None (the reason in ``broken``) if it fails."""
        if name not in self._loaded:
            from ..plugins import load

            try:
                cls = load(value)
            except Exception as exc:  # a broken or missing reader must not take the others down
                self.broken[name] = f"{type(exc).__name__}: {exc}"
                cls = None
            if cls is not None and not isinstance(getattr(cls, "name", None), str):
                self.broken[name] = f"{value} has no format name"
                cls = None
            self._loaded[name] = cls
        return self._loaded[name]

    def _builtin_for(self, suffix: str, head: str) -> Reader | None:
        """The first built-in reader claiming ``suffix`` whose sniff agrees, importing the table's modules
        one at a time and no further: built-ins come first in detection order, so no plugin is needed."""
        if self._given is not None or not suffix:
            return None
        for name, value in self._table.items():
            cls = self._load_one(name, value)
            if cls is not None and suffix in cls.extensions:
                reader = cls()
                if _sniffs(reader, head):
                    return reader  # type: ignore[no-any-return]
        return None

    def names(self) -> list[str]:
        """Names of every reader that loaded, sorted."""
        return sorted(self._load())

    def classes(self) -> list[type]:
        """Reader classes in detection order (built-ins in table order, then plugins by name)."""
        return list(self._load().values())

    def named(self, name: str) -> type | None:
        """The reader whose format name is exactly ``name``, or None; a built-in's module alone is imported
        (a plugin never takes a built-in's name)."""
        if self._given is None and name in self._table:
            cls = self._load_one(name, self._table[name])
            if cls is not None and cls.name == name:
                return cls
        return self._load().get(name)

    def get_class(self, name: str) -> type:
        """The reader class for a format name, alias or file extension."""
        wanted = name.lower().strip().lstrip(".")
        classes = self._load()
        if wanted in classes:
            return classes[wanted]
        for cls in classes.values():
            if wanted in aliases_of(cls):
                return cls
        for cls in classes.values():
            if wanted in (e.lstrip(".") for e in cls.extensions):
                return cls
        if wanted in self.broken:
            raise ReaderError(f"the {wanted} reader failed to load ({self.broken[wanted]})")
        raise UnknownFormatError(name, self.names())

    def get(self, name: str) -> Reader:
        """A reader instance for a format name, alias or extension."""
        return self.get_class(name)()

    def detect(self, filename: str | None, data: bytes) -> Reader:
        """The reader for a file: among those claiming its extension, the first whose sniff agrees;
        else the first reader of any extension whose sniff agrees; else the extension's first reader."""
        head = head_text(data)
        suffix = os.path.splitext(filename or "")[1].lower()
        found = self._builtin_for(suffix, head)
        if found is not None:
            return found
        by_extension = [c for c in self.classes() if suffix and suffix in c.extensions]
        for cls in by_extension:
            reader = cls()
            if _sniffs(reader, head):
                return reader
        for cls in self.classes():
            reader = cls()
            if cls not in by_extension and _sniffs(reader, head):
                return reader
        if by_extension:
            return by_extension[0]()
        where = filename or "the input"
        raise UnreadableFileError(
            f"{where}: no reader recognises this file; name its format with -f ({', '.join(self.names())})"
        )


def _sniffs(reader: Reader, head: str) -> bool:
    try:
        return bool(reader.sniff(head))
    except Exception:  # a plugin's sniff that fails on odd input is a "no", not a crash
        return False


def aliases_of(cls: type) -> tuple[str, ...]:
    """A reader's aliases: its own, else its writer's (``bookmarks`` and ``html`` for netscape, ...)."""
    own = getattr(cls, "aliases", None)
    if own is not None:
        return tuple(own)
    from ..exporters import default_registry

    try:
        return tuple(default_registry.get_class(cls.name).aliases)
    except MlopsRefsError:
        return ()


def read_bytes(
    data: bytes, filename: str | None, fmt: str | None, registry: ReaderRegistry | None = None
) -> tuple[Any, Report]:
    """Read a file's bytes with the named reader (or the detected one); (catalog, report)."""
    registry = registry or default_registry
    reader = registry.get(fmt) if fmt else registry.detect(filename, data)
    report = Report(filename or "<input>", reader.name)
    with gc_paused():  # a reader builds many objects and few cycles: collecting meanwhile only costs time
        catalog = reader.read(data, report)
    return catalog, report


default_registry = ReaderRegistry()
