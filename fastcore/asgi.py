"""The ASGI 3 entry: routes a scope to its plan, turns exceptions into responses, runs lifespan.

This is how an app runs under uvicorn, granian or hypercorn and how the test client
drives it. Exception handling follows Starlette as FastAPI users know it: handlers
looked up by status code (for HTTPException) and by exception class; anything else is
a 500 "Internal Server Error" and the exception is re-raised for the server to log.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from fastcore._planning.body_limits import DeclaredTooLarge, declared_too_large_handler
from fastcore._planning.plans import RESPONSE_STARTED, SendTracker, is_response
from fastcore._planning.threadpool import run_in_threadpool
from fastcore._routing import FOUND, METHOD_NOT_ALLOWED, NOT_FOUND
from fastcore._routing.mounts import match_mount
from fastcore._status import body_allowed
from fastcore.exceptions import HTTPException, RequestValidationError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

# PERF: Starlette's request and response modules (~3.8 MiB of RSS) are imported by the paths
# that build one (errors, redirects), not here: a worker whose routes never fail or
# redirect never loads them.

__all__ = ["Dispatcher", "http_exception_handler", "request_validation_exception_handler"]

logger = logging.getLogger("fastcore")


async def http_exception_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI's answer to an HTTPException: ``{"detail": ...}`` and its headers."""
    from starlette.responses import JSONResponse, Response

    if not body_allowed(exc.status_code):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> Response:
    """FastAPI's 422: every error under ``detail``, through jsonable_encoder as FastAPI does
    (an exception in an error's ``ctx``, from a pydantic validator, becomes ``{}``)."""
    from starlette.responses import JSONResponse

    from fastcore.encoders import jsonable_encoder

    return JSONResponse({"detail": jsonable_encoder(exc.errors())}, 422)


class _HeadSend:
    """Drops response bodies for HEAD requests, keeping the headers (Content-Length included)."""

    __slots__ = ("send",)

    def __init__(self, send: Any) -> None:
        self.send = send

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await self.send(message)


class Dispatcher:
    """The innermost ASGI app of a frozen FastCore: router, plans and error handling."""

    def __init__(self, app: Any, router: Any) -> None:
        self.app = app
        self.router = router
        self.redirect_slashes = app.redirect_slashes
        #: Starlette ``Mount``s, matched by their own ``matches`` (path parameters included).
        self.mounts = list(app.mounts)
        #: The app's ``max_body_size``: mounted apps read their body under it, as FastAPI's
        #: app-wide body-limit middleware makes them.
        self.mount_limit: int | None = app.router.max_body_size
        self.plain_routes = list(app.plain_routes)
        self.handlers: dict[Any, Callable[..., Any]] = {
            StarletteHTTPException: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
            **app.exception_handlers,
            # NOTE: not overridable, as Starlette's body-limit middleware answers it itself
            DeclaredTooLarge: declared_too_large_handler,
        }
        self.server_error_handler = app.exception_handlers.get(
            500, app.exception_handlers.get(Exception)
        )
        #: ``app.frontend()`` and other low-priority routes: tried where the answer is a 404.
        self.low_priority: Any = None
        if app.router._low_priority_routes:
            from fastcore._frontend.serve import LowPriority

            self.low_priority = LowPriority(app)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self.http(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(self.app, scope, receive, send)
        elif kind == "websocket":
            from fastcore._websocket.plans import serve_websocket

            await serve_websocket(self, scope, receive, send)
        else:
            raise RuntimeError(f"fastcore cannot serve ASGI scope type {kind!r}")

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] == "HEAD":
            send = _HeadSend(send)
        try:
            await self._route(scope, receive, send)
        except Exception as exc:
            await self._on_error(exc, scope, receive, send)

    async def _route(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        status, target, params = self.router.match(scope["method"], path)
        if status == FOUND:
            outer = scope.get("path_params")
            if outer:  # NOTE: a mount's own parameters (``/{tenant}/api``), kept as Starlette does
                params = {**outer, **params}
            scope["path_params"] = params
            route = target.route
            scope["route"] = route
            scope["endpoint"] = route.endpoint
            await target(scope, receive, send, params)
            return
        if self.plain_routes and await self._plain(scope, receive, send):
            return
        if status == METHOD_NOT_ALLOWED:
            raise HTTPException(405, headers={"Allow": ", ".join(target)})
        if self.mounts:
            found = match_mount(self.mounts, scope)
            if found is not None:
                mount, extra = found
                # NOTE: the mounted app's scope (root_path, path parameters, route) as
                # Starlette's router makes it; request.url_for names routes from the router
                child = {**scope, **extra, "route": mount}
                child.setdefault("router", self.app.router)
                tracked = SendTracker(scope, send)
                if self.mount_limit is None:
                    await mount.handle(child, receive, tracked)
                else:
                    await self._limited(mount, scope, child, receive, tracked)
                return
        if self.redirect_slashes and path != "/":
            alt = path[:-1] if path.endswith("/") else path + "/"
            full = scope["path"][: len(scope["path"]) - len(path)] + alt
            if self._matches(scope, alt, full):
                from starlette.datastructures import URL
                from starlette.responses import RedirectResponse

                url = URL(scope={**scope, "path": full})
                await RedirectResponse(str(url))(scope, receive, SendTracker(scope, send))
                return
        if self.low_priority is not None:
            await self.low_priority(scope, receive, SendTracker(scope, send))
            return
        raise HTTPException(404)

    async def _plain(self, scope: dict[str, Any], receive: Any, send: Any) -> bool:
        """Plain Starlette routes (``app.add_route``), matched as Starlette's router does."""
        from starlette.routing import Match

        partial = None
        for route in self.plain_routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                scope.update(child)
                await route.handle(scope, receive, SendTracker(scope, send))
                return True
            if match == Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is None:
            return False
        scope.update(partial[1])
        await partial[0].handle(scope, receive, SendTracker(scope, send))
        return True

    def _matches(self, scope: dict[str, Any], path: str, full: str) -> bool:
        """Whether ``path`` (the slash redirect's other spelling; ``full`` with the root
        path) is served by a route or a mount."""
        if self.router.match(scope["method"], path)[0] != NOT_FOUND:
            return True
        return bool(self.mounts) and match_mount(self.mounts, {**scope, "path": full}) is not None

    async def _limited(
        self, mount: Any, scope: dict[str, Any], child: dict[str, Any], receive: Any, send: Any
    ) -> None:
        """A mounted app under the app's ``max_body_size``, as FastAPI 0.165 serves it.

        FastAPI's app-wide limit is Starlette's ``RequestBodyLimitMiddleware`` around its
        exception middleware: the mounted app's body reads raise its 413 (answered by the
        app's handlers: ``{"detail": "Content Too Large"}``), a declared Content-Length over
        the limit turns whatever the app answers into the plain-text 413, and a Starlette or
        FastAPI app (or a fastcore route with a limit of its own) mounted inside shares the
        byte count and may set a more specific limit on it.
        """
        from starlette.middleware.body_limit import RequestBodyLimitMiddleware

        async def handled(child: Any, receive: Any, send: Any) -> None:
            try:
                await mount.handle(child, receive, send)
            except Exception as exc:
                handler = self._handler_for(exc)
                if handler is None or scope.get(RESPONSE_STARTED, False):
                    raise
                response = await _call_handler(handler, _request(child, receive), exc)
                await response(child, receive, send)

        assert self.mount_limit is not None
        await RequestBodyLimitMiddleware(handled, self.mount_limit)(child, receive, send)

    def _handler_for(self, exc: Exception) -> Callable[..., Any] | None:
        if isinstance(exc, StarletteHTTPException) and exc.status_code in self.handlers:
            return self.handlers[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self.handlers and cls is not Exception:
                return self.handlers[cls]
        return None

    async def answer_error(
        self, exc: Exception, scope: dict[str, Any], receive: Any, send: Any, started: bool
    ) -> None:
        """``exc`` answered by the app's exception handlers, for fastcore's server (its
        ``ErrorHandler``): ``started`` says the response's head was already written."""
        scope[RESPONSE_STARTED] = started
        await self._on_error(exc, scope, receive, send)

    async def _on_error(
        self, exc: Exception, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        handler = self._handler_for(exc)
        started = scope.get(RESPONSE_STARTED, False)
        if handler is not None:
            if started:
                raise RuntimeError(
                    "an exception was raised after the response had started"
                ) from exc
            response = await _call_handler(handler, _request(scope, receive), exc)
            await response(scope, receive, send)
            return
        if not started:
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse("Internal Server Error", status_code=500)
            if self.server_error_handler is not None:
                response = await _call_handler(
                    self.server_error_handler, _request(scope, receive), exc
                )
            await response(scope, receive, send)
        raise exc


def _request(scope: dict[str, Any], receive: Any) -> Request:
    from starlette.requests import Request

    return Request(scope, receive)


async def _call_handler(handler: Callable[..., Any], request: Request, exc: Exception) -> Response:
    if inspect.iscoroutinefunction(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    if not is_response(response):
        raise TypeError(f"exception handler {handler!r} returned {response!r}, not a Response")
    return response


async def _lifespan(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The lifespan, inside telemetry's export set-up when the app asks for it
    (``auto_configure``: fastcore/telemetry/_runtime.py) or another app loaded it."""
    if not (app._telemetry["auto_configure"] or _RUNTIME in sys.modules):
        await Lifespan(app)(scope, receive, send)
        return
    from fastcore.telemetry import _runtime

    await _runtime.lifespan(
        config=app._telemetry,
        app=Lifespan(app),
        scope=scope,
        receive=receive,
        send=send,
        configured=app._changed,  # NOTE: re-plan: the app's providers may be new
    )


_RUNTIME = "fastcore.telemetry._runtime"


class Lifespan:
    """The ASGI lifespan protocol: freeze, startup hooks and the lifespan context, then shutdown."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        started = False
        try:
            async with contextlib.AsyncExitStack() as stack:
                state = await self.startup(stack)
                if state:
                    if "state" not in scope:
                        raise RuntimeError("the server does not support lifespan state")
                    scope["state"].update(state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                message = await receive()
        except BaseException as exc:
            text = f"{type(exc).__name__}: {exc}"
            if not started:
                logger.exception("application startup failed")
                await send({"type": "lifespan.startup.failed", "message": text})
            else:
                logger.exception("application shutdown failed")
                await send({"type": "lifespan.shutdown.failed", "message": text})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    async def startup(self, stack: contextlib.AsyncExitStack) -> dict[str, Any] | None:
        self.app.freeze()
        # NOTE: as FastAPI, on_startup/on_shutdown run in the router's default lifespan
        # (fastcore/_lifespans.py), not beside a lifespan= the app was given
        factory = self.app.lifespan_context
        if factory is None:
            return None
        state = await stack.enter_async_context(_as_async_cm(factory(self.app)))
        self.app.replan_changed()  # NOTE: a lifespan may have changed routes
        return state  # type: ignore[no-any-return]


def _as_async_cm(cm: Any) -> Any:
    if hasattr(cm, "__aenter__"):
        return cm
    if hasattr(cm, "__enter__"):
        return _SyncToAsync(cm)
    raise TypeError("lifespan= must return an (async) context manager")


class _SyncToAsync:
    def __init__(self, cm: Any) -> None:
        self.cm = cm

    async def __aenter__(self) -> Any:
        return self.cm.__enter__()

    async def __aexit__(self, *exc: Any) -> Any:
        return self.cm.__exit__(*exc)
