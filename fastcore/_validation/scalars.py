"""pydantic's lax parsing of scalars: exactly what it accepts in lax Python mode, and its errors.

The slow path of `fastcore._validation` parses each scalar a request can carry (a str, int,
float, bool or None) the way pydantic-core does, so that it accepts the same values and words
the same errors. Each parser returns ``(value, exactness)`` or raises `Fail`; exactness is what
pydantic's smart unions rank members by. `SCALARS` maps each scalar type to its parser; the
date, time and duration parsers it lists are in `fastcore._validation.temporal`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from fastcore._validation.errors import EXACT, LAX, STRICT, Fail

__all__ = ["SCALARS"]

# Unicode White_Space, which Rust's str::trim strips (Python's str.strip also strips \x1c-\x1f).
_WS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_ZERO_RUN_RE = re.compile(r"([+-]?)0[0_]*")
_JSON_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z", re.I
)
_MAX_INT_DIGITS = 4300


def _zero_prefixed(s: str, sign: str, rest: str) -> str:
    """pydantic-core drops a run of leading zeros (and underscores), then wants a JSON-style
    integer: so "0__1" is 1 and "0-5" is -5, while "0-05" and "-0-5" are refused."""
    if not rest:
        if s[-1] == "_":
            raise Fail("int_parsing")
        return "0"
    if "__" in rest or rest[-1] == "_":
        raise Fail("int_parsing")
    rest = rest.replace("_", "")
    if not _JSON_INT_RE.match(rest) or (sign == "-" and rest[0] == "-"):
        raise Fail("int_parsing")
    return "-" + rest if sign == "-" else rest


def _str_to_int(text: str) -> int:
    s = text.strip(_WS)
    dot = s.find(".")
    if dot >= 0 and dot + 1 < len(s) and s[dot + 1 :].strip("0") == "":
        s = s[:dot]
    zeros = _ZERO_RUN_RE.match(s)
    if zeros:
        s = _zero_prefixed(s, zeros[1], s[zeros.end() :])
    elif "_" in s:
        body = s[1:] if s[:1] in ("+", "-") else s
        if body[:1] == "_" or body[-1:] == "_" or "__" in body:
            raise Fail("int_parsing")
        s = s.replace("_", "")
    if not _INT_RE.match(s):
        raise Fail("int_parsing")
    if len(s.lstrip("+-")) > _MAX_INT_DIGITS:
        raise Fail("int_parsing_size")
    return int(s)


def _float_to_int(value: float) -> int:
    if math.isnan(value) or math.isinf(value):
        raise Fail("finite_number")
    if value % 1 != 0:
        raise Fail("int_from_float")
    if not -9.223372036854776e18 < value < 9.223372036854776e18:
        raise Fail("int_parsing_size")
    return int(value)


def _to_int(value: Any) -> tuple[int, int]:
    """Lax int: ints, integral floats, bools and pydantic's string spellings ("1_000", " 7 ")."""
    cls = value.__class__
    if cls is int:
        return value, EXACT
    if cls is str:
        return _str_to_int(value), LAX
    if cls is bool:
        return int(value), LAX
    if cls is float:
        return _float_to_int(value), LAX
    raise Fail("int_type")


def _str_to_float(text: str) -> float:
    s = text.strip(_WS)
    if not _FLOAT_RE.match(s):
        # NOTE: pydantic retries the untrimmed text without underscores: " 1_0" is refused.
        s, stripped = text, text.replace("_", "")
        if "_" not in s or s[0] == "_" or s[-1] == "_" or "__" in s:
            raise Fail("float_parsing")
        if not _FLOAT_RE.match(stripped):
            raise Fail("float_parsing")
        s = stripped
    return float(s)


def _to_float(value: Any) -> tuple[float, int]:
    """Lax float: numbers, bools and strings (inf and nan allowed, as pydantic's default)."""
    cls = value.__class__
    if cls is float:
        return value, EXACT
    if cls is int:
        try:
            return float(value), STRICT
        except OverflowError:
            raise Fail("float_type") from None
    if cls is str:
        return _str_to_float(value), LAX
    if cls is bool:
        return float(value), LAX
    raise Fail("float_type")


_TRUE = {"1", "t", "y", "on", "yes", "true"}
_FALSE = {"0", "f", "n", "no", "off", "false"}


def _to_bool(value: Any) -> tuple[bool, int]:
    """Lax bool: pydantic's ASCII case-insensitive spellings, 0/1 and 0.0/1.0."""
    cls = value.__class__
    if cls is bool:
        return value, EXACT
    if cls is str:
        word = value.lower() if value.isascii() else value
        if word in _TRUE:
            return True, LAX
        if word in _FALSE:
            return False, LAX
        raise Fail("bool_parsing")
    if cls is float and -(2.0**63) < value < 2.0**63 and value % 1 == 0:
        value, cls = int(value), int
    if cls is int and -(2**63) <= value < 2**63:
        if value in (0, 1):
            return value == 1, LAX
        raise Fail("bool_parsing")
    raise Fail("bool_type")


def _to_str(value: Any) -> tuple[str, int]:
    if value.__class__ is str:
        return value, EXACT
    raise Fail("string_type")


def _to_bytes(value: Any) -> tuple[bytes, int]:
    if value.__class__ is str:
        return value.encode(), LAX
    raise Fail("bytes_type")


def _to_none(value: Any) -> tuple[None, int]:
    if value is None:
        return None, EXACT
    raise Fail("none_required")


def _to_decimal(value: Any) -> tuple[decimal.Decimal, int]:
    cls = value.__class__
    if cls is str:
        try:
            result = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise Fail("decimal_parsing") from None
    elif cls is int or cls is float:
        result = decimal.Decimal(value if cls is int else repr(value))
    else:
        raise Fail("decimal_type")
    if not result.is_finite():
        raise Fail("finite_number")
    return result, LAX


# ---- UUID: the `uuid` crate's accepted shapes and its error texts ---------------------------

_UUID_HYPHENATED = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_RE = re.compile(
    f"(?:{_UUID_HYPHENATED}|urn:uuid:{_UUID_HYPHENATED}|\\{{{_UUID_HYPHENATED}\\}}"
    "|[0-9a-fA-F]{32})\\Z"
)
_UUID_BOUNDS = (8, 13, 18, 23)
_HEX = frozenset("0123456789abcdefABCDEF")


def _uuid_error(text: str) -> str:
    size = len(text.encode())
    if size > 45:
        return f"invalid length: found {size}"
    inner, offset, simple = text, 0, True
    if size in (32, 36):  # the plain shapes' own lengths: no prefix is looked for
        pass
    elif len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        inner, offset, simple = text[1:-1], (0 if size == 38 else 1), False
    elif text.startswith("urn:uuid:"):
        inner, offset, simple = text[9:], (0 if size == 45 else 9), False
    hyphens, index = [], 0
    for char in inner:
        low = chr(ord(char) & 0xFF)  # NOTE: the crate tests `char as u8`: U+0661 counts as 'a'
        if low == "-":
            hyphens.append(index)
        elif low not in _HEX:
            return f"invalid character: found `{char}` at {index + offset}"
        index += len(char.encode())
    if not hyphens and simple:
        return f"invalid length: found {size}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    starts, expected = (0, 9, 14, 19, 24), (8, 4, 4, 4, 12)
    for group, bound in enumerate(hyphens):
        if bound != _UUID_BOUNDS[group]:
            return f"invalid group length in group {group}: expected {expected[group]}, found {bound - starts[group]}"  # noqa: E501
    return f"invalid group length in group 4: expected 12, found {size - 24}"


def _to_uuid(value: Any) -> tuple[uuid.UUID, int]:
    if value.__class__ is not str:
        raise Fail("uuid_type")
    if not _UUID_RE.match(value):
        raise Fail("uuid_parsing", {"error": _uuid_error(value)})
    return uuid.UUID(value), LAX


Scalar = tuple[str, Callable[[Any], tuple[Any, int]]]

#: The date, time and duration types, whose parsers are imported on first use (temporal.py).
_TEMPORAL = {
    dt.datetime: ("datetime", "_to_datetime"),
    dt.date: ("date", "_to_date"),
    dt.time: ("time", "_to_time"),
    dt.timedelta: ("timedelta", "_to_timedelta"),
}


class _Scalars(dict[Any, Scalar]):
    """The scalar parsers by type; the date and time ones are added the first time one is read.

    PERF: the temporal parsers (about 450 lines) are imported by an app with a date, time or
    duration parameter only. Read at plan time (validators keep the parser they got), so the
    lookup here costs nothing per request.
    """

    def __contains__(self, tp: object) -> bool:
        return dict.__contains__(self, tp) or tp in _TEMPORAL

    def __missing__(self, tp: Any) -> Scalar:
        if tp not in _TEMPORAL:
            raise KeyError(tp)
        from fastcore._validation import temporal

        for kind, (tag, name) in _TEMPORAL.items():
            self[kind] = (tag, getattr(temporal, name))
        return self[tp]


#: The lax parser of each scalar type; the tag is pydantic's name for it in union locs.
SCALARS = _Scalars(
    {
        int: ("int", _to_int),
        float: ("float", _to_float),
        bool: ("bool", _to_bool),
        str: ("str", _to_str),
        bytes: ("bytes", _to_bytes),
        type(None): ("none", _to_none),
        decimal.Decimal: ("decimal", _to_decimal),
        uuid.UUID: ("uuid", _to_uuid),
    }
)
