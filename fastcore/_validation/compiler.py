"""Compiling a type into the slow path's validator nodes, once per type.

`_compile` walks an annotation (``Annotated`` constraints, unions, Literal, containers, Enums,
Structs, dataclasses, TypedDicts, pydantic models) into the nodes of
`fastcore._validation.validators` and caches the result, so start-up pays for the walk over
the type and requests do not.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import enum
import sys
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from fastcore._validation.hints import is_class
from fastcore._validation.scalars import SCALARS
from fastcore._validation.validators import (
    _Dict,
    _Enum,
    _Fallback,
    _Field,
    _Literal,
    _Node,
    _Nullable,
    _Object,
    _Pydantic,
    _Scalar,
    _Sequence,
    _Tagged,
    _Tuple,
    _Union,
)

__all__ = ["_compile"]

_CACHE: dict[Any, _Node] = {}
_META_KEYS = ("gt", "ge", "lt", "le", "multiple_of", "pattern", "min_length", "max_length", "tz")
_NONE = type(None)


def _compile(tp: Any, meta: dict[str, Any] | None = None) -> _Node:
    """The node for ``tp``, cached: start-up pays for the walk over the type, requests do not."""
    if meta:
        return _build(tp, meta)
    key = _key(tp)
    try:
        return _CACHE[key]
    except KeyError:
        node = _CACHE[key] = _build(tp, {})
        return node
    except TypeError:  # an unhashable annotation
        return _build(tp, {})


def _key(tp: Any) -> Any:
    # NOTE: typing says Union[int, float] == Union[float, int]; pydantic's order matters.
    return (tp, repr(tp))


def _build(tp: Any, meta: dict[str, Any]) -> _Node:
    origin = get_origin(tp)
    if origin is Annotated:
        extra = dict(meta)
        for item in tp.__metadata__:
            if isinstance(item, msgspec.Meta):
                extra.update(
                    {k: getattr(item, k) for k in _META_KEYS if getattr(item, k) is not None}
                )
        return _compile(tp.__origin__, extra)
    if origin is not None:
        generic = _GENERICS.get(origin)
        if generic is not None:
            return generic(tp, meta)
        if is_class(origin) and issubclass(origin, msgspec.Struct):
            return _struct(tp)
        return _compile(origin, meta) if dataclasses.is_dataclass(origin) else _Fallback(tp)
    if tp in SCALARS or tp is None:
        tp = _NONE if tp is None else tp
        return _Scalar(tp, meta)
    for test, builder in _CLASSES:
        if test(tp):
            return builder(tp, meta)
    return _Fallback(tp)


def _union_members(tp: Any) -> list[Any]:
    out: list[Any] = []
    for arg in get_args(tp):
        out.extend(_union_members(arg) if get_origin(arg) in (Union, types.UnionType) else [arg])
    return out


def _tag_of(tp: Any) -> tuple[str, Any] | None:
    cls = get_origin(tp) or tp
    if is_class(cls) and issubclass(cls, msgspec.Struct):
        config = cls.__struct_config__
        return None if config.tag is None else (str(config.tag_field), config.tag)
    return None


def _union(tp: Any, meta: dict[str, Any]) -> _Node:
    members = [m for m in _union_members(tp) if m not in (None, _NONE)]
    nullable = len(members) != len(_union_members(tp))
    tagged = {m: _tag_of(m) for m in members if _tag_of(m) is not None}
    nodes: list[_Node] = []
    for member in members:
        if member not in tagged or len(tagged) == 1:
            nodes.append(_compile(member, meta))
        elif member == next(iter(tagged)):
            field = next(iter(tagged.values()))[0]  # type: ignore[index]
            choices = {tag[1]: _compile(m) for m, tag in tagged.items() if tag is not None}
            nodes.append(_Tagged(field, choices))
    node = nodes[0] if len(nodes) == 1 else _Union(nodes)
    return _Nullable(node) if nullable else node


def _sequence(kind: str) -> Callable[[Any, dict[str, Any]], _Node]:
    def build(tp: Any, meta: dict[str, Any]) -> _Node:
        args = get_args(tp)
        if kind == "tuple" and not (len(args) == 2 and args[1] is Ellipsis):
            return _Tuple([_compile(a) for a in args if a != ()])
        return _Sequence(kind, _compile(args[0]) if args else _Node(), meta)

    return build


def _mapping(tp: Any, meta: dict[str, Any]) -> _Node:
    args = get_args(tp)
    key, value = (_compile(args[0]), _compile(args[1])) if args else (_Node(), _Node())
    return _Dict(key, value, meta)


def _literal(tp: Any, meta: dict[str, Any]) -> _Node:
    return _Literal(get_args(tp))


_GENERICS: dict[Any, Callable[[Any, dict[str, Any]], _Node]] = {
    Union: _union,
    types.UnionType: _union,
    Literal: _literal,
    list: _sequence("list"),
    cabc.MutableSequence: _sequence("list"),
    cabc.Sequence: _sequence("sequence"),
    tuple: _sequence("tuple"),
    set: _sequence("set"),
    cabc.MutableSet: _sequence("set"),
    cabc.Set: _sequence("set"),
    frozenset: _sequence("frozenset"),
    dict: _mapping,
    cabc.Mapping: _mapping,
    cabc.MutableMapping: _mapping,
}


def _default(default: Any, factory: Any, missing: Any) -> Callable[[], Any] | None:
    if factory is not missing:
        return typing.cast(Callable[[], Any], factory)
    return None if default is missing else (lambda: default)


def _struct(tp: Any) -> _Node:
    cls = get_origin(tp) or tp
    config = cls.__struct_config__
    if config.array_like:
        return _Fallback(tp)
    node = _CACHE[_key(tp)] = _Object(tp, "model_attributes_type", lambda kw: cls(**kw))
    node.forbid = config.forbid_unknown_fields
    if config.tag is not None:
        node.fields.append(_Field(config.tag_field, "", _Literal((config.tag,)), False, None))
    for f in msgspec.structs.fields(tp):
        default = _default(f.default, f.default_factory, msgspec.NODEFAULT)
        node.fields.append(_Field(f.encode_name, f.name, _compile(f.type), f.required, default))
    return node


def _dataclass(tp: Any, meta: dict[str, Any]) -> _Node:
    node = _CACHE[_key(tp)] = _Object(tp, "dataclass_type", lambda kw: tp(**kw))
    hints = typing.get_type_hints(tp, include_extras=True)
    for f in dataclasses.fields(tp):
        if f.init:
            default = _default(f.default, f.default_factory, dataclasses.MISSING)
            node.fields.append(
                _Field(f.name, f.name, _compile(hints[f.name]), default is None, default)
            )
    return node


def _required_wrappers() -> dict[Any, bool]:
    """``Required`` and ``NotRequired`` of typing (3.11+) and of typing_extensions, if imported.

    NOTE: Python 3.10's typing has neither, and typing_extensions' are not typing's on any
    version before 3.11; a TypedDict may use either, and pydantic honours both.
    """
    wrappers: dict[Any, bool] = {}
    for module in (typing, sys.modules.get("typing_extensions")):
        for name, required in (("Required", True), ("NotRequired", False)):
            wrapper = getattr(module, name, None)
            if wrapper is not None:
                wrappers[wrapper] = required
    return wrappers


def _typed_dict(tp: Any, meta: dict[str, Any]) -> _Node:
    node = _CACHE[_key(tp)] = _Object(tp, "dict_type", dict)
    wrappers = _required_wrappers()
    for key, hint in typing.get_type_hints(tp, include_extras=True).items():
        # NOTE: under ``from __future__ import annotations`` ``__required_keys__`` cannot see
        # the wrappers (the hints are strings then), so a wrapper has the last word.
        required = key in tp.__required_keys__
        while get_origin(hint) in wrappers:
            required = wrappers[get_origin(hint)]
            hint = get_args(hint)[0]
        node.fields.append(_Field(key, key, _compile(hint), required, None))
    return node


def _is_class(base: type) -> Callable[[Any], bool]:
    return lambda tp: is_class(tp) and issubclass(tp, base)


def _is_pydantic(tp: Any) -> bool:
    return is_class(tp) and any(
        c.__module__.startswith("pydantic.") and c.__name__ == "BaseModel" for c in tp.__mro__
    )


_BARE = {
    list: list[Any],
    tuple: tuple[Any, ...],
    set: set[Any],
    frozenset: frozenset[Any],
    dict: dict[Any, Any],
    cabc.Sequence: cabc.Sequence[Any],
}

_CLASSES: tuple[tuple[Callable[[Any], bool], Callable[[Any, dict[str, Any]], _Node]], ...] = (
    (lambda tp: tp is Any or tp is object or isinstance(tp, typing.TypeVar), lambda tp, m: _Node()),
    (lambda tp: tp in _BARE, lambda tp, m: _compile(_BARE[tp], m)),
    (lambda tp: hasattr(tp, "__supertype__"), lambda tp, m: _compile(tp.__supertype__, m)),
    (_is_class(enum.Enum), lambda tp, m: _Enum(tp)),
    (_is_class(msgspec.Struct), lambda tp, m: _struct(tp)),
    (lambda tp: is_class(tp) and dataclasses.is_dataclass(tp), _dataclass),
    (lambda tp: _is_class(dict)(tp) and hasattr(tp, "__required_keys__"), _typed_dict),
    (_is_pydantic, lambda tp, m: _Pydantic(tp)),
)
