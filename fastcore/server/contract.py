"""What fastcore's server needs from an app, written down once: the lane's contract.

The server owns this module; the framework's planning layer fills it. At start-up a FastCore
app hands the server one ``LaneRoutes`` (``LaneApp.lane_routes``): the router, a frozen
``LaneSpec`` per route plan, and the app's paths beside the lane (its ASGI entry and its
error handling). The direct lane (``fastcore/server/http/lane.py``, both builds) and
``fastcore/server/dispatch.py`` read a route only through its spec and call the app only
through the ``typing.Protocol``s below, so the server imports no private name of the
framework, and what makes a route leave the lane is a value (``Fallback``) that a test or a
debug listing can show.

Nothing here runs per request: the lane copies a spec into its own fields (C fields in the
compiled build) the first time the route is served.
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeGuard, runtime_checkable

if TYPE_CHECKING:
    import contextlib

    from starlette.responses import Response

__all__ = [
    "INT64",
    "Answer",
    "AsgiApp",
    "Cycle",
    "ErrorHandler",
    "Fallback",
    "GeneralPath",
    "Kind",
    "LaneApp",
    "LaneParam",
    "LaneRoutes",
    "LaneSpec",
    "Media",
    "Receive",
    "Rendered",
    "RequestState",
    "Router",
    "Scope",
    "Send",
    "Source",
    "StepPlan",
    "is_response",
]

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
#: A request's validation errors, FastAPI-shaped (``{"type", "loc", "msg", "input"}``).
Errors: TypeAlias = list[dict[str, Any]]

#: The bounds the compiled lane can hold for an int (a C ``long long``; it reads at most 18
#: digits): a bounded int parameter's limits must lie inside them.
INT64 = (-(2**63), 2**63 - 1)


class Source(enum.IntEnum):
    """Where the lane reads a parameter itself; ``PYTHON``: only its extractor can."""

    PYTHON = -1
    PATH = 0
    QUERY = 1
    HEADER = 2
    COOKIE = 3


class Kind(enum.IntEnum):
    """How the lane converts a parameter in place; ``OTHER``: it calls the extractor.

    ``INT`` covers bounded ints too (``Path(ge=1)``): the bounds are ``LaneParam.low/high``.
    """

    OTHER = 0
    STR = 1
    INT = 2
    BOOL = 3


class Answer(enum.IntEnum):
    """What the lane writes itself from a handler's result; ``GENERAL``: the plan builds it."""

    GENERAL = 0  # NOTE: any other response class: a Response object, written by Dispatch
    JSON = 1  # the serializer's bytes (a returned Response goes to Dispatch)
    TEXT = 2  # a returned str, encoded (PlainTextResponse/HTMLResponse routes)
    #: JSON or MessagePack, as the request's Accept prefers (``LaneSpec.negotiate``).
    MSGPACK = 3


class Media(enum.IntEnum):
    """What a request's Content-Type says its body is (``LaneSpec.media``)."""

    OTHER = 0
    JSON = 1  # NOTE: no Content-Type at all is JSON too, as FastAPI reads it
    MSGPACK = 2


class Fallback(enum.Enum):
    """Why a route is served by the plan's general path (``Dispatch.serve``), not the lane.

    Per request, a lane route still leaves the lane when its body has not fully arrived, its
    handler suspends, or it returns a Response object; those are not the route's shape.
    """

    NONE = "served by the lane"
    MIDDLEWARE = "the app has middleware (every request through its ASGI entry)"
    TELEMETRY = "OpenTelemetry spans (every request through the ASGI entry)"
    ROUTE_HANDLER = "custom route class (get_route_handler)"
    STREAM = "generator handler (a streamed response)"
    FORM = "form body (read as a stream, files closed after the response)"
    YIELD = "yield dependency (an exit stack around the response)"
    #: Served by the lane: the dependencies solved from the route's flat ``LaneSpec.steps``
    #: (no nested solve), the general path only for what a request shows (errors, overrides).
    STEPS = "served by the lane, dependencies solved from a flat plan"
    DEPENDENCIES = "dependencies"
    SPECIAL = "Request/Response/BackgroundTasks/SecurityScopes parameter"
    BODY_LIMIT = "body size limit (checked while the body is read)"
    OTHER = "the plan's general path"


@runtime_checkable
class Cycle(Protocol):
    """One request on a connection, as the server's protocol offers it (``RequestCycle``)."""

    method: str
    path: str
    query_string: bytes
    raw_headers: list[tuple[bytes, bytes]]
    response_started: bool
    response_complete: bool
    disconnected: bool

    def scope(self) -> dict[str, Any]: ...
    async def receive(self) -> dict[str, Any]: ...
    async def send(self, message: Message) -> None: ...
    def take_body(self) -> bytes | None: ...
    def write_simple(self, status: int, content_type: bytes, body: bytes) -> None: ...
    def write_response(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes | memoryview
    ) -> None: ...
    def abort(self) -> None: ...


class RequestState(Protocol):
    """What one request has parsed so far, as the lane fills it and the plan reads it.

    The planning layer's ``RequestData``; the lane makes one (``LaneRoutes.request_state``)
    only when an extractor, a fallback or an error needs it.
    """

    query: dict[str, str]
    query_pairs: list[tuple[str, str]]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes | None
    body_values: dict[str, Any]
    #: The APIRoute served (``scope["route"]``), set by Dispatch before the plan runs.
    route: Any
    stack: contextlib.AsyncExitStack | None

    def get_scope(self) -> dict[str, Any]: ...
    def parse_headers(self) -> None: ...
    def parse_cookies(self) -> None: ...


#: What a plan renders: ``(status, body)`` for the route's fast content type, or a Response.
Rendered: TypeAlias = "tuple[int, bytes] | Response"
#: A parameter's extractor: ``(state, errors) -> value``, appending its errors (the state is
#: the plan's own ``RequestState``).
Extractor: TypeAlias = Callable[[Any, Errors], Any]


class GeneralPath(Protocol):
    """A route's plan, for what the lane does not serve itself (``Dispatch`` calls it)."""

    async def render(self, rd: Any) -> Rendered: ...
    async def render_function_scoped(self, rd: Any) -> Rendered: ...
    def finish(self, result: Any, rd: Any) -> Rendered: ...
    def swallowed(self) -> Exception:
        """What to raise when a yield dependency swallowed what stopped the handler."""
        ...


class StepPlan(Protocol):
    """A route's dependencies as a flat plan (``LaneSpec.steps``): run in order, no nesting.

    The lane has extracted and validated the handler's own parameters (``kwargs``); ``run``
    solves the dependencies in FastAPI's order, each once per request where cached, calls
    the handler and renders its result. What the flat plan cannot decide from the route's
    shape (a dependency's invalid input, dependency overrides set) it hands to the general
    path itself, before anything was called. Inside the route's exit stack (``rd.stack``)
    when the route has yield dependencies.
    """

    #: The route's ``dependency_overrides`` holder (``.mapping``, empty or None while none
    #: is set): with overrides set the lane does not start ``direct``.
    overrides: Any
    #: For a route that needs no request state and no exit stack: its dependencies and
    #: handler as one ``async (**handler kwargs) -> result`` the lane starts and answers
    #: exactly as a simple route's handler (its result not yet rendered); else None.
    direct: Callable[..., Any] | None

    async def run(self, rd: Any, kwargs: dict[str, Any]) -> Rendered: ...


class AsgiApp(Protocol):
    """An ASGI 3 application: what the server calls when the lane cannot serve a request."""

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None: ...


class ErrorHandler(Protocol):
    """The app's exception handlers, answering ``exc`` for a request served off its ASGI entry.

    ``started``: the response's head was already written (a handler cannot answer then).
    What it cannot answer it raises, for the server to log (and answer 500 if it can).
    """

    async def __call__(
        self, exc: Exception, scope: dict[str, Any], receive: Receive, send: Send, started: bool
    ) -> None: ...


class Router(Protocol):
    """Matches a request to a route plan: ``(status, plan, path params)``.

    ``status`` equals ``LaneRoutes.found`` when a route matched; the plan then keys
    ``LaneRoutes.specs``. Other statuses (404, 405) are the ASGI entry's to answer.
    """

    def match(self, method: str, path: str) -> tuple[int, Any, dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class LaneParam:
    """One parameter of a lane route: where the lane reads it and how it converts it.

    The lane converts a value of ``kind`` read from ``source`` under ``key`` itself, and
    checks an int against ``low``/``high``; for a value it does not accept as is, or a
    ``Source.PYTHON``/``Kind.OTHER`` parameter, it calls ``extract``, which gives the same
    value or the error. A missing value is ``default`` when ``has_default``.
    """

    name: str
    extract: Extractor
    source: Source = Source.PYTHON
    #: The wire name; lower-case for a header (the lane's headers are).
    key: str = ""
    kind: Kind = Kind.OTHER
    low: int = INT64[0]
    high: int = INT64[1]
    has_default: bool = False
    default: Any = None
    #: For ``Kind.BOOL``: the words accepted and their value (the validation layer's table).
    words: Mapping[str, bool] | None = None


@dataclass(frozen=True, slots=True)
class LaneSpec:
    """One route plan, flat, as the server serves it. Built once, at start-up."""

    #: The plan itself, for the general path (``Dispatch``) and the lane's routing table.
    general: GeneralPath
    #: The APIRoute (``scope["route"]``, ``scope["endpoint"]``).
    route: Any
    #: ``Fallback.NONE`` when the lane serves the route; else why the general path does.
    fallback: Fallback
    #: The handler the lane calls: an ``async def`` (started with ``send(None)``), or a
    #: plain ``def``: on the loop when ``sync`` (``sync_inline=True``), else handed to
    #: ``submit``; None unless ``Fallback.NONE``, or ``Fallback.STEPS`` with ``submit`` (a
    #: ``def`` handler over ``def`` dependencies, the whole request in one pool hop).
    call: Callable[..., Any] | None
    sync: bool
    params: tuple[LaneParam, ...]
    #: What to parse before the parameters are read.
    query: bool
    headers: bool
    cookies: bool
    #: The body: None when the route reads none; else the plan's ``values(body,
    #: content_type) -> (values, errors)``, which explains every error.
    body_values: Callable[[bytes, bytes | None], tuple[dict[str, Any], Errors]] | None
    #: One non-embedded body the lane decodes straight into the handler's argument
    #: (``decoder.decode(bytes)``, raising ValueError on bad input), or None; and its
    #: MessagePack twin on a route that reads MessagePack (else None).
    decoder: Any
    msgpack_decoder: Any
    body_key: str
    body_name: str
    #: What a Content-Type value says the body is (a ``Media``): the lane decodes JSON with
    #: ``decoder``, MessagePack with ``msgpack_decoder``, and leaves the rest to the plan.
    media: Callable[[bytes], int]
    #: What the lane writes itself, with which status and raw ``content-type: ...\r\n`` line.
    answer: Answer
    status_code: int
    content_type_line: bytes
    serialize: Callable[[Any], bytes]
    #: ``Answer.MSGPACK``: ``(raw_headers, status, result, serialize) -> (header lines,
    #: body)``, the answer in the media type the request's Accept prefers; None otherwise.
    negotiate: (
        Callable[[list[tuple[bytes, bytes]], int, Any, Callable[[Any], bytes]], tuple[bytes, bytes]]
        | None
    )
    #: The general path runs inside an exit stack (yield dependencies, form files); and a
    #: second one for ``scope="function"`` dependencies.
    has_yield: bool
    function_scoped: bool
    #: Makes that exit stack (an ``AsyncExitStack``; the planning layer's enters yield
    #: dependencies without a context-manager object each).
    new_stack: Callable[[], contextlib.AsyncExitStack] = contextlib.AsyncExitStack
    #: ``Fallback.STEPS``: the route's dependencies as a flat plan, run after the lane read
    #: the handler's own parameters; None otherwise.
    steps: StepPlan | None = None
    #: A ``def`` handler outside ``sync_inline``: ``submit(target, call, kwargs)`` runs it in
    #: the thread pool and hands its outcome to ``target.set_result``/``set_exception`` on the
    #: loop (``target`` answers ``done()``/``cancelled()`` False); None for other routes.
    #: With ``steps`` (its ``def`` dependencies) the lane first sends invalid input and
    #: overrides to the general path, as for any flat plan; the outcome is then what the
    #: worker rendered (``serialize`` passes the JSON bytes through), and the dependencies'
    #: exits follow the write, the planning layer's business.
    submit: Callable[[Any, Callable[..., Any], dict[str, Any]], None] | None = None

    def describe(self) -> str:
        """One line for debug output: the route, and whether or why it leaves the lane."""
        methods = ",".join(sorted(getattr(self.route, "methods", ()) or ()))
        return f"{methods} {getattr(self.route, 'path', '?')}: {self.fallback.value}"


@dataclass(frozen=True, slots=True)
class LaneRoutes:
    """An app's routes as the server serves them, and its paths beside the lane."""

    router: Router
    #: The router's status for a matched route.
    found: int
    specs: Mapping[Any, LaneSpec]
    #: The app's ASGI entry (404s, mounts, middleware, other apps go through it).
    asgi: AsgiApp
    on_error: ErrorHandler
    #: The plan's per-request state (``RequestData``), made by the lane only when something
    #: reads it: called as ``(None, None, path_params, query_string, raw_headers, cycle)``
    #: (no scope or receive: the cycle makes them if asked).
    request_state: Callable[..., RequestState]
    #: The query-string parser the plan's extractors agree with: bytes -> pairs.
    parse_query: Callable[[bytes], list[tuple[str, str]]]
    #: ``RequestValidationError(errors, body=...)``: the lane's 422 for its own parameters.
    invalid: Callable[[Errors, bytes | None], Exception]
    #: Why no route takes the lane whatever its shape (middleware, telemetry), or None.
    whole_app: Fallback | None = None
    #: True when no ``def`` call the lane handed to the thread pool (``LaneSpec.submit``),
    #: nor a dependency's exit after its response, is queued or running: that work is
    #: outside any Task, and a graceful stop waits for it before the lifespan's shutdown.
    idle: Callable[[], bool] = lambda: True


@runtime_checkable
class LaneApp(Protocol):
    """An app that describes its routes to fastcore's server (a FastCore).

    Any other ASGI app is served through its ASGI entry, request by request.
    """

    def lane_routes(self) -> LaneRoutes:
        """Plan the app (``freeze``) and describe its routes; cheap when nothing changed."""
        ...

    def serves_websocket(self, path: str) -> bool:
        """Whether a WebSocket upgrade for ``path`` reaches a route or mount of the app."""
        ...

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None: ...


_modules = sys.modules


def is_response(value: Any) -> TypeGuard[Response]:
    """Whether ``value`` is a Starlette Response, without importing Starlette to ask.

    PERF: ``starlette.responses`` costs ~3.8 MiB of RSS per worker; a handler can only have
    built a Response once that module is loaded, so until then the answer is no (one dict
    lookup). The JSON fast path checks ``type(result) is dict`` first and skips even that.
    """
    module = _modules.get("starlette.responses")
    return module is not None and isinstance(value, module.Response)
