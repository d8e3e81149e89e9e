"""Complete the dataclass instances msgspec makes: their plain defaults, set on the instance.

msgspec builds a dataclass without calling ``__init__`` and leaves a field that was not in the
input and has a plain default (``tax: float | None = None``) out of the instance's
``__dict__``: reading ``item.tax`` still finds the class attribute, but msgspec's encoder
writes the instance's ``__dict__`` and so leaves the field out of the JSON. FastAPI (through
pydantic) returns ``{"tax": null}``. Fields with a ``default_factory`` are set by msgspec, and
``slots=True`` dataclasses are complete already.

``completer(tp)`` is decided once per type at start-up: None (nothing to do, nothing paid)
unless ``tp`` holds such a dataclass; otherwise a function that fills the missing defaults
in place, at any depth of the decoded value.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable
from typing import Any

from fastcore._validation import hints as t

__all__ = ["completer"]


@functools.lru_cache(maxsize=256)
def _plain_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """``(name, default)`` of the fields msgspec may leave out of an instance of ``cls``."""
    if "__slots__" in cls.__dict__:
        return ()
    return tuple(
        (f.name, f.default)
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING and f.init
    )


def _field_types(cls: type) -> list[Any] | None:
    try:
        return list(typing.get_type_hints(cls, include_extras=True).values())
    except Exception:
        return None


def _involves(tp: Any, seen: set[int]) -> bool:
    """``tp`` holds (or may hold) a dataclass with plain defaults; msgspec makes none for Any."""
    tp = t.split_annotated(tp)[0]
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        cls: type = tp
        hints = _field_types(cls)
        if _plain_defaults(cls) or hints is None:
            return True  # NOTE: unresolvable hints: assume the worst, the walk is by value
        return any(_involves(ft, seen) for ft in hints)
    return any(_involves(a, seen) for a in typing.get_args(tp) if a is not Ellipsis)


def _fill(value: Any) -> None:
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _fill(item)
    elif isinstance(value, dict):
        for item in value.values():
            _fill(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        own = getattr(value, "__dict__", None)
        if own is None:
            return
        for name, default in _plain_defaults(type(value)):
            if name not in own:
                own[name] = default
        for item in list(own.values()):
            _fill(item)


def _complete(value: Any) -> Any:
    _fill(value)
    return value


def completer(tp: Any) -> Callable[[Any], Any] | None:
    """The in-place completion of values of ``tp`` msgspec decoded, or None if not needed."""
    return _complete if _involves(tp, set()) else None
