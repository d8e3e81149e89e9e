"""FastCore (also exported as FastAPI): the application object users decorate.

It records routes, exception handlers, middleware and lifespan, and on ``freeze()``
turns them into plans and one compiled router. ``freeze`` is called by the ASGI
lifespan, by the first request, or by the test client; registering a route after
it is an error, so what the router serves is always what the docs describe.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from fastcore import _typing as t
from fastcore._accel import load
from fastcore._body_limits import BodyLimits
from fastcore._serialize import Options, make_serializer
from fastcore._websocket_api import WebSocketDecorators
from fastcore.asgi import Dispatcher
from fastcore.background import BackgroundTasks
from fastcore.datastructures import State
from fastcore.dependencies import ASYNC_GEN, GEN, analyze
from fastcore.exceptions import FastAPIDeprecationWarning, FastCoreError
from fastcore.handlers import Overrides, RequestNeeds, build_call_plan
from fastcore.params import Depends
from fastcore.plans import RoutePlan
from fastcore.requests import Request
from fastcore.responses import JSONResponse, Response
from fastcore.routing import APIRoute, APIRouter, RouteDecorators, is_default
from fastcore.security.oauth2 import SecurityScopes

__all__ = ["FastCore"]

F = TypeVar("F", bound=Callable[..., Any])
_router_mod = load("router")

#: Parameter types that are injected rather than read from the request.
SPECIAL_TYPES: dict[type, str] = {
    Request: "request",
    Response: "response",
    BackgroundTasks: "background",
    SecurityScopes: "scopes",
}


def _serializer_options(route: APIRoute) -> Options:
    return Options(
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
    )


def _response_model(route: APIRoute) -> Any:
    """The route's response model: given, or the return annotation unless it is a Response."""
    if not is_default(route.response_model):
        return route.response_model
    try:
        hints = inspect.get_annotations(route.endpoint, eval_str=True)
    except Exception:
        hints = getattr(route.endpoint, "__annotations__", {})
    ret = hints.get("return")
    if ret is None or ret is inspect.Signature.empty:
        return None
    bare = t.split_annotated(ret)[0]
    if t.is_class(bare) and issubclass(bare, Response):
        return None
    args = getattr(bare, "__args__", ())
    if any(t.is_class(a) and issubclass(a, Response) for a in args):
        return None
    return ret


class FastCore(RouteDecorators, WebSocketDecorators):
    """The app: routes, handlers, middleware, lifespan and the OpenAPI document."""

    def __init__(
        self,
        *,
        debug: bool = False,
        title: str = "FastAPI",
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] = JSONResponse,
        redirect_slashes: bool = True,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_parameters: dict[str, Any] | None = None,
        docs_assets_dir: str | os.PathLike[str] | None = None,
        docs_cdn: bool = False,
        lifespan: Callable[[Any], Any] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        root_path: str = "",
        exception_handlers: dict[Any, Callable[..., Any]] | None = None,
        middleware: Sequence[Any] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        # OpenAPI options, FastAPI's (fastcore.openapi):
        webhooks: APIRouter | None = None,
        callbacks: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        root_path_in_servers: bool = True,
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        max_body_size: int | None = None,
        form_limits: dict[str, int] | None = None,
        **extra: Any,
    ) -> None:
        self.debug = debug
        self.title, self.summary, self.description, self.version = (
            title,
            summary,
            description,
            version,
        )
        self.openapi_url, self.openapi_tags, self.servers = openapi_url, openapi_tags, servers
        self.docs_url, self.redoc_url = docs_url, redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_parameters = swagger_ui_parameters
        # Where /docs and /redoc load Swagger UI and ReDoc from: the copy shipped with fastcore
        # (None), another folder the app serves, or (docs_cdn=True) jsDelivr, as FastAPI does.
        self.docs_assets_dir, self.docs_cdn = docs_assets_dir, docs_cdn
        self.terms_of_service, self.contact, self.license_info = (
            terms_of_service,
            contact,
            license_info,
        )
        if root_path:
            # NOTE: FastAPI 0.165's warning, word for word: users' suites match on it.
            warnings.warn(
                "The `root_path` parameter is deprecated. Configure the server's root path"
                " instead, for example with `fastapi run --root-path /api/v1`.",
                category=FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.root_path = root_path
        self.redirect_slashes = redirect_slashes
        self.extra = extra
        self.state = State()
        self.router = APIRouter(
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            generate_unique_id_function=generate_unique_id_function,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        #: Routes documented under the document's ``webhooks`` (``@app.webhooks.post(name)``).
        self.webhooks = webhooks or APIRouter()
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.root_path_in_servers = root_path_in_servers
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.lifespan_context = lifespan
        self.on_startup = list(on_startup or [])
        self.on_shutdown = list(on_shutdown or [])
        self.exception_handlers: dict[Any, Callable[..., Any]] = dict(exception_handlers or {})
        #: ``{original: replacement}``: used in tests to swap dependencies, at any time.
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.user_middleware: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        for item in middleware or ():
            cls, margs, mkwargs = item
            self.user_middleware.append((cls, tuple(margs), dict(mkwargs)))
        self.mounts: list[tuple[str, Any, str | None]] = []
        self.openapi_schema: dict[str, Any] | None = None
        self._dispatcher: Dispatcher | None = None
        self._websocket_router: Any = None
        self._asgi: Callable[..., Awaitable[None]] | None = None

    # -- routes ---------------------------------------------------------------------------
    @property
    def routes(self) -> list[APIRoute]:
        return self.router.routes

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> APIRoute:
        return self.router.add_api_route(path, endpoint, **options)

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **options: Any
    ) -> Callable[[F], F]:
        return self.router.api_route(path, methods=methods, **options)

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        self.router.add_api_websocket_route(path, endpoint, name, dependencies=dependencies)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        self.router.add_websocket_route(path, endpoint, name)

    def include_router(self, router: APIRouter, **options: Any) -> None:
        self.router.include_router(router, **options)

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve ``app`` (any ASGI app, e.g. StaticFiles) under ``path``.

        Routes are matched first; a request under ``path`` that no route takes goes to the
        mounted app with ``root_path`` extended by ``path`` and ``path`` unchanged, as
        Starlette (0.33 and later) calls mounted apps.
        """
        self._check_open("mounts")
        if not path.startswith("/") or path.endswith("/"):
            raise FastCoreError(f"mount path {path!r} must start with '/' and not end with '/'")
        if any(m[0] == path for m in self.mounts):
            raise FastCoreError(f"two apps are mounted at {path!r}")
        self.mounts.append((path, app, name))

    def url_path_for(self, name: str, /, **params: Any) -> str:
        for mount_path, _, mount_name in self.mounts:
            if name == mount_name and set(params) <= {"path"}:
                return mount_path + "/" + str(params.get("path", "")).lstrip("/")
        return self.router.url_path_for(name, **params)

    # -- handlers, middleware, lifespan ---------------------------------------------------
    def exception_handler(self, key: int | type[BaseException]) -> Callable[[F], F]:
        """Register ``handler(request, exc) -> Response`` for a status code or exception class."""

        def decorator(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return decorator

    def add_exception_handler(self, key: int | type[BaseException], handler: Any) -> None:
        self._check_open("exception handlers")
        self.exception_handlers[key] = handler

    def add_middleware(self, middleware_class: Any, *args: Any, **options: Any) -> None:
        """Wrap the app in a pure ASGI middleware ``middleware_class(app, *args, **options)``.

        The last one added is the outermost, as in Starlette; the chain is composed once,
        at start-up, and an app with no middleware runs no middleware code at all.
        """
        self._check_open("middleware")
        self.user_middleware.insert(0, (middleware_class, args, options))

    def middleware(self, middleware_type: str) -> Callable[[F], F]:
        """``@app.middleware("http")``: ``async def mw(request, call_next) -> Response``."""
        # NOTE: imported here so that an app without middleware never loads the package.
        from fastcore.middleware.base import http_middleware_decorator

        return http_middleware_decorator(self.add_middleware, middleware_type)  # type: ignore[no-any-return]

    def on_event(self, event: str) -> Callable[[F], F]:
        """The older startup/shutdown decorator; ``lifespan=`` is the newer way.

        Deprecated as in FastAPI: calling it warns with a ``DeprecationWarning``.
        """
        warnings.warn(
            "on_event is deprecated, use lifespan event handlers instead.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        if event not in ("startup", "shutdown"):
            raise FastCoreError(f"unknown event {event!r}: use 'startup' or 'shutdown'")

        def decorator(func: F) -> F:
            (self.on_startup if event == "startup" else self.on_shutdown).append(func)
            return func

        return decorator

    def _check_open(self, what: str) -> None:
        if self._dispatcher is not None:
            raise FastCoreError(f"{what} cannot be added after the app has started serving")

    # -- start-up -------------------------------------------------------------------------
    @property
    def frozen(self) -> bool:
        return self._dispatcher is not None

    def freeze(self) -> None:
        """Plan every route and build the router; idempotent."""
        if self._dispatcher is not None:
            return
        for route in self.router.routes:
            # A path only documents can have (routing.py): no app can serve it.
            if isinstance(route, APIRoute) and route.path_error is not None:
                raise route.path_error
        self._add_docs_routes()
        router = _router_mod.Router()
        explicit_head = {r.path for r in self.routes if "HEAD" in r.methods}
        for route in self.routes:
            if not isinstance(route, APIRoute):
                continue  # WebSocket routes: planned below, into a router of their own
            route.plan = self._plan(route)
            for method in sorted(route.methods):
                router.add(method, route.path, route.plan)
            if "GET" in route.methods and route.path not in explicit_head:
                router.add("HEAD", route.path, route.plan)
                explicit_head.add(route.path)
        self._websocket_router = _plan_websockets(self)
        self.router._frozen = True
        self._dispatcher = Dispatcher(self, router)
        app: Any = self._dispatcher
        for cls, args, options in reversed(self.user_middleware):
            app = cls(app, *args, **options)
        self._asgi = app

    def _plan(self, route: APIRoute) -> RoutePlan:
        specials = SPECIAL_TYPES  # NOTE: read-only; one shared dict, not one per route
        path_names = frozenset(route.param_convertors)
        dep = analyze(route.endpoint, path_names, specials)
        if route.dependencies:
            extra = analyze(_route_dependencies(route.dependencies), frozenset(), specials)
            dep.dependencies[:0] = [s for s in extra.dependencies]
            for sub in dep.dependencies[: len(extra.dependencies)]:
                sub.name = ""
        route.dependant = dep
        response_class = route.response_class
        if is_default(response_class):
            response_class = response_class.value or JSONResponse
        status = route.status_code or getattr(response_class, "default_status_code", None) or 200
        overrides = Overrides(
            self.dependency_overrides, lambda call: analyze(call, path_names, specials)
        )
        if dep.kind in (ASYNC_GEN, GEN):  # a path operation that yields: fastcore/_streaming.py
            from fastcore._streaming import build_stream_plan

            route.response_field = None
            call, needs = build_call_plan(dep, overrides), RequestNeeds(dep, overrides)
            return build_stream_plan(route, call, needs, status, response_class)
        model = _response_model(route)
        route.response_field = model
        return RoutePlan(
            build_call_plan(dep, overrides),
            RequestNeeds(dep, overrides, BodyLimits(route.max_body_size, route.form_limits)),
            make_serializer(model, options=_serializer_options(route)),
            status,
            response_class,
        )

    def _add_docs_routes(self) -> None:
        from fastcore.openapi.routes import add_docs_routes

        add_docs_routes(self)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document, built once."""
        if self.openapi_schema is None:
            from fastcore.openapi.builder import build_openapi

            self.freeze()
            self.openapi_schema = build_openapi(self)
        return self.openapi_schema

    def run(
        self, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, **config: Any
    ) -> None:
        """Serve this app with fastcore's server until SIGINT/SIGTERM: ``app.run()`` in a script.

        ``config`` takes any other ServerConfig field (``timeout_graceful=5``, ``uds=...``).
        Workers are forked from this process and serve this very app object. Exits through
        SystemExit(1) when the server cannot start, after saying why on stderr.
        """
        if config.get("reload"):
            raise FastCoreError(
                "app.run() cannot reload: the app is already imported in this process; "
                "use `fastcore run module:app --reload`, which imports it afresh on each change"
            )
        from fastcore.server.cli import serve_app
        from fastcore.server.config import ServerConfig

        code = serve_app(self, ServerConfig(host=host, port=port, workers=workers, **config))
        if code:
            raise SystemExit(code)

    # -- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self._asgi is None:
            self.freeze()
        assert self._asgi is not None
        scope["app"] = self
        if self.root_path:  # srvfeat: FastAPI(root_path=...) sets the scope's, as FastAPI does
            scope["root_path"] = self.root_path
        await self._asgi(scope, receive, send)

    def __repr__(self) -> str:
        return f"<FastCore {self.title!r} with {len(self.routes)} routes>"


def _plan_websockets(app: FastCore) -> Any:
    """The WebSocket routes' own router (fastcore/_websocket_plans.py), None without any."""
    if all(isinstance(r, APIRoute) for r in app.routes):
        return None
    from fastcore._websocket_plans import plan_websocket_routes

    return plan_websocket_routes(app)


def _route_dependencies(deps: Sequence[Depends]) -> Callable[..., None]:
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
