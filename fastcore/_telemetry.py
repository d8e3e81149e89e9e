"""OpenTelemetry for ``FastAPI(telemetry={...})``, as FastAPI 0.165 has it: spans, metrics, logs.

Per HTTP request: a SERVER span named ``METHOD /route/{template}`` (``http.route``,
``http.request.method``, ``url.*``, ``http.response.status_code``, ``error.type`` on a 5xx or
an exception), the ``http.server.request.duration`` histogram and
``http.server.active_requests`` counter, and, unless ``operation_spans=False``, the child
spans ``fastapi.dependencies``, ``fastapi.endpoint`` and ``fastapi.serialization``. Per
WebSocket connection: a ``WS /route`` span (no metrics), with the dependencies and endpoint
as child spans; a close other than 1000/1001 by the client, or an exception, fails it.

Log records (``logs=``, ``logger_provider``): ``fastapi.validation.failed`` (WARN, the route
and the error count, never the values) for a request or connection refused by validation,
and ``http.server.request.exception`` / ``fastapi.websocket.exception`` (ERROR, with the
exception) for one that escaped the app's exception handlers, each once, inside the span.

``get_telemetry_data()`` (``fastcore/telemetry/``) reads the current request's
``TelemetryData`` from the OpenTelemetry context: the Request (or WebSocket) the handler
receives, the body as read (parsed JSON), the handler's arguments and the validation errors.
It is cleared when the request ends, so a context kept past it answers None.

PERF: nothing here runs, and opentelemetry is not imported, unless the app has telemetry on
when it starts: the config leaves a signal on, opentelemetry is installed, and a provider is
given in ``telemetry=`` or configured globally (``trace.set_tracer_provider``). That is
decided once, when the app plans its routes (``Telemetry.build``), not per request as in
FastAPI; only then are the plans wrapped (``TracedPlan``, ``TracedWebSocketPlan``) and
fastcore's server's direct lane left for the ASGI path. ``auto_configure`` (exporters from
the ``OTEL_*`` environment, at lifespan startup) is fastcore/telemetry/_runtime.py.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from time import perf_counter, time_ns
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from fastcore._planning.handlers import RequestData
from fastcore._planning.plans import RoutePlan
from fastcore._planning.threadpool import run_in_threadpool
from fastcore._routing.mounts import match_mount
from fastcore._telemetry_config import DEFAULTS, may_be_on
from fastcore.dependencies import SYNC
from fastcore.server.contract import Fallback

if TYPE_CHECKING:
    from starlette.responses import Response

    from fastcore.telemetry import TelemetryData

__all__ = [
    "CONTEXT_KEY",
    "DEFAULTS",
    "SCOPE_KEY",
    "RequestTelemetry",
    "Telemetry",
    "TracedPlan",
    "TracedWebSocketPlan",
]

_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)
_SENSITIVE_QUERY = frozenset(
    {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "X-Goog-Signature"}
)
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
_DEFERRED = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)
#: The request's ``RequestTelemetry`` in the scope (None: an excluded request, so an app
#: mounted inside does not trace it either) and in the OpenTelemetry context.
SCOPE_KEY = "fastcore.telemetry"
CONTEXT_KEY = "fastcore.request-telemetry"


def _unconfigured(provider: Any) -> bool:
    cls = type(provider)
    return (cls.__module__, cls.__name__) in _DEFERRED


def _version() -> str:
    from fastcore.alias import FASTAPI_VERSION

    return FASTAPI_VERSION


def _known_methods() -> frozenset[str]:
    """``OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`` (comma-separated), else HTTP's methods."""
    given = os.getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "").strip()
    if not given:
        return _METHODS
    return frozenset(m.strip() for m in given.split(",") if m.strip())


def _usable(given: Any, get_global: Callable[[], Any], noop: type) -> Any:
    """The provider to use: the one given, else a configured global one; None for a no-op."""
    provider = given if given is not None else get_global()
    if (given is None and _unconfigured(provider)) or isinstance(provider, noop):
        return None
    return provider


class Telemetry:
    """The app's telemetry: ``await telemetry(app, scope, receive, send)`` per request."""

    def __init__(self, config: dict[str, Any], tracer: Any, meter: Any, logger: Any) -> None:
        self.config = config
        self.tracer = tracer
        self.logger = logger
        self.operation_spans = bool(config["operation_spans"]) and tracer is not None
        self.known_methods = _known_methods()
        if self.operation_spans:
            import fastcore.background

            fastcore.background.operation = _background_operation
        self.duration = self.active = None
        if meter is not None:
            self.duration = meter.create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_BUCKETS,
            )
            self.active = meter.create_up_down_counter(
                "http.server.active_requests",
                unit="{request}",
                description="Number of active HTTP server requests.",
            )

    @classmethod
    def build(cls, config: dict[str, Any]) -> Telemetry | None:
        """The app's telemetry, or None (nothing imported) when it is off at start-up."""
        if not may_be_on(config):
            return None
        if importlib.util.find_spec("opentelemetry") is None:
            return None
        from opentelemetry import _logs, metrics, trace

        tracer = meter = logger = None
        version = _version()
        if config["tracing"]:
            provider = _usable(
                config["tracer_provider"], trace.get_tracer_provider, trace.NoOpTracerProvider
            )
            if provider is not None:
                tracer = provider.get_tracer("fastapi", version, schema_url=_SCHEMA_URL)
        if config["metrics"]:
            provider = _usable(
                config["meter_provider"], metrics.get_meter_provider, metrics.NoOpMeterProvider
            )
            if provider is not None:
                meter = provider.get_meter("fastapi", version, schema_url=_SCHEMA_URL)
        if config["logs"]:
            provider = _usable(
                config["logger_provider"], _logs.get_logger_provider, _logs.NoOpLoggerProvider
            )
            if provider is not None:
                logger = provider.get_logger("fastapi", version, schema_url=_SCHEMA_URL)
        if tracer is None and meter is None and logger is None:
            return None
        return cls(config, tracer, meter, logger)

    async def __call__(self, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        outer = scope.get(SCOPE_KEY, _ABSENT)
        if outer is not _ABSENT:
            # NOTE: an app mounted inside a traced (or excluded) request: that request's
            # telemetry covers it; the route this app serves is read from its scope
            if outer is not None:
                outer.scope = scope
            await app(scope, receive, send)
            return
        from opentelemetry import context as otel_context

        exclude = self.config["exclude"]
        if exclude is not None and exclude(scope):
            scope[SCOPE_KEY] = None
            token = otel_context.attach(otel_context.set_value(CONTEXT_KEY, None))
            try:
                await app(scope, receive, send)
            finally:
                otel_context.detach(token)
                scope.pop(SCOPE_KEY, None)
            return
        if kind == "websocket" and self.tracer is None and self.logger is None:
            await app(scope, receive, send)  # NOTE: as FastAPI: connections have no metrics
            return
        record = RequestTelemetry(self, scope, send)
        context = record.start()
        scope[SCOPE_KEY] = record
        token = otel_context.attach(otel_context.set_value(CONTEXT_KEY, record))
        try:
            with context:
                try:
                    await app(scope, receive, record.send if record.http else send)
                except BaseException as exc:
                    record.exception(exc)
                    record.finish(None if record.normal_close(exc) else exc)
                    raise
                finally:
                    record.finish(None if record.completed else record.incomplete())
        finally:
            # NOTE: a context kept past the request (a log record's) must not keep its data
            record.data, record.scope, record._send = None, {}, None
            record.seen.clear()
            otel_context.detach(token)
            scope.pop(SCOPE_KEY, None)
            if record.token is not None:
                otel_context.detach(record.token)

    def operation(
        self, name: str, function: Any, every_error: bool = False
    ) -> AbstractContextManager[Any]:
        """A ``fastapi.<name>`` child span of the current request's span; an unexpected
        exception (any, with ``every_error``) marks it failed."""
        from opentelemetry.trace import StatusCode

        attributes = {}
        if function is not None:
            module = getattr(function, "__module__", type(function).__module__)
            qualname = getattr(function, "__qualname__", type(function).__qualname__)
            attributes["code.function.name"] = f"{module}.{qualname}"
        operation = _Operation(self.tracer, f"fastapi.{name}", attributes, StatusCode.ERROR)
        operation.every_error = every_error
        return operation


_ABSENT: Any = object()
_NO_OPERATION = nullcontext()


def _no_operation(name: str, function: Any) -> AbstractContextManager[Any]:
    return _NO_OPERATION


def _background_operation(function: Any) -> AbstractContextManager[Any]:
    """A ``fastapi.background_task`` span for one task of the current request, when its app
    has operation spans; any exception it raises marks it failed (fastcore/background.py)."""
    from opentelemetry import context as otel_context

    record = otel_context.get_value(CONTEXT_KEY)
    if not isinstance(record, RequestTelemetry) or not record.telemetry.operation_spans:
        return _NO_OPERATION
    return record.telemetry.operation("background_task", function, every_error=True)


class RequestTelemetry:
    """One request's (or connection's) span, metrics, log records and ``TelemetryData``.

    The span is finished when the last body message is sent (HTTP) or the app returns.
    """

    def __init__(self, telemetry: Telemetry, scope: dict[str, Any], send: Any) -> None:
        from fastcore.telemetry import TelemetryData

        self.telemetry = telemetry
        #: The innermost scope of the request (a mounted app's), where its route is.
        self.scope = scope
        self.outer_root = scope.get("root_path", "")
        self.base = scope.get("app_root_path", self.outer_root).rstrip("/")
        self._send = send
        self.http = scope["type"] == "http"
        self.data: TelemetryData | None = TelemetryData()
        self.route: str | None = None
        self.seen: list[BaseException] = []
        original = scope.get("method", "")
        self.original = original
        self.method = original if original in telemetry.known_methods else "_OTHER"
        if self.http:
            self.span_method = "HTTP" if self.method == "_OTHER" else self.method
            self.attributes: dict[str, Any] = {
                "url.scheme": scope.get("scheme", "http"),
                "http.request.method": self.method,
            }
        else:
            self.span_method = "WS"
            self.attributes = {
                "url.scheme": scope.get("scheme", "ws"),
                "network.protocol.name": "websocket",
            }
        self.active_attributes = dict(self.attributes)
        if self.http and scope.get("http_version"):
            self.attributes["network.protocol.version"] = scope["http_version"]
        self.span: Any = None
        self.token: Any = None
        self.status: int | None = None
        self.done = self.completed = self.disconnected = False
        self.started = perf_counter()

    def start(self) -> AbstractContextManager[Any]:
        """Start the span (a child of the propagated context) and make it current."""
        telemetry, scope = self.telemetry, self.scope
        if self.http and telemetry.active is not None:
            telemetry.active.add(1, self.active_attributes)
        if telemetry.tracer is None:
            return nullcontext()
        from opentelemetry import context as otel_context
        from opentelemetry import propagate, trace
        from starlette.datastructures import Headers

        parent = propagate.extract(Headers(scope=scope), getter=_getter())
        self.token = otel_context.attach(parent)
        attributes = {**self.attributes, **_server_attributes(scope)}
        if self.http:
            attributes["url.path"] = scope["path"]
            if scope.get("query_string"):
                attributes["url.query"] = _redacted(scope["query_string"])
            if self.original != self.method:
                attributes["http.request.method_original"] = self.original
        self.span = telemetry.tracer.start_span(
            self.span_method, context=parent, kind=trace.SpanKind.SERVER, attributes=attributes
        )
        return trace.use_span(
            self.span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        )

    # -- what the plans report -------------------------------------------------------
    def select(self, scope: dict[str, Any], path: str | None = None) -> str | None:
        """The route's template, as FastAPI names it: the mount prefixes, then the route's
        own path; named on the span as soon as it is known."""
        if path is None:
            path = getattr(scope.get("route"), "path_format", None)
        if path is None:
            return self.route
        root = scope.get("root_path", "")
        mounted = root[len(self.outer_root) :] if root.startswith(self.outer_root) else ""
        self.route = self.base + mounted.rstrip("/") + path
        if self.span is not None:
            self.span.set_attribute("http.route", self.route)
            self.span.update_name(f"{self.span_method} {self.route}")
        return self.route

    def validation_failed(self, exc: Any, body: Any = None) -> None:
        """FastAPI's ``fastapi.validation.failed`` record: the count, never the values."""
        data = self.data
        errors = exc.errors()
        if data is not None:
            if self.http:
                data.body = body
            data.errors = errors
        logger = self.telemetry.logger
        if logger is None:
            return
        from opentelemetry._logs import SeverityNumber

        attributes: dict[str, Any] = {"fastapi.validation.error_count": len(errors)}
        route = self.select(self.scope)
        if route is not None:
            attributes["http.route"] = route
        logger.emit(
            event_name="fastapi.validation.failed",
            timestamp=time_ns(),
            severity_number=SeverityNumber.WARN,
            severity_text="WARN",
            body="Request validation failed",
            attributes=attributes,
        )

    def exception(self, exc: BaseException) -> None:
        """An exception that escaped the app's handlers: an ERROR record, once."""
        if self.normal_close(exc) or any(seen is exc for seen in self.seen):
            return
        self.seen.append(exc)
        logger = self.telemetry.logger
        if logger is None or not isinstance(exc, Exception):
            return
        from opentelemetry._logs import SeverityNumber

        route = self.select(self.scope)
        logger.emit(
            exception=exc,
            event_name="http.server.request.exception"
            if self.http
            else "fastapi.websocket.exception",
            timestamp=time_ns(),
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            body="Unhandled exception in FastAPI request"
            if self.http
            else "Unhandled exception in FastAPI WebSocket connection",
            attributes={"http.route": route} if route else None,
        )

    def normal_close(self, exc: BaseException) -> bool:
        """A WebSocket the client closed normally (1000, 1001): not a failure."""
        if self.http:
            return False
        from starlette.websockets import WebSocketDisconnect

        return isinstance(exc, WebSocketDisconnect) and exc.code in (1000, 1001)

    def incomplete(self) -> BaseException | None:
        if not self.http:
            return None
        if self.disconnected:
            return ConnectionError("Client disconnected")
        return RuntimeError("Incomplete ASGI response")

    # -- the ASGI side -----------------------------------------------------------------
    async def send(self, message: MutableMapping[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        await self._send(message)
        if kind == "http.response.body" and not message.get("more_body", False):
            self.completed = True
            if self.status is not None and self.status < 500:
                # NOTE: a 500 is finished by the caller: the exception behind it is re-raised
                # after the response, and it is the span's error.type, as in FastAPI
                self.finish()

    def finish(self, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done = True
        if not self.http:
            self.completed = True
        attributes, status, span = self.attributes, self.status, self.span
        route = self.select(self.scope) or self.select(self.scope, _unplanned_route(self.scope))
        if route is not None:
            attributes["http.route"] = route
        if status is not None:
            attributes["http.response.status_code"] = status
        failed = error is not None or (self.http and (status is None or status >= 500))
        if failed:
            if error is None and self.seen:
                error = self.seen[-1]
            attributes["error.type"] = (
                _exception_type(error) if error is not None else str(status or "incomplete")
            )
        if span is not None:
            from opentelemetry.trace import StatusCode

            span.set_attributes(attributes)
            if failed:
                span.set_status(StatusCode.ERROR)
        if self.http:
            self._measure()
        if span is not None:
            span.end()

    def _measure(self) -> None:
        telemetry = self.telemetry
        if telemetry.duration is not None:
            telemetry.duration.record(max(0.0, perf_counter() - self.started), self.attributes)
        if telemetry.active is not None:
            telemetry.active.add(-1, self.active_attributes)


def _unplanned_route(scope: dict[str, Any]) -> str | None:
    """The template FastAPI reports for a request no plan served: a 405's route, a mount's
    ``/prefix/{path}``, the route a slash redirect points to, a frontend's ``/path/{path}``.

    Worked out again from the app's dispatcher when the request ends, so that the paths
    that answer these pay nothing for telemetry (and nothing at all without it).
    """
    from fastcore._routing import FOUND, METHOD_NOT_ALLOWED

    dispatcher = getattr(scope.get("app"), "_dispatcher", None)
    if dispatcher is None or scope["type"] != "http":
        return None
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    router, method = dispatcher.router, scope["method"]
    status, target, _ = router.match(method, path)
    if status == METHOD_NOT_ALLOWED:
        status, target, _ = router.match(sorted(target)[0], path)
    if status == FOUND:
        return getattr(target.route, "path_format", None)
    if dispatcher.mounts:
        found = match_mount(dispatcher.mounts, scope)
        if found is not None:
            return found[0].path_format  # type: ignore[no-any-return]
    if dispatcher.redirect_slashes and path != "/":
        alt = path[:-1] if path.endswith("/") else path + "/"
        status, target, _ = router.match(method, alt)
        if status == FOUND:
            return getattr(target.route, "path_format", None)
    low_priority = dispatcher.low_priority
    if low_priority is not None:
        return low_priority.template(scope)  # type: ignore[no-any-return]
    return None


def current(scope: dict[str, Any]) -> RequestTelemetry | None:
    """The request's telemetry, None for an excluded one."""
    record = scope.get(SCOPE_KEY)
    return record if isinstance(record, RequestTelemetry) else None


class _Operation:
    """A child span; an unexpected exception marks it failed (HTTP, validation and a normal
    WebSocket close do not)."""

    def __init__(self, tracer: Any, name: str, attributes: dict[str, Any], error: Any) -> None:
        self.cm = tracer.start_as_current_span(
            name, attributes=attributes, record_exception=False, set_status_on_exception=False
        )
        self.error = error
        self.span: Any = None
        #: A background task's span fails on any exception, an HTTPException too.
        self.every_error = False

    def __enter__(self) -> Any:
        self.span = self.cm.__enter__()
        return self.span

    def __exit__(self, tp: Any, exc: Any, tb: Any) -> Any:
        if isinstance(exc, Exception) and (self.every_error or not _expected(exc)):
            self.span.set_attribute("error.type", _exception_type(exc))
            self.span.set_status(self.error)
        return self.cm.__exit__(tp, exc, tb)


def _expected(exc: Exception) -> bool:
    from starlette.exceptions import HTTPException, WebSocketException
    from starlette.websockets import WebSocketDisconnect

    from fastcore.exceptions import RequestValidationError, WebSocketRequestValidationError

    if isinstance(exc, WebSocketDisconnect):
        return exc.code in (1000, 1001)
    expected = (HTTPException, WebSocketException)
    return isinstance(exc, (*expected, RequestValidationError, WebSocketRequestValidationError))


def _exception_type(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _redacted(query: bytes) -> str:
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, "REDACTED" if k in _SENSITIVE_QUERY else v) for k, v in pairs])


_GETTER: Any = None


def _getter() -> Any:
    """FastAPI's header getter: every value of a repeated header (``baggage`` joined)."""
    global _GETTER
    if _GETTER is None:
        from opentelemetry.propagators.textmap import Getter

        class HeadersGetter(Getter[Any]):
            def get(self, carrier: Any, key: str) -> list[str] | None:
                values: list[str] = carrier.getlist(key)
                if not values:
                    return None
                if key.lower() == "baggage":
                    return [",".join(values)]
                return values

            def keys(self, carrier: Any) -> list[str]:
                return list(carrier.keys())

        _GETTER = HeadersGetter()
    return _GETTER


def _server_attributes(scope: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import urlsplit

    host = None
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1")
            break
    if host is not None:
        try:
            url = urlsplit("//" + host)
            address, port = url.hostname, url.port
        except ValueError:
            return {}
        if url.username is not None or url.path or url.query or url.fragment:
            return {}
        if port is None:
            port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scope.get("scheme", "http"))
    else:
        address, port = scope.get("server") or (None, None)
    if address is None:
        return {}
    out: dict[str, Any] = {"server.address": address}
    if port is not None:
        out["server.port"] = port
    return out


def _body(rd: RequestData) -> Any:
    """The body as FastAPI hands it to telemetry: parsed JSON (the text when it does not
    parse), other bytes as they are, None when there is none."""
    body = rd.body
    if not body:
        return None
    content_type = ""
    for name, value in rd.raw_headers:
        if name == b"content-type":
            content_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
            break
    if content_type.startswith("application/") and (
        content_type.endswith("/json") or content_type.endswith("+json")
    ):
        import json

        try:
            return json.loads(body)
        except ValueError:
            return body.decode("utf-8", "replace")
    return body


class TracedPlan(RoutePlan):
    """A route plan that reports to the request's telemetry: the Request, body, arguments
    and validation errors (``get_telemetry_data``), and, with operation spans, the
    dependencies, endpoint and serialization as child spans."""

    __slots__ = ("inner", "operations", "telemetry")
    lane_fallback = Fallback.TELEMETRY

    def __init__(self, inner: RoutePlan, telemetry: Telemetry) -> None:
        super().__init__(
            inner.call,
            inner.needs,
            inner.serialize,
            inner.status_code,
            inner.response_class,
            inner.msgpack,
        )
        self.inner = inner
        self.route = inner.route
        self.simple_call = None
        self.simple_sync = False
        self.telemetry = telemetry
        # NOTE: FastAPI serves the docs pages as plain Starlette routes, without operation
        # spans; fastcore's are API routes named by fastcore/openapi/routes.py's ids
        docs = str(getattr(inner.route, "unique_id", "")).startswith("fastcore_docs_")
        self.operations = telemetry.operation_spans and not docs

    async def render(self, rd: RequestData) -> tuple[int, bytes] | Response:
        scope = rd.get_scope()
        record = current(scope)
        if record is None:  # NOTE: an excluded request
            return await self.inner.render(rd)
        from fastcore.exceptions import RequestValidationError

        record.select(scope)
        data = record.data
        if data is not None:
            data.request = rd.get_request()
        try:
            body_errors = await self.needs.prepare(rd)
        except RequestValidationError as exc:
            record.validation_failed(exc, _body(rd) if rd.body is not None else exc.body)
            raise
        body = _body(rd)
        if data is not None:
            data.body = body
        errors: list[dict[str, Any]] = []
        call = self.call
        maybe = self.telemetry.operation if self.operations else _no_operation
        with maybe("dependencies", call.call):
            kwargs = await call.solve(rd, errors)
            if body_errors:
                errors.extend(body_errors)
            if data is not None:
                data.values, data.errors = kwargs, errors
        if errors:
            refused = RequestValidationError(errors, body=rd.body)
            record.validation_failed(refused, body)
            raise refused
        if self.operations and call.kind is SYNC and not call.inline and call.concurrency is None:
            # NOTE: as FastAPI: a def endpoint's span starts in the worker thread it runs in
            result = await run_in_threadpool(self._sync_endpoint, kwargs)
        else:
            with maybe("endpoint", call.call):
                result = await call.invoke(kwargs, rd)
        with maybe("serialization", call.call):
            return self.finish(result, rd)

    def _sync_endpoint(self, kwargs: dict[str, Any]) -> Any:
        with self.telemetry.operation("endpoint", self.call.call):
            return self.call.call(**kwargs)


class TracedWebSocketPlan:
    """A WebSocket route's plan reporting to the connection's telemetry (as TracedPlan)."""

    __slots__ = ("inner", "route", "telemetry")

    def __init__(self, inner: Any, telemetry: Telemetry) -> None:
        self.inner = inner
        self.route = inner.route
        self.telemetry = telemetry

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        record = current(scope)
        if record is None:
            await self.inner(scope, receive, send)
            return
        scope["route"] = self.route
        record.select(scope)
        await self.inner.serve(scope, receive, send, self._run)

    async def _run(self, rd: RequestData) -> None:
        from fastcore.exceptions import WebSocketRequestValidationError

        record = current(rd.get_scope())
        assert record is not None
        data = record.data
        if data is not None:
            data.websocket = rd.request
        inner = self.inner
        await inner.needs.prepare(rd)
        errors: list[dict[str, Any]] = []
        function = inner.call.call
        telemetry = self.telemetry
        maybe = telemetry.operation if telemetry.operation_spans else _no_operation
        with maybe("dependencies", function):
            kwargs = await inner.call.solve(rd, errors)
            if data is not None:
                data.values, data.errors = kwargs, errors
        if errors:
            refused = WebSocketRequestValidationError(errors)
            record.validation_failed(refused)
            raise refused
        with maybe("endpoint", function):
            await inner.call.invoke(kwargs, rd)
