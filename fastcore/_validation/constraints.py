"""Constraints (``msgspec.Meta``'s gt, ge, lt, le, multiple_of, lengths, pattern, tz) as pydantic
checks them: in pydantic's order, with its tests, float tolerance and ctx.

Both paths of `fastcore._validation` need them: the slow path's `_Scalar` nodes run `checks`, and
the fast converters build one predicate from `multiple_of` and `rust_pattern`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from typing import Any

from fastcore._validation.errors import json_number

__all__ = [
    "COMPILED_PATTERNS",
    "CONSTRAINED",
    "checks",
    "multiple_of",
    "pattern_source",
    "rust_pattern",
    "shown_pattern",
]

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


#: Patterns given compiled (``pattern=re.compile("^abc$", re.I)``, which pydantic and so FastAPI
#: take): msgspec.Meta holds one as a string with inline flags, ``(?i)^abc$``; this maps that
#: string back so that a 422 and the docs show the pattern as written, as pydantic does.
COMPILED_PATTERNS: dict[str, re.Pattern[str]] = {}
_INLINE_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def pattern_source(pattern: re.Pattern[str]) -> str:
    """A compiled pattern as the string msgspec.Meta takes (its flags inline), remembered."""
    flags = "".join(letter for flag, letter in _INLINE_FLAGS if pattern.flags & flag)
    source = f"(?{flags}){pattern.pattern}" if flags else pattern.pattern
    COMPILED_PATTERNS[source] = pattern
    return source


def shown_pattern(source: str) -> str:
    """The pattern as its author wrote it (without the inline flags of a compiled one)."""
    compiled = COMPILED_PATTERNS.get(source)
    return compiled.pattern if compiled is not None else source


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
                    {"pattern": shown_pattern(meta["pattern"])},
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
