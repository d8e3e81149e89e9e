"""``fastapi._compat``'s import path: the pydantic-version facts that tests and libraries read.

FastAPI's ``_compat`` is private, yet test suites (FastAPI's own tutorial tests among them)
and a few libraries import ``PYDANTIC_VERSION_MINOR_TUPLE`` or ``Undefined`` from it to branch
on the installed pydantic. fastcore gives those names the same values. The rest of FastAPI's
``_compat`` wraps pydantic ``ModelField`` machinery that fastcore does not use (its routes are
compiled into plans at start-up); importing such a name raises an ``ImportError`` naming it.

Importing this module imports pydantic: only code that asks for it pays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from pydantic.version import VERSION as PYDANTIC_VERSION
from pydantic_core import PydanticUndefined

from fastcore.dependencies.utils import lenient_issubclass

__all__ = [
    "PYDANTIC_VERSION",
    "PYDANTIC_VERSION_MINOR_TUPLE",
    "Undefined",
    "lenient_issubclass",
    "sequence_types",
]

#: ``(major, minor)`` of the installed pydantic, as FastAPI computes it.
PYDANTIC_VERSION_MINOR_TUPLE = tuple(int(x) for x in PYDANTIC_VERSION.split(".")[:2])

#: pydantic's "no default given" marker (FastAPI's ``Undefined``).
Undefined = PydanticUndefined

#: the annotations FastAPI reads as a sequence of values (repeated query keys, ...).
sequence_types: tuple[type[Any], ...] = (Sequence, list, tuple, set, frozenset, deque)


#: FastAPI's other ``_compat`` names: pydantic ModelField machinery fastcore does not use.
_NOT_PROVIDED = frozenset(
    {
        "ModelField",
        "RequiredParam",
        "copy_field_info",
        "create_body_model",
        "field_annotation_is_scalar",
        "field_annotation_is_scalar_sequence",
        "field_annotation_is_sequence",
        "get_cached_model_fields",
        "get_definitions",
        "get_flat_models_from_fields",
        "get_missing_field_error",
        "get_model_name_map",
        "get_schema_from_model_field",
        "is_bytes_or_nonable_bytes_annotation",
        "is_bytes_sequence_annotation",
        "is_scalar_field",
        "is_uploadfile_or_nonable_uploadfile_annotation",
        "is_uploadfile_sequence_annotation",
        "serialize_sequence_value",
        "value_is_sequence",
    }
)


def __getattr__(name: str) -> Any:
    if name in _NOT_PROVIDED:
        raise ImportError(
            f"fastcore does not provide fastapi._compat.{name}: it wraps pydantic ModelField"
            " machinery that fastcore does not use (routes are compiled into plans at start-up)",
            name=__name__,
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
