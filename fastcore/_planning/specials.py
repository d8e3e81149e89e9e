"""What a signature gets injected rather than read from the request, for every route kind.

The app's HTTP routes, its WebSocket routes and FastAPI's ``get_dependant``
(``fastcore.dependencies.utils``) read signatures the same way: a parameter annotated with
one of the special types is injected, and route-level ``dependencies=[...]`` are solved as
the parameters of one synthetic callable.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastcore.dependencies import Dependant
    from fastcore.params import Depends

__all__ = ["route_dependant", "route_dependencies", "special_types"]

#: Parameter types that are injected rather than read from the request, as (module, class,
#: kind); a subclass is injected too (``Request`` before ``HTTPConnection``, its base).
_SPECIAL_TYPES = (
    ("starlette.requests", "Request", "request"),
    ("starlette.requests", "HTTPConnection", "request"),
    ("starlette.responses", "Response", "response"),
    ("starlette.background", "BackgroundTasks", "background"),
    ("fastcore.security.oauth2", "SecurityScopes", "scopes"),
    ("fastcore._planning.request_io", "ASGIScope", "scope"),
)


def special_types() -> dict[type, str]:
    """The injected types, looked up among the modules already imported.

    PERF: a parameter can only be annotated with a class whose module is loaded, so asking
    ``sys.modules`` finds every special a signature can name without importing Starlette's
    request and response modules (~3.8 MiB of RSS) into a worker whose routes use none.
    """
    found: dict[type, str] = {}
    for module_name, name, kind in _SPECIAL_TYPES:
        module = sys.modules.get(module_name)
        if module is not None:
            found[getattr(module, name)] = kind
    return found


def route_dependencies(deps: Sequence[Depends]) -> Callable[..., None]:
    """A synthetic callable whose parameters are the route-level dependencies, in order."""

    def route_dependencies(**_: Any) -> None:
        return None

    params = [
        inspect.Parameter(f"_dep{i}", inspect.Parameter.KEYWORD_ONLY, default=d)
        for i, d in enumerate(deps)
    ]
    route_dependencies.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    route_dependencies.__qualname__ = "route dependencies"
    return route_dependencies


def route_dependant(
    endpoint: Callable[..., Any],
    path_names: frozenset[str],
    deps: Sequence[Depends],
    specials: dict[type, str],
) -> Dependant:
    """A route's ``Dependant``: its ``dependencies=[...]`` first, filling no parameter, then
    the endpoint's own parameters and dependencies (FastAPI's order)."""
    from fastcore.dependencies import analyze

    dep = analyze(endpoint, path_names, specials)
    if deps:
        extra = analyze(route_dependencies(deps), frozenset(), specials)
        dep.dependencies[:0] = list(extra.dependencies)
        for sub in dep.dependencies[: len(extra.dependencies)]:
            sub.name = ""
    return dep
