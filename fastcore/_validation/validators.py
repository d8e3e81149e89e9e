"""The slow path's validators: one node class per kind of type, walking a value against it.

``fastcore._validation.errors_for`` and ``validate`` run a type's compiled node (see
`fastcore._validation.compiler`) over the raw value. Each node's ``run`` returns
``(value, exactness)``, or `_BAD` after appending FastAPI-shaped errors, so that one walk
reports every error and pydantic's smart unions can pick the most exact member.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

import msgspec

from fastcore._validation.constraints import CONSTRAINED, checks
from fastcore._validation.errors import EXACT, LAX, STRICT, Fail, error, json_number
from fastcore._validation.scalars import SCALARS

__all__ = [
    "_BAD",
    "Errors",
    "Loc",
    "_Dict",
    "_Enum",
    "_Fallback",
    "_Field",
    "_Literal",
    "_Node",
    "_Nullable",
    "_Object",
    "_Pydantic",
    "_Scalar",
    "_Sequence",
    "_Tagged",
    "_Tuple",
    "_Union",
]

Loc = tuple[Any, ...]
Errors = list[dict[str, Any]]
_BAD: Any = object()


# ---- nodes: one per type, each walks a value and appends errors ------------------------------


class _Node:
    """A compiled type. ``run`` returns (value, exactness) or (_BAD, 0) after adding errors."""

    name = "any"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        return value, EXACT


class _Scalar(_Node):
    """A scalar parsed like pydantic (see ``scalars``), then checked against constraints."""

    def __init__(self, tp: Any, meta: dict[str, Any]) -> None:
        self.tp, self.meta = tp, meta
        self.checks = checks(tp, meta) if tp in CONSTRAINED else []
        self.name, self.parse = SCALARS[tp]
        if self.checks and tp in (int, float, str, bytes):
            self.name = f"constrained-{self.name}"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        try:
            result, exactness = self.parse(value)
        except Fail as exc:
            errs.append(error(exc.kind, loc, value, exc.ctx))
            return _BAD, 0
        for kind, ctx, ok in self.checks:
            if not ok(result):
                errs.append(error(kind, loc, value, ctx))
                return _BAD, 0
        return result, exactness


class _Nullable(_Node):
    """Optional[T]: pydantic reports T's errors alone, with no union tag in the loc."""

    def __init__(self, inner: _Node) -> None:
        self.inner = inner
        self.name = f"nullable[{inner.name}]"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if value is None:
            return None, EXACT
        return self.inner.run(value, loc, errs)


class _Union(_Node):
    """pydantic's smart union: the most exact success wins, else every member's errors."""

    def __init__(self, members: list[_Node]) -> None:
        self.members = members
        self.name = "union[" + ",".join(m.name for m in members) + "]"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        best, best_exactness, failures = _BAD, 0.0, []
        for member in self.members:
            found: Errors = []
            result, exactness = member.run(value, (*loc, member.name), found)
            if found:
                failures.extend(found)
            elif exactness > best_exactness:
                best, best_exactness = result, exactness
                if exactness == EXACT:
                    break
        if best is _BAD:
            errs.extend(failures)
        return best, best_exactness


def _expected(values: list[Any]) -> str:
    reprs = [repr(v) for v in values]
    return reprs[0] if len(reprs) == 1 else ", ".join(reprs[:-1]) + " or " + reprs[-1]


class _Literal(_Node):
    """Literal[...]: looked up by equality, as pydantic does (1.0 and True match 1)."""

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.lookup = {v: v for v in values}
        self.ints = any(v.__class__ is int for v in values)
        self.ctx = {"expected": _expected(list(values))}
        self.name = "literal[" + ",".join(repr(v) for v in values) + "]"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if self.ints and _big_int(value):
            errs.append(error("int_parsing_size", loc, value))
            return _BAD, 0
        try:
            return self.lookup[value], EXACT
        except (KeyError, TypeError):
            errs.append(error("literal_error", loc, value, self.ctx))
            return _BAD, 0


class _Enum(_Node):
    """An Enum: int/float/str mixins parse the input first, plain enums look the value up."""

    def __init__(self, cls: type[enum.Enum]) -> None:
        self.cls = cls
        # NOTE: pydantic lists ``__members__``, aliases included: iterating a Flag skips its
        # multi-bit members on Python 3.11+ only, and would make the message differ by version.
        members = list(cls.__members__.values())
        self.lookup = {m.value: m for m in members}
        self.ctx = {"expected": _expected([m.value for m in members])}
        self.ints = issubclass(cls, int) or any(v.__class__ is int for v in self.lookup)
        kind, self.parse = "enum", self._identity
        for base, label, parse in ((int, "int-enum", _int), (float, "float-enum", _float)):
            if issubclass(cls, base):
                kind, self.parse = label, parse
        if issubclass(cls, str):
            kind, self.parse = "str-enum", self._string
        self.name = f"{kind}[{cls.__name__}]"

    @staticmethod
    def _identity(value: Any) -> Any:
        return value

    @staticmethod
    def _string(value: Any) -> Any:
        if value.__class__ is not str:
            raise Fail("enum")
        return value

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if self.ints and _big_int(value):
            errs.append(error("int_parsing_size", loc, value))
            return _BAD, 0
        try:
            key = self.parse(value)
            member = self.lookup.get(key)
            if member is None:
                member = self.cls(key)  # NOTE: as pydantic, Flag combinations and _missing_
            if isinstance(member, self.cls):
                return member, LAX
        except Fail as exc:
            if exc.kind == "int_parsing_size":  # pydantic shows the parsed int as the input
                errs.append(error(exc.kind, loc, exc.ctx["input"] if exc.ctx else value))
                return _BAD, 0
        except Exception:  # NOTE: any failure to find a member is the same enum error
            pass
        errs.append(error("enum", loc, value, self.ctx))
        return _BAD, 0


def _big_int(value: Any) -> bool:
    """pydantic looks ints up as i64 and refuses a JSON int that does not fit."""
    return value.__class__ is int and not -(2**63) <= value < 2**63


_TO_INT = SCALARS[int][1]
_TO_FLOAT = SCALARS[float][1]


def _int(value: Any) -> Any:
    try:
        number = _TO_INT(value)[0]
    except Fail:
        raise LookupError(value) from None
    if _big_int(number):
        raise Fail("int_parsing_size", {"input": number})
    return number


def _float(value: Any) -> Any:
    return _TO_FLOAT(value)[0]


_SEQUENCE_INPUTS = (list, tuple, set, frozenset)
_SEQUENCE_NAME = (
    "json-or-python[json=list[{}],python=chain[is-instance[Sequence],"
    "function-wrap[sequence_validator()]]]"
)


class _Sequence(_Node):
    """list, tuple[T, ...], set, frozenset and Sequence of one item type, with length limits."""

    def __init__(self, kind: str, item: _Node, meta: dict[str, Any]) -> None:
        self.kind, self.item = kind, item
        self.min_length, self.max_length = meta.get("min_length"), meta.get("max_length")
        self.build: Callable[[list[Any]], Any] = {"tuple": tuple}.get(kind, list)
        self.field_type, self.type_error, name = _SEQUENCE_KINDS[kind]
        self.name = name.format(item.name)
        self.unique = kind in ("set", "frozenset")
        self.incremental = kind in ("set", "frozenset", "tuple")
        self.exactness = EXACT if kind == "list" else STRICT if kind == "sequence" else LAX

    def _type_error(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if self.kind == "sequence" and value.__class__ is str:
            errs.append(error("sequence_str", loc, value, {"type_name": "str"}))
        elif self.kind == "sequence":
            errs.append(error("is_instance_of", loc, value, {"class": "Sequence"}))
        else:
            errs.append(error(self.type_error, loc, value))
        return _BAD, 0

    def _length(self, kind: str, limit: int, actual: int | None) -> dict[str, Any]:
        key = "min_length" if kind == "too_short" else "max_length"
        return {"field_type": self.field_type, key: limit, "actual_length": actual}

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if not isinstance(value, _SEQUENCE_INPUTS):
            return self._type_error(value, loc, errs)
        high = self.max_length
        if high is not None and self.kind in ("list", "sequence") and len(value) > high:
            errs.append(error("too_long", loc, value, self._length("too_long", high, len(value))))
            return _BAD, 0
        items, found, exactness = self._items(value, loc)
        if items is _BAD:  # NOTE: sets cannot know their final size, tuples report the input's
            actual = len(value) if self.kind == "tuple" else None
            errs.append(error("too_long", loc, value, self._length("too_long", high or 0, actual)))
            return _BAD, 0
        if found:
            errs.extend(found)
            return _BAD, 0
        low = self.min_length
        if low is not None and len(items) < low:
            errs.append(error("too_short", loc, value, self._length("too_short", low, len(items))))
            return _BAD, 0
        if self.unique:
            return (items if self.kind == "set" else frozenset(items)), LAX
        return self.build(items), min(exactness, self.exactness)

    def _items(self, value: Any, loc: Loc) -> tuple[Any, Errors, float]:
        out: Any = set() if self.unique else []
        add = out.add if self.unique else out.append
        found: Errors = []
        exactness: float = EXACT
        for index, raw in enumerate(value):
            result, item_exactness = self.item.run(raw, (*loc, index), found)
            if result is _BAD:
                continue
            exactness = min(exactness, item_exactness)
            try:
                add(result)
            except TypeError:
                found.append(error("set_item_not_hashable", (*loc, index), raw))
            if self.incremental and self.max_length is not None and len(out) > self.max_length:
                return _BAD, found, 0
        return out, found, exactness


_SEQUENCE_KINDS = {
    "list": ("List", "list_type", "list[{}]"),
    "tuple": ("Tuple", "tuple_type", "tuple[{}, ...]"),
    "set": ("Set", "set_type", "set[{}]"),
    "frozenset": ("Frozenset", "frozen_set_type", "frozenset[{}]"),
    "sequence": ("Value", "is_instance_of", _SEQUENCE_NAME),
}


class _Tuple(_Node):
    """tuple[A, B]: positions checked one by one; extra items make it too long."""

    def __init__(self, items: list[_Node]) -> None:
        self.items = items
        self.name = "tuple[" + ", ".join(i.name for i in items) + "]"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if not isinstance(value, _SEQUENCE_INPUTS):
            errs.append(error("tuple_type", loc, value))
            return _BAD, 0
        value = list(value) if isinstance(value, (set, frozenset)) else value
        if len(value) > len(self.items):
            ctx = {
                "field_type": "Tuple",
                "max_length": len(self.items),
                "actual_length": len(value),
            }
            errs.append(error("too_long", loc, value, ctx))
            return _BAD, 0
        before, out, exactness = len(errs), [], float(LAX)
        for index, node in enumerate(self.items):
            if index >= len(value):
                errs.append(error("missing", (*loc, index), value))
                continue
            result, item_exactness = node.run(value[index], (*loc, index), errs)
            out.append(result)
            exactness = min(exactness, item_exactness)
        return (tuple(out), exactness) if len(errs) == before else (_BAD, 0)


class _Dict(_Node):
    """dict[K, V]: key errors at (key, "[key]"), value errors at (key,)."""

    def __init__(self, key: _Node, value: _Node, meta: dict[str, Any]) -> None:
        self.key, self.value = key, value
        self.min_length, self.max_length = meta.get("min_length"), meta.get("max_length")
        self.name = f"dict[{key.name},{value.name}]"

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if not isinstance(value, dict):
            errs.append(error("dict_type", loc, value))
            return _BAD, 0
        out: dict[Any, Any] = {}
        found: Errors = []
        exactness = float(EXACT)
        for raw_key, raw in value.items():
            k, key_exactness = self.key.run(raw_key, (*loc, raw_key, "[key]"), found)
            v, value_exactness = self.value.run(raw, (*loc, raw_key), found)
            if k is _BAD or v is _BAD:
                continue
            out[k] = v
            exactness = min(exactness, key_exactness, value_exactness)
            if self.max_length is not None and len(out) > self.max_length:
                ctx = {"field_type": "Dictionary", "max_length": self.max_length}
                errs.append(error("too_long", loc, value, {**ctx, "actual_length": None}))
                return _BAD, 0
        if found:
            errs.extend(found)
            return _BAD, 0
        if self.min_length is not None and len(out) < self.min_length:
            ctx = {"field_type": "Dictionary", "min_length": self.min_length}
            errs.append(error("too_short", loc, value, {**ctx, "actual_length": len(out)}))
            return _BAD, 0
        return out, exactness


@dataclasses.dataclass
class _Field:
    key: str
    name: str
    node: _Node
    required: bool
    default: Callable[[], Any] | None


class _Object(_Node):
    """A Struct (as a pydantic model), dataclass or TypedDict read from a JSON object."""

    def __init__(self, cls: Any, kind: str, build: Callable[[dict[str, Any]], Any]) -> None:
        self.cls, self.kind, self.build = cls, kind, build
        self.name = getattr(cls, "__name__", repr(cls))
        self.fields: list[_Field] = []
        self.forbid = False
        self.type_ctx = {"class_name": self.name} if kind == "dataclass_type" else None

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if not isinstance(value, dict):
            errs.append(error(self.kind, loc, value, self.type_ctx))
            return _BAD, 0
        before = len(errs)
        kwargs, exactness, given = self._fields(value, loc, errs)
        if self.forbid:
            known = {f.key for f in self.fields}
            errs.extend(
                error("extra_forbidden", (*loc, k), v) for k, v in value.items() if k not in known
            )
        if len(errs) != before:
            return _BAD, 0
        try:
            result = self.build(kwargs)
        except ValueError as exc:  # from __post_init__; FastAPI shows the exception in ctx as {}
            msg = f"Value error, {exc}"
            errs.append({**error("value_error", loc, value, {"error": {}}), "msg": msg})
            return _BAD, 0
        if self.kind == "dict_type":
            return result, exactness
        # NOTE: pydantic ranks model-like union members below exact ones, then by fields set.
        return result, min(exactness, STRICT) + given / 1000

    def _fields(
        self, value: dict[Any, Any], loc: Loc, errs: Errors
    ) -> tuple[dict[str, Any], float, int]:
        kwargs: dict[str, Any] = {}
        exactness, given = float(EXACT), 0
        for field in self.fields:
            if field.key in value:
                given += 1
                result, field_exactness = field.node.run(value[field.key], (*loc, field.key), errs)
                if field.name:
                    kwargs[field.name] = result
                exactness = min(exactness, field_exactness)
            elif field.required:
                errs.append(error("missing", (*loc, field.key), value))
            elif field.default is not None:
                kwargs[field.name] = field.default()
        return kwargs, exactness, given


class _Tagged(_Node):
    """A union of tagged Structs: pydantic's discriminated union on the tag field."""

    def __init__(self, field: str, choices: dict[Any, _Node]) -> None:
        self.field, self.choices = field, choices
        self.name = "tagged-union[" + ",".join(c.name for c in choices.values()) + "]"
        self.ctx = {"discriminator": repr(field)}
        self.tags = {tag: tag for tag in choices}
        self.expected = ", ".join(repr(tag) for tag in choices)

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        if not isinstance(value, dict):
            errs.append(error("model_attributes_type", loc, value))
            return _BAD, 0
        if self.field not in value:
            errs.append(error("union_tag_not_found", loc, value, self.ctx))
            return _BAD, 0
        tag = value[self.field]
        try:
            tag = self.tags[tag]  # by equality, as pydantic: 2.0 finds the tag 2
        except (KeyError, TypeError):
            ctx = {**self.ctx, "tag": str(tag), "expected_tags": self.expected}
            errs.append(error("union_tag_invalid", loc, value, ctx))
            return _BAD, 0
        return self.choices[tag].run(value, (*loc, tag), errs)


class _Pydantic(_Node):
    """A pydantic model inside a msgspec type: pydantic answers for itself."""

    def __init__(self, tp: Any) -> None:
        from pydantic import TypeAdapter

        self.adapter: Any = TypeAdapter(tp)
        self.name = getattr(tp, "__name__", repr(tp))

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        from pydantic import ValidationError

        try:
            return self.adapter.validate_python(value, from_attributes=True), STRICT
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                out: dict[str, Any] = {"type": e["type"], "loc": [*loc, *e["loc"]], "msg": e["msg"]}
                out["input"] = e["input"]
                if "ctx" in e:
                    out["ctx"] = {k: json_number(v) for k, v in e["ctx"].items()}
                errs.append(out)
            return _BAD, 0


class _Fallback(_Node):
    """A type pydantic has no word for: msgspec decides, its message is the error."""

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.name = getattr(tp, "__name__", repr(tp))

    def run(self, value: Any, loc: Loc, errs: Errors) -> tuple[Any, float]:
        try:
            return msgspec.convert(value, self.tp, strict=False), LAX
        except (msgspec.ValidationError, TypeError) as exc:
            errs.append(error("value_error", loc, value, {"error": str(exc)}))
            return _BAD, 0
