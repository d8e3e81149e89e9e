"""Dates, times and durations parsed as pydantic parses them: speedate's grammar, limits and texts.

pydantic-core parses temporal values with the speedate crate; this is a port of its rules (ISO
8601 / RFC 3339 shapes, unix timestamps in seconds or milliseconds, durations in ISO or
``[-][d days[,]][HH:MM:SS[.f]]`` form) so that `fastcore._validation` accepts the same strings and
numbers and its errors carry the same ``ctx["error"]`` texts. It is the largest of the scalar
parsers, hence a module of its own; `fastcore._validation.scalars` lists these parsers in `SCALARS`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from fastcore._validation.errors import LAX, Fail

__all__ = ["_to_date", "_to_datetime", "_to_time", "_to_timedelta"]

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
