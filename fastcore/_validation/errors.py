"""Pydantic's words for what is wrong with a value, for the slow path of validation.

`fastcore._validation` reports invalid requests the way FastAPI does, which means the way
pydantic-core words them. This module holds the leaves every other part of that builds on: the
message templates, `Fail` (what a parser raises: one pydantic error kind and its ctx), `error`
(the FastAPI-shaped error dict) and the exactness ranks pydantic's smart unions order members by.
The parsers are in `fastcore._validation.scalars` and `fastcore._validation.temporal`, the
constraints in `fastcore._validation.constraints`.
"""

from __future__ import annotations

import decimal
import math
from typing import Any

__all__ = ["EXACT", "LAX", "MESSAGES", "STRICT", "Fail", "InvalidValue", "error", "json_number"]

EXACT, STRICT, LAX = 3, 2, 1


class InvalidValue(ValueError):
    """Raised by a converter; ``errors`` are FastAPI-shaped, with locs relative to the value."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


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
