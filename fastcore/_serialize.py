"""Return value -> JSON bytes, filtered through the response model as FastAPI does.

Built once per route. A value that already is the model's exact type is encoded
as it is (the common, fast case); anything else is converted into the model first,
which drops fields the model does not declare, then encoded. A value that does not
fit the model is a server error (ResponseValidationError), never silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_origin

import msgspec

from fastcore import _typing as t
from fastcore.encoders import drop_none, encode_json
from fastcore.exceptions import ResponseValidationError

__all__ = ["Serializer", "make_serializer"]

Serializer = Callable[[Any], bytes]

_PASS_THROUGH: tuple[Any, ...] = (None, Any, dict, list, object, type(None))


def _passes_through(model: Any) -> bool:
    if model in _PASS_THROUGH:
        return True
    return model in (dict, list) or (get_origin(model) is dict and model == dict[str, Any])


def _pydantic_serializer(model: Any, exclude_none: bool, exclude_unset: bool) -> Serializer:
    from pydantic import TypeAdapter, ValidationError

    adapter: Any = TypeAdapter(model)

    def serialize(value: Any) -> bytes:
        try:
            checked = adapter.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            errs = [_response_error(e) for e in exc.errors(include_url=False)]
            raise ResponseValidationError(errs, body=value) from None
        return adapter.dump_json(  # type: ignore[no-any-return]
            checked, exclude_none=exclude_none, exclude_unset=exclude_unset
        )

    return serialize


def _response_error(err: Any) -> dict[str, Any]:
    return {
        "type": err["type"],
        "loc": ["response", *err["loc"]],
        "msg": err["msg"],
        "input": err["input"],
    }


def _msgspec_serializer(model: Any) -> Serializer:
    exact = model if t.is_class(model) else None

    def serialize(value: Any) -> bytes:
        if exact is not None and type(value) is exact:
            return encode_json(value)
        try:
            checked = msgspec.convert(value, model, from_attributes=True, strict=False)
        except msgspec.ValidationError as exc:
            err = {
                "type": "model_attributes_type",
                "loc": ["response"],
                "msg": str(exc),
                "input": value,
            }
            raise ResponseValidationError([err], body=value) from None
        return encode_json(checked)

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
        return encode_json(data)

    return serialize


def make_serializer(
    model: Any, *, exclude_none: bool = False, exclude_unset: bool = False
) -> Serializer:
    """The function that turns a handler's return value into response bytes.

    ``exclude_none``/``exclude_unset`` are FastAPI's ``response_model_exclude_*`` options:
    pydantic models apply them in their own serializer; for msgspec types and plain data
    None values are dropped after encoding, and "unset" means keys the returned dicts did
    not carry (a Struct or dataclass instance has every field set).
    """
    if t.is_pydantic_type(model):
        return _pydantic_serializer(model, exclude_none, exclude_unset)
    base = encode_json if _passes_through(model) else _msgspec_serializer(model)
    if exclude_none or exclude_unset:
        return _excluding(base, exclude_none, exclude_unset)
    return base
