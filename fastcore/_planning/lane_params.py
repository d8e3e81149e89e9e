"""Which constrained parameters the server's lane converts in place (both builds).

The lane (``fastcore/server/http/lane.py``, both builds) converts an
unconstrained str, int or bool path/query/header/cookie value itself and leaves every other
value to the parameter's extractor. ``Path(ge=1)``/``Query(le=100)`` on an int are the most common
constraints in FastAPI code (its tutorial's); this finds them so the lane can check the
bounds after its own conversion. A value outside them still goes to the extractor, which
gives FastAPI's error, so only accepted values take the short way.
"""

from __future__ import annotations

import typing
from typing import Any

import msgspec

from fastcore.server.contract import INT64

__all__ = ["int_bounds"]

#: msgspec.Meta attributes that only document; any other one set leaves the value to Python.
_DOCS_ONLY = ("title", "description", "examples", "extra_json_schema", "extra")
_BOUNDS = ("ge", "gt", "le", "lt")


def int_bounds(annotation: Any) -> tuple[int, int] | None:
    """(lowest, highest) accepted for ``Annotated[int, Meta(ge=..., le=...)]``, else None."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    base, *metadata = typing.get_args(annotation)
    if base is not int:
        return None
    low, high = INT64
    for meta in metadata:
        if type(meta) is not msgspec.Meta:
            return None
        for name in dir(meta):
            if name.startswith("_") or name in _DOCS_ONLY or getattr(meta, name) is None:
                continue
            value = getattr(meta, name)
            if name not in _BOUNDS or type(value) is not int:
                return None
            if not INT64[0] < value < INT64[1]:
                return None  # NOTE: beyond what the compiled lane's C bounds hold
            if name == "ge":
                low = max(low, value)
            elif name == "gt":
                low = max(low, value + 1)
            elif name == "le":
                high = min(high, value)
            else:
                high = min(high, value - 1)
    return low, high
