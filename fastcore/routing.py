"""Route specs and APIRouter: what the decorators record, before anything is planned.

A route here is a description (path, methods, endpoint, options). ``FastCore.freeze``
turns each into a plan and puts them all into the compiled router; until then routers
can be composed freely with ``include_router``.
"""

from __future__ import annotations

import inspect
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.convertors import CONVERTOR_TYPES

from fastcore import _lifespans as lifespans
from fastcore._defaults import Default, DefaultPlaceholder
from fastcore._frontend import FrontendMethods, include_low_priority
from fastcore._lazy import lazy_attributes
from fastcore._planning.body_limits import check_form_limits, check_max_body_size
from fastcore._planning.serialize import check_response_model, check_return_annotation
from fastcore._planning.specials import route_dependant, special_types
from fastcore._routing import parse_template
from fastcore._validation import hints as t
from fastcore._websocket.api import WebSocketRouterMethods
from fastcore.exceptions import (
    DeclarationError,
    DependencyScopeError,
    FastAPIError,
    FastCoreError,
    PydanticV1NotSupportedError,
)
from fastcore.params import Depends, Undefined

if TYPE_CHECKING:
    from fastcore._websocket.routes import APIWebSocketRoute

__all__ = [
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "Default",
    "DefaultPlaceholder",
    "RouteContext",
    "RouteDecorators",
    "generate_unique_id",
    "iter_route_contexts",
    "request_response",
]

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from starlette.datastructures import URLPath
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Match

F = TypeVar("F", bound=Callable[..., Any])

#: ``router -> ASGI app``: how an APIRouter called as an ASGI app is served; set by
#: fastcore/app.py (``RouterApp``), which plans routes and imports this module.
SERVE: Callable[[Any], Callable[..., Any]] | None = None


def _no_match(name: str, params: dict[str, Any]) -> Exception:
    from starlette.routing import NoMatchFound

    return NoMatchFound(name, params)


def is_default(value: Any) -> bool:
    return isinstance(value, DefaultPlaceholder)


# NOTE: PEP 562: Starlette's routing (~4 MiB of RSS) is imported only by an app that has
# WebSocket routes or asks for NoMatchFound, never by one serving only planned routes.
__getattr__, __dir__ = lazy_attributes(
    globals(),
    {"APIWebSocketRoute": "fastcore._websocket.routes", "NoMatchFound": "starlette.routing"},
)


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's operationId: name + path with non-word characters as ``_``, + method."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    return f"{operation_id}_{sorted(route.methods)[0].lower()}"


def _template_params(route: APIRoute) -> dict[str, Any]:
    """The path's parameters; none, and ``route.path_error`` set, if no app could serve it."""
    if not route.path.startswith("/"):
        route.path_error = FastCoreError(f"route path {route.path!r} must start with '/'")
        return {}
    try:
        return dict(parse_template(route.path))
    except FastCoreError as exc:
        route.path_error = exc
        return {}


def _given(*values: Any) -> Any:
    """The first option given (neither None nor a ``Default``), else the first default."""
    for value in values:
        if value is not None and not is_default(value):
            return value
    return next((v for v in values if v is not None), None)


def _unwrap(value: Any) -> Any:
    return value.value if is_default(value) else value


class APIRoute:
    """One decorated endpoint and its options, as given; planned later by the app.

    It has Starlette's ``Route`` API (``path``, ``path_regex``, ``path_format``,
    ``param_convertors``, ``matches``, ``url_path_for``, ``handle``) for middleware and
    libraries that walk ``app.routes``, without subclassing it: ``starlette.routing`` costs a
    worker ~4 MiB of RSS, so it is imported only when one of those is called.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        name: str | None = None,
        status_code: int | None = None,
        response_model: Any = Default(None),
        response_class: Any = Default(None),
        tags: Sequence[str | Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Any = None,
        response_model_exclude_none: bool = False,
        response_model_exclude_unset: bool = False,
        callbacks: list[Any] | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_defaults: bool = False,
        max_body_size: int | None = None,
        form_limits: dict[str, int] | None = None,
        sync_inline: bool | None = None,
        msgpack: bool = Default(False),
    ) -> None:
        self.path = path
        #: Why the app cannot serve this path, raised when the app plans the route. Routes of
        #: ``callbacks=`` and ``app.webhooks`` are only documented, and their paths are
        #: OpenAPI expressions (``{$callback_url}/x``) or names (``new-subscription``).
        self.path_error: FastCoreError | None = None
        #: The router's converter name per path parameter, in order.
        self.param_kinds = _template_params(self)
        self.param_convertors = {k: CONVERTOR_TYPES[v] for k, v in self.param_kinds.items()}
        self.path_format = re.sub(r"\{([^}:]+)(:[^}]*)?\}", r"{\1}", path)
        self._path_regex: re.Pattern[str] | None = None
        self.endpoint = endpoint
        self.methods = {m.upper() for m in (methods or ["GET"])}
        self.name = name or getattr(endpoint, "__name__", type(endpoint).__name__)
        self.status_code = status_code
        #: As given (a ``Default`` when not); ``response_model`` is what the route answers.
        self._response_model = response_model
        if is_default(response_model):
            check_return_annotation(endpoint, str(self.name))
        self.response_model_exclude_none = response_model_exclude_none
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_defaults = response_model_exclude_defaults
        #: FastAPI's body limits (fastcore/_planning/body_limits.py): router's, then route's.
        self.max_body_size = check_max_body_size(max_body_size)
        self.form_limits = check_form_limits(form_limits)
        #: ``def`` handler and dependencies called on the loop (``None``: the router's, then
        #: the app's, else the thread pool); docs/performance.md says when that is safe.
        self.sync_inline = sync_inline
        #: MessagePack bodies read and answers negotiated (fastcore/_planning/msgpack.py); a
        #: ``Default`` until given here, by the router or the app (nearest given wins).
        self.msgpack = msgpack
        self.response_class = response_class
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.description = description
        if description is None:
            doc = inspect.cleandoc(endpoint.__doc__ or "")
            self.description = doc.split("\f")[0].strip()
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.openapi_extra = openapi_extra
        #: The function given here, or ``Default(generate_unique_id)``: an app's or router's
        #: function applies where the route gave none, as in FastAPI.
        self.generate_unique_id_function = _given(
            generate_unique_id_function, Default(generate_unique_id)
        )
        self.operation_id = operation_id
        self.unique_id = operation_id or _unwrap(self.generate_unique_id_function)(self)
        #: Routes documented as this operation's OpenAPI ``callbacks``; never served.
        self.callbacks = callbacks
        #: The analysed signature (``dependant``), read on first use; then the response
        #: model and the plan, set by FastCore.freeze.
        self._dependant: Any = None
        self.response_field: Any = None
        self.plan: Any = None
        #: The route's own plan (``plan`` wraps it when a subclass overrides
        #: ``get_route_handler``): what ``get_route_handler()`` returns the entry of.
        self.route_plan: Any = None
        #: A handler given through ``route.app = request_response(handler)``, served as a
        #: custom route class's is; None: the route's own.
        self.handler_override: Any = None
        self._deferred_handler: Any = None
        self._body_field: Any = Undefined
        _check_declaration(self)

    @property
    def response_model(self) -> Any:
        """The response model: given, else the return annotation unless it is a Response
        (FastAPI's, set in its ``__init__``; code such as ``add_pagination`` reads it)."""
        if not is_default(self._response_model):
            return self._response_model
        return _annotated_response_model(self.endpoint)

    @response_model.setter
    def response_model(self, value: Any) -> None:
        self._response_model = value

    @property
    def dependant(self) -> Any:
        """FastAPI's ``route.dependant``: the route's ``dependencies=[...]``, then the
        endpoint's parameters and dependencies, read on first use (FastAPI reads it in
        ``__init__``). The app plans the route from it, so a library that appends to it
        (``route.dependant.dependencies.append(...)``) before the app starts is heard."""
        if self._dependant is None:
            names = frozenset(self.param_convertors)
            self._dependant = route_dependant(
                self.endpoint, names, self.dependencies, special_types()
            )
        return self._dependant

    @dependant.setter
    def dependant(self, value: Any) -> None:
        self._dependant = value

    @property
    def _embed_body_fields(self) -> bool:
        """FastAPI's: whether the body is an object keyed by parameter name."""
        from fastcore.dependencies.utils import _get_flat_body_params, _should_embed_body_fields

        return _should_embed_body_fields(_get_flat_body_params(self.dependant))

    @property
    def body_field(self) -> Any:
        """FastAPI's description of the body (``dependencies.utils._get_body_field``)."""
        if self._body_field is Undefined:
            from fastcore.dependencies.utils import _get_body_field, _get_flat_body_params

            return _get_body_field(
                body_params=_get_flat_body_params(self.dependant),
                name=self.unique_id,
                embed_body_fields=self._embed_body_fields,
            )
        return self._body_field

    @body_field.setter
    def body_field(self, value: Any) -> None:
        self._body_field = value

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's hook: the route as ``async (request) -> Response``.

        A subclass overrides it to wrap what ``super().get_route_handler()`` returns (a
        ``Request`` subclass, timing, catching ``RequestValidationError``); the app then
        serves that route through the wrapper (fastcore/_planning/route_handlers.py) and every other
        route as before. The handler reads the body through ``request.body()``, so a
        ``Request`` subclass decides what validation sees. Called by the app when it plans
        the route (FastAPI calls it in ``__init__``), and afterwards on demand; asked
        before the app has started, it returns a handler that serves through the plan the
        app makes when it starts.
        """
        plan = self.route_plan
        if plan is not None:
            return plan.respond_to  # type: ignore[no-any-return]
        if self._deferred_handler is None:
            self._deferred_handler = _deferred_handler(self)
        return self._deferred_handler  # type: ignore[no-any-return]

    def _own_handler(self, handler: Any) -> bool:
        """Whether ``handler`` is what this route's ``APIRoute.get_route_handler`` gives."""
        if handler is self._deferred_handler:
            return True
        plan = self.route_plan
        return plan is not None and handler == plan.respond_to

    def __repr__(self) -> str:
        return f"APIRoute(path={self.path!r}, methods={sorted(self.methods)!r}, name={self.name!r})"

    # -- Starlette's Route API ------------------------------------------------------------
    @property
    def path_regex(self) -> re.Pattern[str]:
        if self._path_regex is None:
            from starlette.routing import compile_path

            self._path_regex = compile_path(self.path)[0]
        return self._path_regex

    @property
    def app(self) -> Any:
        """The route as an ASGI app, as Starlette's ``route.app``."""
        return self.handle

    @app.setter
    def app(self, value: Any) -> None:
        """``route.app = request_response(handler)``, as FastAPI code re-wraps a route after
        changing it: the route's own handler keeps its plan; another is served as a custom
        route class's ``get_route_handler()`` is, from the next time the app plans."""
        handler = getattr(value, "route_handler", None)
        if not isinstance(value, RequestResponse) or handler is None:
            raise TypeError(
                f"route {self.name!r}: fastcore serves an API route from its plan; "
                f"route.app takes request_response(handler), not {value!r}"
            )
        self.handler_override = None if self._own_handler(handler) else handler

    def matches(self, scope: dict[str, Any]) -> tuple[Match, dict[str, Any]]:
        """Starlette's match: FULL, PARTIAL (path matches, method does not) or NONE."""
        from starlette.routing import Match

        if scope["type"] != "http":
            return Match.NONE, {}
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]  # NOTE: Starlette's route path: the path below root_path
        found = self.path_regex.match(path)
        if found is None:
            return Match.NONE, {}
        params = dict(scope.get("path_params", {}))
        for key, value in found.groupdict().items():
            params[key] = self.param_convertors[key].convert(value)
        child = {"endpoint": self.endpoint, "path_params": params, "route": self}
        if self.methods and scope["method"] not in self.methods:
            return Match.PARTIAL, child
        return Match.FULL, child

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        from starlette.datastructures import URLPath

        if name != self.name:
            raise _no_match(name, path_params)
        return URLPath(path=self.url_path(**path_params), protocol="http")

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one request through the plan, as Starlette's ``route.handle``."""
        if self.plan is None:
            raise RuntimeError(f"route {self.name!r} is not planned yet: start the app first")
        await self.plan(scope, receive, send, scope.get("path_params", {}))

    def url_path(self, **params: Any) -> str:
        """This route's path with the parameters filled in; NoMatchFound if they do not fit."""
        if set(params) != set(self.param_kinds):
            raise _no_match(str(self.name), params)
        path = self.path
        for key, conv in self.param_kinds.items():
            value = params[key]
            text = str(value.value if isinstance(value, Enum) else value)
            if conv != "path" and "/" in text:
                raise _no_match(str(self.name), params)
            pattern = r"\{" + re.escape(key) + r"(:[^}]*)?\}"
            path = re.sub(pattern, text.replace("\\", "\\\\"), path)
        return path


def _check_declaration(route: APIRoute) -> None:
    """What FastAPI refuses when a route is declared, refused by the decorator here too: its
    response models (``check_response_model``), and the parameter declarations FastAPI
    asserts on, a pydantic.v1 model and a scope error (read from ``route.dependant``, which
    the app plans from later). Anything else the analysis finds (a hint naming a class that
    is defined later in the module) is read again, and reported, when the app starts."""
    where = f"route {route.name!r}"
    check_response_model(route.response_model, where)
    for status, response in route.responses.items():
        if isinstance(response, dict) and "model" in response:
            check_response_model(response["model"], f"{where}, response {status!r}")
    try:
        route.dependant  # noqa: B018 - read now, as FastAPI reads it in APIRoute.__init__
    except (DeclarationError, DependencyScopeError, PydanticV1NotSupportedError):
        raise
    except Exception:
        route._dependant = None


def _is_response_class(tp: Any) -> bool:
    module = sys.modules.get("starlette.responses")
    return module is not None and t.is_class(tp) and issubclass(tp, module.Response)


def _annotated_response_model(endpoint: Callable[..., Any]) -> Any:
    """The return annotation as a response model: None when absent or a Response."""
    try:
        hints = inspect.get_annotations(endpoint, eval_str=True)
    except Exception:
        hints = getattr(endpoint, "__annotations__", {})
    ret = hints.get("return")
    if ret is None or ret is inspect.Signature.empty:
        return None
    bare = t.split_annotated(ret)[0]
    if _is_response_class(bare):
        return None
    if any(_is_response_class(a) for a in getattr(bare, "__args__", ())):
        return None
    return ret


def _deferred_handler(route: APIRoute) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """``route``'s handler before the app has planned it: it serves through the plan."""

    async def handler(request: Request) -> Response:
        plan = route.route_plan
        if plan is None:
            raise RuntimeError(
                f"route {route.name!r} is not planned yet: its handler serves once the app "
                "has started (the first request, `with TestClient(app)`, or app.freeze())"
            )
        return await plan.respond_to(request)  # type: ignore[no-any-return]

    return handler


class RequestResponse:
    """What ``request_response(handler)`` returns: Starlette's ASGI app for ``handler``.

    FastAPI code assigns it to ``route.app`` after changing a route; the route reads
    ``route_handler`` back. Starlette's ``request_response`` (and ``starlette.routing``) is
    imported on the first call only.
    """

    __slots__ = ("_app", "route_handler")

    def __init__(self, route_handler: Callable[..., Any]) -> None:
        self.route_handler = route_handler
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from starlette.routing import request_response as starlette_request_response

            self._app = starlette_request_response(self.route_handler)
        await self._app(scope, receive, send)


def request_response(func: Callable[..., Any]) -> RequestResponse:
    """FastAPI's ``routing.request_response``: an ASGI app that serves ``func(request)``."""
    return RequestResponse(func)


class _IncludedRouter:
    """FastAPI 0.165's entry for an included router in a ``routes`` list.

    ``include_router`` appends one: the router included (``original_router``) and the
    include's options (``include_context``). The routes it stands for are copies of the
    original router's, made as the inclusion makes them (prefix, tags, dependencies, ...:
    ``APIRouter._included_copy``), rebuilt when the original router (or one it includes)
    changes and kept otherwise; the app plans those copies at start-up.
    """

    def __init__(
        self, original_router: APIRouter, include_context: SimpleNamespace, parent: APIRouter
    ) -> None:
        self.original_router = original_router
        self.include_context = include_context
        self._parent = parent
        self._effective_routes_lock = threading.Lock()
        self._effective_candidates: list[Any] = []
        self._effective_candidates_version: int | None = None

    def __repr__(self) -> str:
        return f"_IncludedRouter(prefix={self.include_context.prefix!r})"

    def effective_candidates(self) -> list[Any]:
        """The routes this inclusion serves (copies), the same list until the router changes."""
        version = self.original_router.version
        if version == self._effective_candidates_version:
            return self._effective_candidates
        with self._effective_routes_lock:
            version = self.original_router.version
            if version == self._effective_candidates_version:
                return self._effective_candidates
            copies = []
            for route in self.original_router._effective_routes():
                copy = self._parent._included_copy(
                    route, self.original_router, self.include_context
                )
                if copy is not None:
                    copies.append(copy)
            self._effective_candidates = copies
            self._effective_candidates_version = version
            return copies

    def matches(self, scope: dict[str, Any]) -> tuple[Match, dict[str, Any]]:
        """Starlette's route API, as FastAPI's ``_IncludedRouter`` answers it: whether one of
        the routes it serves matches (FULL, else PARTIAL), with an empty child scope."""
        from starlette.routing import Match

        found = Match.NONE
        for route in self.effective_candidates():
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return Match.FULL, {}
            if match == Match.PARTIAL:
                found = Match.PARTIAL
        return found, {}

    def effective_route_contexts(self) -> Iterator[RouteContext]:
        """A ``RouteContext`` for each route this inclusion serves."""
        for copy in self.effective_candidates():
            yield RouteContext(copy._original, copy)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        from starlette.routing import NoMatchFound

        for copy in self.effective_candidates():
            try:
                return _url_path_for(copy, name, path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


def _url_path_for(route: Any, name: str, params: dict[str, Any]) -> URLPath:
    """``route``'s URL path for ``name``, else Starlette's ``NoMatchFound``."""
    from starlette.datastructures import URLPath

    if not isinstance(route, APIRoute):  # Starlette's Route, Mount, WebSocketRoute
        return route.url_path_for(name, **params)  # type: ignore[no-any-return]
    if route.name != name:
        raise _no_match(name, params)
    return URLPath(path=route.url_path(**params), protocol="http")


def _starlette_copy(
    route: Any, prefix: str, dependencies: list[Depends], max_body_size: int | None = None
) -> Any:
    """A WebSocket route, Starlette ``Route`` or ``Mount`` of an included router, under
    ``prefix`` (a WebSocket API route with ``dependencies`` first); None for another kind.
    A ``Mount`` reads its body under ``max_body_size``, as FastAPI wraps an included mount
    in the inclusion's limit (Starlette's ``Mount(max_body_size=...)``)."""
    from fastcore._websocket.routes import APIWebSocketRoute, PlainWebSocketRoute

    if isinstance(route, APIWebSocketRoute):
        deps = [*dependencies, *route.dependencies]
        return APIWebSocketRoute(
            prefix + route.path, route.endpoint, name=route.name, dependencies=deps
        )
    if isinstance(route, PlainWebSocketRoute):
        return PlainWebSocketRoute(prefix + route.path, route.endpoint, name=route.name)
    routing = sys.modules.get("starlette.routing")
    if routing is None:  # NOTE: no Starlette route exists before starlette.routing is imported
        return None
    if isinstance(route, routing.Mount):
        return routing.Mount(
            prefix + route.path, app=route.app, name=route.name, max_body_size=max_body_size
        )
    if isinstance(route, routing.Route):
        return routing.Route(
            prefix + route.path,
            route.endpoint,
            methods=sorted(route.methods) if route.methods else None,
            name=route.name,
            include_in_schema=route.include_in_schema,
        )
    if isinstance(route, routing.WebSocketRoute):
        return routing.WebSocketRoute(prefix + route.path, route.endpoint, name=route.name)
    return None


class RouteContext:
    """FastAPI 0.165's view of one route as an app serves it (``iter_route_contexts``).

    ``route`` and ``original_route`` are the route as declared; ``path``, ``path_format``,
    ``name``, ``methods``, ``endpoint`` and every other attribute are the route as served
    (under its inclusions' prefixes, with their tags and dependencies). ``get_openapi``
    accepts these in ``routes=`` and ``webhooks=``.
    """

    __slots__ = ("_route_context", "route")

    def __init__(self, route: Any, _route_context: Any = None) -> None:
        self.route = route
        self._route_context = _route_context

    @property
    def original_route(self) -> Any:
        return self.route

    @property
    def _effective_route(self) -> Any:
        return self.route if self._route_context is None else self._route_context

    @property
    def path(self) -> str | None:
        return getattr(self._effective_route, "path", None)

    @property
    def path_format(self) -> str | None:
        return getattr(self._effective_route, "path_format", None)

    @property
    def name(self) -> str | None:
        return getattr(self._effective_route, "name", None)

    @property
    def methods(self) -> set[str] | None:
        return getattr(self._effective_route, "methods", None)

    @property
    def endpoint(self) -> Callable[..., Any] | None:
        return getattr(self._effective_route, "endpoint", None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._effective_route, name)

    def __repr__(self) -> str:
        return f"RouteContext({self.path!r}, {self.name!r})"


def iter_route_contexts(routes: Sequence[Any]) -> Iterator[RouteContext]:
    """A ``RouteContext`` per route served: an included router's routes as included."""
    for route in routes:
        if isinstance(route, RouteContext):
            yield route
        elif isinstance(route, _IncludedRouter):
            yield from route.effective_route_contexts()
        else:
            yield RouteContext(route)


def effective_routes(routes: Sequence[Any]) -> list[Any]:
    """``routes`` (a routes list, ``RouteContext`` items allowed) as served: each included
    router's routes as included, each context's route as served (the OpenAPI builder's)."""
    if not any(isinstance(r, (_IncludedRouter, RouteContext)) for r in routes):
        return list(routes)
    return [context._effective_route for context in iter_route_contexts(routes)]


def _iter_included_route_candidates(routes: Sequence[Any]) -> Iterator[Any]:
    """FastAPI's walk for its empty-path check: a Starlette ``Route`` or ``Mount`` of an
    included router as included, any other route as declared."""
    for context in iter_route_contexts(routes):
        served = context._effective_route
        routing = sys.modules.get("starlette.routing")
        if routing is not None and isinstance(served, (routing.Route, routing.Mount)):
            yield served
        else:
            yield context.original_route


#: FastAPI's key in the ASGI scope for what its routers pass down a request.
_FASTAPI_SCOPE_KEY = "fastapi"
_SCOPE_MISSING = object()


def _restore_fastapi_scope_key(scope: dict[str, Any], key: str, previous: Any) -> None:
    """FastAPI's helper: put back (or remove) one entry of ``scope["fastapi"]``.

    fastcore keeps nothing of its own in ``scope["fastapi"]`` (docs/migration.md says why);
    the helper is here, with FastAPI's behaviour, for code that manages that entry itself.
    """
    fastapi_scope = scope.get(_FASTAPI_SCOPE_KEY)
    if not isinstance(fastapi_scope, dict):
        return
    if previous is _SCOPE_MISSING:
        fastapi_scope.pop(key, None)
    else:
        fastapi_scope[key] = previous


class RouteDecorators:
    """The verb decorators, defined once for APIRouter and the app: each is ``api_route``."""

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **options: Any
    ) -> Callable[[F], F]:
        raise NotImplementedError

    def get(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["GET"], **options)

    def put(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["PUT"], **options)

    def post(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["POST"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["DELETE"], **options)

    def options(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["OPTIONS"], **options)

    def head(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["HEAD"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["PATCH"], **options)

    def trace(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["TRACE"], **options)


class APIRouter(RouteDecorators, WebSocketRouterMethods, FrontendMethods):
    """A group of routes sharing a prefix, tags and dependencies."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: Sequence[str | Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: Any = Default(None),
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Any = None,
        callbacks: list[Any] | None = None,
        max_body_size: int | None = None,
        form_limits: dict[str, int] | None = None,
        sync_inline: bool | None = None,
        route_class: type[APIRoute] = APIRoute,
        msgpack: bool = Default(False),
        routes: Sequence[Any] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        redirect_slashes: bool = True,
        default: Any = None,
        dependency_overrides_provider: Any = None,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise FastCoreError(
                f"router prefix {prefix!r} must start with '/' and not end with '/'"
            )
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = _given(
            generate_unique_id_function, Default(generate_unique_id)
        )
        self.callbacks = list(callbacks or [])
        self.max_body_size = check_max_body_size(max_body_size)
        self.form_limits = check_form_limits(form_limits)
        self.sync_inline = sync_inline
        self.msgpack = msgpack
        #: The class ``add_api_route`` makes routes of (FastAPI's ``route_class``).
        self.route_class = route_class
        #: APIRoute, APIWebSocketRoute, PlainWebSocketRoute, and Starlette's ``Route`` and
        #: ``Mount`` (``add_route``, ``mount``, ``routes=``), which the app serves beside
        #: its plans.
        self.routes: list[Any] = []
        # NOTE: Starlette Router's options, kept for code that reads them; the app's own
        # redirect_slashes is the one that applies to an included router (a router served
        # on its own, ``app.mount("/x", router)``, uses its own).
        self.redirect_slashes = redirect_slashes
        self.default = default
        self.dependency_overrides_provider = dependency_overrides_provider
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        #: Starlette's ``router.lifespan_context``: ``(app) -> async context manager``
        #: (fastcore/_lifespans.py). The app's router holds the app's ``lifespan=``; an
        #: included router's is merged into it; code may wrap it (``add_pagination``).
        self.lifespan_context: Callable[[Any], Any] = lifespans.lifespan_context(lifespan, self)
        #: The routers included here (FastAPI refuses an inclusion cycle), and those that
        #: include this one (told of every change: ``_routes_changed``).
        self._included: list[APIRouter] = []
        self._parents: list[APIRouter] = []
        #: Bumped by every route added, so an app that started already re-plans before its
        #: next request (FastAPI apps may add routes after the first one).
        self.version = 0
        #: The app this router is served by when it is an ASGI app of its own (``__call__``).
        self._served: Any = None
        for route in routes or ():
            self._adopt(route)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The router as an ASGI app, as Starlette's ``Router`` is (``app.mount("/x", router)``).

        Served by an app of its own that includes it (no docs routes), planned on the first
        call and again after the router changes; fastcore/app.py provides it (``SERVE``),
        as this module does not import the app.
        """
        if self._served is None:
            if SERVE is None:
                raise RuntimeError("fastcore.app is not imported: import fastcore first")
            self._served = SERVE(self)
        await self._served(scope, receive, send)

    def _adopt(self, route: Any) -> None:
        """A route given to ``routes=``: kept as it is; an APIRoute takes this router's body
        and form limits where it has none (FastAPI applies them to every route below)."""
        if isinstance(route, APIRoute):
            if route.max_body_size is None:
                route.max_body_size = self.max_body_size
            route.form_limits = {**self.form_limits, **route.form_limits}
        self.routes.append(route)
        self._routes_changed()

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """A plain Starlette ``Route``: ``endpoint(request) -> Response``, outside the plans.

        The app matches it after its planned routes, as in FastAPI it has no parameters,
        validation or OpenAPI entry.
        """
        from starlette.routing import Route

        # NOTE: as FastAPI (Starlette's Router.add_route): the router's prefix is not added
        route = Route(
            path, endpoint, methods=methods, name=name, include_in_schema=include_in_schema
        )
        self.routes.append(route)
        self._routes_changed()

    def route(
        self,
        path: str,
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> Callable[[F], F]:
        """Decorator form of ``add_route``."""

        def decorator(func: F) -> F:
            self.add_route(
                path, func, methods=methods, name=name, include_in_schema=include_in_schema
            )
            return func

        return decorator

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve ``app`` (any ASGI app) under ``path``: a Starlette ``Mount`` in ``routes``.

        Included under a prefix, it is served under the prefix too; as in FastAPI (Starlette's
        ``Router.mount``), this router's own prefix is not added.
        """
        from starlette.routing import Mount

        self.routes.append(Mount(path, app=app, name=name))
        self._routes_changed()

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Add a ``startup`` or ``shutdown`` handler (FastAPI's ``on_startup`` lists)."""
        assert event_type in ("startup", "shutdown")
        (self.on_startup if event_type == "startup" else self.on_shutdown).append(func)

    def on_event(self, event_type: str) -> Callable[[F], F]:
        """The older startup/shutdown decorator; ``lifespan=`` is the newer way.

        Deprecated as in FastAPI: calling it warns with a ``DeprecationWarning``.
        """
        warnings.warn(
            "on_event is deprecated, use lifespan event handlers instead.",
            category=DeprecationWarning,
            stacklevel=2,
        )

        def decorator(func: F) -> F:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def _contains_router(self, router: APIRouter) -> bool:
        """Whether ``router`` is included here, at any depth."""
        return any(r is router or r._contains_router(router) for r in self._included)

    def _routes_changed(self) -> None:
        """Bump the version here and in every router that includes this one (at any depth),
        so an app re-plans when a route is added to a router it includes."""
        self.version += 1
        for parent in self._parents:
            parent._routes_changed()

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        route_class_override: type[APIRoute] | None = None,
        **options: Any,
    ) -> APIRoute:
        """Register ``endpoint`` at ``path``; the options are APIRoute's (``_make_api_route``)."""
        route = self._make_api_route(
            path, endpoint, route_class_override=route_class_override, **options
        )
        self.routes.append(route)
        self._routes_changed()
        return route

    def _make_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        route_class_override: type[APIRoute] | None = None,
        **options: Any,
    ) -> APIRoute:
        """The route ``add_api_route`` adds: this router's prefix and options merged in.

        The route is an instance of ``route_class_override``, else of this router's
        ``route_class`` (read now, so ``router.route_class = X`` applies to later routes).
        """
        options["tags"] = [*self.tags, *(options.get("tags") or [])]
        options["dependencies"] = [*self.dependencies, *(options.get("dependencies") or [])]
        options["responses"] = {**self.responses, **(options.get("responses") or {})}
        if options.get("max_body_size") is None:
            options["max_body_size"] = self.max_body_size
        options["form_limits"] = {**self.form_limits, **(options.get("form_limits") or {})}
        if options.get("sync_inline") is None:
            options["sync_inline"] = self.sync_inline
        options["msgpack"] = _given(options.get("msgpack"), self.msgpack)
        if options.get("deprecated") is None:
            options["deprecated"] = self.deprecated
        options["include_in_schema"] = self.include_in_schema and options.get(
            "include_in_schema", True
        )
        if is_default(options.get("response_class", Default(None))):
            options["response_class"] = self.default_response_class
        options["generate_unique_id_function"] = _given(
            options.get("generate_unique_id_function"), self.generate_unique_id_function
        )
        options["callbacks"] = [*self.callbacks, *(options.get("callbacks") or [])]
        route_class = route_class_override or self.route_class
        route = route_class(self.prefix + path, endpoint, **options)
        return route

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **options: Any
    ) -> Callable[[F], F]:
        """Decorator form of add_api_route."""

        def decorator(func: F) -> F:
            self.add_api_route(path, func, methods=methods, **options)
            return func

        return decorator

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: Sequence[str | Enum] | None = None,
        dependencies: Sequence[Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        default_response_class: Any = Default(None),
        generate_unique_id_function: Any = None,
        callbacks: list[Any] | None = None,
        max_body_size: int | None = None,
        form_limits: dict[str, int] | None = None,
        sync_inline: bool | None = None,
        msgpack: bool | None = None,
    ) -> None:
        """Include ``router`` under ``prefix``, adding tags and dependencies to its routes.

        As in FastAPI 0.165 the inclusion is live: ``routes`` gets one ``_IncludedRouter``,
        and a route added to ``router`` later (or to a router it includes) is served and
        documented too. A route's own ``generate_unique_id_function`` wins over ``router``'s,
        which wins over the one given here, which wins over this router's (FastAPI's order).
        """
        # NOTE: FastAPI's assertions, word for word (its users' tests match on them)
        assert self is not router, (
            "Cannot include the same APIRouter instance into itself. "
            "Did you mean to include a different router?"
        )
        assert not router._contains_router(self), (
            "Cannot include an APIRouter instance that already includes this router. "
            "Did you mean to include a different router?"
        )
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise FastCoreError(
                f"include prefix {prefix!r} must start with '/' and not end with '/'"
            )
        if not prefix:
            for route in router._effective_routes():
                if getattr(route, "path", None) == "":
                    raise FastAPIError(
                        "Prefix and path cannot be both empty "
                        f"(path operation: {getattr(route, 'name', 'unknown')})"
                    )
        include_low_priority(self, router, prefix, dependencies)  # app.frontend() and kin
        # NOTE: FastAPI's include_context has these attributes (a dataclass there)
        context = SimpleNamespace(
            prefix=prefix,
            tags=list(tags or []),
            dependencies=list(dependencies or []),
            responses=dict(responses or {}),
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            default_response_class=default_response_class,
            generate_unique_id_function=generate_unique_id_function,
            callbacks=list(callbacks or []),
            max_body_size=check_max_body_size(max_body_size),
            form_limits=check_form_limits(form_limits),
            sync_inline=sync_inline,
            msgpack=msgpack,
        )
        self.routes.append(_IncludedRouter(router, context, self))
        self._included.append(router)
        router._parents.append(self)
        self._routes_changed()
        # NOTE: as FastAPI: the handlers are copied into this router's lists, and the
        # included router's lifespan (which runs its own handlers) is merged into this one's
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)
        self.lifespan_context = lifespans.merge(self.lifespan_context, router.lifespan_context)

    def _effective_routes(self) -> list[Any]:
        """Every route this router serves: its own, and for each router it includes that
        router's routes as the inclusion makes them (prefixed copies, cached per inclusion).

        Start-up work: the app plans from this list, the document is built from it.
        """
        if not any(isinstance(r, _IncludedRouter) for r in self.routes):
            return self.routes
        flat: list[Any] = []
        for route in self.routes:
            if isinstance(route, _IncludedRouter):
                flat.extend(route.effective_candidates())
            else:
                flat.append(route)
        return flat

    def _forget_included(self) -> None:
        """Drop the included routers' copies (at every depth): the next use copies again."""
        for route in self.routes:
            if isinstance(route, _IncludedRouter):
                route._effective_candidates_version = None
                route.original_router._forget_included()

    def _included_copy(self, route: Any, router: APIRouter, context: SimpleNamespace) -> Any:
        """``route`` of the included ``router`` as this router serves it: under the include's
        prefix, with its options merged as FastAPI merges them; None for a route kind that
        cannot be included (a Starlette ``Host``, a custom ``BaseRoute``), as FastAPI skips.
        """
        prefix = context.prefix
        if isinstance(route, APIRoute):
            copy: Any = self._api_route_copy(route, router, context)
        else:
            deps = [*self.dependencies, *context.dependencies]
            limit = _first(router.max_body_size, context.max_body_size, self.max_body_size)
            copy = _starlette_copy(route, self.prefix + prefix, deps, limit)
            if copy is None:
                return None
        copy._original = getattr(route, "_original", route)
        return copy

    def _api_route_copy(
        self, route: APIRoute, router: APIRouter, context: SimpleNamespace
    ) -> APIRoute:
        response_class = route.response_class
        if is_default(response_class):
            response_class = context.default_response_class
        return self._make_api_route(
            context.prefix + route.path,
            route.endpoint,
            methods=sorted(route.methods),
            name=route.name,
            status_code=route.status_code,
            response_model=route._response_model,
            response_class=response_class,
            tags=[*context.tags, *route.tags],
            dependencies=[*context.dependencies, *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses={**context.responses, **route.responses},
            deprecated=route.deprecated or context.deprecated,
            operation_id=route.operation_id,
            include_in_schema=route.include_in_schema and context.include_in_schema,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=_given(
                route.generate_unique_id_function,
                router.generate_unique_id_function,
                context.generate_unique_id_function,
            ),
            callbacks=[*context.callbacks, *(route.callbacks or [])],
            response_model_exclude_none=route.response_model_exclude_none,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            # NOTE: as FastAPI: the route's (or its router's) limit, then the include's,
            # then this router's; form limits merged key by key, the route's last.
            max_body_size=_first(route.max_body_size, context.max_body_size),
            form_limits={**context.form_limits, **route.form_limits},
            sync_inline=_first(route.sync_inline, context.sync_inline),
            msgpack=_given(route.msgpack, context.msgpack),
            # NOTE: as FastAPI: an included route keeps its class (its route handler)
            route_class_override=type(route),
        )

    def url_path_for(self, name: str, /, **params: Any) -> URLPath:
        from starlette.routing import NoMatchFound

        for route in self._effective_routes():
            try:
                return _url_path_for(route, name, params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, params)
