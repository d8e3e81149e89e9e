"""FastCore (also exported as FastAPI): the application object users decorate.

It records routes, exception handlers, middleware and lifespan, and on ``freeze()``
turns them into plans and one compiled router. ``freeze`` is called by the ASGI
lifespan, by the first request, or by the test client; registering a route after
it is an error, so what the router serves is always what the docs describe.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from fastcore import routing as _routing
from fastcore._frontend import Fallback, resolve_check_dir
from fastcore._planning.body_limits import BodyLimits
from fastcore._planning.handlers import Overrides, RequestNeeds, build_call_plan
from fastcore._planning.msgpack import MsgpackAnswer
from fastcore._planning.plans import RoutePlan
from fastcore._planning.route_handlers import with_route_handler
from fastcore._planning.serialize import Options, make_msgpack_serializer, make_serializer
from fastcore._planning.specials import special_types
from fastcore._routing import FOUND, Router
from fastcore._routing.mounts import match_mount
from fastcore._telemetry_config import DEFAULTS as TELEMETRY_DEFAULTS
from fastcore._telemetry_config import may_be_on
from fastcore._validation import hints as t
from fastcore._websocket.api import WebSocketDecorators
from fastcore.asgi import Dispatcher
from fastcore.dependencies import ASYNC_GEN, GEN, adopt_appended, analyze
from fastcore.exceptions import FastAPIDeprecationWarning, FastCoreError, RouteConflictError
from fastcore.params import Depends
from fastcore.routing import APIRoute, APIRouter, RouteDecorators, is_default

if TYPE_CHECKING:
    from starlette.datastructures import State
    from starlette.responses import Response

    from fastcore._telemetry import Telemetry
    from fastcore.server.contract import LaneRoutes

__all__ = ["FastCore"]

F = TypeVar("F", bound=Callable[..., Any])


def _serializer_options(route: APIRoute) -> Options:
    return Options(
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
    )


def _class_status(response_class: Any) -> int:
    """The status a response class answers with when the route gives none.

    As FastAPI, which builds the class without a status: ``RedirectResponse``'s constructor
    default (307) applies to ``response_class=RedirectResponse`` returning a URL.
    """
    found = getattr(response_class, "default_status_code", None)
    if found is None and t.is_class(response_class):
        try:
            param = inspect.signature(response_class.__init__).parameters.get("status_code")
        except (TypeError, ValueError):
            param = None
        if param is not None and isinstance(param.default, int):
            found = param.default
    return found or 200


def _planned_from(routes: list[APIRoute]) -> tuple[Any, ...]:
    """What each route was planned from: its dependant (and how many dependencies it has,
    at every level), its handler and, for an included router's route, how many
    ``dependencies`` the route as declared has (a library may append to it)."""
    return tuple(
        (
            id(route.dependant),
            tuple(len(d.dependencies) for d in route.dependant.flat()),
            route.handler_override,
            len(getattr(route, "_original", route).dependencies),
        )
        for route in routes
    )


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
        default_response_class: type[Response] | None = None,
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
        telemetry: dict[str, Any] | None = None,
        sync_inline: bool = False,
        msgpack: bool = False,
        routes: Sequence[Any] | None = None,
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
        self._state: State | None = None
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
            sync_inline=sync_inline,
            msgpack=msgpack,
            routes=routes,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            lifespan=lifespan,
            redirect_slashes=redirect_slashes,
            dependency_overrides_provider=self,
        )
        #: Routes documented under the document's ``webhooks`` (``@app.webhooks.post(name)``).
        self.webhooks = webhooks or APIRouter()
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.root_path_in_servers = root_path_in_servers
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.exception_handlers: dict[Any, Callable[..., Any]] = dict(exception_handlers or {})
        self._overrides_users: weakref.WeakSet[Overrides] = weakref.WeakSet()
        self._dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        #: Starlette ``Middleware`` specs, outermost first, as FastAPI keeps them.
        self.user_middleware: list[Any] = list(middleware or ())
        self.openapi_schema: dict[str, Any] | None = None
        self._openapi_routes_version: int | None = None
        self._dispatcher: Dispatcher | None = None
        #: The plans of the latest ``freeze`` (the router's targets), and the server's view of
        #: them (``lane_routes``), built the first time fastcore's server asks.
        self._plans: tuple[RoutePlan, ...] = ()
        self._lane: LaneRoutes | None = None
        self._websocket_router: Any = None
        self._asgi: Callable[..., Awaitable[None]] | None = None
        self._inner: _Current | None = None
        self._version = -1
        self._planned_from: tuple[Any, ...] = ()
        self._docs_added = False
        self._specials: dict[type, str] = {}
        #: FastAPI's ``telemetry=`` settings (fastcore/_telemetry.py), FastAPI's defaults first.
        self._telemetry: dict[str, Any] = {
            **TELEMETRY_DEFAULTS,
            "auto_configure": os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true",
            **(telemetry or {}),
        }
        #: The app's OpenTelemetry, None (nothing paid) unless it was on when the app planned.
        self._otel: Telemetry | None = None

    @property
    def lifespan_context(self) -> Callable[[Any], Any]:
        """The app's ``lifespan=``, kept by its router as Starlette's and FastAPI's is."""
        return self.router.lifespan_context

    @lifespan_context.setter
    def lifespan_context(self, value: Callable[[Any], Any]) -> None:
        self.router.lifespan_context = value

    @property
    def on_startup(self) -> list[Callable[[], Any]]:
        """The router's startup handlers, run by its default lifespan (FastAPI's)."""
        return self.router.on_startup

    @on_startup.setter
    def on_startup(self, value: list[Callable[[], Any]]) -> None:
        self.router.on_startup = value

    @property
    def on_shutdown(self) -> list[Callable[[], Any]]:
        """The router's shutdown handlers, run by its default lifespan (FastAPI's)."""
        return self.router.on_shutdown

    @on_shutdown.setter
    def on_shutdown(self, value: list[Callable[[], Any]]) -> None:
        self.router.on_shutdown = value

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        """``{original: replacement}``: used in tests to swap dependencies, at any time.

        Read per request, and assignable (``app.dependency_overrides = {}`` resets, as in
        FastAPI): the plans hold an ``Overrides`` each, told of a new mapping here, so a
        request pays no lookup of the app for it.
        """
        return self._dependency_overrides

    @dependency_overrides.setter
    def dependency_overrides(self, value: dict[Callable[..., Any], Callable[..., Any]]) -> None:
        self._dependency_overrides = value
        for overrides in self._overrides_users:
            overrides.mapping = value

    def _new_overrides(self, analyze: Callable[[Any], Any]) -> Overrides:
        """An ``Overrides`` for one route's plan, kept up to date with the app's mapping."""
        overrides = Overrides(self._dependency_overrides, analyze)
        self._overrides_users.add(overrides)
        return overrides

    @property
    def state(self) -> State:
        """The app's ``State`` (Starlette's), made on first use."""
        if self._state is None:
            from starlette.datastructures import State

            self._state = State()
        return self._state

    @state.setter
    def state(self, value: State) -> None:
        self._state = value

    # -- routes ---------------------------------------------------------------------------
    @property
    def routes(self) -> list[Any]:
        """Every route, in the order registered, as FastAPI lists them (the router's)."""
        return self.router.routes

    @property
    def mounts(self) -> list[Any]:
        """The Starlette ``Mount`` objects among the routes: served when no route matches."""
        return _starlette_routes(self.router._effective_routes(), "Mount")

    @property
    def plain_routes(self) -> list[Any]:
        """The Starlette ``Route`` objects among the routes (``add_route``): matched after
        the planned routes, as Starlette matches them."""
        return _starlette_routes(self.router._effective_routes(), "Route")

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
        Starlette (0.33 and later) calls mounted apps. ``app.routes`` lists it as Starlette's
        ``Mount``.
        """
        if not path.startswith("/") or path.endswith("/"):
            raise FastCoreError(f"mount path {path!r} must start with '/' and not end with '/'")
        if any(m.path == path for m in self.mounts):
            raise FastCoreError(f"two apps are mounted at {path!r}")
        self.router.mount(path, app, name=name)

    def add_route(
        self,
        path: str,
        route: Callable[..., Any],
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """A plain Starlette route: ``endpoint(request) -> Response``, outside the plans.

        Matched after the app's own routes, as Starlette matches it; it has no parameters,
        validation or OpenAPI entry, as in FastAPI.
        """
        self.router.add_route(
            path, route, methods=methods, name=name, include_in_schema=include_in_schema
        )

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build under ``path``, after every other route
        (``APIRouter.frontend``; fastcore/_frontend/)."""
        checked = resolve_check_dir(directory, check_dir)
        self.router.frontend(path, directory=directory, fallback=fallback, check_dir=checked)

    def url_path_for(self, name: str, /, **params: Any) -> Any:
        """The URL path of the route or mount called ``name`` (Starlette's ``URLPath``)."""
        return self.router.url_path_for(name, **params)

    # -- handlers, middleware, lifespan ---------------------------------------------------
    def exception_handler(self, key: int | type[BaseException]) -> Callable[[F], F]:
        """Register ``handler(request, exc) -> Response`` for a status code or exception class."""

        def decorator(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return decorator

    def add_exception_handler(self, key: int | type[BaseException], handler: Any) -> None:
        self.exception_handlers[key] = handler
        self._changed()

    def add_middleware(self, middleware_class: Any, *args: Any, **options: Any) -> None:
        """Wrap the app in a pure ASGI middleware ``middleware_class(app, *args, **options)``.

        The last one added is the outermost, as in Starlette; the chain is composed once,
        at start-up, and an app with no middleware runs no middleware code at all.
        """
        if self._asgi is not None:
            raise RuntimeError("Cannot add middleware after an application has started")
        from starlette.middleware import Middleware

        self.user_middleware.insert(0, Middleware(middleware_class, *args, **options))

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
            self.router.add_event_handler(event, func)
            return func

        return decorator

    def _changed(self) -> None:
        """Something the plans depend on changed: re-plan before the next request."""
        self._version = -1

    # -- start-up -------------------------------------------------------------------------
    @property
    def frozen(self) -> bool:
        return self._dispatcher is not None

    def freeze(self) -> None:
        """Plan every route and build the router; cheap when nothing changed since last time.

        FastAPI apps are started many times (one ``with TestClient(app)`` per test) and may
        gain routes after the first request: each call re-plans what changed. Planning is
        all or nothing: a route that fails leaves the app as it was, and the error (naming
        the handler and parameter) reaches the caller.
        """
        if self._dispatcher is not None and self._version == self.router.version:
            return
        for route in self.router._effective_routes():
            # A path only documents can have (routing.py): no app can serve it.
            if isinstance(route, APIRoute) and route.path_error is not None:
                raise route.path_error
        if not self._docs_added:
            self._add_docs_routes()
        self._specials = special_types()
        self._otel = _telemetry_for(self)
        router = Router()
        # NOTE: WebSocket routes are planned below, into a router of their own
        api_routes = [r for r in self.router._effective_routes() if isinstance(r, APIRoute)]
        plans = [(route, self._plan(route)) for route in api_routes]
        explicit_head = {r.path for r in api_routes if "HEAD" in r.methods}
        for route, plan in plans:
            for method in sorted(route.methods):
                _add_first_wins(router, method, route, plan)
            if "GET" in route.methods and route.path not in explicit_head:
                _add_first_wins(router, "HEAD", route, plan)
                explicit_head.add(route.path)
        websocket_router = _plan_websockets(self)
        for route, plan in plans:
            route.plan = plan
        self._websocket_router = websocket_router
        self._dispatcher = Dispatcher(self, router)
        self._plans = tuple(plan for _, plan in plans)
        self._lane = None
        self._version = self.router.version
        self._planned_from = _planned_from(api_routes)
        if not self.user_middleware:
            self._asgi = self._dispatcher
            return
        if self._inner is None:
            # NOTE: the chain is built once (Starlette refuses middleware after start); its
            # innermost app forwards to whichever dispatcher the latest plan made.
            self._inner = _Current()
            app: Any = self._inner
            for cls, args, options in reversed(self.user_middleware):
                app = cls(app, *args, **options)
            self._asgi = app
        self._inner.app = self._dispatcher

    def replan_changed(self) -> None:
        """Plan again if a route's ``dependant`` or handler changed since the last plan.

        Called once the lifespan has started: a library may change routes there (fastapi-
        pagination's lifespan adds its dependency to routes declared after
        ``add_pagination``), where FastAPI, which solves ``route.dependant`` per request,
        hears it.
        """
        routes = [r for r in self.router._effective_routes() if isinstance(r, APIRoute)]
        if self._dispatcher is not None and self._planned_from != _planned_from(routes):
            self.router._forget_included()  # NOTE: the included routes are copied again
            self._version = -1
            self.freeze()

    # -- fastcore's server (fastcore/server/contract.py: LaneApp) ---------------------------
    def lane_routes(self) -> LaneRoutes:
        """The app's routes as fastcore's server serves them: a ``LaneSpec`` per plan.

        Plans the app first (``freeze``); built once per plan, at start-up.
        """
        self.freeze()
        dispatcher = self._dispatcher
        assert dispatcher is not None
        if self._lane is None:
            from fastcore._planning.lane_specs import lane_routes
            from fastcore.server.contract import Fallback

            whole_app = None
            if self.user_middleware:
                whole_app = Fallback.MIDDLEWARE
            elif self._otel is not None:  # NOTE: its spans are made by the ASGI entry
                whole_app = Fallback.TELEMETRY
            self._lane = lane_routes(
                dispatcher.router, self._plans, self, dispatcher.answer_error, whole_app
            )
        return self._lane

    def serves_websocket(self, path: str) -> bool:
        """Whether a WebSocket upgrade for ``path`` reaches one of the app's routes or mounts."""
        mounts = self.mounts
        if mounts and match_mount(mounts, {"type": "websocket", "path": path}) is not None:
            return True
        router = self._websocket_router
        return router is not None and router.match("WEBSOCKET", path)[0] == FOUND

    def _plan(self, route: APIRoute) -> RoutePlan:
        specials = self._specials
        path_names = frozenset(route.param_convertors)
        # NOTE: the route's own, read once (routing.py): what a library appended is planned
        dep = adopt_appended(route.dependant)
        response_class = route.response_class
        if is_default(response_class):
            response_class = response_class.value
        status = route.status_code or _class_status(response_class)
        overrides = self._new_overrides(lambda call: analyze(call, path_names, specials))
        if dep.kind in (
            ASYNC_GEN,
            GEN,
        ):  # a path operation that yields: fastcore/_planning/streaming.py
            from fastcore._planning.streaming import build_stream_plan

            route.response_field = None
            call, needs = build_call_plan(dep, overrides), RequestNeeds(dep, overrides)
            stream = build_stream_plan(route, call, needs, status, response_class)
            stream.route = route
            return with_route_handler(route, stream)
        model = route.response_model
        route.response_field = model
        given: Any = route.msgpack
        msgpack = bool(
            given.value if is_default(given) else given
        )  # NOTE: fastcore/_planning/msgpack.py
        limits = BodyLimits(route.max_body_size, route.form_limits)
        options = _serializer_options(route)
        answer = None
        if msgpack:
            answer = MsgpackAnswer(make_msgpack_serializer(model, options))
        plan = RoutePlan(
            build_call_plan(dep, overrides, bool(route.sync_inline)),
            RequestNeeds(dep, overrides, limits, msgpack),
            make_serializer(model, options=options),
            status,
            response_class,
            answer,
        )
        plan.route = route
        if self._otel is not None:
            from fastcore._telemetry import TracedPlan

            plan = TracedPlan(plan, self._otel)
        return with_route_handler(route, plan)

    def _add_docs_routes(self) -> None:
        """The document and docs pages, first in the route list, as FastAPI registers them."""
        from fastcore.openapi.routes import add_docs_routes

        routes = self.router.routes
        count = len(routes)
        try:
            add_docs_routes(self)
        except BaseException:
            del routes[count:]
            raise
        added = routes[count:]
        del routes[count:]
        routes[:0] = added
        self._docs_added = True

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document, built once and again after the routes changed.

        As FastAPI 0.165: a route added since (to the app or to a router it includes) is in
        the next document.
        """
        self.freeze()
        version = self.router.version
        if not self.openapi_schema or self._openapi_routes_version != version:
            from fastcore.openapi.builder import build_openapi

            self.openapi_schema = build_openapi(self)
            self._openapi_routes_version = version
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
        if self._version != self.router.version or self._asgi is None:
            self.freeze()
        assert self._asgi is not None
        scope["app"] = self
        if self.root_path:  # srvfeat: FastAPI(root_path=...) sets the scope's, as FastAPI does
            scope["root_path"] = self.root_path
        if self._otel is not None:
            await self._otel(self._asgi, scope, receive, send)
            return
        await self._asgi(scope, receive, send)

    def __repr__(self) -> str:
        return f"<FastCore {self.title!r} with {len(self.routes)} routes>"


def _starlette_routes(routes: list[Any], kind: str) -> list[Any]:
    """The routes of Starlette's class ``kind`` (``Mount``, ``Route``) in ``routes``."""
    # NOTE: none can exist before starlette.routing is imported: an app without them never
    # imports it for this
    routing = sys.modules.get("starlette.routing")
    if routing is None:
        return []
    cls = getattr(routing, kind)
    return [r for r in routes if isinstance(r, cls)]


def _telemetry_for(app: FastCore) -> Telemetry | None:
    """The app's telemetry when it is on at start-up (fastcore/_telemetry.py), else None."""
    config = app._telemetry
    if not may_be_on(config):
        return None  # PERF: fastcore/_telemetry.py stays unimported
    from fastcore._telemetry import Telemetry

    return Telemetry.build(config)


def _plan_websockets(app: FastCore) -> Any:
    """The WebSocket routes' own router (fastcore/_websocket/plans.py), None without any."""
    if all(isinstance(r, APIRoute) for r in app.router._effective_routes()):
        return None
    from fastcore._websocket.plans import plan_websocket_routes

    return plan_websocket_routes(app)


class _Current:
    """The innermost app of a middleware chain: the dispatcher of the app's latest plan."""

    __slots__ = ("app",)

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _add_first_wins(router: Any, method: str, route: APIRoute, plan: RoutePlan) -> None:
    """Add one method of a route; a second route for the same method and path is never reached.

    FastAPI serves the first route registered and ignores the second; so does fastcore, and
    says so once at start-up (the usual cause is one router included twice).
    """
    try:
        router.add(method, route.path, plan)
    except RouteConflictError as exc:
        warnings.warn(
            f"{method} {route.path!r} ({route.name}) is never reached: an earlier route "
            f"answers it ({exc})",
            stacklevel=4,
        )


class RouterApp:
    """An ``APIRouter`` called as an ASGI app (mounted, or served alone), as FastAPI serves
    one: it is Starlette's ``Router``, so its routes are matched with its own
    ``redirect_slashes``, and inside an app (``"app"`` in the scope) an exception, a 404
    included, goes up to the enclosing app's handlers, which answer it; served alone it is
    answered by the default handlers. Its routes are planned by an app of their own that
    includes the router (no docs routes, no dependency overrides: FastAPI's mounted router
    has no overrides provider), again after the router changes. The mounted router's
    lifespan is not run (Starlette runs no mounted app's), nor its routes documented.
    """

    def __init__(self, router: APIRouter) -> None:
        app = FastCore(
            openapi_url=None,
            docs_url=None,
            redoc_url=None,
            redirect_slashes=router.redirect_slashes,
        )
        app.include_router(router)
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        app = self.app
        if "app" not in scope or scope["type"] == "lifespan":
            await app(scope, receive, send)
            return
        if app._dispatcher is None or app._version != app.router.version:
            app.freeze()
        dispatcher = app._dispatcher
        assert dispatcher is not None
        if scope["type"] == "http":
            await dispatcher._route(scope, receive, send)
        else:
            await dispatcher(scope, receive, send)


_routing.SERVE = RouterApp
