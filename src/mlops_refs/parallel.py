"""Sharing a loop of independent work with one forked process, where the machine has a second CPU.

``map_shared(work, items, sizes)`` gives ``[work(item) for item in items]``. When it pays (fork exists, two
CPUs are usable, no other thread runs, the items are big enough together), a forked child does the items
after a cut near the middle of their total size and sends its results back through a pipe with ``marshal``
(so results must be plain data: None, bool, int, float, str, bytes, tuple, list, dict, set); this process
does the items before the cut meanwhile. The child's results are only ever data it built from the same items
in a copy of this process: nothing it sends is run. Whenever the child fails, dies, sends something
unreadable or the wrong number of results, this process does the child's items itself, so the answers (and
any error ``work`` raises) are the ones a single process gives. ``ENABLED = False`` turns every such loop
into a plain one.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

Item = TypeVar("Item")

ENABLED = True  # share the work where the machine allows it; False: every loop runs in this process
MIN_SHARED_SIZE = 1 << 20  # items smaller than this together (about a megabyte of text) are done here
# The child's part of the work, by size: a little under half, as it also sends its results and starts cold
# (measured on loads of 10,000 resources: 0.45 of the bytes finishes both processes together).
CHILD_SHARE = 0.45
_CHUNK = 1 << 20


def usable_cpus() -> int:
    """How many CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def other_threads() -> bool:
    """True when threads besides this one run: forking them could leave the child holding their locks."""
    threading = sys.modules.get("threading")  # never imported: no thread was started through it
    return threading is not None and threading.active_count() > 1


def can_fork() -> bool:
    """Whether work may be shared with a forked process here and now."""
    return ENABLED and hasattr(os, "fork") and usable_cpus() > 1 and not other_threads()


class Plain(NamedTuple):
    """How a result crosses between processes: ``encode`` makes it plain data, ``decode`` makes it again."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def map_shared(
    work: Callable[[Item], Any],
    items: Sequence[Item],
    sizes: Sequence[int],
    min_size: int | None = None,
    plain: Plain | None = None,
) -> list[Any]:
    """``[work(item) for item in items]``, the later items done by a forked child when that pays.

    ``sizes`` weighs each item (bytes of text, say) for the cut; below ``min_size`` in all (by default
    ``MIN_SHARED_SIZE``) everything is done here. ``work`` must return plain data, or ``plain`` says how
    its results are sent (encoded in the child, decoded here; results made here are used as they are).
    """
    total = sum(sizes)
    if len(items) < 2 or total < (MIN_SHARED_SIZE if min_size is None else min_size) or not can_fork():
        return [work(item) for item in items]
    cut = _cut(sizes, total)
    child = _fork(work if plain is None else lambda item: plain.encode(work(item)), items[cut:])
    if child is None:
        return [work(item) for item in items]
    pid, reading = child
    try:
        mine = [work(item) for item in items[:cut]]
        sent = _read_all(reading)
    except BaseException:
        _stop(pid)
        raise
    finally:
        with contextlib.suppress(OSError):
            os.close(reading)
    theirs = _results(sent, len(items) - cut)
    if _reap(pid) != 0:  # reaped after reading the results: meanwhile the child's exit frees its memory
        theirs = None
    if theirs is None:
        theirs = [work(item) for item in items[cut:]]
    elif plain is not None:
        theirs = [plain.decode(result) for result in theirs]
    return mine + theirs


def _cut(sizes: Sequence[int], total: int) -> int:
    """The first index of the child's share: the later items, about ``CHILD_SHARE`` of ``total`` (one item
    at least, and one left here)."""
    done = 0
    for index, size in enumerate(sizes):
        if done + size / 2 > total * (1 - CHILD_SHARE):
            return min(max(index, 1), len(sizes) - 1)
        done += size
    return len(sizes) - 1


def _fork(work: Callable[[Any], Any], share: Sequence[Any]) -> tuple[int, int] | None:
    """Start the child on ``share``: its pid and the read end of its pipe; None when fork or pipe fails."""
    try:
        reading, writing = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return None
    if pid == 0:  # the child: never returns
        global ENABLED
        ENABLED = False  # one child at a time: its own loops run in it alone
        code = 1
        try:
            os.close(reading)
            payload = marshal.dumps([work(item) for item in share])
            view = memoryview(payload)
            while view:
                view = view[os.write(writing, view[:_CHUNK]) :]
            os.close(writing)  # the end of the data now, not once the exit has freed this process' memory
            code = 0
        finally:
            os._exit(code)
    os.close(writing)
    return pid, reading


def _read_all(reading: int) -> bytes:
    """Everything the child writes into the pipe, until it closes its end (by exiting)."""
    parts = []
    while chunk := os.read(reading, _CHUNK):
        parts.append(chunk)
    return b"".join(parts)


def _results(sent: bytes, count: int) -> list[Any] | None:
    """The child's results, or None when ``sent`` is not a list of ``count`` results."""
    try:
        results = marshal.loads(sent)
    except (EOFError, ValueError, TypeError):
        return None
    return results if type(results) is list and len(results) == count else None


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> int | None:
    """Wait for the child; its exit code (negative: the signal that killed it; None: not ours)."""
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:
        return None
