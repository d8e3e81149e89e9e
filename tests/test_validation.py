"""fastcore.validation against pydantic itself: same errors, same values, same acceptance.

Every case builds the pydantic equivalent of a msgspec type (a Struct becomes a BaseModel with
aliases, a tagged union a discriminated union, Meta becomes Field) and checks that
``errors_for`` equals what FastAPI would put in a 422 body for it, i.e. pydantic's
``validate_python(value, from_attributes=True)`` errors, JSON-encoded, url-less, loc-prefixed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import re
import types
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

import msgspec
import pydantic
import pytest
from fastapi.encoders import jsonable_encoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typing_extensions import NotRequired, TypedDict

from fastcore.validation import (
    InvalidValue,
    converter,
    errors_for,
    json_invalid,
    missing,
    validate,
)

# ---- the pydantic equivalent of a msgspec type -----------------------------------------------

_META_KEYS = ("gt", "ge", "lt", "le", "multiple_of", "pattern", "min_length", "max_length")
_MODELS: dict[Any, Any] = {}


def _tag(tp: Any) -> tuple[str, Any] | None:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        config = tp.__struct_config__
        return None if config.tag is None else (config.tag_field, config.tag)
    return None


def _model(cls: Any) -> Any:
    """A pydantic BaseModel with the Struct's fields, aliases, defaults and extra policy."""
    if cls in _MODELS:
        return _MODELS[cls]
    _MODELS[cls] = cls.__name__  # a forward reference while the model is being built
    config = cls.__struct_config__
    fields: dict[str, Any] = {}
    if config.tag is not None:
        fields[config.tag_field] = (Literal[config.tag], pydantic.Field(default=config.tag))
    for f in msgspec.structs.fields(cls):
        kw: dict[str, Any] = {"alias": f.encode_name}
        if f.default is not msgspec.NODEFAULT:
            kw["default"] = f.default
        if f.default_factory is not msgspec.NODEFAULT:
            kw["default_factory"] = f.default_factory
        fields[f.name] = (pydantic_type(f.type), pydantic.Field(**kw))
    extra = "forbid" if config.forbid_unknown_fields else "ignore"
    model = pydantic.create_model(cls.__name__, __config__=pydantic.ConfigDict(extra=extra), **fields)
    _MODELS[cls] = model
    model.model_rebuild(_types_namespace={cls.__name__: model})
    return model


def pydantic_type(tp: Any) -> Any:
    """The type FastAPI users would have written with pydantic for this msgspec type."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        kw = {}
        for item in tp.__metadata__:
            if isinstance(item, msgspec.Meta):
                kw.update({k: getattr(item, k) for k in _META_KEYS if getattr(item, k) is not None})
        return Annotated[pydantic_type(args[0]), pydantic.Field(**kw)]
    if origin in (Union, types.UnionType):
        members = [pydantic_type(a) for a in args]
        tagged = [a for a in args if _tag(a)]
        if len(tagged) > 1:
            choices = Union[tuple(pydantic_type(a) for a in tagged)]
            field = _tag(tagged[0])[0]  # type: ignore[index]
            union = Annotated[choices, pydantic.Field(discriminator=field)]
            members = [union, *(pydantic_type(a) for a in args if not _tag(a))]
        return Union[tuple(members)] if len(members) > 1 else members[0]
    if origin is Literal or origin is None:
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            return _model(tp)
        return tp
    if origin is tuple and args == ():
        return tp
    return origin[tuple(a if a is Ellipsis else pydantic_type(a) for a in args)]


def pydantic_errors(tp: Any, value: Any, loc: tuple[Any, ...] = ("body",)) -> list[dict[str, Any]]:
    """What FastAPI answers: pydantic's errors, url removed, loc prefixed, JSON-encoded."""
    try:
        pydantic.TypeAdapter(pydantic_type(tp)).validate_python(value, from_attributes=True)
    except pydantic.ValidationError as exc:
        errors = [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False)]
        return jsonable_encoder(errors)  # type: ignore[no-any-return]
    return []


def pydantic_value(tp: Any, value: Any) -> Any:
    return pydantic.TypeAdapter(pydantic_type(tp)).validate_python(value, from_attributes=True)


def norm(value: Any) -> Any:
    """A comparable form: Structs and models as dicts, types kept apart (1, 1.0, True)."""
    if isinstance(value, msgspec.Struct):
        return {f: norm(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, pydantic.BaseModel):
        fields = type(value).model_fields
        return {f: norm(getattr(value, f)) for f in fields if fields[f].default != getattr(value, f) or f not in ("type",)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: norm(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {norm(k): norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [norm(v) for v in value]
        return (type(value).__name__, sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items)
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, (dt.datetime, dt.time)):
        return (type(value).__name__, value.replace(tzinfo=None).isoformat(), value.utcoffset())
    return (type(value).__name__, value)


def check(tp: Any, values: Sequence[Any], loc: tuple[Any, ...] = ("body",)) -> None:
    """errors_for equals pydantic's errors, and valid values convert to pydantic's result."""
    mismatches = []
    for value in values:
        expected = pydantic_errors(tp, value, loc)
        found = errors_for(tp, value, loc)
        if found != expected:
            mismatches.append((value, found, expected))
            continue
        if not expected:
            result, errs = validate(tp, value, loc)
            if errs or norm(result) != norm(pydantic_value(tp, value)):
                mismatches.append((value, norm(result), norm(pydantic_value(tp, value))))
    assert not mismatches, "\n".join(f"{v!r}:\n  ours   {o}\n  theirs {t}" for v, o, t in mismatches)


# ---- the types and values compared ----------------------------------------------------------


class Color(str, enum.Enum):
    red = "red"
    green = "green"


class Level(enum.IntEnum):
    low = 1
    high = 2


class Mixed(enum.Enum):
    a = "a"
    two = 2
    half = 1.5


class Ratio(float, enum.Enum):
    half = 0.5


class Perm(enum.Flag):
    r = 1
    w = 2


class Inner(msgspec.Struct):
    a: int


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    inner: Inner
    tags: list[str] = []
    note: Optional[str] = None


class Renamed(msgspec.Struct, rename="camel"):
    user_id: int
    display_name: str = "anon"


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    a: int
    b: str = "x"


class Node(msgspec.Struct):
    value: int
    children: list[Node] = []


class Cat(msgspec.Struct, tag=True):
    lives: int


class Dog(msgspec.Struct, tag="dog"):
    good: bool


class Bird(msgspec.Struct, tag="bird"):
    wings: Annotated[int, msgspec.Meta(ge=2)]


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0
    label: str = dataclasses.field(default="p")


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


POOL: list[Any] = [
    None, True, False, 0, 1, -1, 2, 7, 1.0, 1.5, -0.5, 1e20, float("inf"), 10**30,
    "", "0", "1", "12", "100000000000000000000", " 12 ", "-5", "+3", "1_000", "1.0", "1.5", "1e3", "abc", "true", "False",
    "yes", "off", "nan", "inf", "red", "a", "2", "2020-01-02", "2020-01-02T03:04:05Z",
    "2020-01-02T00:00:00", "12:30", "12:30:05.5+01:00", "P1D", "1 day, 01:00:00", "1d",
    "12345678-1234-5678-1234-567812345678", "{12345678-1234-5678-1234-567812345678}",
    [], [1], [1, 2, 3], ["1", "x"], [None], [[1]], [1.5, "2"], {}, {"a": 1}, {"a": "x", "b": [1]},
    {"1": 2, "x": "y"},
]

TYPES: list[Any] = [
    int, float, bool, str, bytes, type(None), Any, decimal.Decimal, uuid.UUID,
    dt.date, dt.datetime, dt.time, dt.timedelta,
    Annotated[int, msgspec.Meta(ge=1, le=100)],
    Annotated[int, msgspec.Meta(gt=0, lt=10, multiple_of=2)],
    Annotated[float, msgspec.Meta(gt=0)],
    Annotated[float, msgspec.Meta(ge=0.5, lt=1e20, multiple_of=0.5)],
    Annotated[str, msgspec.Meta(min_length=2, max_length=3)],
    Annotated[str, msgspec.Meta(pattern="^a")],
    Annotated[str, msgspec.Meta(min_length=1)],
    Annotated[str, msgspec.Meta(max_length=1, pattern="[0-9]")],
    Annotated[bytes, msgspec.Meta(max_length=2)],
    Literal["a", "b"], Literal[1, 2], Literal[True], Literal["a", 1, None], Literal[Color.red],
    Color, Level, Mixed, Ratio, Perm,
    Optional[int], Optional[Annotated[int, msgspec.Meta(gt=0)]], Union[int, str],
    Union[int, float], Union[float, int], Union[bool, int], Union[int, bool, None],
    Union[list[int], int], Union[str, Literal["a"]], Union[uuid.UUID, str],
    Union[dt.date, dt.datetime], Union[Color, Level], Union[Annotated[int, msgspec.Meta(gt=0)], str],
    list[int], list[Optional[int]], list[Union[int, str]], list[Any], list, set[int], frozenset[str],
    tuple[int, ...], tuple[int, str], tuple[()], tuple[int], Sequence[int], list[list[int]],
    dict[str, int], dict[int, list[int]], dict[str, Any], dict,
    Annotated[list[int], msgspec.Meta(min_length=2, max_length=3)],
    Annotated[set[int], msgspec.Meta(min_length=2, max_length=2)],
    Annotated[tuple[int, ...], msgspec.Meta(max_length=1)],
    Annotated[dict[str, int], msgspec.Meta(min_length=2, max_length=2)],
    Inner, Item, Renamed, Strict, Node, Point, Movie, Optional[Inner], list[Inner],
    dict[str, Inner], Union[Inner, int], Union[Cat, Dog, Bird], Union[Cat, Dog, None],
    Union[Cat, Dog, int], list[Union[Cat, Dog]], Cat, Union[Inner, Renamed], Union[Point, Inner],
    Union[Movie, Inner], Union[dict[str, int], Inner],
]


@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_pool_against_pydantic(tp: Any) -> None:
    check(tp, POOL)


OBJECTS: list[tuple[Any, list[Any]]] = [
    (Item, [
        {"name": "x", "price": "abc", "inner": 5},
        {"price": 1},
        {"name": 1, "price": -1, "inner": {"a": "q"}, "tags": ["a", 2], "note": 3, "extra": 1},
        {"name": "x", "price": "2.5", "inner": {"a": "7"}, "tags": [], "note": None},
        {"name": "x", "price": 0, "inner": {}, "tags": "a"},
    ]),
    (Renamed, [{"userId": "x"}, {"user_id": 1}, {"userId": 1, "displayName": None}, {"userId": 2}]),
    (Strict, [{"a": 1, "c": 2, "d": 3}, {"b": 1, "zz": 2}, {"a": "1", "b": "y"}]),
    (Node, [{"value": 1, "children": [{"value": "x"}, {"children": [{"value": 2}]}]}]),
    (Point, [{"x": "1", "y": "x"}, {"y": 1}, {"x": 1.5, "label": 3}, {"x": 2}]),
    (Movie, [{"title": 1, "year": "x"}, {"year": 1999}, {"title": "t"}, {"title": "t", "zz": 1}]),
    (Union[Cat, Dog, Bird], [
        {"type": "Cat", "lives": "x"}, {"type": "cow"}, {"lives": 9}, {"type": None},
        {"type": "bird", "wings": 1}, {"type": "dog", "good": "yes"}, {"type": 3},
    ]),
    (Cat, [{"type": "Dog", "lives": 1}, {"type": "Cat", "lives": 1}, {"lives": 2}]),
    (list[Union[Cat, Dog]], [[{"type": "Cat", "lives": 1}, {"type": "x"}, 5]]),
    (dict[str, Inner], [{"k": {"a": "x"}, "j": 3}]),
    (Union[Inner, Renamed], [{"a": 1, "userId": 2}, {"userId": 2}, {"zz": 1}]),
    (Union[Point, Inner], [{"x": 1, "a": 1}, {"a": "1"}, {"x": "1"}]),
    (tuple[int, str], [[1], ["x", 1], ["1", "a", 3], [1, "a"]]),
    (Annotated[list[int], msgspec.Meta(max_length=2)], [["x", 1, 2], ["x", 1], [1, 2, 3, 4]]),
    (Annotated[set[int], msgspec.Meta(max_length=2)], [[1, 1, 1, 2, "x"], [1, 2, 3], ["x", 1, 2, 3]]),
    (Annotated[dict[str, int], msgspec.Meta(max_length=1)], [{"a": "x", "b": 1}, {"a": 1, "b": "x", "c": 2}]),
    (set[list[int]], [[[1]]]),
    (dict[int, int], [{"a": "b", "1": 2, "x": 3}]),
]


@pytest.mark.parametrize(("tp", "values"), OBJECTS, ids=[repr(t) for t, _ in OBJECTS])
def test_objects_against_pydantic(tp: Any, values: list[Any]) -> None:
    check(tp, values)


# ---- hypothesis: random values, converter and slow path agree with pydantic -----------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=8,
)


def _near(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match ``pattern``, sometimes with one character changed, dropped or added."""
    def mutate(args: tuple[str, int, str, int]) -> str:
        text, where, char, how = args
        i = where % (len(text) + 1)
        return [text, text[:i] + char + text[i + 1 :], text[:i] + text[i + 1 :], text[:i] + char + text[i:]][how]

    alphabet = st.sampled_from("0123456789-+:.,_ eEtTzZdDPHMSWYxaf\u00a0\u0661\u2212")
    return st.tuples(st.from_regex(pattern, fullmatch=True), st.integers(0, 40), alphabet, st.integers(0, 3)).map(mutate)


SHAPED = {
    int: r" ?[+-]?[0-9]{1,22}(\.0{0,2})?(_[0-9]{1,3})? ?",
    float: r" ?[+-]?([0-9]{0,4}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?|inf|nan|infinity)(_[0-9])? ?",
    bool: r"(?i:true|false|yes|no|on|off|t|f|y|n|1|0)",
    dt.date: r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?|[0-9]{1,12}",
    dt.datetime: r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt _][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{0,8})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?|-?[0-9]{1,16}(\.[0-9]{0,7})?",
    dt.time: r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{0,8})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?",
    dt.timedelta: r"[+-]?(P([0-9]{1,3}([.,][0-9])?[YMWD]){0,3}(T([0-9]{1,3}([.,][0-9])?[HMS]){0,3})?|[0-9]{1,3} ?(d|days?|D)(, ?[0-9]{1,3}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,8})?)?)?|[0-9]{1,11}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,8})?)?)",
    uuid.UUID: r"(urn:uuid:|\{)?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?",
    decimal.Decimal: r" ?[+-]?[0-9]{0,5}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3})?(_[0-9])?|[sS]?[nN]a[nN]|-?inf(inity)?",
}


@pytest.mark.parametrize("tp", list(SHAPED), ids=repr)
@settings(max_examples=6000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_shaped_strings_against_pydantic(tp: Any, data: st.DataObject) -> None:
    value = data.draw(_near(SHAPED[tp]))
    check(tp, [value], ("query", "q"))


PARAM_TYPES: list[Any] = [
    int, float, bool, str, uuid.UUID, dt.date, dt.datetime, decimal.Decimal, Color, Level,
    Literal["a", "b"], Optional[int], Annotated[int, msgspec.Meta(ge=0, le=100)],
    Annotated[float, msgspec.Meta(gt=0, multiple_of=0.5)], Annotated[str, msgspec.Meta(min_length=2, max_length=5, pattern="^[a-z]")],
    list[int], list[str], set[int], tuple[int, ...], list[Optional[float]], Union[int, str],
    Annotated[list[int], msgspec.Meta(min_length=1, max_length=3)], Item, dict[str, int],
]


@pytest.mark.parametrize("tp", PARAM_TYPES, ids=repr)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values | st.lists(st.text(max_size=5), max_size=4) | st.sampled_from(POOL))
def test_converter_accepts_exactly_what_errors_for_passes(tp: Any, value: Any) -> None:
    convert = converter(tp)
    errors = errors_for(tp, value, ("query", "q"))
    try:
        result = convert(value)
    except InvalidValue as exc:
        assert errors, f"converter refused {value!r} that errors_for passes"
        assert [{**e, "loc": ["query", "q", *e["loc"]]} for e in exc.errors] == errors
    else:
        assert not errors, f"converter accepted {value!r}: {errors}"
        assert norm(result) == norm(pydantic_value(tp, value))
    assert errors == pydantic_errors(tp, value, ("query", "q"))
