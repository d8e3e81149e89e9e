"""Parameter conversion, and FastAPI's 422 details for the values that fail it.

msgspec validates in one pass and stops at the first error, worded its own way; FastAPI clients
expect every error, worded as pydantic v2 words them. So validation has two paths:

- ``converter(tp)`` builds, once at start-up, the function that converts one parameter value
  (a query/path/header/cookie string, or a list of them). The common types get a tiny closure
  that accepts a subset of what pydantic accepts and hands anything else to the slow path, so
  it accepts exactly what pydantic does.
- ``errors_for(tp, value, loc)`` is the slow path: it walks the raw value against the type and
  returns every error as ``{"type", "loc", "msg", "input"[, "ctx"]}``, equal to what FastAPI
  answers for the equivalent pydantic type (validated with ``validate_python(...,
  from_attributes=True)``, lax mode, as FastAPI does for parameters and JSON bodies).

A msgspec.Struct is treated like a pydantic BaseModel (FastAPI says ``model_attributes_type``
for a non-object), a dataclass like a pydantic dataclass (``dataclass_type``) and a TypedDict
like a TypedDict (``dict_type``); a union of tagged Structs like a discriminated union.

``validate(tp, value, loc)`` is the slow path returning pydantic's value as well: for callers
holding a decoded body that msgspec refused although pydantic would accept it.

Per-call cost of the converters (CPython 3.11, ``timeit``, valid input, best of 7):
    int "12345" 115 ns, "-5" 160 ns; Annotated[int, Meta(ge=1, le=100)] 140 ns;
    float "1.5" 100 ns; Annotated[float, Meta(gt=0)] 130 ns; bool "true" 55 ns; str 30 ns;
    Annotated[str, Meta(max_length=10)] 60 ns, Meta(pattern="^[a-z]+$") 145 ns;
    Optional[int] 125 ns; list[int] of 3 items 550 ns; uuid.UUID 660 ns; date 175 ns;
    datetime 295 ns. An invalid int costs 2.1 us (the slow path builds the error); a Struct
    body with 4 errors 7.5 us.

Known differences from pydantic (each pinned by a test in tests/validation/test_validation.py):
- Patterns are Python ``re`` patterns with ``$`` meaning end of text as in Rust's regex crate,
  which pydantic uses. Syntax only Python knows (lookarounds, backreferences) works here, where
  pydantic refuses the pattern at start-up.
- Integer strings of more than 4300 digits are ``int_parsing_size`` whatever their shape;
  pydantic says ``int_parsing`` for some of them.
- Types pydantic has no equivalent for (array-like Structs, msgspec.Raw, other custom types)
  are checked by ``msgspec.convert`` and reported as one ``value_error`` with its message.
- Aware datetimes and times carry ``datetime.timezone`` where pydantic uses its ``TzInfo``;
  they compare equal.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import typing
import uuid
from collections.abc import Callable
from typing import Any

from fastcore._validation.compiler import _compile, _key
from fastcore._validation.constraints import multiple_of, rust_pattern
from fastcore._validation.errors import InvalidValue
from fastcore._validation.pydantic_params import pydantic_converter, wants_pydantic
from fastcore._validation.validators import Errors, Loc, _Node, _Nullable, _Scalar, _Sequence

__all__ = ["InvalidValue", "converter", "errors_for", "json_invalid", "missing", "validate"]

Converter = Callable[[Any], Any]


# ---- fast converters: a guarded subset of pydantic's input, everything else to the slow path --

_OPS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_UUID36 = re.compile(
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\Z"
)


def _predicate(node: _Scalar) -> Callable[[Any], bool] | None:
    """One test for all of a scalar's constraints, or None when it has none.

    PERF: a generated ``lambda v: v >= ge and v <= le`` costs 45 ns a call where a loop over
    per-constraint closures costs 180 ns. The source holds names only, never the values.
    """
    meta, numeric = node.meta, node.tp in (int, float)
    env: dict[str, Any] = {k: (float(v) if node.tp is float else v) for k, v in meta.items()}
    parts = [f"v {op} {key}" for key, op in _OPS if key in meta and numeric]
    if "multiple_of" in meta and numeric:
        env["multiple"] = multiple_of(node.tp, env["multiple_of"])
        parts.append("multiple(v)")
    if not numeric:
        parts += ["len(v) >= min_length"] if "min_length" in meta else []
        parts += ["len(v) <= max_length"] if "max_length" in meta else []
    if "pattern" in meta and node.tp is str:
        env["search"] = re.compile(rust_pattern(meta["pattern"])).search
        parts.append("search(v) is not None")
    if node.checks and not parts:  # datetime tz: rare, the loop is fine
        tests = [ok for _, _, ok in node.checks]
        return lambda v: all(ok(v) for ok in tests)
    if not parts:
        return None
    return typing.cast(Callable[[Any], bool], eval("lambda v: " + " and ".join(parts), env))


def _slow(node: _Node) -> Converter:
    def convert(value: Any) -> Any:
        errs: Errors = []
        result, _ = node.run(value, (), errs)
        if errs:
            raise InvalidValue(errs)
        return result

    return convert


def _guarded(
    accept: Callable[[Any], bool], parse: Callable[[Any], Any], node: _Scalar, slow: Converter
) -> Converter:
    """parse(value) when accept(value) and the constraints hold; anything else goes slow."""
    ok = _predicate(node)
    if ok is None:

        def convert(value: Any) -> Any:
            if value.__class__ is str and accept(value):
                try:
                    return parse(value)
                except ValueError:
                    pass
            return slow(value)

        return convert

    def checked(value: Any) -> Any:
        if value.__class__ is str and accept(value):
            try:
                result = parse(value)
            except ValueError:
                return slow(value)
            if ok(result):
                return result
        return slow(value)

    return checked


def _fast_float(value: str) -> bool:
    # NOTE: on printable ASCII without "_", float() and pydantic agree on the grammar.
    return value.isascii() and value.isprintable() and "_" not in value


def _fast_int(node: _Scalar, slow: Converter) -> Converter:
    """ASCII digits with an optional "-": int() reads them as pydantic does."""
    ok = _predicate(node) or _always

    def convert(value: Any) -> Any:
        if (
            value.__class__ is str
            and value.isascii()
            and (value.isdigit() or (value[:1] == "-" and value[1:].isdigit()))
        ):
            try:
                number = int(value)
            except ValueError:  # more than 4300 digits
                return slow(value)
            if ok is _always or ok(number):
                return number
        return slow(value)

    return convert


def _always(value: Any) -> bool:
    return True


def _uuid(text: str) -> uuid.UUID:
    """uuid.UUID without its constructor's re-parsing: 36 checked hex-and-hyphen characters.

    PERF: 330 ns instead of 720 ns; pydantic builds its UUIDs the same way.
    """
    result = _new(uuid.UUID)
    _set(result, "int", int(text.replace("-", ""), 16))
    _set(result, "is_safe", _UNKNOWN_SAFETY)
    return result


_new, _set, _UNKNOWN_SAFETY = object.__new__, object.__setattr__, uuid.SafeUUID.unknown


def _fast_str(node: _Scalar, slow: Converter) -> Converter:
    ok = _predicate(node)
    if ok is None:
        return lambda value: value if value.__class__ is str else slow(value)
    return lambda value: value if value.__class__ is str and ok(value) else slow(value)


def _fast_bool(node: _Scalar, slow: Converter) -> Converter:
    words = _BOOL_WORDS

    def convert(value: Any) -> Any:
        if value.__class__ is str:
            result = words.get(value)
            if result is not None:
                return result
        return slow(value)

    return convert


def _bool_words() -> dict[str, bool]:
    words: dict[str, bool] = {}
    for word, flag in (
        ("true", True),
        ("yes", True),
        ("on", True),
        ("t", True),
        ("y", True),
        ("false", False),
        ("no", False),
        ("off", False),
        ("f", False),
        ("n", False),
    ):
        for letters in itertools.product(*((c, c.upper()) for c in word)):
            words["".join(letters)] = flag
    return {**words, "1": True, "0": False}


_BOOL_WORDS = _bool_words()

_SCALAR_FAST: dict[Any, Callable[[_Scalar, Converter], Converter]] = {
    int: _fast_int,
    float: lambda n, slow: _guarded(_fast_float, float, n, slow),
    str: _fast_str,
    bool: _fast_bool,
    uuid.UUID: lambda n, slow: _guarded(lambda v: _UUID36.match(v) is not None, _uuid, n, slow),
    dt.date: lambda n, slow: _guarded(
        lambda v: _DATE_RE.match(v) is not None, dt.date.fromisoformat, n, slow
    ),
    dt.datetime: lambda n, slow: _guarded(
        lambda v: _DATETIME_RE.match(v) is not None, dt.datetime.fromisoformat, n, slow
    ),
}


def _fast_sequence(node: _Sequence, slow: Converter) -> Converter | None:
    build = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}.get(node.kind)
    if build is None:
        return None
    item, low, high = _converter(node.item), node.min_length or 0, node.max_length

    def convert(value: Any) -> Any:
        if value.__class__ is list:
            try:
                out = build([item(x) for x in value])
            except Exception:
                return slow(value)
            if len(out) >= low and (high is None or len(out) <= high):
                return out
        return slow(value)

    return convert


def _converter(node: _Node) -> Converter:
    slow = _slow(node)
    if isinstance(node, _Scalar) and node.tp in _SCALAR_FAST:
        return _SCALAR_FAST[node.tp](node, slow)
    if isinstance(node, _Nullable):
        inner = _converter(node.inner)
        return lambda value: None if value is None else inner(value)
    if isinstance(node, _Sequence):
        return _fast_sequence(node, slow) or slow
    if type(node) is _Node:
        return lambda value: value
    return slow


# ---- the interface ------------------------------------------------------------------------


#: One converter per annotation, shared by every parameter of that type (as the nodes are).
_CONVERTERS: dict[Any, Converter] = {}


def converter(tp: Any) -> Converter:
    """The function converting one parameter value to ``tp``; raises InvalidValue if invalid.

    It accepts exactly what ``errors_for`` finds no error in, and returns what pydantic would.
    """
    # PERF: a converter is a pure function of the annotation's node, and the nodes are cached:
    # the 100 ``item_id: int`` routes of the load bench app now share one converter instead
    # of building two closures each at freeze (~48 KiB of the bench app's freeze).
    if wants_pydantic(tp):  # NOTE: HttpUrl, EmailStr, AfterValidator...: pydantic's own rules
        return pydantic_converter(tp)
    try:
        key = _key(tp)
        return _CONVERTERS[key]
    except KeyError:
        convert = _CONVERTERS[key] = _converter(_compile(tp))
        return convert
    except TypeError:  # an unhashable annotation: not cached, as _compile does not cache it
        return _converter(_compile(tp))


def errors_for(tp: Any, value: Any, loc: Loc) -> Errors:
    """Every error of ``value`` against ``tp``, as FastAPI would report them under ``loc``."""
    errs: Errors = []
    _compile(tp).run(value, tuple(loc), errs)
    return errs


def validate(tp: Any, value: Any, loc: Loc = ()) -> tuple[Any, Errors]:
    """``value`` converted to ``tp`` as pydantic would, or None and every error under ``loc``.

    For callers holding a decoded JSON value that msgspec refused: pydantic may accept it
    (lax coercions msgspec does not make), and then this returns the converted value.
    """
    errs: Errors = []
    result, _ = _compile(tp).run(value, tuple(loc), errs)
    return (None, errs) if errs else (result, errs)


def json_invalid(body: bytes | str) -> Errors:
    """FastAPI's error for a body that ``json.loads`` refuses, or [] if it accepts it.

    Position and message come from ``json.loads`` itself, as in FastAPI, so they count
    characters, not bytes. Bytes that are not UTF-8/16/32 raise UnicodeDecodeError, which
    FastAPI answers with 400 "There was an error parsing the body".
    """
    import json  # PERF: only for a body msgspec refused; json is ~0.13 MiB RSS at import

    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        return [
            {
                "type": "json_invalid",
                "loc": ["body", exc.pos],
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
        ]
    return []


def missing(loc: Loc, input: Any = None) -> dict[str, Any]:
    """A required field that is absent; ``input`` is the enclosing object (None for parameters)."""
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": input}
