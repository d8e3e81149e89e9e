"""Path, query, header and cookie values of pydantic's own types, validated by pydantic.

FastAPI validates every parameter with pydantic, so ``callback_url: HttpUrl | None = None``,
``EmailStr`` or ``Annotated[str, AfterValidator(check)]`` work there as query parameters.
fastcore converts the common types itself (``fastcore._validation``); a parameter whose type
is a pydantic type that is no model (``HttpUrl``, ``EmailStr``, ``SecretStr``...) or carries
pydantic or annotated-types metadata (validators, ``StringConstraints``, ``Gt``...) is handed
to a ``pydantic.TypeAdapter`` instead, built once at start-up, with FastAPI's error shape.

Nothing here runs for other parameters, and pydantic is never imported for the question:
a type can only be pydantic's if pydantic is already loaded.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from typing import Any

from fastcore._validation import hints as t
from fastcore._validation.errors import InvalidValue

__all__ = ["is_pydantic_scalar", "pydantic_converter", "pydantic_metadata", "wants_pydantic"]

_MODULES = ("pydantic", "annotated_types")


def _foreign(obj: Any) -> bool:
    module = getattr(type(obj) if not isinstance(obj, type) else obj, "__module__", "") or ""
    return module.split(".", 1)[0] in _MODULES


def pydantic_metadata(metadata: tuple[Any, ...]) -> list[Any]:
    """The items of ``Annotated`` metadata that only pydantic understands."""
    if "pydantic" not in sys.modules:
        return []
    return [m for m in metadata if not isinstance(m, type) and _foreign(m)]


def is_pydantic_scalar(tp: Any) -> bool:
    """``tp`` (optional or a union) holds a pydantic type that is not a model, or its metadata."""
    if "pydantic" not in sys.modules:
        return False
    from pydantic import BaseModel

    tp, metadata = t.split_annotated(tp)
    if pydantic_metadata(metadata):
        return True
    if t.is_class(tp):
        return _foreign(tp) and not issubclass(tp, BaseModel)
    if t.is_union(tp):
        return any(is_pydantic_scalar(a) for a in typing.get_args(tp))
    return False


def wants_pydantic(tp: Any) -> bool:
    """Whether a parameter of type ``tp`` is converted by pydantic rather than fastcore."""
    return is_pydantic_scalar(tp)


def pydantic_converter(tp: Any) -> Callable[[Any], Any]:
    """A converter (``fastcore._validation``'s contract) that validates with pydantic."""
    from pydantic import TypeAdapter, ValidationError

    validate = TypeAdapter(tp).validate_python

    def convert(value: Any) -> Any:
        try:
            return validate(value)
        except ValidationError as exc:
            errors = [_error(e) for e in exc.errors(include_url=False)]
            raise InvalidValue(errors) from None

    return convert


def _error(err: Any) -> dict[str, Any]:
    out = {"type": err["type"], "loc": list(err["loc"]), "msg": err["msg"], "input": err["input"]}
    if "ctx" in err:
        out["ctx"] = err["ctx"]
    return out
