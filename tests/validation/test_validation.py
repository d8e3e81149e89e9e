"""fastcore._validation against pydantic itself: same errors, same values, same acceptance.

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
import sys
import types
import uuid
import warnings
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

import msgspec
import pydantic
import pydantic_core
import pytest
from fastapi.encoders import jsonable_encoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typing_extensions import NotRequired, TypedDict

from fastcore._validation import (
    InvalidValue,
    converter,
    errors_for,
    json_invalid,
    missing,
    validate,
)
from fastcore.encoders import jsonable_encoder as fastcore_jsonable

# ---- the pydantic equivalent of a msgspec type -----------------------------------------------

_META_KEYS = ("gt", "ge", "lt", "le", "multiple_of", "pattern", "min_length", "max_length")
_MODELS: dict[Any, Any] = {}
_TAG_FIELDS: dict[Any, str] = {}


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
    model = pydantic.create_model(
        cls.__name__, __config__=pydantic.ConfigDict(extra=extra), **fields
    )
    _MODELS[cls] = model
    if config.tag is not None:
        _TAG_FIELDS[model] = config.tag_field
    model.model_rebuild(_types_namespace={cls.__name__: model})
    return model


def pydantic_type(tp: Any) -> Any:
    """The type FastAPI users would have written with pydantic for this msgspec type."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        tz = [m.tz for m in tp.__metadata__ if isinstance(m, msgspec.Meta) and m.tz is not None]
        if tz and args[0] is dt.datetime:
            return pydantic.AwareDatetime if tz[0] else pydantic.NaiveDatetime
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
    except TypeError:
        # NOTE: Python 3.10's Flag._missing_ raises TypeError, not ValueError, for a value
        # that is not an int (None, "1", 1.5, []), and pydantic lets it escape (a 500 under
        # FastAPI). 3.11+ raise ValueError and pydantic reports the enum error, which is what
        # fastcore answers on every version; so that is the expected value here.
        if not (sys.version_info < (3, 11) and tp is Perm):
            raise
        expected = "1, 2 or 3"
        error = {"type": "enum", "loc": loc, "msg": f"Input should be {expected}", "input": value}
        return jsonable_encoder([{**error, "ctx": {"expected": expected}}])  # type: ignore[no-any-return]
    return []


def pydantic_value(tp: Any, value: Any) -> Any:
    return pydantic.TypeAdapter(pydantic_type(tp)).validate_python(value, from_attributes=True)


def norm(value: Any) -> Any:
    """A comparable form: Structs and models as dicts, types kept apart (1, 1.0, True)."""
    if isinstance(value, msgspec.Struct):
        return {f: norm(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, pydantic.BaseModel):
        tag = _TAG_FIELDS.get(type(value))
        return {f: norm(getattr(value, f)) for f in type(value).model_fields if f != tag}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: norm(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {norm(k): norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [norm(v) for v in value]
        return (
            type(value).__name__,
            sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items,
        )
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, (dt.datetime, dt.time)):
        return (type(value).__name__, value.replace(tzinfo=None).isoformat(), value.utcoffset())
    return (type(value).__name__, value)


def check(tp: Any, values: Sequence[Any], loc: tuple[Any, ...] = ("body",)) -> None:
    """errors_for equals pydantic's errors as each framework's 422 writes them (through its
    jsonable_encoder: a ``_sa`` key of an input is dropped), and valid values convert to
    pydantic's result."""
    mismatches = []
    for value in values:
        expected = pydantic_errors(tp, value, loc)
        found = fastcore_jsonable(errors_for(tp, value, loc))
        if found != expected:
            mismatches.append((value, found, expected))
            continue
        if not expected:
            result, errs = validate(tp, value, loc)
            if errs or norm(result) != norm(pydantic_value(tp, value)):
                mismatches.append((value, norm(result), norm(pydantic_value(tp, value))))
    assert not mismatches, "\n".join(
        f"{v!r}:\n  ours   {o}\n  theirs {t}" for v, o, t in mismatches
    )


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
    rw = 3  # NOTE: not iterated on Python 3.11+, but in __members__ (and pydantic's message)


class Aliased(enum.Enum):
    one = 1
    uno = 1
    two = 2


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


class One(msgspec.Struct, tag=1, tag_field="kind"):
    x: int


class Two(msgspec.Struct, tag=2, tag_field="kind"):
    y: str = ""


class Checked(msgspec.Struct):
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low is above high")


class Model(pydantic.BaseModel):
    a: int
    b: Annotated[float, pydantic.Field(gt=0)] = 1.0


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


POOL: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2,
    7,
    1.0,
    1.5,
    -0.5,
    1e20,
    float("inf"),
    10**30,
    "",
    "0",
    "1",
    "12",
    "100000000000000000000",
    "abc\n",
    "$a$",
    "$a$\n",
    " 12 ",
    "-5",
    "+3",
    "1_000",
    "1.0",
    "1.5",
    "1e3",
    "abc",
    "true",
    "False",
    "yes",
    "off",
    "nan",
    "inf",
    "red",
    "a",
    "2",
    "2020-01-02",
    "2020-01-02T03:04:05Z",
    "2020-01-02T00:00:00",
    "12:30",
    "12:30:05.5+01:00",
    "P1D",
    "1 day, 01:00:00",
    "1d",
    "12345678-1234-5678-1234-567812345678",
    "{12345678-1234-5678-1234-567812345678}",
    [],
    [1],
    [1, 2, 3],
    ["1", "x"],
    [None],
    [[1]],
    [1.5, "2"],
    {},
    {"a": 1},
    {"a": "x", "b": [1]},
    {"1": 2, "x": "y"},
]

TYPES: list[Any] = [
    int,
    float,
    bool,
    str,
    bytes,
    type(None),
    Any,
    decimal.Decimal,
    uuid.UUID,
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    Annotated[int, msgspec.Meta(ge=1, le=100)],
    Annotated[int, msgspec.Meta(gt=0, lt=10, multiple_of=2)],
    Annotated[float, msgspec.Meta(gt=0)],
    Annotated[float, msgspec.Meta(ge=0.5, lt=1e20, multiple_of=0.5)],
    Annotated[str, msgspec.Meta(min_length=2, max_length=3)],
    Annotated[str, msgspec.Meta(pattern="^a")],
    Annotated[str, msgspec.Meta(min_length=1)],
    Annotated[str, msgspec.Meta(max_length=1, pattern="[0-9]")],
    Annotated[bytes, msgspec.Meta(max_length=2)],
    Annotated[str, msgspec.Meta(pattern="^[a-z]+$")],
    Annotated[str, msgspec.Meta(pattern="^[$]a\\$$")],
    Annotated[dt.datetime, msgspec.Meta(tz=True)],
    Annotated[dt.datetime, msgspec.Meta(tz=False)],
    Literal["a", "b"],
    Literal[1, 2],
    Literal[True],
    Literal["a", 1, None],
    Literal[Color.red],
    Color,
    Level,
    Mixed,
    Ratio,
    Perm,
    Aliased,
    Optional[int],
    Optional[Annotated[int, msgspec.Meta(gt=0)]],
    Union[int, str],
    Union[int, float],
    Union[float, int],
    Union[bool, int],
    Union[int, bool, None],
    Union[list[int], int],
    Union[str, Literal["a"]],
    Union[uuid.UUID, str],
    Union[dt.date, dt.datetime],
    Union[Color, Level],
    Union[Annotated[int, msgspec.Meta(gt=0)], str],
    list[int],
    list[Optional[int]],
    list[Union[int, str]],
    list[Any],
    list,
    set[int],
    frozenset[str],
    tuple[int, ...],
    tuple[int, str],
    tuple[()],
    tuple[int],
    Sequence[int],
    list[list[int]],
    dict[str, int],
    dict[int, list[int]],
    dict[str, Any],
    dict,
    Annotated[list[int], msgspec.Meta(min_length=2, max_length=3)],
    Annotated[set[int], msgspec.Meta(min_length=2, max_length=2)],
    Annotated[tuple[int, ...], msgspec.Meta(max_length=1)],
    Annotated[dict[str, int], msgspec.Meta(min_length=2, max_length=2)],
    Inner,
    Item,
    Renamed,
    Strict,
    Node,
    Point,
    Movie,
    Optional[Inner],
    list[Inner],
    dict[str, Inner],
    Union[Inner, int],
    Union[Cat, Dog, Bird],
    Union[Cat, Dog, None],
    Union[Cat, Dog, int],
    list[Union[Cat, Dog]],
    Cat,
    Union[Inner, Renamed],
    Union[Point, Inner],
    Union[Movie, Inner],
    Union[dict[str, int], Inner],
]


@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_pool_against_pydantic(tp: Any) -> None:
    check(tp, POOL)


OBJECTS: list[tuple[Any, list[Any]]] = [
    (
        Item,
        [
            {"name": "x", "price": "abc", "inner": 5},
            {"price": 1},
            {"name": 1, "price": -1, "inner": {"a": "q"}, "tags": ["a", 2], "note": 3, "extra": 1},
            {"name": "x", "price": "2.5", "inner": {"a": "7"}, "tags": [], "note": None},
            {"name": "x", "price": 0, "inner": {}, "tags": "a"},
        ],
    ),
    (Renamed, [{"userId": "x"}, {"user_id": 1}, {"userId": 1, "displayName": None}, {"userId": 2}]),
    (Strict, [{"a": 1, "c": 2, "d": 3}, {"b": 1, "zz": 2}, {"a": "1", "b": "y"}]),
    (Node, [{"value": 1, "children": [{"value": "x"}, {"children": [{"value": 2}]}]}]),
    (Point, [{"x": "1", "y": "x"}, {"y": 1}, {"x": 1.5, "label": 3}, {"x": 2}]),
    (Movie, [{"title": 1, "year": "x"}, {"year": 1999}, {"title": "t"}, {"title": "t", "zz": 1}]),
    (
        Union[Cat, Dog, Bird],
        [
            {"type": "Cat", "lives": "x"},
            {"type": "cow"},
            {"lives": 9},
            {"type": None},
            {"type": "bird", "wings": 1},
            {"type": "dog", "good": "yes"},
            {"type": 3},
        ],
    ),
    (Cat, [{"type": "Dog", "lives": 1}, {"type": "Cat", "lives": 1}, {"lives": 2}]),
    (list[Union[Cat, Dog]], [[{"type": "Cat", "lives": 1}, {"type": "x"}, 5]]),
    (dict[str, Inner], [{"k": {"a": "x"}, "j": 3}]),
    (Union[Inner, Renamed], [{"a": 1, "userId": 2}, {"userId": 2}, {"zz": 1}]),
    (Union[Point, Inner], [{"x": 1, "a": 1}, {"a": "1"}, {"x": "1"}]),
    (tuple[int, str], [[1], ["x", 1], ["1", "a", 3], [1, "a"]]),
    (Annotated[list[int], msgspec.Meta(max_length=2)], [["x", 1, 2], ["x", 1], [1, 2, 3, 4]]),
    (
        Annotated[set[int], msgspec.Meta(max_length=2)],
        [[1, 1, 1, 2, "x"], [1, 2, 3], ["x", 1, 2, 3]],
    ),
    (
        Annotated[dict[str, int], msgspec.Meta(max_length=1)],
        [{"a": "x", "b": 1}, {"a": 1, "b": "x", "c": 2}],
    ),
    (set[list[int]], [[[1]]]),
    (
        Union[One, Two],
        [{"kind": 1, "x": "a"}, {"kind": "1"}, {"kind": 2.0}, {"kind": True}, {"kind": 3}],
    ),
    (Model, [{"a": "x", "b": 0}, {"b": "2"}, {"a": 1, "b": -1.5}]),
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
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=8,
)


def _near(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match ``pattern``, sometimes with one character changed, dropped or added."""

    def mutate(args: tuple[str, int, str, int]) -> str:
        text, where, char, how = args
        i = where % (len(text) + 1)
        return [
            text,
            text[:i] + char + text[i + 1 :],
            text[:i] + text[i + 1 :],
            text[:i] + char + text[i:],
        ][how]

    alphabet = st.sampled_from("0123456789-+:.,_ eEtTzZdDPHMSWYxaf\u00a0\u0661\u2212")
    return st.tuples(
        st.from_regex(pattern, fullmatch=True), st.integers(0, 40), alphabet, st.integers(0, 3)
    ).map(mutate)


_CLOCK = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{0,8})?)?"
_ZONE = r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HEX = r"[0-9a-fA-F]"
_UUID = rf"{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}}"
SHAPED = {
    int: r" ?[+-]?[0-9]{1,22}(\.0{0,2})?(_[0-9]{1,3})? ?",
    float: r" ?[+-]?([0-9]{0,4}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?|inf|nan|infinity)(_[0-9])? ?",
    bool: r"(?i:true|false|yes|no|on|off|t|f|y|n|1|0)",
    dt.date: r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?|[0-9]{1,12}",
    dt.datetime: rf"{_DAY}([Tt _]{_CLOCK}{_ZONE})?|-?[0-9]{{1,16}}(\.[0-9]{{0,7}})?",
    dt.time: _CLOCK + _ZONE,
    dt.timedelta: (
        r"[+-]?(P([0-9]{1,3}([.,][0-9])?[YMWD]){0,3}(T([0-9]{1,3}([.,][0-9])?[HMS]){0,3})?"
        r"|[0-9]{1,3} ?(d|days?|D)(, ?[0-9]{1,3}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,8})?)?)?"
        r"|[0-9]{1,11}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,8})?)?)"
    ),
    uuid.UUID: rf"(urn:uuid:|\{{)?{_UUID}\}}?",
    decimal.Decimal: (
        r" ?[+-]?[0-9]{0,5}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3})?(_[0-9])?"
        r"|[sS]?[nN]a[nN]|-?inf(inity)?"
    ),
}


@pytest.mark.parametrize("tp", list(SHAPED), ids=repr)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_shaped_strings_against_pydantic(tp: Any, data: st.DataObject) -> None:
    value = data.draw(_near(SHAPED[tp]))
    check(tp, [value], ("query", "q"))
    errors = errors_for(tp, value, ())
    try:
        converter(tp)(value)
    except InvalidValue as exc:
        assert exc.errors == errors
    else:
        assert errors == []


PARAM_TYPES: list[Any] = [
    int,
    float,
    bool,
    str,
    uuid.UUID,
    dt.date,
    dt.datetime,
    decimal.Decimal,
    Color,
    Level,
    Literal["a", "b"],
    Optional[int],
    Annotated[int, msgspec.Meta(ge=0, le=100)],
    Annotated[float, msgspec.Meta(gt=0, multiple_of=0.5)],
    Annotated[str, msgspec.Meta(min_length=2, max_length=5, pattern="^[a-z]")],
    list[int],
    list[str],
    set[int],
    tuple[int, ...],
    list[Optional[float]],
    Union[int, str],
    Annotated[list[int], msgspec.Meta(min_length=1, max_length=3)],
    Item,
    dict[str, int],
]


@pytest.mark.parametrize("tp", PARAM_TYPES, ids=repr)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


@pytest.mark.parametrize("tp", TYPES, ids=repr)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_random_json_against_pydantic(tp: Any, value: Any) -> None:
    check(tp, [value])


# ---- parameters: strings and lists of strings, with FastAPI's locs ---------------------------


@pytest.mark.parametrize(
    ("tp", "raw"),
    [
        (
            Annotated[int, msgspec.Meta(le=100)],
            ["abc", "1000", "100", "1_00", " 7 ", "-3", "1.0", "1e2"],
        ),
        (bool, ["maybe", "TRUE", "On", "0", "2", " true", "tRuE"]),
        (list[int], [["1", "x", "2.5"], [], ["3"]]),
        (Optional[dt.date], ["2020-02-30", "2020-01-01", "2020-01-01T10:00"]),
        (Literal["asc", "desc"], ["up", "asc"]),
        (Color, ["blue", "red"]),
        (uuid.UUID, ["not-a-uuid", "12345678123456781234567812345678"]),
    ],
    ids=repr,
)
def test_parameter_strings_against_pydantic(tp: Any, raw: list[Any]) -> None:
    check(tp, raw, ("query", "limit"))


def test_converter_returns_pydantic_values_for_common_parameters() -> None:
    assert converter(int)("0012") == 12
    assert converter(int)("1_000") == 1000
    assert converter(float)("1.5") == 1.5
    assert converter(float)("inf") == float("inf")
    assert [converter(bool)(s) for s in ("yes", "OFF", "1", "F")] == [True, False, True, False]
    assert converter(str)("x") == "x"
    assert converter(list[int])(["1", "2"]) == [1, 2]
    assert converter(set[int])(["1", "1"]) == {1}
    assert converter(Optional[int])(None) is None
    assert converter(uuid.UUID)("12345678-1234-5678-1234-567812345678") == uuid.UUID(
        int=0x12345678123456781234567812345678
    )
    assert converter(dt.date)("2024-02-29") == dt.date(2024, 2, 29)
    assert converter(dt.datetime)("2024-02-29T10:00:00Z") == dt.datetime(
        2024, 2, 29, 10, tzinfo=dt.timezone.utc
    )
    assert converter(Color)("red") is Color.red
    assert converter(Level)("2") is Level.high


def test_converter_raises_invalid_value_with_relative_errors() -> None:
    with pytest.raises(InvalidValue) as info:
        converter(list[int])(["1", "x"])
    assert info.value.errors == [
        {
            "type": "int_parsing",
            "loc": [1],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "x",
        }
    ]


def test_validate_returns_value_or_errors() -> None:
    assert validate(Item, {"name": "n", "price": "2", "inner": {"a": "3"}}) == (
        Item(name="n", price=2.0, inner=Inner(a=3)),
        [],
    )
    value, errors = validate(Inner, {}, ("body",))
    assert value is None and errors == [missing(("body", "a"), {})]


def test_missing_parameter_and_field() -> None:
    assert missing(("query", "q")) == {
        "type": "missing",
        "loc": ["query", "q"],
        "msg": "Field required",
        "input": None,
    }
    assert missing(("body", "a"), {"b": 1})["input"] == {"b": 1}


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "x",',
        b'{"name": "x"}   x',
        b"",
        b"\xff\xfe",
        b'{"name": "\xc3\xa9", "x": ]}',
        b"[1,",
        b"nul",
        b'"\\u12"',
    ],
)
def test_json_invalid_matches_json_module(body: bytes) -> None:
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        expected = [
            {
                "type": "json_invalid",
                "loc": ["body", exc.pos],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
        ]
    assert json_invalid(body) == expected


def test_json_invalid_is_empty_for_json_the_json_module_accepts() -> None:
    assert json_invalid(b"NaN") == [] and json_invalid(b'{"a": 1}') == []


# ---- against a real FastAPI app: the 422 bodies themselves -----------------------------------

from fastapi import Body, FastAPI, Query  # noqa: E402

with warnings.catch_warnings():  # fastapi.testclient warns about httpx at import time
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ItemModel = pydantic_type(Item)
api = FastAPI()


@api.get("/search")
def search(
    limit: Annotated[int, Query(le=100)],
    flag: bool = False,
    need: str = Query(),
    ids: list[int] = Query(default=[]),
) -> dict[str, Any]:
    return {}


@api.post("/items")
def create(item: ItemModel) -> dict[str, Any]:  # type: ignore[valid-type]
    return {}


@api.post("/embedded")
def embedded(item: ItemModel = Body(embed=True)) -> dict[str, Any]:  # type: ignore[valid-type]
    return {}


client = TestClient(api)


def _query_errors(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Our answer for /search, parameter by parameter in declaration order, as FastAPI does."""
    spec = [
        ("limit", Annotated[int, msgspec.Meta(le=100)], True),
        ("flag", bool, False),
        ("need", str, True),
        ("ids", list[int], False),
    ]
    errors: list[dict[str, Any]] = []
    for name, tp, required in spec:
        if name not in params:
            errors += [missing(("query", name))] if required else []
            continue
        value = params[name]
        try:
            converter(tp)(value)
        except InvalidValue:
            errors += errors_for(tp, value, ("query", name))
    return errors


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc", "flag": "maybe", "ids": ["1", "x"]},
        {"limit": "1000", "need": "x"},
        {"limit": "1_000", "need": "x", "flag": "yes"},
        {},
        {"limit": "5", "need": "", "ids": ["2.5", "7", ""]},
    ],
)
def test_fastapi_query_422(params: dict[str, Any]) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert response.json() == {"detail": _query_errors(params)}


@pytest.mark.parametrize(
    "payload",
    [
        {"price": 1},
        {"name": "x", "price": "abc", "inner": 5},
        {"name": ["x"], "price": -1, "inner": {"a": "1.5"}, "tags": "t", "note": 1},
        [1, 2],
        "s",
        None,
    ],
)
def test_fastapi_json_body_422(payload: Any) -> None:
    body = json.dumps(payload).encode()
    response = client.post("/items", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"detail": errors_for(Item, payload, ("body",))}


def test_fastapi_embedded_body_422() -> None:
    response = client.post("/embedded", json={"item": 3})
    assert response.json() == {"detail": errors_for(Item, 3, ("body", "item"))}
    response = client.post("/embedded", json={})
    assert response.json() == {"detail": [missing(("body", "item"))]}


@pytest.mark.parametrize(
    "body", [b'{"name": "x",', b'{"name": "x"}   x', b"\xff\xfe", b'{"name": "\xc3\xa9", "x": ]}']
)
def test_fastapi_invalid_json_422(body: bytes) -> None:
    response = client.post("/items", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"detail": json_invalid(body)}


def test_fastapi_empty_body_is_a_missing_body() -> None:
    response = client.post("/items", content=b"", headers={"content-type": "application/json"})
    assert response.json() == {"detail": [missing(("body",))]}


# ---- known differences, pinned ---------------------------------------------------------------


def test_known_difference_lookaround_patterns_work_where_pydantic_refuses_them() -> None:
    tp = Annotated[str, msgspec.Meta(pattern="^(?=a)")]
    with pytest.raises(pydantic_core.SchemaError, match="look-around"):
        pydantic.TypeAdapter(pydantic_type(tp))
    assert errors_for(tp, "abc", ("query", "q")) == []
    assert errors_for(tp, "b", ("query", "q"))[0]["type"] == "string_pattern_mismatch"


def test_known_difference_ints_beyond_4300_digits_are_always_too_big() -> None:
    value = "9" * 4300 + "_9"
    assert errors_for(int, value, ())[0]["type"] == "int_parsing_size"
    assert pydantic_errors(int, value, ())[0]["type"] == "int_parsing"


class Pair(msgspec.Struct, array_like=True):
    a: int
    b: str


def test_known_difference_array_like_structs_report_msgspecs_message() -> None:
    assert errors_for(Pair, [1, 2], ("body",)) == [
        {
            "type": "value_error",
            "loc": ["body"],
            "msg": "Value error, Expected `str`, got `int` - at `$[1]`",
            "input": [1, 2],
            "ctx": {"error": "Expected `str`, got `int` - at `$[1]`"},
        }
    ]
    assert converter(Pair)([1, "x"]) == Pair(1, "x")


class CheckedModel(pydantic.BaseModel):
    low: int
    high: int

    @pydantic.model_validator(mode="after")
    def ordered(self) -> CheckedModel:
        if self.low > self.high:
            raise ValueError("low is above high")
        return self


def test_post_init_value_error_is_a_value_error_like_a_model_validator() -> None:
    value = {"low": 2, "high": 1}
    with pytest.raises(pydantic.ValidationError) as info:
        CheckedModel.model_validate(value)
    expected = jsonable_encoder(
        [{**e, "loc": ["body", *e["loc"]]} for e in info.value.errors(include_url=False)]
    )
    assert errors_for(Checked, value, ("body",)) == expected
    assert errors_for(Checked, {"low": 1, "high": 2}, ("body",)) == []


def test_known_difference_aware_datetimes_use_datetime_timezone() -> None:
    ours, _ = validate(dt.datetime, "2020-01-02T03:04:05+01:00")
    theirs = pydantic_value(dt.datetime, "2020-01-02T03:04:05+01:00")
    assert type(ours.tzinfo) is dt.timezone and type(theirs.tzinfo) is not dt.timezone
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()
