"""Third-party-style Starlette middleware, written as popular libraries write theirs.

The factory builds one app on a framework module (``fastapi`` or ``fastcore``) with three
middleware that only use Starlette's API, the way real ones do:

- ``RouteMetrics``, a pure ASGI middleware in the style of starlette-exporter and
  prometheus-fastapi-instrumentator: it finds the route's path template by calling
  ``route.matches(scope)`` over ``scope["app"].routes`` and looking for ``Match.FULL`` (or,
  for a route of an included router, from ``scope["route"]`` after the app ran), and
  reads the status from the ``http.response.start`` message it passes on;
- ``CorrelationId``, a ``BaseHTTPMiddleware`` in the style of asgi-correlation-id: it reads a
  request header, stores it on ``request.state``, and sets a response header after
  ``call_next``; it also records what the request object is (``isinstance`` Starlette's
  ``Request``) and what the app left in the scope (``scope["route"]``, ``scope["endpoint"]``);
- ``ScopeAudit``, pure ASGI again: what a tracing middleware reads from the scope before and
  after the app ran (type, method, path, root_path, query_string, the app object).

Everything they record lands in ``seen`` (a list the factory returns with the app), so a test
compares FastAPI's list with fastcore's.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request as StarletteRequest
from starlette.routing import Match


class RouteMetrics:
    """Labels each request by its route template, as metrics exporters do."""

    def __init__(self, app: Any, seen: list) -> None:
        self.app = app
        self.seen = seen

    def _template(self, scope: dict) -> str | None:
        for route in scope["app"].routes:
            match, _child = route.matches(scope)
            if match == Match.FULL:
                # FastAPI 0.165 keeps an included router as one route without a path: then
                # the template comes from scope["route"], which the app sets as it routes
                return getattr(route, "path", None)
        return None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        template = self._template(scope)
        status: list[int] = []

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, send_wrapper)
        template = template or getattr(scope.get("route"), "path", None)
        self.seen.append(("metrics", scope["method"], template, status[0] if status else None))


class CorrelationId(BaseHTTPMiddleware):
    """Carries an X-Request-ID from request to response, as correlation-id libraries do."""

    def __init__(self, app: Any, seen: list) -> None:
        super().__init__(app)
        self.seen = seen

    async def dispatch(self, request: StarletteRequest, call_next: Any) -> Any:
        request_id = request.headers.get("x-request-id", "generated")
        request.state.request_id = request_id
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        route = request.scope.get("route")
        endpoint = request.scope.get("endpoint")
        self.seen.append(
            (
                "correlation",
                isinstance(request, StarletteRequest),
                getattr(route, "path", None),
                getattr(route, "name", None),
                getattr(endpoint, "__name__", None),
                dict(request.path_params),
                response.status_code,
            )
        )
        return response


class ScopeAudit:
    """Reads the scope as tracing middleware do, before and after the app ran."""

    def __init__(self, app: Any, seen: list) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append(
                (
                    "audit-before",
                    scope["type"],
                    scope["method"],
                    scope["path"],
                    scope.get("root_path", ""),
                    scope["query_string"],
                    "route" in scope,
                    type(scope["app"]).__name__ in ("FastAPI", "FastCore"),
                )
            )
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.seen.append(("audit-after", getattr(scope.get("route"), "path", None)))


def middleware_app(fw: Any) -> tuple[Any, list]:
    """The app (routes on the app and on a prefixed router) and the list its middleware fill."""
    seen: list = []
    app = fw.FastAPI()
    router = fw.APIRouter(prefix="/api")

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, request: StarletteRequest) -> dict:
        return {
            "item_id": item_id,
            "request_id": request.state.request_id,
            "starlette_request": isinstance(request, StarletteRequest),
        }

    @router.post("/users/{name}", status_code=201)
    def create_user(name: str) -> dict:
        return {"name": name}

    @app.get("/fail")
    async def fail() -> dict:
        raise fw.HTTPException(status_code=418, detail="teapot")

    app.include_router(router)
    app.add_middleware(ScopeAudit, seen=seen)
    app.add_middleware(CorrelationId, seen=seen)
    app.add_middleware(RouteMetrics, seen=seen)
    return app, seen


#: The requests both apps get, in order: (method, path, headers).
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/items/7?q=1", {"x-request-id": "abc"}),
    ("POST", "/api/users/ann", {}),
    ("GET", "/items/not-a-number", {"x-request-id": "bad"}),
    ("GET", "/fail", {}),
    ("GET", "/missing", {}),
]
