"""Writing export files so that none is ever lost or half-written.

Each file is written to a hidden temp file beside its target (``mkstemp``: created exclusively, never through
a symlink), then all of them are renamed into place together. Before the first rename every target is checked,
the files about to be replaced are kept as hard links, and a small journal lists the renames: a failed rename
puts the earlier files back, and a run killed half-way through the renames is rolled forward by the next run
in that folder (``recover``), so a folder holds the whole old set or the whole new one. Character devices,
FIFOs, ``/dev/std*`` and ``-`` are written in place, never renamed over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import ExportError

STDOUT = "-"
_STREAM_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2, "/dev/fd/1": 1, "/dev/fd/2": 2}
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(\.(?P<rand>[a-z0-9_]{8})(?P<old>\.old)?)?\.tmp$")
_JOURNAL = re.compile(r"^\.mlops-refs-commit\.(?P<pid>\d+)\.[a-z0-9_]{8}\.journal$")
_JOURNAL_PREFIX = ".mlops-refs-commit"


def writes_in_place(target: str | os.PathLike[str]) -> bool:
    """True for ``-``, ``/dev/std*``, character devices and FIFOs: written directly, never renamed over."""
    text = os.fspath(target)
    if text == STDOUT or text in _STREAM_PATHS:
        return True
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


@contextmanager
def open_in_place(target: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A UTF-8 text stream onto standard output, a device or a FIFO, flushed and closed after the block."""
    text = os.fspath(target)
    fd = _STREAM_PATHS.get(text, 1 if text == STDOUT else None)
    if fd is not None:
        if fd == 1:
            sys.stdout.flush()
        stream = open(fd, "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
    else:
        try:
            stream = open(text, "w", encoding="utf-8", newline="")  # noqa: SIM115 - no O_TRUNC effect on devices
        except OSError as exc:
            raise ExportError(cannot_write(text, exc)) from None
    try:
        yield stream
        stream.flush()
    finally:
        with contextlib.suppress(OSError):
            stream.close()


def report_text(data: object) -> str:
    """A JSON report as a file holds it: indented, non-ASCII text as it is but each unprintable character
    escaped (``\\u009b``: a key read from a file cannot drive the terminal the report is shown in), a final
    line feed."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in text)


def refuse_report_over(report: Path, files: Iterable[Path], what: str = "catalog file") -> None:
    """Raise ExportError when ``report`` names one of ``files``, which a report must never replace."""
    for file in files:
        if report.resolve() == file.resolve():
            raise ExportError(f"refusing to write the report over the {what} {file}; name another file")


def check_target(target: Path) -> None:
    """Raise ExportError unless ``target`` can be replaced by a regular file: not a folder, its parent one."""
    try:
        mode = target.lstat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        raise ExportError(cannot_write(target, exc)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise ExportError(f"cannot write {target}: it is a folder; name a file instead")
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise ExportError(f"cannot write {target}: it is neither a regular file nor a device or FIFO")
    parent = target.parent
    for folder in (parent, *parent.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ExportError(f"cannot write {target}: {folder} is a file, not a folder")
            break


def default_mode() -> int:
    """What a plain open() gives a new file: 0666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _replacement_mode(target: Path) -> int:
    """The mode of the regular file being replaced; for a symlink or a new file, the umask default."""
    try:
        info = target.lstat()
    except OSError:
        return default_mode()
    return info.st_mode & 0o777 if stat.S_ISREG(info.st_mode) else default_mode()


def cannot_write(target: str | os.PathLike[str], exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    hint = {
        errno.ENOSPC: "free some space and run again",
        errno.EDQUOT: "free some space and run again",
        errno.EACCES: "check the folder's permissions",
        errno.EPERM: "check the folder's permissions",
        errno.EROFS: "write to another folder",
        errno.EISDIR: "name a file instead",
        errno.ENOTDIR: "name a folder that exists",
    }.get(exc.errno or 0, "check the path")
    return f"cannot write {target}: {reason.lower()}; {hint} (earlier files are unchanged)"


@dataclass
class _Staged:
    stream: IO[str]
    tmp: Path
    target: Path
    backup: Path | None = None
    replaced: bool = False


class StagedFiles:
    """Text files written beside their targets, then renamed into place together, or not at all.

    ``durable`` files (a catalog's, which nothing can make again) are also on the disk before their renames,
    and the renames before the commit returns (``fsync``), so that a power cut leaves the old set or the new
    one, never an empty file; exports, which ``mlops-refs export`` makes again, are not synced.
    """

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self._staged: list[_Staged] = []
        self._recovered: set[Path] = set()
        self._made: list[Path] = []  # folders this run created, removed again if nothing is committed

    def open(self, target: Path) -> IO[str]:
        """A UTF-8 text stream (LF kept as written) that will replace ``target`` on commit."""
        target = Path(target)
        check_target(target)
        try:
            self._make_folder(target.parent)
            folder = target.parent.resolve()
            if folder not in self._recovered:
                self._recovered.add(folder)
                recover(folder)
            prefix = f".{target.name}.{os.getpid()}."
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
        except OSError as exc:
            self.discard()
            raise ExportError(cannot_write(target, exc)) from None
        stream = os.fdopen(fd, "w+", encoding="utf-8", newline="")
        self._staged.append(_Staged(stream, Path(name), target))
        return stream

    def _make_folder(self, folder: Path) -> None:
        missing = [f for f in (folder, *folder.parents) if not (f.exists() or f.is_symlink())]
        for made in reversed(missing):
            made.mkdir()
            self._made.append(made)

    def drop(self, stream: IO[str]) -> None:
        """Give up one staged file (its target stays as it was); the others go on."""
        for staged in self._staged:
            if staged.stream is stream:
                self._staged.remove(staged)
                _close_and_remove(staged)
                return

    def commit(self) -> None:
        """Check every target, then rename each staged file over its target; on a failure, put all back."""
        for staged in self._staged:
            try:
                if self.durable:
                    staged.stream.flush()
                    os.fsync(staged.stream.fileno())
                staged.stream.close()
                os.chmod(staged.tmp, _replacement_mode(staged.target))
                check_target(staged.target)
            except OSError as exc:
                self.discard()
                raise ExportError(cannot_write(staged.target, exc)) from None
            except ExportError:
                self.discard()
                raise
        journals: list[Path] = []
        failed = self._staged[0].target if self._staged else Path()
        try:
            self._keep_backups()
            journals = self._write_journals()
            for staged in self._staged:
                failed = staged.target
                os.replace(staged.tmp, staged.target)
                staged.replaced = True
        except OSError as exc:
            self._roll_back()
            _remove(*journals)
            self.discard()
            raise ExportError(cannot_write(failed, exc)) from None
        if self.durable:
            self._sync_folders()
        _remove(*journals)
        self._forget()

    def _sync_folders(self) -> None:
        """Put the renames on the disk: each target's folder synced (where the system can sync a folder)."""
        for folder in dict.fromkeys(staged.target.parent for staged in self._staged):
            sync_folder(folder)

    def discard(self) -> None:
        """Close and delete every staged file; the targets stay as they were."""
        for staged in self._staged:
            _close_and_remove(staged)
        self._staged.clear()
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made.clear()

    def _keep_backups(self) -> None:
        for staged in self._staged:
            if staged.target.is_file() and not staged.target.is_symlink():
                backup = staged.tmp.with_name(staged.tmp.name[: -len(".tmp")] + ".old.tmp")
                try:
                    os.link(staged.target, backup)
                except OSError:  # a file system without hard links: a copy does the same job
                    import shutil

                    shutil.copy2(staged.target, backup)
                staged.backup = backup

    def _write_journals(self) -> list[Path]:
        by_folder: dict[Path, list[_Staged]] = {}
        for staged in self._staged:
            by_folder.setdefault(staged.target.parent, []).append(staged)
        journals = []
        for folder, group in by_folder.items():
            moves = [[s.tmp.name, s.target.name] for s in group]
            fd, name = tempfile.mkstemp(prefix=f"{_JOURNAL_PREFIX}.{os.getpid()}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"moves": moves}, out)
                if self.durable:
                    out.flush()
                    os.fsync(out.fileno())
            journal = Path(name).with_name(Path(name).name[: -len(".tmp")] + ".journal")
            os.replace(name, journal)
            journals.append(journal)
            if self.durable:  # the journal is found after a power cut, before any rename it lists
                sync_folder(folder)
        return journals

    def _roll_back(self) -> None:
        for staged in self._staged:
            with contextlib.suppress(OSError):
                if staged.replaced and staged.backup is not None:
                    os.replace(staged.backup, staged.target)
                elif staged.replaced:
                    staged.target.unlink()

    def _forget(self) -> None:
        for staged in self._staged:
            _close_and_remove(staged)
        self._staged.clear()


def _close_and_remove(staged: _Staged) -> None:
    with contextlib.suppress(OSError):
        staged.stream.close()
    _remove(staged.tmp, *([staged.backup] if staged.backup else []))


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def sync_folder(folder: Path) -> None:
    """Put a folder's entries on the disk; nothing where the system cannot open or sync a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # a file system that cannot sync a folder (EINVAL): its renames are as durable as it makes them
    finally:
        os.close(fd)


@contextmanager
def staged_files(durable: bool = False) -> Iterator[StagedFiles]:
    """Stage files in the block; commit them all if it succeeds, discard them all if it raises
    (``durable``: synced to the disk, see ``StagedFiles``)."""
    staged = StagedFiles(durable)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    staged.commit()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def recover(folder: str | os.PathLike[str]) -> None:
    """Finish what a killed run left in ``folder``: roll its journal forward, remove its temp files.

    Only our own names are touched (``.NAME.PID.XXXXXXXX.tmp``, ``.old.tmp``, ``.journal``), only regular
    files, and only when the process that made them is gone.
    """
    folder = Path(folder)
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.startswith(".") and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for name in sorted(names):
        match = _JOURNAL.match(name)
        if match and not _pid_alive(int(match["pid"])):
            _roll_forward(folder, folder / name)
    for name in names:
        match = _TEMP.match(name)
        if match and not _pid_alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _roll_forward(folder: Path, journal: Path) -> None:
    try:
        moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
    except (OSError, ValueError, KeyError, TypeError):
        moves = []
    for move in moves if isinstance(moves, list) else ():
        if not (isinstance(move, list) and len(move) == 2 and all(isinstance(n, str) for n in move)):
            continue
        tmp, target = move
        if "/" in tmp or "/" in target or not _TEMP.match(tmp) or target in {"", ".", ".."}:
            continue
        staged = folder / tmp
        if staged.is_file() and not staged.is_symlink():
            with contextlib.suppress(OSError):
                os.replace(staged, folder / target)
    _remove(journal)
