"""Reading formats: the reader contract, the registry, and one module per format.

Importing this package makes ``mlops_refs.formats`` the package rather than the API's ``formats()``
function; calling the package calls that function, so ``mlops_refs.formats()`` works either way.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableFormats(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> list[str]:
        from ..api import formats

        return formats(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableFormats
