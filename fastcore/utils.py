"""``fastapi.utils``'s import path: small helpers FastAPI's users and libraries call.

``create_model_field`` (a pydantic ``ModelField``) is FastAPI's internals and is not here:
importing it raises an ``ImportError`` that says so.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, TypeVar

from fastcore._defaults import DefaultPlaceholder
from fastcore._status import body_allowed
from fastcore.dependencies.utils import get_path_param_names
from fastcore.exceptions import FastAPIDeprecationWarning

if TYPE_CHECKING:
    from fastcore.routing import APIRoute

__all__ = [
    "deep_dict_update",
    "generate_operation_id_for_path",
    "generate_unique_id",
    "get_path_param_names",
    "get_value_or_default",
    "is_body_allowed_for_status_code",
]

T = TypeVar("T")

_RANGES = {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    """Whether a response with this status may have a body: FastAPI's rule, the wire's
    (``fastcore._status``: not 1xx, 204 or 304) and not 205 either."""
    if status_code is None or status_code in _RANGES:
        return True
    code = int(status_code)
    return code != 205 and body_allowed(code)


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's default operationId for a route: name + path + method, non-word chars as _."""
    from fastcore.routing import generate_unique_id as unique_id

    return unique_id(route)


def generate_operation_id_for_path(*, name: str, path: str, method: str) -> str:
    """Deprecated in FastAPI (it warns the same way): the operationId of ``name`` at ``path``."""
    warnings.warn(
        "fastapi.utils.generate_operation_id_for_path() was deprecated, "
        "it is not used internally, and will be removed soon",
        category=FastAPIDeprecationWarning,
        stacklevel=2,
    )
    return re.sub(r"\W", "_", f"{name}{path}") + f"_{method.lower()}"


def deep_dict_update(main_dict: dict[Any, Any], update_dict: dict[Any, Any]) -> None:
    """Merge ``update_dict`` into ``main_dict``: dicts recursively, lists concatenated."""
    for key, value in update_dict.items():
        current = main_dict.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_dict_update(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            main_dict[key] = current + value
        else:
            main_dict[key] = value


def get_value_or_default(first_item: Any, *extra_items: Any) -> Any:
    """The first item that is not a ``Default(...)`` placeholder, else the first item."""
    for item in (first_item, *extra_items):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first_item


def __getattr__(name: str) -> Any:
    if name == "create_model_field":
        raise ImportError(
            "fastcore does not provide fastapi.utils.create_model_field: fastcore has no pydantic"
            " ModelField layer (it validates with msgspec, and with pydantic for pydantic models)",
            name=__name__,
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
