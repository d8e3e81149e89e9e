"""Return value -> JSON bytes, filtered through the response model as FastAPI does.

Built once per route. A value that already is the model's exact type is encoded
as it is (the common, fast case); anything else is converted into the model first,
which drops fields the model does not declare, then encoded. A value that does not
fit the model is a server error (ResponseValidationError), never silent.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, get_origin

import msgspec

from fastcore._planning.msgpack import same_in_msgpack
from fastcore._planning.shaping import to_data
from fastcore._validation import hints as t
from fastcore._validation.dataclass_defaults import completer
from fastcore.encoders import drop_none, enc_hook, encode_json, encode_model
from fastcore.exceptions import (
    FastCoreError,
    PydanticV1NotSupportedError,
    ResponseValidationError,
)

__all__ = [
    "Options",
    "Serializer",
    "check_return_annotation",
    "make_msgpack_serializer",
    "make_serializer",
]

Serializer = Callable[[Any], bytes]

_PASS_THROUGH: tuple[Any, ...] = (None, Any, dict, list, object, type(None))


def _passes_through(model: Any) -> bool:
    if model in _PASS_THROUGH:
        return True
    return model in (dict, list) or (get_origin(model) is dict and model == dict[str, Any])


@dataclasses.dataclass(frozen=True)
class Options:
    """FastAPI's ``response_model_*`` options of one route."""

    include: Any = None
    exclude: Any = None
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False

    @property
    def reshapes(self) -> bool:
        """Whether the msgspec path must build the data itself (the options it cannot pass on)."""
        given = self.include is not None or self.exclude is not None
        return given or not self.by_alias or self.exclude_defaults


def _incex(spec: Any) -> Any:
    """An include/exclude spec as pydantic takes it; lists and tuples become sets."""
    if isinstance(spec, (list, tuple)):
        return set(spec)
    if isinstance(spec, dict):
        return {k: _incex(v) for k, v in spec.items()}
    return spec


def _pydantic_serializer(model: Any, opts: Options) -> Serializer:
    from pydantic import TypeAdapter, ValidationError

    adapter: Any = TypeAdapter(model)
    include, exclude = _incex(opts.include), _incex(opts.exclude)
    # PERF: pydantic-core's validator and serializer called directly: TypeAdapter's
    # validate_python/dump_json are Python wrappers that pass every option on (~0.4 µs a
    # request each). A model whose schema is not complete yet (a forward reference) keeps
    # the adapter's methods, which build it on first use.
    core: Any = adapter
    if _built(adapter):
        core = _Core(adapter.validator.validate_python, adapter.serializer.to_json)

    def serialize(value: Any) -> bytes:
        try:
            checked = core.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            errs = [_response_error(e) for e in exc.errors(include_url=False)]
            raise ResponseValidationError(errs, body=value) from None
        return core.dump_json(  # type: ignore[no-any-return]
            checked,
            include=include,
            exclude=exclude,
            by_alias=opts.by_alias,
            exclude_unset=opts.exclude_unset,
            exclude_defaults=opts.exclude_defaults,
            exclude_none=opts.exclude_none,
        )

    return serialize


class _Core:
    """A built TypeAdapter's pydantic-core calls, under the adapter's method names."""

    __slots__ = ("dump_json", "validate_python")

    def __init__(self, validate_python: Any, dump_json: Any) -> None:
        self.validate_python = validate_python
        self.dump_json = dump_json


def _built(adapter: Any) -> bool:
    """Whether ``adapter``'s validator and serializer are pydantic-core's (not placeholders)."""
    from pydantic_core import SchemaSerializer, SchemaValidator

    validator = getattr(adapter, "validator", None)
    serializer = getattr(adapter, "serializer", None)
    return isinstance(validator, SchemaValidator) and isinstance(serializer, SchemaSerializer)


def _response_error(err: Any) -> dict[str, Any]:
    return {
        "type": err["type"],
        "loc": ["response", *err["loc"]],
        "msg": err["msg"],
        "input": err["input"],
    }


def _converter(model: Any) -> Callable[[Any], Any]:
    """``msgspec.convert`` into ``model`` (from attributes, lax) with the type compiled once.

    PERF: msgspec keeps what it compiles from a type on the class (Structs, dataclasses,
    TypedDicts); a type that is not a class (``dict[str, int | bool]``, ``list[Item]``, a
    union) is compiled again on every call, ~4x the conversion of a small dict. As the one
    field of a Struct it is compiled once; error paths are given back without the wrapper.
    """
    if t.is_class(model):
        return lambda value: msgspec.convert(value, model, from_attributes=True, strict=False)
    wrapper: Any = msgspec.defstruct("_Returned", [("value", model)])
    convert = msgspec.convert

    def converted(value: Any) -> Any:
        return convert({"value": value}, wrapper, from_attributes=True, strict=False).value

    return converted


def _unwrapped(message: str) -> str:
    """A ``_converter`` error message as msgspec gives it for the model itself."""
    return message.replace(" - at `$.value`", "").replace("`$.value", "`$")


def _checker(model: Any) -> Callable[[Any], Any]:
    """The returned value as ``model`` (from attributes, lax), or a ResponseValidationError."""
    exact = model if t.is_class(model) else None
    # NOTE: a dataclass msgspec.convert made lacks its plain defaults (_dataclass_defaults).
    complete = completer(model)
    convert = _converter(model)

    def check(value: Any) -> Any:
        if exact is not None and type(value) is exact:
            return value
        try:
            checked = convert(value)
        except msgspec.ValidationError as exc:
            err = {
                "type": "model_attributes_type",
                "loc": ["response"],
                "msg": _unwrapped(str(exc)),
                "input": value,
            }
            raise ResponseValidationError([err], body=value) from None
        if complete is not None:
            complete(checked)
        return checked

    return check


def _msgspec_serializer(model: Any) -> Serializer:
    check = _checker(model)
    encode = encode_model

    def serialize(value: Any) -> bytes:
        return encode(check(value))

    return serialize


def _only_given_keys(value: Any, encoded: Any) -> Any:
    """``exclude_unset`` for msgspec models: keep the keys the returned dicts carried."""
    if isinstance(value, dict) and isinstance(encoded, dict):
        return {k: _only_given_keys(value[k], v) for k, v in encoded.items() if k in value}
    if isinstance(value, list) and isinstance(encoded, list):
        return [_only_given_keys(a, b) for a, b in zip(value, encoded, strict=False)]
    return encoded


def _excluding(base: Serializer, exclude_none: bool, exclude_unset: bool) -> Serializer:
    # NOTE: the slower path, taken only by routes that ask for it.
    def serialize(value: Any) -> bytes:
        data = msgspec.json.decode(base(value))
        if exclude_unset:
            data = _only_given_keys(value, data)
        if exclude_none:
            data = drop_none(data)
        return encode_model(data)  # NOTE: already JSON data, spelled by ``base``

    return serialize


def check_return_annotation(endpoint: Any, name: str) -> None:
    """FastAPI's start-up error for a return annotation mixing a Response with other types.

    ``-> Response | dict`` can be neither serialized as a model nor passed through; FastAPI
    refuses it when the route is declared (``response_model=None`` opts out).
    """
    try:
        ret = inspect.get_annotations(endpoint, eval_str=True).get("return")
    except Exception:  # NOTE: forward references not yet defined: planned (and checked) later
        return
    members = typing.get_args(t.split_annotated(ret)[0])
    if typing.get_origin(t.split_annotated(ret)[0]) not in (typing.Union, types.UnionType):
        return
    # NOTE: a Response in the annotation means starlette.responses is loaded; asked of
    # sys.modules so that planning a JSON app does not import it (~3.8 MiB of RSS).
    module = sys.modules.get("starlette.responses")
    if module is None:
        return
    responses = [m for m in members if t.is_class(m) and issubclass(m, module.Response)]
    if responses and len(responses) != len(members):
        raise FastCoreError(
            f"Invalid args for response field! Hint: check that {ret} is a valid Pydantic "
            f"field type. If you are using a return type annotation that is not a valid "
            f"Pydantic field (e.g. Union[Response, dict, None]) you can disable generating "
            f"the response model from the type annotation with the path operation decorator "
            f"parameter response_model=None (route {name!r})"
        )


_STREAM_ORIGINS = {
    cabc.AsyncIterable,
    cabc.AsyncIterator,
    cabc.AsyncGenerator,
    cabc.Iterable,
    cabc.Iterator,
    cabc.Generator,
}


def stream_item_type(annotation: Any) -> Any | None:
    """``AsyncIterable[Item]`` -> ``Item``; a bare ``AsyncIterable`` -> Any; else None."""
    if typing.get_origin(annotation) in _STREAM_ORIGINS:
        args = typing.get_args(annotation)
        return args[0] if args else Any
    return None


def check_response_model(tp: Any, where: str) -> None:
    """FastAPI's declaration-time refusal of a response model (``response_model=``, the
    return annotation or a ``responses={...: {"model": ...}}``) it cannot serialize: a
    ``pydantic.v1`` model, or a class neither msgspec nor pydantic knows (an arbitrary class,
    alone or inside a list, a union...). A forward reference is left for start-up; a
    stream's items are checked."""
    item = stream_item_type(tp)
    if item is not None or any(tp is origin for origin in _STREAM_ORIGINS):
        tp = item
    if tp is None or isinstance(tp, (str, typing.ForwardRef)):
        return
    if t.is_pydantic_v1_type(tp):
        raise PydanticV1NotSupportedError(
            "pydantic.v1 models are no longer supported by FastAPI."
            f" Please update the response model {tp!r} ({where})."
        )
    try:
        info = msgspec.inspect.type_info(tp)
    except Exception:  # NOTE: a type msgspec cannot describe: planning explains it later
        return
    for cls in _custom_classes(info, set()):
        if not _pydantic_knows(cls):
            raise FastCoreError(
                f"Invalid args for response field! Hint: check that {tp!r} is a valid Pydantic "
                f"field type ({cls!r} is neither a pydantic, msgspec, dataclass nor TypedDict "
                f"type). If you are using a return type annotation that is not a valid Pydantic "
                f"field (e.g. Union[Response, dict, None]) you can disable generating the "
                f"response model from the type annotation with the path operation decorator "
                f"parameter response_model=None ({where})"
            )


def _custom_classes(node: Any, seen: set[int]) -> typing.Iterator[Any]:
    """The classes msgspec's description of a type leaves to a hook (``CustomType``)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, msgspec.inspect.CustomType):
        yield node.cls
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _custom_classes(item, seen)
    elif isinstance(node, msgspec.Struct):  # NOTE: msgspec.inspect's nodes are Structs
        for name in node.__struct_fields__:
            yield from _custom_classes(getattr(node, name), seen)


def _pydantic_knows(cls: Any) -> bool:
    """Whether ``cls`` is served as a model: one of fastcore's, or one pydantic (when
    loaded) validates and serializes (a model, or a type it has a schema for)."""
    if cls is object:
        return True  # NOTE: ``dict[str, object]``: any value, as pydantic (and FastAPI) take it
    if getattr(cls, "__module__", "").startswith("fastcore."):
        return True  # NOTE: fastcore's own (ServerSentEvent...), pydantic models in FastAPI
    if "pydantic" not in sys.modules:
        return False
    import pydantic

    if t.is_class(cls) and issubclass(cls, pydantic.BaseModel):
        return True
    try:
        pydantic.TypeAdapter(cls)
    except Exception:
        return False
    return True


def _same(value: Any) -> Any:
    return value


def _reshaped(model: Any, opts: Options) -> Serializer:
    """msgspec types with include/exclude, by_alias=False or exclude_defaults (the slow path)."""
    check: Callable[[Any], Any] = _same if _passes_through(model) else _checker(model)
    encode = encode_json if model is None else encode_model
    include, exclude = _incex(opts.include), _incex(opts.exclude)

    def serialize(value: Any) -> bytes:
        data = to_data(check(value), include, exclude, opts.by_alias, opts.exclude_defaults)
        if opts.exclude_unset:
            data = _only_given_keys(value, data)
        if opts.exclude_none:
            data = drop_none(data)
        return encode(data)

    return serialize


def make_serializer(
    model: Any,
    *,
    exclude_none: bool = False,
    exclude_unset: bool = False,
    options: Options | None = None,
) -> Serializer:
    """The function that turns a handler's return value into response bytes.

    ``exclude_none``/``exclude_unset`` are FastAPI's ``response_model_exclude_*`` options:
    pydantic models apply them in their own serializer; for msgspec types and plain data
    None values are dropped after encoding, and "unset" means keys the returned dicts did
    not carry (a Struct or dataclass instance has every field set).
    """
    opts = options or Options(exclude_unset=exclude_unset, exclude_none=exclude_none)
    exclude_none, exclude_unset = opts.exclude_none, opts.exclude_unset
    if t.is_pydantic_type(model):
        return _pydantic_serializer(model, opts)
    if opts.reshapes:
        return _reshaped(model, opts)
    # NOTE: as FastAPI: without a response model the value goes through jsonable_encoder
    # (timedeltas as seconds, UTC as +00:00); a declared one (even ``Any``) through pydantic,
    # whose JSON spells them as msgspec does.
    if model is None:
        base: Serializer = encode_json
    else:
        base = encode_model if _passes_through(model) else _msgspec_serializer(model)
    if exclude_none or exclude_unset:
        return _excluding(base, exclude_none, exclude_unset)
    return base


def make_msgpack_serializer(model: Any, options: Options | None = None) -> Serializer | None:
    """The return value straight to MessagePack bytes, where that is the JSON answer's document.

    Only for a msgspec response model (not pydantic, not a pass-through type) without the
    options that reshape the data, whose every field MessagePack spells as JSON does
    (``_msgpack.same_in_msgpack``); None otherwise, and the JSON bytes are transcoded.
    PERF: one check and one encode, against a JSON encode, decode and MessagePack encode.
    """
    opts = options or Options()
    if model is None or _passes_through(model) or t.is_pydantic_type(model):
        return None
    if opts.reshapes or opts.exclude_none or opts.exclude_unset or not same_in_msgpack(model):
        return None
    check = _checker(model)
    encode = _msgpack_encoder.encode

    def serialize(value: Any) -> bytes:
        return encode(check(value))

    return serialize


# NOTE: the hook never runs for a type same_in_msgpack accepts; it is there for a value the
# model check let through as it is (an exact instance holding something else).
_msgpack_encoder = msgspec.msgpack.Encoder(enc_hook=enc_hook)
