"""``fastapi.datastructures``: Starlette's headers, URLs, query parameters, forms and state.

``UploadFile`` is FastAPI's subclass of Starlette's (it also validates inside pydantic
models); ``Default``/``DefaultPlaceholder`` mark an option the user did not give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    ImmutableMultiDict,
    MutableHeaders,
    QueryParams,
    State,
)
from starlette.datastructures import UploadFile as StarletteUploadFile

from fastcore._defaults import Default, DefaultPlaceholder

__all__ = [
    "URL",
    "Address",
    "Default",
    "DefaultPlaceholder",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
]


class UploadFile(StarletteUploadFile):
    """A file uploaded in a multipart form: a handler or form-model field of this type gets it."""

    @classmethod
    def _validate(cls, value: Any, _: Any) -> StarletteUploadFile:
        if not isinstance(value, StarletteUploadFile):
            raise ValueError(f"Expected UploadFile, received: {type(value)}")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: Mapping[str, Any], handler: Any
    ) -> dict[str, Any]:
        return {"type": "string", "contentMediaType": "application/octet-stream"}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: Callable[[Any], Mapping[str, Any]]
    ) -> Any:
        from pydantic_core import core_schema

        return core_schema.with_info_plain_validator_function(cls._validate)
