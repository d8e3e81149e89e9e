"""Pydantic-worded errors and pydantic's lax scalar parsing, for the slow path of validation.

`fastcore.validation` reports invalid requests the way FastAPI does, which means the way
pydantic-core words and decides things. This module holds the leaves of that: the message
templates, and parsers that accept exactly what pydantic accepts in lax Python mode for the
values a request can carry (str, int, float, bool, None, list, dict). Each parser returns
``(value, exactness)`` or raises `Fail`; exactness is what pydantic's smart unions rank members
by. Dates, times and durations follow speedate (pydantic's parser) so that error texts match.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

__all__ = [
    "CONSTRAINED",
    "EXACT",
    "LAX",
    "MESSAGES",
    "SCALARS",
    "STRICT",
    "Fail",
    "checks",
    "error",
    "json_number",
    "multiple_of",
    "rust_pattern",
]

EXACT, STRICT, LAX = 3, 2, 1

MESSAGES = {
    "missing": "Field required",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_parsing_size": "Unable to parse input string as an integer, exceeded maximum size",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "finite_number": "Input should be a finite number",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "string_type": "Input should be a valid string",
    "string_too_short": "String should have at least {min_length} character{s}",
    "string_too_long": "String should have at most {max_length} character{s}",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "bytes_type": "Input should be a valid bytes",
    "bytes_too_short": "Data should have at least {min_length} byte{s}",
    "bytes_too_long": "Data should have at most {max_length} byte{s}",
    "greater_than": "Input should be greater than {gt}",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than": "Input should be less than {lt}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "multiple_of": "Input should be a multiple of {multiple_of}",
    "too_short": "{field_type} should have at least {min_length} item{s} after validation, "
    "not {actual_length}",
    "too_long": "{field_type} should have at most {max_length} item{s} after validation, "
    "not {actual_length}",
    "list_type": "Input should be a valid list",
    "tuple_type": "Input should be a valid tuple",
    "set_type": "Input should be a valid set",
    "frozen_set_type": "Input should be a valid frozenset",
    "set_item_not_hashable": "Set items should be hashable",
    "sequence_str": "'{type_name}' instances are not allowed as a Sequence value",
    "is_instance_of": "Input should be an instance of {class}",
    "dict_type": "Input should be a valid dictionary",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "dataclass_type": "Input should be a dictionary or an instance of {class_name}",
    "extra_forbidden": "Extra inputs are not permitted",
    "enum": "Input should be {expected}",
    "literal_error": "Input should be {expected}",
    "none_required": "Input should be None",
    "union_tag_invalid": "Input tag '{tag}' found using {discriminator} does not match any of "
    "the expected tags: {expected_tags}",
    "union_tag_not_found": "Unable to extract tag using discriminator {discriminator}",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "uuid_parsing": "Input should be a valid UUID, {error}",
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
    "date_type": "Input should be a valid date",
    "date_parsing": "Input should be a valid date in the format YYYY-MM-DD, {error}",
    "date_from_datetime_parsing": "Input should be a valid date or datetime, {error}",
    "date_from_datetime_inexact": "Datetimes provided to dates should have zero time - e.g. be "
    "exact dates",
    "datetime_type": "Input should be a valid datetime",
    "datetime_parsing": "Input should be a valid datetime, {error}",
    "datetime_from_date_parsing": "Input should be a valid datetime or date, {error}",
    "timezone_aware": "Input should have timezone info",
    "timezone_naive": "Input should not have timezone info",
    "time_type": "Input should be a valid time",
    "time_parsing": "Input should be in a valid time format, {error}",
    "time_delta_type": "Input should be a valid timedelta",
    "time_delta_parsing": "Input should be a valid timedelta, {error}",
    "value_error": "Value error, {error}",
}

_COUNTED = {"min_length", "max_length"}


class Fail(Exception):
    """One pydantic error kind (and its ctx) raised by a parser; the caller adds loc and input."""

    def __init__(self, kind: str, ctx: dict[str, Any] | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.ctx = ctx


def error(
    kind: str, loc: tuple[Any, ...], value: Any, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A FastAPI-shaped error: pydantic's words, loc as a list, ctx only where pydantic has one."""
    template = MESSAGES[kind]
    if ctx is None:
        return {"type": kind, "loc": list(loc), "msg": template, "input": value}
    fields = {k: ("more" if v is None else fmt_number(v)) for k, v in ctx.items()}
    counted = [v for k, v in ctx.items() if k in _COUNTED]
    fields["s"] = "" if counted and counted[0] == 1 else "s"
    msg = template.format(**fields)
    return {"type": kind, "loc": list(loc), "msg": msg, "input": value, "ctx": ctx}


def fmt_number(value: Any) -> str:
    """Numbers as pydantic-core (Rust) prints them in messages: floats without exponent or '.0'."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(decimal.Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def json_number(value: Any) -> Any:
    """A ctx value as FastAPI's jsonable_encoder shows it (Decimal to int or float)."""
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    return value


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


# ---- constraints: pydantic's order, tests and ctx -------------------------------------------

_NUMBER_CHECKS: tuple[tuple[str, str, Callable[[Any, Any], bool]], ...] = (
    ("le", "less_than_equal", lambda v, b: v <= b),
    ("lt", "less_than", lambda v, b: v < b),
    ("ge", "greater_than_equal", lambda v, b: v >= b),
    ("gt", "greater_than", lambda v, b: v > b),
)


def multiple_of(tp: Any, step: Any) -> Callable[[Any], bool]:
    """The multiple_of test: exact for ints, pydantic-core's tolerance for floats."""
    if tp is not float:
        return lambda v: v % step == 0

    def ok(v: float) -> bool:
        # NOTE: pydantic-core's test, tolerance included: |v - round(v / step) * step| <= 1e-9.
        ratio = v / step
        if math.isfinite(ratio):
            whole = math.floor(abs(ratio))
            ratio = math.copysign(whole + 1 if abs(ratio) - whole >= 0.5 else whole, ratio)
        return not abs(v - ratio * step) > 1e-9

    return ok


CONSTRAINED = (int, float, str, bytes, dt.datetime, dt.time)
_MULTILINE = re.compile(r"\(\?[a-zA-Z]*m")


def rust_pattern(pattern: str) -> str:
    """The pattern with Rust regex's ``$`` (end of text, not before a final newline) as ``\\Z``.

    pydantic matches with Rust's regex crate; Python's ``$`` would let "abc\\n" through
    ``^[a-z]+$``. Escapes and character classes are left alone, and so is multiline mode.
    """
    if _MULTILINE.search(pattern):
        return pattern
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]" or out[-1] in ("[", "[^")
        elif char == "[":
            in_class = True
            char += "^" if pattern[i + 1 : i + 2] == "^" else ""
            i += len(char) - 1
        elif char == "$":
            char = "\\Z"
        out.append(char)
        i += 1
    return "".join(out)


def _flip(test: Callable[[Any, Any], bool], bound: Any, value: Any) -> bool:
    return test(value, bound)


def checks(tp: Any, meta: dict[str, Any]) -> list[tuple[str, Any, Callable[[Any], bool]]]:
    """pydantic's constraint order: numbers multiple_of, le, lt, ge, gt; strings by length."""
    out: list[tuple[str, Any, Callable[[Any], bool]]] = []
    if tp in (dt.datetime, dt.time):
        if meta.get("tz") is True:
            out.append(("timezone_aware", None, lambda v: v.tzinfo is not None))
        elif meta.get("tz") is False:
            out.append(("timezone_naive", None, lambda v: v.tzinfo is None))
        return out
    if tp in (str, bytes):
        kind = "string" if tp is str else "bytes"
        if "min_length" in meta:
            n = meta["min_length"]
            out.append((f"{kind}_too_short", {"min_length": n}, lambda v: len(v) >= n))
        if "max_length" in meta:
            m = meta["max_length"]
            out.append((f"{kind}_too_long", {"max_length": m}, lambda v: len(v) <= m))
        if "pattern" in meta and tp is str:
            rx = re.compile(rust_pattern(meta["pattern"]))
            out.append(
                (
                    "string_pattern_mismatch",
                    {"pattern": meta["pattern"]},
                    lambda v: bool(rx.search(v)),
                )
            )
        return out
    cast = float if tp is float else (lambda x: x)
    if "multiple_of" in meta:
        step = cast(meta["multiple_of"])
        out.append(("multiple_of", {"multiple_of": step}, multiple_of(tp, step)))
    for key, kind, test in _NUMBER_CHECKS:
        if key in meta:
            bound = cast(meta[key])
            out.append((kind, {key: json_number(bound)}, functools.partial(_flip, test, bound)))
    return out


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


# ---- dates, times and durations: speedate's grammar, limits and messages ---------------------


class _DateError(Exception):
    """A speedate parse error; pydantic puts its message in ctx["error"]."""


class _Unrepresentable(Exception):
    """Speedate parsed it but Python's datetime cannot hold it (year 0)."""


_MS_WATERSHED = 20_000_000_000
_UNIX_0000, _UNIX_0001, _UNIX_9999 = -62_167_219_200, -62_135_596_800, 253_402_300_799
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_TOO_SHORT = "input is too short"
_EXTRA = "unexpected extra characters at the end of the input"
_NAN = "NaN values not permitted"


def _digits(b: bytes, start: int, stop: int, what: str) -> int:
    chunk = b[start:stop]
    if len(chunk) != stop - start or not chunk.isdigit():
        raise _DateError(what if " " in what else f"invalid character in {what}")
    return int(chunk)


def _round(x: float) -> int:
    """Rust's f64::round for non-negative x: halves away from zero (Python rounds to even)."""
    whole = math.floor(x)
    return whole + 1 if x - whole >= 0.5 else whole


def _date_partial(b: bytes) -> tuple[int, int, int]:
    if len(b) < 10:
        raise _DateError(_TOO_SHORT)
    year = _digits(b, 0, 4, "year")
    if b[4] != 0x2D:
        raise _DateError("invalid date separator, expected `-`")
    month = _digits(b, 5, 7, "month")
    if b[7] != 0x2D:
        raise _DateError("invalid date separator, expected `-`")
    day = _digits(b, 8, 10, "day")
    if not 1 <= month <= 12:
        raise _DateError("month value is outside expected range of 1-12")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if not 1 <= day <= days:
        raise _DateError("day value is outside expected range")
    return year, month, day


def _int_bytes(b: bytes) -> int | None:
    if len(b) > 20 or re.fullmatch(rb"[+-]?[0-9]+", b) is None:
        return None
    number = int(b)
    return number if -(2**63) <= number < 2**63 else None


_STAMP_FLOAT = re.compile(rb"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _float_bytes(b: bytes) -> int | float | None:
    """speedate's timestamp number: an i64 without a '.', else a float (exponent allowed)."""
    if b"." not in b:
        return _int_bytes(b)
    return float(b) if _STAMP_FLOAT.fullmatch(b) else None


def _stamp(seconds: int, micro: int) -> dt.datetime:
    seconds, micro = seconds + micro // 1_000_000, micro % 1_000_000
    if seconds < _UNIX_0000:
        raise _DateError("dates before 0000 are not supported as unix timestamps")
    if seconds > _UNIX_9999:
        raise _DateError("dates after 9999 are not supported as unix timestamps")
    if seconds < _UNIX_0001:
        midnight = seconds % 86_400 == 0 and micro == 0
        raise _Unrepresentable("year 0 is out of range", *(() if midnight else ("inexact",)))
    return _EPOCH + dt.timedelta(seconds=seconds, microseconds=micro)


def _int_stamp(stamp: int) -> dt.datetime:
    if not -(2**63) < stamp < 2**63:
        raise _DateError(
            "dates before 0000 are not supported as unix timestamps"
            if stamp < 0
            else "dates after 9999 are not supported as unix timestamps"
        )
    if abs(stamp) <= _MS_WATERSHED:
        return _stamp(stamp, 0)
    seconds = abs(stamp) // 1000 * (1 if stamp > 0 else -1)
    micro = (abs(stamp) % 1000) * 1000 * (1 if stamp > 0 else -1)
    return _stamp(seconds, micro)


def _float_stamp(stamp: float) -> dt.datetime:
    if math.isnan(stamp):
        raise _DateError(_NAN)
    unit = 1000 if abs(stamp) > _MS_WATERSHED else 1
    if not -(2.0**63) < stamp / unit < 2.0**63:
        return _int_stamp(2**63 if stamp > 0 else -(2**63))
    seconds = math.floor(stamp / unit)
    return _stamp(seconds, _round((stamp - seconds * unit) * 1_000_000 / unit))


def _sd_date(b: bytes) -> dt.date:
    """speedate Date::parse_bytes: YYYY-MM-DD, else an integer timestamp at exact midnight."""
    try:
        year, month, day = _date_partial(b)
        if len(b) > 10:
            raise _DateError(_EXTRA)
    except _DateError:
        stamp = _int_bytes(b)
        if stamp is None:
            raise
        try:
            moment = _int_stamp(stamp)
        except _Unrepresentable as exc:
            if exc.args[1:]:
                raise _DateError("Timestamp is not an exact date") from None
            raise
        if moment.time() != dt.time():
            raise _DateError("Timestamp is not an exact date") from None
        return moment.date()
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise _Unrepresentable(exc.args[0]) from None


def _sd_tz(b: bytes, pos: int) -> tuple[dt.tzinfo | None, int]:
    if pos >= len(b):
        return None, pos
    char = b[pos]
    if char in b"Zz":
        return dt.timezone.utc, pos + 1
    if char in b"+-":
        sign, pos = (1 if char == 0x2B else -1), pos + 1
    elif b[pos : pos + 3] == "\u2212".encode():
        sign, pos = -1, pos + 3
    else:
        raise _DateError("invalid timezone sign")
    hours = _digits(b, pos, pos + 2, "invalid timezone hour")
    pos += 3 if b[pos + 2 : pos + 3] == b":" else 2
    minutes = _digits(b, pos, pos + 2, "invalid timezone minute")
    if minutes >= 60:
        raise _DateError("timezone minute value is outside expected range of 0-59")
    if hours >= 24:
        raise _DateError("timezone offset must be less than 24 hours")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)), pos + 2


def _sd_pure_time(b: bytes, pos: int) -> tuple[int, int, int, int, int]:
    """HH:MM[:SS[.ffffff]] from pos; returns the parts and the position after them."""
    if len(b) - pos < 5:
        raise _DateError(_TOO_SHORT)
    hour = _digits(b, pos, pos + 2, "hour")
    if b[pos + 2] != 0x3A:
        raise _DateError("invalid time separator, expected `:`")
    minute = _digits(b, pos + 3, pos + 5, "minute")
    if hour > 23:
        raise _DateError("hour value is outside expected range of 0-23")
    if minute > 59:
        raise _DateError("minute value is outside expected range of 0-59")
    if b[pos + 5 : pos + 6] != b":":
        return hour, minute, 0, 0, pos + 5
    second = _digits(b, pos + 6, pos + 8, "second")
    if second > 59:
        raise _DateError("second value is outside expected range of 0-59")
    pos += 8
    if b[pos : pos + 1] not in (b".", b","):
        return hour, minute, second, 0, pos
    fraction = re.match(rb"[0-9]*", b[pos + 1 :])
    digits = fraction[0] if fraction else b""
    if not digits:
        raise _DateError("second fraction digits missing after `.`")
    return hour, minute, second, int(digits[:6].ljust(6, b"0")), pos + 1 + len(digits)


def _sd_time(b: bytes, pos: int) -> dt.time:
    hour, minute, second, micro, pos = _sd_pure_time(b, pos)
    tz, pos = _sd_tz(b, pos)
    if len(b) > pos:
        raise _DateError(_EXTRA)
    return dt.time(hour, minute, second, micro, tzinfo=tz)


def _sd_datetime(b: bytes) -> dt.datetime:
    """speedate DateTime::parse_bytes: RFC 3339-ish, else a (float) unix timestamp."""
    try:
        year, month, day = _date_partial(b)
        if b[10:11] not in (b"T", b"t", b" ", b"_"):
            raise _DateError("invalid datetime separator, expected `T`, `t`, `_` or space")
        clock = _sd_time(b, 11)
    except _DateError:
        number = _float_bytes(b)
        if number is None:
            raise
        return _int_stamp(number) if isinstance(number, int) else _float_stamp(number)
    try:
        return dt.datetime.combine(dt.date(year, month, day), clock)
    except ValueError as exc:
        raise _Unrepresentable(exc.args[0]) from None


def _to_datetime(value: Any) -> tuple[dt.datetime, int]:
    cls = value.__class__
    try:
        if cls is str:
            b = value.encode()
            try:
                return _sd_datetime(b), LAX
            except _DateError:
                try:
                    return dt.datetime.combine(_sd_date(b), dt.time()), LAX
                except _DateError as exc:
                    raise Fail("datetime_from_date_parsing", {"error": exc.args[0]}) from None
        if cls is int:
            return _int_stamp(value), LAX
        if cls is float:
            return _float_stamp(value), LAX
    except (_DateError, _Unrepresentable) as exc:
        raise Fail("datetime_parsing", {"error": exc.args[0]}) from None
    raise Fail("datetime_type")


def _date_from_datetime(value: Any) -> dt.date:
    """Lax date: a datetime (string or timestamp) whose time is exactly midnight."""
    try:
        if value.__class__ is str:
            moment = _sd_datetime(value.encode())
        else:
            moment = _int_stamp(value) if value.__class__ is int else _float_stamp(value)
    except _DateError as exc:
        raise Fail("date_from_datetime_parsing", {"error": exc.args[0]}) from None
    except _Unrepresentable as exc:
        if not exc.args[1:]:
            raise Fail("date_parsing", {"error": exc.args[0]}) from None
        raise Fail("date_from_datetime_inexact") from None
    if moment.time() != dt.time():
        raise Fail("date_from_datetime_inexact")
    return moment.date()


def _to_date(value: Any) -> tuple[dt.date, int]:
    cls = value.__class__
    if cls is str:
        try:
            return _sd_date(value.encode()), LAX
        except _Unrepresentable as exc:
            raise Fail("date_parsing", {"error": exc.args[0]}) from None
        except _DateError:
            pass
    elif cls is not int and cls is not float:
        raise Fail("date_type")
    return _date_from_datetime(value), LAX


def _to_time(value: Any) -> tuple[dt.time, int]:
    cls = value.__class__
    try:
        if cls is str:
            return _sd_time(value.encode(), 0), LAX
        if cls is int or cls is float:
            return _numeric_time(value), LAX
    except _DateError as exc:
        raise Fail("time_parsing", {"error": exc.args[0]}) from None
    raise Fail("time_type")


def _numeric_time(value: float) -> dt.time:
    if value != value:
        raise _DateError(_NAN)
    if value < 0:
        raise _DateError("time in seconds should be positive")
    seconds = math.floor(value) if value < 86_400 else 86_400
    seconds += _round((value - seconds) * 1_000_000) // 1_000_000 if seconds < 86_400 else 0
    if seconds >= 86_400:
        raise _DateError("numeric times may not exceed 86,399 seconds")
    micro = _round((value - math.floor(value)) * 1_000_000) % 1_000_000
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro, dt.timezone.utc)


_BIG = "a numeric value in the duration is too large"
_HOURS = "durations may not exceed 999,999,999 hours"
_DAY_WORD = '"day" identifier in duration not correctly formatted'
_ISO_DATE_UNITS = {b"Y": 365, b"M": 30, b"W": 7, b"D": 1}
_ISO_TIME_UNITS = {b"H": 3600, b"M": 60, b"S": 1}


def _u32(value: int) -> int:
    if value >= 2**32:
        raise _DateError(_BIG)
    return value


def _number(b: bytes, pos: int, fraction: bool = True) -> tuple[int, float | None, int]:
    """A duration quantity at pos: digits, then an optional fraction after '.' or ','."""
    match = re.match(rb"[0-9]+", b[pos:])
    if match is None:
        raise _DateError("invalid digit in duration")
    value, pos = _u32(int(match[0])), pos + len(match[0])
    if not fraction or b[pos : pos + 1] not in (b".", b","):
        return value, None, pos
    decimal_, denominator = 0.0, 1.0
    for digit in re.match(rb"[0-9]*", b[pos + 1 :])[0]:  # type: ignore[index]
        decimal_, denominator = decimal_ * 10.0 + (digit - 48), denominator * 10.0
        pos += 1
    return value, decimal_ / denominator, pos + 1


def _iso_quantity(
    totals: list[int], got_t: bool, value: int, fraction: float | None, mult: int
) -> None:
    """Adds one ISO 8601 quantity to [days, seconds, micros] as speedate does."""
    if got_t:
        totals[1] = _u32(totals[1] + _u32(mult * value))
        extra = (fraction or 0.0) * mult
    else:
        totals[0] = _u32(totals[0] + _u32(value * mult))
        extra_days = (fraction or 0.0) * mult
        totals[0] = _u32(totals[0] + int(extra_days))
        extra = (extra_days - int(extra_days)) * 86_400.0
    totals[1] = _u32(totals[1] + int(extra))
    totals[2] = _u32(totals[2] + _round((extra - int(extra)) * 1_000_000))


def _iso_duration(b: bytes, pos: int) -> tuple[int, int, int]:
    start, got_t, last_fraction, totals = pos, False, False, [0, 0, 0]
    while pos < len(b):
        if b[pos] == 0x54:
            if got_t:
                raise _DateError("`t` character repeated in duration")
            got_t = True
        else:
            value, fraction, pos = _number(b, pos)
            if last_fraction:
                raise _DateError("quantity fraction invalid in duration")
            last_fraction = fraction is not None
            mult = (_ISO_TIME_UNITS if got_t else _ISO_DATE_UNITS).get(b[pos : pos + 1])
            if mult is None:
                part = "time" if got_t else "date"
                raise _DateError(f"quantity invalid in {part} part of duration")
            _iso_quantity(totals, got_t, value, fraction, mult)
        pos += 1
    if pos - start < 2:
        raise _DateError(_TOO_SHORT)
    return totals[0], totals[1], totals[2]


def _clock_duration(b: bytes, pos: int) -> tuple[int, int, int]:
    """[H...]H:MM[:SS[.f]] with any number of hours, as a (days, seconds, micros) duration."""
    if len(b) - pos < 5:
        raise _DateError(_TOO_SHORT)
    hour_part, colon, remaining = b[pos:].partition(b":")
    if not colon:
        raise _DateError("invalid character in hour")
    if len(hour_part) > 10:
        raise _DateError(_HOURS)
    if hour_part and not hour_part.isdigit():
        raise _DateError("invalid character in hour")
    hours = int(hour_part or b"0")
    if hours > 2_400_000_000:
        raise _DateError(_HOURS)
    clock = b"00:" + remaining[:12]
    _, minute, second, micro, end = _sd_pure_time(clock, 0)
    if len(clock) > end:
        raise _DateError(_EXTRA)
    return hours // 24, hours % 24 * 3600 + minute * 60 + second, micro


def _days_duration(b: bytes, pos: int) -> tuple[int, int, int]:
    """'<n> day[s][,] [HH:MM:SS]' and its abbreviations ('1d', '2 D, 01:00:00')."""
    if pos >= len(b):
        raise _DateError(_TOO_SHORT)
    day, _, pos = _number(b, pos, fraction=False)
    pos += b[pos : pos + 1] == b" "
    if b[pos : pos + 1] not in (b"d", b"D"):
        raise _DateError(_DAY_WORD)
    pos += 1
    rest = b[pos : pos + 3]
    if rest[:1] in (b"a", b"A"):
        word = b"ays" if rest[:1] == b"a" else b"AYS"
        if rest[1:2] != word[1:2]:
            raise _DateError(_DAY_WORD)
        pos += 3 if rest[2:3] == word[2:3] else 2
    pos += b[pos : pos + 1] == b","
    pos += b[pos : pos + 1] == b" "
    if pos >= len(b):
        return day, 0, 0
    extra_days, second, micro = _clock_duration(b, pos)
    if extra_days:
        raise _DateError(_HOURS)
    return day, second, micro


def _sd_duration(b: bytes) -> dt.timedelta:
    if not b:
        raise _DateError(_TOO_SHORT)
    negative, pos = b[0] == 0x2D, int(b[0] in b"+-")
    if b[pos : pos + 1] == b"P":
        parts = _iso_duration(b, pos + 1)
    elif b"d" in b or b"D" in b or len(b) - pos < 5:
        parts = _days_duration(b, pos)
    else:
        parts = _clock_duration(b, pos)
    return _duration(negative, *parts)


def _duration(negative: bool, day: int, second: int, micro: int) -> dt.timedelta:
    second = _u32(second + micro // 1_000_000)
    day = _u32(day + second // 86_400)
    if day > 999_999_999:
        raise _DateError("durations may not exceed 999,999,999 days")
    delta = dt.timedelta(days=day, seconds=second % 86_400, microseconds=micro % 1_000_000)
    return -delta if negative else delta


def _numeric_duration(value: float) -> dt.timedelta:
    if value != value:
        raise _DateError(_NAN)
    total = abs(value)
    if total >= 86_400 * 1_000_000_000:
        raise _DateError("durations may not exceed 999,999,999 days")
    whole = math.floor(total)
    micro = _round((total - whole) * 1_000_000) if isinstance(total, float) else 0
    return _duration(value < 0, int(whole) // 86_400, int(whole) % 86_400, micro)


def _to_timedelta(value: Any) -> tuple[dt.timedelta, int]:
    cls = value.__class__
    try:
        if cls is str:
            return _sd_duration(value.encode()), LAX
        if cls is int or cls is float or cls is bool:
            return _numeric_duration(value), LAX
    except _DateError as exc:
        raise Fail("time_delta_parsing", {"error": exc.args[0]}) from None
    raise Fail("time_delta_type")


#: The lax parser of each scalar type; the tag is pydantic's name for it in union locs.
SCALARS: dict[Any, tuple[str, Callable[[Any], tuple[Any, int]]]] = {
    int: ("int", _to_int),
    float: ("float", _to_float),
    bool: ("bool", _to_bool),
    str: ("str", _to_str),
    bytes: ("bytes", _to_bytes),
    type(None): ("none", _to_none),
    decimal.Decimal: ("decimal", _to_decimal),
    uuid.UUID: ("uuid", _to_uuid),
    dt.datetime: ("datetime", _to_datetime),
    dt.date: ("date", _to_date),
    dt.time: ("time", _to_time),
    dt.timedelta: ("timedelta", _to_timedelta),
}
