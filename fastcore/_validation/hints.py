"""Type classification used while building plans: is this hint a scalar, a list, a model?

Only start-up code calls these; their answers are stored in plans.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import sys
import types
import typing
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

import msgspec

__all__ = [
    "is_body_type",
    "is_class",
    "is_optional",
    "is_pydantic_type",
    "is_scalar",
    "is_sequence_of_scalars",
    "is_union",
    "non_none",
    "param_model",
    "split_annotated",
]

_SCALARS: tuple[type, ...] = (
    int,
    float,
    str,
    bool,
    bytes,
    uuid.UUID,
    decimal.Decimal,
    datetime.date,
    datetime.datetime,
    datetime.time,
    datetime.timedelta,
)
_SEQUENCE_ORIGINS = (list, set, frozenset, tuple, Sequence, typing.Sequence)
_UNION_TYPES: tuple[Any, ...] = (Union, types.UnionType)


def is_class(tp: Any) -> bool:
    """A real class: on Python 3.10 ``list[int]`` passes ``isinstance(tp, type)`` too."""
    return isinstance(tp, type) and not isinstance(tp, types.GenericAlias)


def split_annotated(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[T, a, b]`` -> ``(T, (a, b))``; other hints -> ``(hint, ())``.

    ``Optional[Annotated[T, a]]`` counts as ``Annotated[Optional[T], a]``: Python 3.10's
    ``get_type_hints`` wraps the hint of a parameter defaulting to None that way.
    """
    args = _union_args(hint)
    if args is not None and len(args) == 2 and type(None) in args:
        other = args[0] if args[1] is type(None) else args[1]
        if get_origin(other) is Annotated:
            inner, *meta = get_args(other)
            return Optional[inner], tuple(meta)
    if get_origin(hint) is Annotated:
        args = get_args(hint)
        return args[0], tuple(args[1:])
    return hint, ()


def is_union(tp: Any) -> bool:
    """``A | B`` or ``Union[A, B]`` (``Optional`` included)."""
    return get_origin(tp) in _UNION_TYPES


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    return get_args(tp) if get_origin(tp) in _UNION_TYPES else None


def is_optional(tp: Any) -> bool:
    """True when ``None`` is an accepted value of ``tp``."""
    if tp is None or tp is type(None) or tp is Any:
        return True
    args = _union_args(split_annotated(tp)[0])
    return args is not None and type(None) in args


def non_none(tp: Any) -> Any:
    """``T | None`` -> ``T``; several non-None members stay a union."""
    args = _union_args(tp)
    if args is None:
        return tp
    rest = tuple(a for a in args if a is not type(None))
    if len(rest) == 1:
        return rest[0]
    return Union[rest]


def is_scalar(tp: Any) -> bool:
    """A type one string can carry: numbers, text, bool, UUID, dates, Enum, Literal, unions."""
    tp = split_annotated(tp)[0]
    if tp is Any:
        return True
    args = _union_args(tp)
    if args is not None:
        return all(a is type(None) or is_scalar(a) for a in args)
    if get_origin(tp) is Literal:
        return True
    if is_class(tp):
        return issubclass(tp, _SCALARS) or issubclass(tp, enum.Enum)
    return False


def is_sequence_of_scalars(tp: Any) -> bool:
    """``list[int]``, ``set[str]``, ``tuple[str, ...]``: what repeated query keys fill."""
    tp = non_none(split_annotated(tp)[0])
    if tp in (list, set, tuple, frozenset):
        return True
    origin = get_origin(tp)
    if origin not in _SEQUENCE_ORIGINS:
        return False
    args = [a for a in get_args(tp) if a is not Ellipsis]
    return all(is_scalar(a) for a in args)


def is_pydantic_type(tp: Any) -> bool:
    """True when ``tp`` is, or contains, a pydantic model; pydantic is never imported for this."""
    if "pydantic" not in sys.modules:
        return False
    from pydantic import BaseModel

    tp = split_annotated(tp)[0]
    if is_class(tp) and issubclass(tp, BaseModel):
        return True
    return any(is_pydantic_type(a) for a in get_args(tp) if a is not Ellipsis)


def param_model(tp: Any) -> type | None:
    """The model class of ``Model`` or ``Model | None``, or None when ``tp`` is no model.

    A query, header or cookie parameter typed so is a parameter model (read by
    fastcore/_planning/param_models.py, imported only by the routes that have one).
    """
    if is_optional(tp) and tp is not Any:
        tp = non_none(tp)
    if not is_class(tp):
        return None
    if is_pydantic_type(tp) or issubclass(tp, msgspec.Struct) or dataclasses.is_dataclass(tp):
        return typing.cast(type, tp)
    return None


def is_pydantic_v1_type(tp: Any) -> bool:
    """True when ``tp`` is, or contains, a ``pydantic.v1`` model (FastAPI 0.165 refuses
    them); False unless ``pydantic.v1`` is loaded, which such a model needs."""
    v1 = sys.modules.get("pydantic.v1")
    if v1 is None:
        return False
    tp = split_annotated(tp)[0]
    if is_class(tp) and issubclass(tp, v1.BaseModel):
        return True
    return any(is_pydantic_v1_type(a) for a in get_args(tp) if a is not Ellipsis)


def _is_model(tp: Any) -> bool:
    if not is_class(tp):
        return False
    if issubclass(tp, msgspec.Struct) or dataclasses.is_dataclass(tp):
        return True
    return _is_typeddict(tp) or is_pydantic_type(tp)


def _is_typeddict(tp: Any) -> bool:
    if typing.is_typeddict(tp):
        return True
    te = sys.modules.get("typing_extensions")
    return te is not None and bool(te.is_typeddict(tp))


def is_body_type(tp: Any) -> bool:
    """A model, dict or a container of models: FastAPI reads these from the body."""
    tp = non_none(split_annotated(tp)[0])
    if _is_model(tp) or tp is dict or get_origin(tp) is dict:
        return True
    args = _union_args(tp)
    if args is not None:
        return any(is_body_type(a) for a in args)
    origin = get_origin(tp)
    if origin is not None:
        return any(is_body_type(a) for a in get_args(tp) if a is not Ellipsis)
    return False
