"""OpenTelemetry for ``FastAPI(telemetry={...})``, as FastAPI 0.165 has it (tracing and metrics).

Per HTTP request: a SERVER span named ``METHOD /route/{template}`` (``http.route``,
``http.request.method``, ``url.*``, ``http.response.status_code``, ``error.type`` on a 5xx or
an exception), the ``http.server.request.duration`` histogram and
``http.server.active_requests`` counter, and, unless ``operation_spans=False``, the child
spans ``fastapi.dependencies``, ``fastapi.endpoint`` and ``fastapi.serialization``.

PERF: nothing here runs, and opentelemetry is not imported, unless the app has telemetry on
when it starts: the config leaves tracing or metrics on, opentelemetry is installed, and a
provider is given in ``telemetry=`` or configured globally (``trace.set_tracer_provider``).
That is decided once, when the app plans its routes (``Telemetry.build``), not per request
as in FastAPI; only then are the plans wrapped (``TracedPlan``) and fastcore's server's
direct lane left for the ASGI path. Not built: the log records (``logs=``) and
``auto_configure`` from the environment.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from time import perf_counter
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from fastcore._planning.handlers import RequestData
from fastcore._planning.plans import RoutePlan
from fastcore.server.contract import Fallback

if TYPE_CHECKING:
    from starlette.responses import Response

__all__ = ["DEFAULTS", "Telemetry", "TracedPlan"]

#: FastAPI's defaults for ``telemetry=``.
DEFAULTS: dict[str, Any] = {
    "tracer_provider": None,
    "meter_provider": None,
    "logger_provider": None,
    "tracing": True,
    "metrics": True,
    "logs": True,
    "operation_spans": True,
    "auto_configure": False,
    "exclude": None,
}
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
    }
)


#: The modules through which a global tracer or meter provider is set.
_GLOBALS = ("opentelemetry.trace", "opentelemetry.metrics")


def _unconfigured(provider: Any) -> bool:
    cls = type(provider)
    return (cls.__module__, cls.__name__) in _DEFERRED


def _version() -> str:
    from fastcore.alias import FASTAPI_VERSION

    return FASTAPI_VERSION


class Telemetry:
    """The app's telemetry: ``await telemetry(app, scope, receive, send)`` per HTTP request."""

    def __init__(self, config: dict[str, Any], tracer: Any, meter: Any) -> None:
        self.config = config
        self.tracer = tracer
        self.operation_spans = bool(config["operation_spans"]) and tracer is not None
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
        if not (config["tracing"] or config["metrics"]):
            return None
        given = config["tracer_provider"] is not None or config["meter_provider"] is not None
        if not given and not any(m in sys.modules for m in _GLOBALS):
            # PERF: a global provider is set through these modules; none is loaded, so none
            # is configured, and opentelemetry (in every FastAPI install) stays unimported.
            return None
        if importlib.util.find_spec("opentelemetry") is None:
            return None
        from opentelemetry import metrics, trace

        tracer = meter = None
        if config["tracing"]:
            provider = config["tracer_provider"] or trace.get_tracer_provider()
            if not (
                (config["tracer_provider"] is None and _unconfigured(provider))
                or isinstance(provider, trace.NoOpTracerProvider)
            ):
                tracer = provider.get_tracer("fastapi", _version(), schema_url=_SCHEMA_URL)
        if config["metrics"]:
            provider = config["meter_provider"] or metrics.get_meter_provider()
            if not (
                (config["meter_provider"] is None and _unconfigured(provider))
                or isinstance(provider, metrics.NoOpMeterProvider)
            ):
                meter = provider.get_meter("fastapi", _version(), schema_url=_SCHEMA_URL)
        if tracer is None and meter is None:
            return None
        return cls(config, tracer, meter)

    async def __call__(self, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        exclude = self.config["exclude"]
        if scope["type"] != "http" or (exclude is not None and exclude(scope)):
            await app(scope, receive, send)
            return
        from opentelemetry import context as otel_context

        request = _TracedRequest(self, scope, send)
        context = request.start()
        scope["fastcore.telemetry"] = self
        try:
            with context:
                try:
                    await app(scope, receive, request.send)
                except BaseException as exc:
                    request.finish(exc)
                    raise
                finally:
                    request.finish(
                        None if request.completed else RuntimeError("Incomplete ASGI response")
                    )
        finally:
            scope.pop("fastcore.telemetry", None)
            if request.token is not None:
                otel_context.detach(request.token)

    def operation(self, name: str, function: Any) -> AbstractContextManager[Any]:
        """A ``fastapi.<name>`` child span of the current request's span."""
        from opentelemetry.trace import StatusCode

        tracer = self.tracer
        attributes = {}
        if function is not None:
            module = getattr(function, "__module__", type(function).__module__)
            qualname = getattr(function, "__qualname__", type(function).__qualname__)
            attributes["code.function.name"] = f"{module}.{qualname}"
        return _Operation(tracer, f"fastapi.{name}", attributes, StatusCode.ERROR)


class _TracedRequest:
    """One request's SERVER span and metrics, finished when its last body message is sent."""

    def __init__(self, telemetry: Telemetry, scope: dict[str, Any], send: Any) -> None:
        self.telemetry = telemetry
        self.scope = scope
        self._send = send
        original = scope.get("method", "")
        self.original = original
        self.method = original if original in _METHODS else "_OTHER"
        self.span_method = "HTTP" if self.method == "_OTHER" else self.method
        self.attributes: dict[str, Any] = {
            "url.scheme": scope.get("scheme", "http"),
            "http.request.method": self.method,
        }
        self.active_attributes = dict(self.attributes)
        if scope.get("http_version"):
            self.attributes["network.protocol.version"] = scope["http_version"]
        self.span: Any = None
        self.token: Any = None
        self.status: int | None = None
        self.done = self.completed = False
        self.started = perf_counter()

    def start(self) -> AbstractContextManager[Any]:
        """Start the span (a child of the propagated context) and make it current."""
        telemetry, scope = self.telemetry, self.scope
        if telemetry.active is not None:
            telemetry.active.add(1, self.active_attributes)
        if telemetry.tracer is None:
            return nullcontext()
        from opentelemetry import context as otel_context
        from opentelemetry import propagate, trace
        from starlette.datastructures import Headers

        parent = propagate.extract(Headers(scope=scope))
        self.token = otel_context.attach(parent)
        attributes = {**self.attributes, **_server_attributes(scope), "url.path": scope["path"]}
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

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.completed = True
            if self.status is not None and self.status < 500:
                # NOTE: a 500 is finished by the caller: the exception behind it is re-raised
                # after the response, and it is the span's error.type, as in FastAPI
                self.finish()

    def finish(self, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done = True
        attributes, status, span = self.attributes, self.status, self.span
        path = getattr(self.scope.get("route"), "path_format", None)
        if path is not None:
            attributes["http.route"] = path
        if status is not None:
            attributes["http.response.status_code"] = status
        failed = error is not None or status is None or status >= 500
        if failed:
            attributes["error.type"] = (
                _exception_type(error) if error is not None else str(status or "incomplete")
            )
        if span is not None:
            from opentelemetry.trace import StatusCode

            if path is not None:
                span.update_name(f"{self.span_method} {path}")
            span.set_attributes(attributes)
            if failed:
                span.set_status(StatusCode.ERROR)
        telemetry = self.telemetry
        if telemetry.duration is not None:
            telemetry.duration.record(max(0.0, perf_counter() - self.started), attributes)
        if telemetry.active is not None:
            telemetry.active.add(-1, self.active_attributes)
        if span is not None:
            span.end()


class _Operation:
    """A child span; an unexpected exception marks it failed (HTTP and validation do not)."""

    def __init__(self, tracer: Any, name: str, attributes: dict[str, Any], error: Any) -> None:
        self.cm = tracer.start_as_current_span(
            name, attributes=attributes, record_exception=False, set_status_on_exception=False
        )
        self.error = error
        self.span: Any = None

    def __enter__(self) -> Any:
        self.span = self.cm.__enter__()
        return self.span

    def __exit__(self, tp: Any, exc: Any, tb: Any) -> Any:
        if exc is not None and isinstance(exc, Exception) and not _expected(exc):
            self.span.set_attribute("error.type", _exception_type(exc))
            self.span.set_status(self.error)
        return self.cm.__exit__(tp, exc, tb)


def _expected(exc: Exception) -> bool:
    from starlette.exceptions import HTTPException

    from fastcore.exceptions import RequestValidationError

    return isinstance(exc, (HTTPException, RequestValidationError))


def _exception_type(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _redacted(query: bytes) -> str:
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, "REDACTED" if k in _SENSITIVE_QUERY else v) for k, v in pairs])


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
            port = {"http": 80, "https": 443}.get(scope.get("scheme", "http"))
    else:
        address, port = scope.get("server") or (None, None)
    if address is None:
        return {}
    out: dict[str, Any] = {"server.address": address}
    if port is not None:
        out["server.port"] = port
    return out


class TracedPlan(RoutePlan):
    """A route plan whose dependencies, endpoint and serialization are child spans."""

    __slots__ = ("inner", "operation")
    lane_fallback = Fallback.TELEMETRY

    def __init__(self, inner: RoutePlan, operation: Callable[[str, Any], Any]) -> None:
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
        self.operation = operation

    async def render(self, rd: RequestData) -> tuple[int, bytes] | Response:
        scope = rd.get_scope()
        if "fastcore.telemetry" not in scope:  # NOTE: an excluded request
            return await self.inner.render(rd)
        from fastcore.exceptions import RequestValidationError

        body_errors = await self.needs.prepare(rd)
        errors: list[dict[str, Any]] = []
        function = self.call.call
        with self.operation("dependencies", function):
            kwargs = await self.call.solve(rd, errors)
        if body_errors:
            errors.extend(body_errors)
        if errors:
            raise RequestValidationError(errors, body=rd.body)
        with self.operation("endpoint", function):
            result = await self.call.invoke(kwargs, rd)
        with self.operation("serialization", function):
            return self.finish(result, rd)
