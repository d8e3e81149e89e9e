"""Request bodies: decoded and validated in one msgspec call, explained only on failure.

A route's body parameters become one ``BodyPlan`` at start-up. Valid JSON for a
Struct, dataclass, TypedDict or builtin is decoded by a ``msgspec.json.Decoder``
built for that type; only a failing body is decoded again, untyped, and walked by
``fastcore._validation`` to report every error as FastAPI does. Pydantic models are
validated from the raw bytes by one ``validate_json`` call where that gives what FastAPI's
``json.loads`` then ``validate_python`` gives; a failing body, or a model where the two
could differ, is validated by pydantic after an untyped msgspec decode, as FastAPI does.
A route that opts into MessagePack (fastcore/_planning/msgpack.py) reads a MessagePack body the same
way: one typed ``msgspec.msgpack.Decoder`` call, the same explaining path on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from fastcore import _validation as validation
from fastcore._planning.defaults import validated_default
from fastcore._planning.msgpack import is_msgpack, msgpack_decoder, parse_msgpack
from fastcore._validation import hints as t
from fastcore._validation.dataclass_defaults import completer
from fastcore._validation.pydantic_params import wants_pydantic
from fastcore.dependencies import ParamField
from fastcore.exceptions import HTTPException, RequestValidationError
from fastcore.params import Body, Form, Undefined

if TYPE_CHECKING:
    from fastcore._planning.forms import FormPlan

__all__ = ["BodyPlan", "build_body_plan", "media_kind"]

_decode_any = msgspec.json.decode
Validator = Callable[[Any, tuple[Any, ...]], tuple[Any, list[dict[str, Any]]]]


def _is_json(content_type: bytes | None) -> bool:
    if not content_type:
        return True
    main = content_type.split(b";", 1)[0].strip().lower()
    return main == b"application/json" or main.endswith(b"+json")


#: What a Content-Type says the body is (``media_kind``): JSON, MessagePack, anything else.
OTHER, JSON, MSGPACK = 0, 1, 2


def media_kind(content_type: bytes | None) -> int:
    """JSON (no Content-Type too), MSGPACK or OTHER; the lane caches it per value."""
    if _is_json(content_type):
        return JSON
    return MSGPACK if is_msgpack(content_type) else OTHER


#: Content-Type values seen on opted-in routes, and their media kind (a client sends one).
_kinds: dict[bytes, int] = {}


def _parse_json(body: bytes) -> Any:
    """Untyped JSON; what msgspec refuses is retried with ``json.loads`` as FastAPI parses."""
    try:
        return _decode_any(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass  # NOTE: msgspec raises UnicodeDecodeError for invalid UTF-8 inside strings
    # PERF: json (~0.13 MiB RSS) is imported only for a body msgspec refused, off the fast path
    import json

    try:
        # NOTE: json.loads accepts what msgspec does not (NaN, Infinity); FastAPI accepts it too
        return json.loads(body)
    except json.JSONDecodeError:
        raise RequestValidationError(validation.json_invalid(body), body=body) from None
    except (ValueError, RecursionError):
        # Undecodable bytes or absurd nesting: FastAPI's 400 for a body it cannot parse.
        raise HTTPException(400, "There was an error parsing the body") from None


def _msgspec_validator(tp: Any) -> Validator:
    complete = completer(tp) or _same

    def validate(value: Any, loc: tuple[Any, ...]) -> tuple[Any, list[dict[str, Any]]]:
        try:
            return complete(msgspec.convert(value, tp, strict=False)), []
        except msgspec.ValidationError:
            # NOTE: the slow path decides, with pydantic's rules: it reports every error, and
            # accepts (with pydantic's value) the rare input msgspec refuses but pydantic takes.
            return validation.validate(tp, value, loc)

    return validate


def _pydantic_validator(tp: Any) -> Validator:
    from pydantic import TypeAdapter, ValidationError

    adapter: Any = TypeAdapter(tp)

    def validate(value: Any, loc: tuple[Any, ...]) -> tuple[Any, list[dict[str, Any]]]:
        try:
            return adapter.validate_python(value, from_attributes=True), []
        except ValidationError as exc:
            return None, [_pydantic_error(e, loc) for e in exc.errors(include_url=False)]

    return validate


def _pydantic_error(err: Any, loc: tuple[Any, ...]) -> dict[str, Any]:
    out = {
        "type": err["type"],
        "loc": [*loc, *err["loc"]],
        "msg": err["msg"],
        "input": err["input"],
    }
    if "ctx" in err:
        out["ctx"] = err["ctx"]
    return out


def _same(value: Any) -> Any:
    return value


#: Core-schema keys after which ``validate_json`` and ``validate_python(json.loads(...))``
#: may disagree: strict mode (JSON input may give a str where Python input may not), base64
#: bytes, and decimals (JSON mode reads the number's digits, FastAPI's path reads a float).
_JSON_MODE_DIFFERS = ("strict", "val_json_bytes")


def _json_mode_differs(schema: Any) -> bool:
    if isinstance(schema, dict):
        if schema.get("type") == "decimal" or any(schema.get(k) for k in _JSON_MODE_DIFFERS):
            return True
        return any(_json_mode_differs(v) for v in schema.values())
    if isinstance(schema, (list, tuple)):
        return any(_json_mode_differs(v) for v in schema)
    return False


class _PydanticJSON:
    """A pydantic body validated from the raw bytes in one pydantic-core call.

    PERF: ``validate_json`` parses and validates at once, without the untyped decode FastAPI
    (and the explaining path) does first. Used only for models where that gives the same
    value (``_json_mode_differs``); any failure, invalid JSON included, takes the explaining
    path, which reports what FastAPI reports.
    """

    __slots__ = ("decode",)

    def __init__(self, adapter: Any) -> None:
        # PERF: pydantic-core's own validate_json once the schema is built (TypeAdapter's
        # is a Python wrapper passing every option on)
        from pydantic_core import SchemaValidator

        validator = getattr(adapter, "validator", None)
        built = isinstance(validator, SchemaValidator)
        self.decode = validator.validate_json if built else adapter.validate_json  # type: ignore[union-attr]


def _pydantic_json(tp: Any) -> _PydanticJSON | None:
    from pydantic import TypeAdapter

    adapter: Any = TypeAdapter(tp)
    return None if _json_mode_differs(adapter.core_schema) else _PydanticJSON(adapter)


def _by_pydantic(tp: Any) -> bool:
    """A pydantic model, or one of pydantic's own types (``EmailStr``, ``HttpUrl``, a value
    with pydantic metadata): FastAPI validates these with pydantic, and so does the body."""
    return t.is_pydantic_type(tp) or wants_pydantic(tp)


def validator_for(tp: Any) -> Validator:
    """Validation of an already decoded JSON value against ``tp``, by msgspec or pydantic."""
    return _pydantic_validator(tp) if _by_pydantic(tp) else _msgspec_validator(tp)


def _missing_or_default(field: ParamField, loc: tuple[Any, ...], container: Any) -> Any:
    if field.validate_default and not field.required:
        errors: list[dict[str, Any]] = []
        return validated_default(field, loc, errors), errors
    if field.default_factory is not None:
        return field.default_factory(), []
    if field.default is not Undefined:
        return field.default, []
    return None, [validation.missing(loc, container)]


class BodyPlan:
    """Turns body bytes into the values of the route's body parameters."""

    is_form = False  # NOTE: a FormPlan reads the stream itself; this one gets the bytes

    def __init__(
        self,
        fields: Sequence[ParamField],
        embed: bool,
        msgpack: bool = False,
        declared: Sequence[str] | None = None,
    ) -> None:
        self.fields = tuple(fields)
        self.embed = embed
        #: The body keys in the order the handler and its dependencies declare them, when a
        #: key is declared more than once (``item: Item`` in both): FastAPI validates each
        #: declaration, so a 422 lists a key's errors once per declaration. None: once each.
        self.declared = tuple(declared) if declared and len(declared) > len(self.fields) else None
        #: Whether a MessagePack body is read (the route opted in), else it is not JSON.
        self.msgpack = msgpack
        self.validators = tuple(validator_for(f.annotation) for f in self.fields)
        #: Each embedded field's ``AliasChoices`` names in order (None without: read by key).
        self.choices = tuple(
            tuple(choices) if len(choices := getattr(f.marker, "alias_choices", ())) > 1 else None
            for f in self.fields
        )
        self.media_type = getattr(self.fields[0].marker, "media_type", "application/json")
        #: Decodes and validates valid JSON bytes in one call (``.decode``), raising a
        #: ValueError for anything else; the lane uses it too. None: the explaining path only.
        self._decoder: msgspec.json.Decoder[Any] | _PydanticJSON | None = None
        # NOTE: None for all but dataclass bodies (see _dataclass_defaults): no cost for them.
        self._complete: Callable[[Any], Any] | None = None
        #: ``_decoder``'s MessagePack twin (same types, same ValueError), on opted-in routes.
        self._msgpack_decoder: Any = None
        annotation = self.fields[0].annotation
        if embed:
            pass
        elif _by_pydantic(annotation):
            self._decoder = _pydantic_json(annotation)
        else:
            self._decoder = msgspec.json.Decoder(annotation, strict=False)
            self._complete = completer(annotation)
        if msgpack and not embed:
            self._msgpack_decoder = msgpack_decoder(annotation)

    def values(
        self, body: bytes, content_type: bytes | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The body parameters by wire key, and every error; invalid JSON raises at once."""
        if self.declared is None:
            return self._values(body, content_type)
        out, errors = self._values(body, content_type)
        if not errors:
            return out, errors
        if not self.embed:
            return out, errors * len(self.declared)
        by_key: dict[Any, list[dict[str, Any]]] = {}
        for error in errors:
            by_key.setdefault(error["loc"][1] if len(error["loc"]) > 1 else None, []).append(error)
        ordered = [e for key in self.declared for e in by_key.get(key, [])]
        ordered.extend(e for key, errs in by_key.items() if key not in self.declared for e in errs)
        return out, ordered

    def _values(
        self, body: bytes, content_type: bytes | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if self.embed:
            return self._embedded(body, content_type)
        field = self.fields[0]
        if not body:
            value, errors = _missing_or_default(field, ("body",), None)
            return {field.key: value}, errors
        if self._msgpack_decoder is not None:
            # NOTE: an opted-in route: JSON or MessagePack, by the Content-Type's cached kind
            kind = _kinds.get(content_type) if content_type else JSON
            if kind is None:
                kind = media_kind(content_type)
                if len(_kinds) < 64:
                    _kinds[content_type] = kind  # type: ignore[index]
            decoder = self._msgpack_decoder if kind == MSGPACK else None
            if kind == JSON:
                decoder = self._decoder
        else:
            decoder = self._decoder if _is_json(content_type) else None
        if decoder is not None:
            try:
                value = decoder.decode(body)
                if self._complete is not None:
                    self._complete(value)
                return {field.key: value}, []
            except ValueError:
                pass  # invalid (msgspec's and pydantic's errors are ValueErrors): explained below
        value, errors = self.validators[0](self._parse(body, content_type), ("body",))
        return {field.key: value}, errors

    def _parse(self, body: bytes, content_type: bytes | None) -> Any:
        if not _is_json(content_type):
            if self.msgpack and is_msgpack(content_type):
                return parse_msgpack(body)
            return body.decode("utf-8", "replace")
        return _parse_json(body)

    def _embedded(
        self, body: bytes, content_type: bytes | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        obj = self._parse(body, content_type) if body else None
        out: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        if body and not isinstance(obj, dict) and self._decoded(content_type):
            # NOTE: as FastAPI: a JSON (or MessagePack) body that is not an object (null, a
            # list, a number) has none of the fields, and no default stands in for them
            for field in self.fields:
                out[field.key] = None
                errors.append(validation.missing(("body", field.key), None))
            return out, errors
        for field, validate, choices in zip(
            self.fields, self.validators, self.choices, strict=True
        ):
            loc = ("body", field.key)
            if choices is not None:
                value, errs = _chosen(field, validate, choices, obj)
            elif isinstance(obj, dict) and field.key in obj:
                value, errs = validate(obj[field.key], loc)
            else:
                # NOTE: FastAPI reports a missing embedded field with input None
                value, errs = _missing_or_default(field, loc, None)
            out[field.key] = value
            errors.extend(errs)
        return out, errors

    def _decoded(self, content_type: bytes | None) -> bool:
        """Whether the body was decoded as data (JSON, MessagePack), not read as text."""
        return _is_json(content_type) or bool(self.msgpack and is_msgpack(content_type))


def _chosen(field: ParamField, validate: Validator, choices: tuple[str, ...], obj: Any) -> Any:
    """An embedded field with ``AliasChoices``, as FastAPI reads it: the first name the object
    has (its value may be null) is read and named in an error; none: missing as the first."""
    if isinstance(obj, dict):
        for name in choices:
            if name in obj:
                return validate(obj[name], ("body", name))
    return _missing_or_default(field, ("body", choices[0]), None)


def build_body_plan(
    fields: Sequence[ParamField],
    form_limits: dict[str, int] | None = None,
    msgpack: bool = False,
) -> BodyPlan | FormPlan | None:
    """One plan for all the route's body parameters, embedded as FastAPI embeds them.

    As in FastAPI, one Form() or File() parameter makes the whole body a form (never read
    as MessagePack); ``msgpack``: the route reads MessagePack bodies too.
    """
    unique: dict[str, ParamField] = {}
    for f in fields:
        unique.setdefault(f.key, f)
    if not unique:
        return None
    found = list(unique.values())
    if any(isinstance(f.marker, Form) for f in found):  # Form() or File()
        # PERF: the form reader (and python-multipart) is imported by the routes that read one
        from fastcore._planning.forms import FormLimits, FormPlan

        return FormPlan(found, validator_for, FormLimits(**(form_limits or {})))
    marker = found[0].marker
    embed = len(found) > 1 or bool(isinstance(marker, Body) and marker.embed)
    return BodyPlan(found, embed, msgpack, [f.key for f in fields])
