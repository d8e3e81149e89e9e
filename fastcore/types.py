"""``fastapi.types``'s import path: the type aliases FastAPI's signatures use.

``ModelNameMap`` and ``IncEx`` name pydantic types, which stay optional in fastcore: they are
spelled with ``Any`` where pydantic would be needed, and mean the same to a type checker that
has pydantic installed.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar, Union

__all__ = ["DecoratedCallable", "DependencyCacheKey", "IncEx", "ModelNameMap", "UnionType"]

#: The function a route or event decorator returns unchanged.
DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])
#: ``X | Y``'s runtime type.
UnionType: Any = getattr(types, "UnionType", Union)
#: A model (or enum) class -> its name in ``#/components/schemas``.
ModelNameMap = dict[Union[type[Any], type[Enum]], str]
#: What FastAPI caches a dependency's value under: the callable, its OAuth scopes, its scope.
DependencyCacheKey = tuple[Union[Callable[..., Any], None], tuple[str, ...], str]
#: pydantic's include/exclude argument: a set of field names or a nested mapping of them.
IncEx = Union[set[int], set[str], dict[int, Any], dict[str, Any]]
