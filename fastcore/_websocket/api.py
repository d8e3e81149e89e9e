"""``@app.websocket(path)`` and its relatives, for APIRouter and the app.

Kept apart from the route classes (``fastcore/_websocket/routes.py``, Starlette's
``WebSocketRoute`` underneath) so that an app without WebSocket routes never imports
Starlette's routing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastcore.params import Depends

__all__ = ["WebSocketDecorators", "WebSocketRouterMethods"]

F = TypeVar("F", bound=Callable[..., Any])


class WebSocketDecorators:
    """``websocket``/``websocket_route`` for APIRouter and the app: each adds one route."""

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        raise NotImplementedError

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        raise NotImplementedError

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Depends] | None = None
    ) -> Callable[[F], F]:
        """Decorate ``async def handler(websocket: WebSocket, ...)`` to serve ``path``."""

        def decorator(func: F) -> F:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[F], F]:
        """Starlette's decorator: ``endpoint(websocket)`` with no parameters resolved."""

        def decorator(func: F) -> F:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator


class WebSocketRouterMethods(WebSocketDecorators):
    """APIRouter's side: WebSocket routes recorded in ``routes`` with the router's prefix."""

    # What APIRouter has (the app delegates these methods to its router instead).
    prefix: str
    dependencies: list[Depends]
    routes: list[Any]

    def _routes_changed(self) -> None:
        raise NotImplementedError

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        """Register a WebSocket handler at ``path``; the router's dependencies come first."""
        from fastcore._websocket.routes import APIWebSocketRoute

        self._routes_changed()
        deps = [*self.dependencies, *(dependencies or [])]
        route = APIWebSocketRoute(self.prefix + path, endpoint, name=name, dependencies=deps)
        self.routes.append(route)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        """Register a plain Starlette WebSocket endpoint: ``endpoint(websocket)``."""
        from fastcore._websocket.routes import PlainWebSocketRoute

        self._routes_changed()
        self.routes.append(PlainWebSocketRoute(self.prefix + path, endpoint, name=name))

    def include_websocket_route(
        self, route: Any, prefix: str, dependencies: Sequence[Depends] | None
    ) -> None:
        """``include_router``'s part for a WebSocket route: prefix and dependencies added."""
        from fastcore._websocket.routes import APIWebSocketRoute

        if isinstance(route, APIWebSocketRoute):
            deps = [*(dependencies or []), *route.dependencies]
            self.add_api_websocket_route(
                prefix + route.path, route.endpoint, name=route.name, dependencies=deps
            )
        else:
            self.add_websocket_route(prefix + route.path, route.endpoint, name=route.name)
