"""``Default(value)``: marks an option the user did not give, so a router's or app's applies.

FastAPI's ``fastapi.datastructures.Default`` / ``DefaultPlaceholder``; one class for fastcore's
routing and for libraries that pass ``Default(...)`` values through.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["Default", "DefaultPlaceholder", "DefaultType"]

DefaultType = TypeVar("DefaultType")


class DefaultPlaceholder:
    """A default value, told apart from the same value given explicitly."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash((DefaultPlaceholder, id(self.value)))

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def Default(value: DefaultType) -> DefaultType:
    """Wrap a default so that an explicit value from the user stays distinguishable."""
    return DefaultPlaceholder(value)  # type: ignore[return-value]
