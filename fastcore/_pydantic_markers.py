"""Markers (``Query(...)``, ``Body(...)``...) as pydantic sees them: a ``FieldInfo``.

FastAPI's ``Query`` is a pydantic ``FieldInfo``, so a model field declared
``size: int = Query(50, ge=1)`` has the default 50 and the bound ``ge=1`` for pydantic too:
``Params()`` is ``Params(size=50)``, and ``Params.model_fields["size"]`` is the marker
(fastapi-pagination declares its ``Params`` so and builds a dependency's signature from
``model_fields``). fastcore's markers are its own classes, so when pydantic is loaded a
marker is made as a ``MarkerFieldInfo``: pydantic's ``FieldInfo`` built from the marker's
settings, holding the marker itself (``fastcore_marker``), which fastcore reads. Such an
object is an instance of its marker's class for ``isinstance`` (``params.Param``'s
metaclass), and gives the marker's other attributes (``in_``, ``embed``, ``media_type``).

Nothing here is imported unless pydantic already is.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from fastcore.params import Undefined

__all__ = ["MarkerFieldInfo", "as_field_info"]

#: The marker settings FieldInfo takes under the same name.
_SETTINGS = (
    "default_factory",
    "alias",
    "validation_alias",
    "title",
    "description",
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "examples",
    "deprecated",
    "discriminator",
    "strict",
    "union_mode",
    "fail_fast",
    "allow_inf_nan",
    "max_digits",
    "decimal_places",
)


class MarkerFieldInfo(FieldInfo):  # type: ignore[misc]  # NOTE: FastAPI subclasses it too
    """pydantic's view of a fastcore marker (``fastcore_marker``)."""

    __slots__ = ("fastcore_marker",)

    def __init__(self, marker: Any) -> None:
        kwargs = {k: getattr(marker, k) for k in _SETTINGS if getattr(marker, k) is not None}
        if marker.json_schema_extra:
            kwargs["json_schema_extra"] = marker.json_schema_extra
        if marker.default is not Undefined:  # NOTE: else required, for pydantic too
            kwargs["default"] = marker.default
        super().__init__(**kwargs)
        self.fastcore_marker = marker

    def as_marker(self) -> Any:
        """The marker, with the default pydantic's side holds now: code may have changed it
        on a copy (fastapi-pagination's optional params set ``default=None``)."""
        marker = self.fastcore_marker
        default = self.default
        if default is PydanticUndefined or default is ...:
            default = Undefined
        factory = self.default_factory
        if default is marker.default and factory is marker.default_factory:
            return marker
        marker = copy.copy(marker)
        marker.default, marker.default_factory = default, factory
        return marker

    def __getattr__(self, name: str) -> Any:
        # NOTE: what FieldInfo has no slot for (in_, embed, media_type, constraints())
        if name.startswith("__") or name == "fastcore_marker":
            raise AttributeError(name)
        return getattr(self.fastcore_marker, name)

    def __repr__(self) -> str:
        return repr(self.fastcore_marker)


def as_field_info(marker: Any) -> MarkerFieldInfo:
    """``marker`` as a pydantic ``FieldInfo`` (FastAPI's markers are ones)."""
    return MarkerFieldInfo(marker)
