"""Work that the exporters of one run share, kept while the run lasts and never across runs.

A run is one ``pipeline.export`` or ``pipeline.check`` (every format of a command), or one exporter's
``write`` on its own. Inside it, ``per_catalog`` keeps a value per catalog object (the BibTeX entries the
bibtex export and the HTML page both need) and ``shared`` functions keep their results (LaTeX escapes the
two ``.bib`` exports both make, a person's rendering that recurs from entry to entry). When the run ends
everything is dropped: the next run, even of the same catalog object, starts afresh. Outside a run nothing
is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")
_LIMIT = 1 << 17  # results one shared function keeps in a run; past it the table starts again
# The current run's shared work, None outside a run; a context variable, so each thread has its own runs.
_run: ContextVar[dict[Any, Any] | None] = ContextVar("mlops_refs_run", default=None)


@contextmanager
def run_scope() -> Iterator[None]:
    """Share work between the exports made inside the block (an enclosing run's scope is kept)."""
    if _run.get() is not None:
        yield
        return
    token = _run.set({})
    try:
        yield
    finally:
        _run.reset(token)


def per_catalog(catalog: object, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s value for ``key``, built once per catalog object in a run (an exception is not kept)."""
    run = _run.get()
    if run is None:
        return build()
    entry = run.get((id(catalog), key))
    if entry is not None and entry[0] is catalog:
        return entry[1]  # type: ignore[no-any-return]
    value = build()
    run[(id(catalog), key)] = (catalog, value)  # the catalog is held, so its id is not reused meanwhile
    return value


def shared(function: Callable[..., T]) -> Callable[..., T]:
    """``function`` (pure, with hashable arguments), its results kept for the rest of the current run."""

    @wraps(function)
    def call(*args: Any) -> T:
        run = _run.get()
        if run is None:
            return function(*args)
        try:  # a hit, the common case, costs two lookups
            return run[function][args]  # type: ignore[no-any-return]
        except KeyError:
            pass
        table = run.get(function)
        if table is None:
            table = run[function] = {}
        elif len(table) >= _LIMIT:
            table.clear()
        value = table[args] = function(*args)
        return value

    return call
