"""WebSocket routes -> plans, and serving a ``websocket`` ASGI scope with them.

A WebSocket handler's parameters are resolved as FastAPI resolves them: path, query,
header and cookie values, ``Depends`` (``yield`` ones closed after the handler returns),
security, with ``websocket: WebSocket`` (or ``HTTPConnection``) injected. Invalid values
raise ``WebSocketRequestValidationError`` before the handler runs; its default handler
closes the connection with 1008 and the errors as the reason, as FastAPI's does. The
analysis and call plans are the HTTP routes' own (``fastcore/dependencies/``,
``fastcore/_planning/handlers.py``); only the request side differs (no body, a WebSocket
instead of a Request).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.exceptions import WebSocketException as StarletteWebSocketException
from starlette.requests import HTTPConnection as StarletteConnection
from starlette.websockets import WebSocket

from fastcore._planning.exit_stack import RequestStack
from fastcore._planning.handlers import CallPlan, RequestData, RequestNeeds, build_call_plan
from fastcore._planning.specials import route_dependencies, special_types
from fastcore._planning.threadpool import run_in_threadpool
from fastcore._routing import FOUND, Router
from fastcore._routing.mounts import match_mount
from fastcore._websocket.routes import APIWebSocketRoute, PlainWebSocketRoute
from fastcore.dependencies import ASYNC, analyze
from fastcore.encoders import jsonable_encoder
from fastcore.exceptions import (
    DeclarationError,
    DependencyScopeError,
    FastCoreError,
    HTTPException,
    PydanticV1NotSupportedError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from fastcore.requests import HTTPConnection
from fastcore.responses import Response

__all__ = [
    "WebSocketPlan",
    "plan_websocket_routes",
    "serve_websocket",
    "websocket_exception_handler",
    "websocket_request_validation_exception_handler",
]

#: The method WebSocket routes are filed under in their own router.
_WS = "WEBSOCKET"
#: Scope key holding the route's WebSocket, so an error handler closes that very object.
_SESSION = "fastcore.websocket"
_WS_CLOSE = {"type": "websocket.close", "code": 1000, "reason": ""}


async def websocket_request_validation_exception_handler(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    """FastAPI's answer to invalid WebSocket parameters: close with 1008, errors as reason."""
    await websocket.close(code=1008, reason=jsonable_encoder(exc.errors()))


async def websocket_exception_handler(
    websocket: WebSocket, exc: WebSocketException | StarletteWebSocketException
) -> None:
    """Starlette's answer to WebSocketException: close with its code and reason."""
    await websocket.close(code=exc.code, reason=exc.reason)


_DEFAULT_HANDLERS: dict[Any, Callable[..., Any]] = {
    WebSocketException: websocket_exception_handler,
    StarletteWebSocketException: websocket_exception_handler,
    WebSocketRequestValidationError: websocket_request_validation_exception_handler,
}


class WebSocketPlan:
    """One WebSocket route, ready to serve: ``await plan(scope, receive, send)``."""

    __slots__ = ("call", "needs", "route")

    def __init__(self, call: CallPlan, needs: RequestNeeds) -> None:
        self.call = call
        self.needs = needs
        self.route: APIWebSocketRoute | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.serve(scope, receive, send, self._run)

    async def serve(
        self, scope: dict[str, Any], receive: Any, send: Any, run: Callable[..., Any]
    ) -> None:
        """The connection's stacks around ``run(rd)`` (``_run``, or telemetry's twin of it)."""
        websocket = scope[_SESSION] = WebSocket(scope, receive, send)
        rd = RequestData(scope, receive, scope.get("path_params", {}))
        # NOTE: preset, so the "request" and "websocket" specials (security classes read
        # headers and query through it) answer the WebSocket without building a Request.
        rd.request = websocket  # type: ignore[assignment]
        async with RequestStack() as stack:
            rd.stack = stack
            if not self.needs.function_scoped:
                await run(rd)
                return
            # NOTE: as FastAPI: scope="function" dependencies exit first, when the handler ends.
            async with RequestStack() as function_stack:
                rd.function_stack = function_stack
                await run(rd)

    async def _run(self, rd: RequestData) -> None:
        await self.needs.prepare(rd)
        errors: list[dict[str, Any]] = []
        kwargs = await self.call.solve(rd, errors)
        if errors:
            raise WebSocketRequestValidationError(errors)
        await self.call.invoke(kwargs, rd)


class _PlainSession:
    """Starlette's ``add_websocket_route`` endpoint: ``await endpoint(websocket)``."""

    __slots__ = ("endpoint",)

    def __init__(self, endpoint: Callable[..., Any]) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope[_SESSION] = websocket = WebSocket(scope, receive, send)
        await self.endpoint(websocket)


def _specials() -> dict[type, str]:
    extra: dict[type, str] = {WebSocket: "websocket", StarletteConnection: "websocket"}
    extra.setdefault(HTTPConnection, "websocket")
    return {**special_types(), **extra}


def check_declaration(route: APIWebSocketRoute) -> None:
    """FastAPI's declaration-time refusals, raised by ``@app.websocket`` as for HTTP routes
    (``fastcore/routing.py``): the parameter declarations it asserts on, a pydantic.v1 model,
    a scope error. The app plans the route, and reports anything else, when it starts."""
    specials = _specials()
    try:
        analyze(route.endpoint, frozenset(route.template_params), specials)
        if route.dependencies:
            analyze(route_dependencies(route.dependencies), frozenset(), specials)
    except (DeclarationError, DependencyScopeError, PydanticV1NotSupportedError):
        raise
    except Exception:
        return


def _plan(app: Any, route: APIWebSocketRoute, specials: dict[type, str]) -> WebSocketPlan:
    path_names = frozenset(route.template_params)
    dep = analyze(route.endpoint, path_names, specials)
    if dep.kind is not ASYNC:
        raise FastCoreError(f"{dep.name}: a WebSocket handler must be an `async def` function")
    if route.dependencies:
        extra = analyze(route_dependencies(route.dependencies), frozenset(), specials)
        dep.dependencies[:0] = list(extra.dependencies)
        for sub in dep.dependencies[: len(extra.dependencies)]:
            sub.name = ""
    route.dependant = dep
    for d in dep.flat():
        for p in d.params:
            if p.source == "body":
                raise FastCoreError(
                    f"{d.name}: parameter {p.name!r} would be read from a request body, "
                    "which a WebSocket handshake does not have; read messages with "
                    "websocket.receive_json() instead"
                )
    overrides = app._new_overrides(lambda c: analyze(c, path_names, specials))
    return WebSocketPlan(build_call_plan(dep, overrides), RequestNeeds(dep, overrides))


def plan_websocket_routes(app: Any) -> Any:
    """The app's WebSocket routes in a router of their own; None when it has none."""
    kinds = (APIWebSocketRoute, PlainWebSocketRoute)
    routes = [r for r in app.router._effective_routes() if isinstance(r, kinds)]
    if not routes:
        return None
    specials = _specials()
    router = Router()
    for route in routes:
        target: Any
        if isinstance(route, APIWebSocketRoute):
            target = route.plan = _plan(app, route, specials)
            target.route = route
            if app._otel is not None:  # NOTE: fastcore/_telemetry.py
                from fastcore._telemetry import TracedWebSocketPlan

                target = TracedWebSocketPlan(target, app._otel)
        elif inspect.isfunction(route.endpoint) or inspect.ismethod(route.endpoint):
            target = _PlainSession(route.endpoint)
        else:
            target = route.endpoint  # NOTE: as Starlette: a class endpoint is an ASGI app
        router.add(_WS, route.path, target)
    return router


async def serve_websocket(dispatcher: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ASGI ``websocket`` scope: route it, and turn exceptions into closes."""
    try:
        await _route(dispatcher, scope, receive, send)
    except Exception as exc:
        handler = _handler_for(dispatcher, exc)
        if handler is None:
            raise
        websocket = scope.get(_SESSION) or WebSocket(scope, receive, send)
        if inspect.iscoroutinefunction(handler):
            result = await handler(websocket, exc)
        else:
            result = await run_in_threadpool(handler, websocket, exc)
        if isinstance(result, Response):
            await _deny(result, scope, receive, send)


async def _route(dispatcher: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    router = getattr(dispatcher.app, "_websocket_router", None)
    if router is not None:
        status, target, params = router.match(_WS, path)
        if status == FOUND:
            scope["path_params"] = params
            await target(scope, receive, send)
            return
    found = match_mount(dispatcher.mounts, scope) if dispatcher.mounts else None
    if found is not None:
        # NOTE: as Starlette's router: root_path, path parameters
        await found[0].handle({**scope, **found[1], "route": found[0]}, receive, send)
        return
    await send(_WS_CLOSE)  # NOTE: as Starlette: no route closes the handshake (403)


def _handler_for(dispatcher: Any, exc: Exception) -> Callable[..., Any] | None:
    handlers: dict[Any, Callable[..., Any]] = {**_DEFAULT_HANDLERS, **dispatcher.handlers}
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls in handlers and cls is not Exception:
            return handlers[cls]
    return None


async def _deny(response: Response, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An error handler's Response before ``accept``: sent as the handshake's HTTP answer.

    That is ASGI's WebSocket Denial Response extension; a server without it gets a 1008
    close (an HTTP 403) instead, as FastAPI apps get from servers that lack it.
    """
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return

    async def denial_send(message: MutableMapping[str, Any]) -> None:
        kind = message["type"]
        if not kind.startswith("websocket."):
            message = {**message, "type": "websocket." + kind}
        await send(message)

    await response(scope, receive, denial_send)
