"""Work that several exporters of one run share, kept per catalog object while it lives, never across runs."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MEMO: dict[int, tuple[weakref.ref[Any], dict[Hashable, Any]]] = {}


def per_catalog(catalog: object, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``'s value for ``key``, computed once per catalog object (an exception is not kept)."""
    ident = id(catalog)
    entry = _MEMO.get(ident)
    if entry is None or entry[0]() is not catalog:
        try:
            ref = weakref.ref(catalog, lambda _ref: _MEMO.pop(ident, None))
        except TypeError:  # an object that cannot be referred to weakly: nothing is kept
            return build()
        entry = _MEMO[ident] = (ref, {})
    values = entry[1]
    if key not in values:
        values[key] = build()
    return values[key]  # type: ignore[no-any-return]
