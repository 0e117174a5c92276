"""Formats in both directions: each reader turns another program's file into a catalog and a report."""

from __future__ import annotations

import sys
import types
from typing import Any


class _FormatsPackage(types.ModuleType):
    """This package, callable as ``mlops_refs.formats()``.

    Importing a submodule makes ``mlops_refs.formats`` this package, which would hide the public function of
    the same name; calling the package calls that function.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> list[str]:
        """Names of every registered format (``mlops_refs.api.formats``)."""
        from ..api import formats

        return formats(*args, **kwargs)


sys.modules[__name__].__class__ = _FormatsPackage
