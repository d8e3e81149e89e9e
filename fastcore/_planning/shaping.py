"""A response value as plain data, shaped by FastAPI's response_model options, for msgspec types.

pydantic applies ``include``, ``exclude``, ``by_alias`` and ``exclude_defaults`` in its own
serializer; msgspec has no such options, so a route that sets one of them has its returned
Structs and dataclasses walked here into dicts and lists (the fast path encodes them
directly and never comes here). The rules are pydantic's: include/exclude name fields by
their attribute name (a set, or a dict whose values are ``True``/``...`` or nested specs;
``"__all__"`` and indexes for list items); ``by_alias=False`` writes attribute names instead
of a Struct's renamed keys; ``exclude_defaults`` drops fields equal to their default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import msgspec

__all__ = ["to_data"]

_ALL = "__all__"
#: Default factories msgspec stores for ``= []`` and friends, compared by their product.
_EMPTY_FACTORIES = (list, dict, set, frozenset, tuple)


def _sub(spec: Any, key: Any) -> Any:
    """The spec that applies below ``key``: None (nothing said), True (all), or nested."""
    if spec is None:
        return None
    if isinstance(spec, (set, frozenset)):
        return key in spec or _ALL in spec
    found = spec.get(key, spec.get(_ALL, False))
    return True if found is True or found is Ellipsis else found


def _keep(include: Any, exclude: Any, key: Any) -> tuple[bool, Any, Any]:
    """Whether ``key`` is written, and the specs for its value."""
    inc = _sub(include, key) if include is not None else None
    exc = _sub(exclude, key) if exclude is not None else None
    if inc is False or exc is True:
        return False, None, None
    return True, (None if inc is True else inc), (None if exc is False else exc)


def _default_of(field: Any, missing: Any) -> Any:
    if field.default is not missing:
        return field.default
    factory = field.default_factory
    return factory() if factory in _EMPTY_FACTORIES else missing


def _fields(obj: Any, by_alias: bool) -> Iterator[tuple[str, str, Any, Any]]:
    """(attribute name, written key, value, default or a sentinel) of a Struct or dataclass."""
    if isinstance(obj, msgspec.Struct):
        for f in msgspec.structs.fields(type(obj)):
            key = f.encode_name if by_alias else f.name
            yield f.name, key, getattr(obj, f.name), _default_of(f, msgspec.NODEFAULT)
        return
    for d in dataclasses.fields(obj):
        yield d.name, d.name, getattr(obj, d.name), _default_of(d, dataclasses.MISSING)


def to_data(obj: Any, include: Any, exclude: Any, by_alias: bool, exclude_defaults: bool) -> Any:
    """``obj`` as dicts and lists (leaves untouched), the options applied at every level."""
    is_struct = isinstance(obj, msgspec.Struct)
    if is_struct or (dataclasses.is_dataclass(obj) and not isinstance(obj, type)):
        out: dict[str, Any] = {}
        for name, key, value, default in _fields(obj, by_alias):
            keep, inc, exc = _keep(include, exclude, name)
            if not keep or (exclude_defaults and _equals(value, default)):
                continue
            out[key] = to_data(value, inc, exc, by_alias, exclude_defaults)
        return out
    if isinstance(obj, dict):
        items = {}
        for key, value in obj.items():
            keep, inc, exc = _keep(include, exclude, key)
            if keep:
                items[key] = to_data(value, inc, exc, by_alias, exclude_defaults)
        return items
    if isinstance(obj, (list, tuple, set, frozenset)):
        seq = []
        for index, value in enumerate(obj):
            keep, inc, exc = _keep(include, exclude, index)
            if keep:
                seq.append(to_data(value, inc, exc, by_alias, exclude_defaults))
        return seq
    return obj


def _equals(value: Any, default: Any) -> bool:
    if default is msgspec.NODEFAULT or default is dataclasses.MISSING:
        return False
    try:
        return bool(value == default)
    except Exception:
        return False
