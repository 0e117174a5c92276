"""Entry points of the exporter group, remembered while the installed distributions stay the same.

Reading every installed distribution's metadata is most of a warm export's start-up; the list is kept in the
cache folder under a digest of ``sys.path`` and of each distribution's entry-point file, so installing,
upgrading or removing any package finds them afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from importlib import import_module
from typing import Any

_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?(\[.*\])?\s*$")


def entry_points_of(group: str) -> list[tuple[str, str]]:
    """(name, "module:attr") of every entry point in ``group``, sorted by name."""
    from .cache import read_entry, usable_cache_dir, write_entry

    folder = usable_cache_dir()
    entry = None if folder is None else folder / f"entry-points-{_installation_key(group)}.json"
    if entry is not None:
        try:
            return [(name, value) for name, value in json.loads(read_entry(entry) or b"")]
        except (ValueError, TypeError):
            pass
    from importlib.metadata import entry_points

    found = sorted({(ep.name, ep.value) for ep in entry_points(group=group)})
    if entry is not None:
        write_entry(entry, lambda out: out.write(json.dumps(found).encode("utf-8")))
    return found


def load(value: str) -> Any:
    """The object an entry point's "module:attr" value names."""
    match = _VALUE.match(value)
    if match is None:
        raise ImportError(f"malformed entry point {value!r}")
    target: Any = import_module(match["module"])
    for part in (match["attr"] or "").split(".") if match["attr"] else ():
        target = getattr(target, part)
    return target


def name_taken(cls: Any, classes: dict[str, type]) -> str | None:
    """Why a plugin's ``cls`` is not registered: another class has its format name (None: free, or itself)."""
    taken = classes.get(cls.name)
    if taken is None or taken is cls:
        return None
    return f"the format name {cls.name!r} is taken by {taken.__module__}:{taken.__qualname__}"


def _installation_key(group: str) -> str:
    digest = hashlib.sha256(f"{group}\0{sys.version}\0{sys.path!r}".encode())
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                names = sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder or ".", name, "entry_points.txt")
            try:
                stat = os.stat(path)
                digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\0".encode())
            except OSError:
                digest.update(f"{path}\0-\0".encode())
    return digest.hexdigest()[:32]
