"""Work shared with a forked process: the results of one process, in order, whatever the child does."""

from __future__ import annotations

import os
import signal

import pytest

from conftest import no_child_left
from mlops_refs import parallel

needs_two_cpus = pytest.mark.skipif(
    not hasattr(os, "fork") or parallel.usable_cpus() < 2, reason="sharing needs fork and two CPUs"
)
ITEMS = list(range(40))
SIZES = [1] * len(ITEMS)


def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@needs_two_cpus
def test_the_later_items_are_done_by_a_child_and_come_back_in_order() -> None:
    results = parallel.map_shared(square_and_pid, ITEMS, SIZES, min_size=0)
    assert [square for square, _pid in results] == [n * n for n in ITEMS]
    pids = [pid for _square, pid in results]
    assert pids[0] == os.getpid()
    assert pids[-1] != os.getpid()  # the child did the last ones ...
    cut = pids.index(pids[-1])
    assert set(pids[cut:]) == {pids[-1]}  # ... in one run
    assert set(pids[:cut]) == {os.getpid()}
    assert 10 <= cut <= 30  # about half of the sizes each
    assert no_child_left()


@needs_two_cpus
def test_the_cut_halves_the_sizes_not_the_count() -> None:
    sizes = [12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]  # the first item weighs more than all the others
    results = parallel.map_shared(square_and_pid, list(range(len(sizes))), sizes, min_size=0)
    assert [pid == os.getpid() for _square, pid in results] == [True] + [False] * 10


@pytest.mark.parametrize(
    ("enabled", "min_size", "sizes"),
    [(False, 0, SIZES), (True, 10**9, SIZES), (True, 0, [1])],
    ids=["turned off", "too small", "one item"],
)
def test_nothing_is_forked_when_it_would_not_pay(enabled: bool, min_size: int, sizes: list[int]) -> None:
    items = ITEMS[: len(sizes)]
    saved = parallel.ENABLED
    parallel.ENABLED = enabled
    try:
        results = parallel.map_shared(square_and_pid, items, sizes, min_size=min_size)
    finally:
        parallel.ENABLED = saved
    assert results == [(n * n, os.getpid()) for n in items]


@needs_two_cpus
def test_a_child_that_fails_leaves_its_items_to_this_process() -> None:
    parent = os.getpid()

    def fails_in_the_child(n: int) -> int:
        if os.getpid() != parent and n == 35:
            raise RuntimeError("only in the child")
        return n + 1

    assert parallel.map_shared(fails_in_the_child, ITEMS, SIZES, min_size=0) == [n + 1 for n in ITEMS]
    assert no_child_left()


@needs_two_cpus
@pytest.mark.parametrize("how", ["killed", "exits", "sends what marshal cannot"])
def test_a_child_that_dies_or_sends_nothing_readable_changes_nothing(how: str) -> None:
    parent = os.getpid()

    def work(n: int) -> object:
        if os.getpid() != parent:
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "exits":
                os._exit(0)  # the child stops before sending anything
            return object()  # marshal refuses it: the child fails while sending
        return n

    assert parallel.map_shared(work, ITEMS, SIZES, min_size=0) == ITEMS
    assert no_child_left()


@needs_two_cpus
def test_an_error_here_stops_the_child_and_is_raised() -> None:
    parent = os.getpid()

    def work(n: int) -> int:
        if os.getpid() == parent and n == 3:
            raise ValueError("item 3")
        return n

    with pytest.raises(ValueError, match="item 3"):
        parallel.map_shared(work, ITEMS, SIZES, min_size=0)
    assert no_child_left()


def test_an_error_in_the_childs_items_is_raised_as_one_process_raises_it() -> None:
    def work(n: int) -> int:
        if n == 38:
            raise KeyError(n)
        return n

    with pytest.raises(KeyError):
        parallel.map_shared(work, ITEMS, SIZES, min_size=0)
    assert no_child_left()


def test_with_other_threads_running_nothing_is_forked() -> None:
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
        results = parallel.map_shared(square_and_pid, ITEMS, SIZES, min_size=0)
    finally:
        release.set()
        thread.join()
    assert {pid for _square, pid in results} == {os.getpid()}


@needs_two_cpus
def test_the_child_shares_none_of_its_own_loops() -> None:
    def enabled_and_pid(n: int) -> tuple[bool, int]:
        return parallel.ENABLED, os.getpid()

    results = parallel.map_shared(enabled_and_pid, ITEMS, SIZES, min_size=0)
    assert {enabled for enabled, pid in results if pid == os.getpid()} == {True}
    assert {enabled for enabled, pid in results if pid != os.getpid()} == {False}


class Box:
    def __init__(self, n: int, sent: bool = False) -> None:
        self.n, self.sent = n, sent


@needs_two_cpus
def test_results_that_are_not_plain_cross_encoded_and_come_back_decoded() -> None:
    plain = parallel.Plain(lambda box: box.n, lambda n: Box(n, sent=True))
    results = parallel.map_shared(Box, ITEMS, SIZES, min_size=0, plain=plain)
    assert [box.n for box in results] == ITEMS
    sent = [box.sent for box in results]
    assert sent[0] is False  # made here: used as it is
    assert sent[-1] is True  # made by the child: sent plain, decoded here
    assert sent == sorted(sent)
