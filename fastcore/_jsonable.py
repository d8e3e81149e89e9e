"""FastAPI's public ``jsonable_encoder``: any object to JSON-compatible Python data.

User code calls it with pydantic's options (``include``, ``exclude``, ``by_alias``,
``exclude_unset``, ``exclude_defaults``, ``exclude_none``, ``custom_encoder``,
``sqlalchemy_safe``) and expects FastAPI 0.165's answer for every type FastAPI knows: a model
dumped in JSON mode, a dataclass or a mapping-like object walked as a dict, a ``Decimal`` as an
int or a float, a deque, set or generator as a list, ``ValueError`` for an object it cannot read.
This module walks the object the way FastAPI's does; fastcore's 422 details, WebSocket close
reasons and the items of an un-annotated stream go through it as FastAPI's do (none of them is
on a successful request's path: responses are encoded by msgspec, fastcore/encoders.py).

pydantic stays optional: its types are looked up only when it is loaded.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import pathlib
import re
import sys
import uuid
import warnings
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from types import GeneratorType
from typing import Any

import msgspec

__all__ = ["decimal_encoder", "isoformat", "jsonable_encoder"]

Encoder = Callable[[Any], Any]


def isoformat(o: datetime.date | datetime.time) -> str:
    return o.isoformat()


def decimal_encoder(dec_value: Decimal) -> int | float:
    """An int when the Decimal has no fractional digits (``Decimal("1")``), else a float
    (``Decimal("1.0")``, NaN and infinities too), as FastAPI writes it."""
    exponent = dec_value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(dec_value)
    return float(dec_value)


def _base_encoders() -> dict[type, Encoder]:
    """The encoders of the standard library's types, in FastAPI's order."""
    return {
        bytes: lambda o: o.decode(),
        datetime.date: isoformat,
        datetime.datetime: isoformat,
        datetime.time: isoformat,
        datetime.timedelta: lambda td: td.total_seconds(),
        Decimal: decimal_encoder,
        Enum: lambda o: o.value,
        frozenset: list,
        deque: list,
        GeneratorType: list,
        ipaddress.IPv4Address: str,
        ipaddress.IPv4Interface: str,
        ipaddress.IPv4Network: str,
        ipaddress.IPv6Address: str,
        ipaddress.IPv6Interface: str,
        ipaddress.IPv6Network: str,
        pathlib.Path: str,
        re.Pattern: lambda o: o.pattern,
        set: list,
        uuid.UUID: str,
    }


def _pydantic_encoders() -> dict[type, Encoder]:
    """pydantic's value types, written as their ``str()`` as FastAPI does."""
    from pydantic.networks import AnyUrl, NameEmail
    from pydantic.types import SecretBytes, SecretStr
    from pydantic_core import Url

    found: dict[type, Encoder] = {
        NameEmail: str,
        SecretBytes: str,
        SecretStr: str,
        Url: str,
        AnyUrl: str,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NOTE: pydantic.color is deprecated, still served
        try:
            from pydantic.color import Color

            found[Color] = str
        except ImportError:  # pragma: no cover - a pydantic without it
            pass
    extra = sys.modules.get("pydantic_extra_types.color")
    if extra is not None:
        found[extra.Color] = str
    return found


class _Tables:
    """The type -> encoder map, and the same grouped by encoder for ``isinstance`` checks;
    built again when pydantic (or pydantic-extra-types' Color) is loaded after the first use."""

    key: tuple[bool, bool] | None = None
    by_type: dict[type, Encoder] = {}
    by_encoder: list[tuple[Encoder, tuple[type, ...]]] = []

    @classmethod
    def get(cls) -> tuple[dict[type, Encoder], list[tuple[Encoder, tuple[type, ...]]]]:
        key = ("pydantic" in sys.modules, "pydantic_extra_types.color" in sys.modules)
        if key != cls.key:
            by_type = _base_encoders()
            if key[0]:
                by_type.update(_pydantic_encoders())
            groups: dict[Encoder, tuple[type, ...]] = {}
            for tp, encoder in by_type.items():
                groups[encoder] = (*groups.get(encoder, ()), tp)
            cls.by_type, cls.by_encoder, cls.key = by_type, list(groups.items()), key
        return cls.by_type, cls.by_encoder


def _pydantic_classes() -> tuple[Any, Any, Any]:
    """pydantic's BaseModel, PydanticUndefinedType and pydantic.v1's BaseModel (or None)."""
    if "pydantic" not in sys.modules:
        return None, None, None
    from pydantic import BaseModel
    from pydantic_core import PydanticUndefinedType

    v1 = sys.modules.get("pydantic.v1")
    return BaseModel, PydanticUndefinedType, getattr(v1, "BaseModel", None)


def jsonable_encoder(
    obj: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """``obj`` as JSON-compatible data (dicts, lists, str, int, float, bool, None), as
    FastAPI 0.165's ``jsonable_encoder`` returns it for the same options."""
    custom_encoder = custom_encoder or {}
    if custom_encoder:
        encoder = _custom(obj, custom_encoder)
        if encoder is not None:
            return encoder(obj)
    if include is not None and not isinstance(include, (set, dict)):
        include = set(include)
    if exclude is not None and not isinstance(exclude, (set, dict)):
        exclude = set(exclude)
    # the options every nested value is encoded with (include/exclude apply at one level)
    nested: dict[str, Any] = {
        "by_alias": by_alias,
        "exclude_unset": exclude_unset,
        "exclude_defaults": exclude_defaults,
        "exclude_none": exclude_none,
        "custom_encoder": custom_encoder,
        "sqlalchemy_safe": sqlalchemy_safe,
    }
    base_model, undefined_type, v1_model = _pydantic_classes()
    if base_model is not None and isinstance(obj, base_model):
        dumped = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        # NOTE: as FastAPI: the dump is walked again without the custom encoders
        return jsonable_encoder(
            dumped,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
            sqlalchemy_safe=sqlalchemy_safe,
        )
    record = _record(obj)
    if record is not None:
        return jsonable_encoder(record, include=include, exclude=exclude, **nested)
    leaf = _leaf(obj, undefined_type)
    if leaf is not _NOT_LEAF:
        return leaf
    if isinstance(obj, dict):
        return _mapping(obj, include, exclude, nested)
    if isinstance(obj, (list, set, frozenset, GeneratorType, tuple, deque)):
        return [jsonable_encoder(item, include=include, exclude=exclude, **nested) for item in obj]
    encoder = _by_type(obj)
    if encoder is not None:
        return encoder(obj)
    if v1_model is not None and isinstance(obj, v1_model):
        from fastcore.exceptions import PydanticV1NotSupportedError

        raise PydanticV1NotSupportedError(
            "pydantic.v1 models are no longer supported by FastAPI."
            f" Please update the model {obj!r}."
        )
    return jsonable_encoder(_as_dict(obj), include=include, exclude=exclude, **nested)


def _record(obj: Any) -> dict[str, Any] | None:
    """A dataclass instance's fields (``dataclasses.asdict``), or a msgspec Struct's under
    the names it is encoded with (fastcore's own models, security credentials among them,
    and users' Structs); None for anything else."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, msgspec.Struct):
        return {f.encode_name: getattr(obj, f.name) for f in msgspec.structs.fields(obj)}
    return None


_NOT_LEAF = object()


def _leaf(obj: Any, undefined_type: Any) -> Any:
    """An enum's value, a path's text, a str/int/float/None itself, pydantic's Undefined as
    None; ``_NOT_LEAF`` for anything else."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, pathlib.PurePath):
        return str(obj)
    if isinstance(obj, (str, int, float, type(None))):
        return obj
    if undefined_type is not None and isinstance(obj, undefined_type):
        return None
    return _NOT_LEAF


def _custom(obj: Any, custom_encoder: dict[Any, Encoder]) -> Encoder | None:
    """The user's encoder for ``obj``: its exact type's first, else the first it is an
    instance of."""
    found = custom_encoder.get(type(obj))
    if found is not None:
        return found
    for encoder_type, encoder in custom_encoder.items():
        if isinstance(obj, encoder_type):
            return encoder
    return None


def _mapping(obj: dict[Any, Any], include: Any, exclude: Any, nested: dict[str, Any]) -> Any:
    """A dict's allowed items, keys and values encoded; SQLAlchemy's ``_sa`` keys dropped
    when ``sqlalchemy_safe``, None values when ``exclude_none``."""
    allowed = set(obj.keys())
    if include is not None:
        allowed &= set(include)
    if exclude is not None:
        allowed -= set(exclude)
    out = {}
    for key, value in obj.items():
        if nested["sqlalchemy_safe"] and isinstance(key, str) and key.startswith("_sa"):
            continue
        if (value is None and nested["exclude_none"]) or key not in allowed:
            continue
        out[jsonable_encoder(key, **nested)] = jsonable_encoder(value, **nested)
    return out


def _by_type(obj: Any) -> Encoder | None:
    """The encoder of ``obj``'s exact type, else of the first known type it is an instance of."""
    by_type, by_encoder = _Tables.get()
    found = by_type.get(type(obj))
    if found is not None:
        return found
    for encoder, classes in by_encoder:
        if isinstance(obj, classes):
            return encoder
    return None


def _as_dict(obj: Any) -> Any:
    """An unknown object read as a mapping (``dict(obj)``), else its attributes (``vars``);
    ``ValueError`` holding both errors when neither reads it, as FastAPI raises."""
    try:
        return dict(obj)
    except Exception as first:
        try:
            return vars(obj)
        except Exception as second:
            raise ValueError([first, second]) from second
