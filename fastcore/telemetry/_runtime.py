"""``telemetry={"auto_configure": True}`` (or ``FASTAPI_OTEL_AUTO_CONFIGURE=true``): OTLP export
set up from the standard ``OTEL_*`` environment variables when the app starts, as FastAPI 0.165.

At each lifespan startup, for every signal that is on (traces, metrics, logs) and has an
endpoint (``OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT``, else ``OTEL_EXPORTER_OTLP_ENDPOINT`` +
``/v1/<signal>``), an OTLP/HTTP exporter is added to the provider the app uses: the one given in
``telemetry=``, else the global one, or, when no global one is configured, a new SDK provider
that becomes the global one. Existing providers and their exporters are kept; each provider
gets fastcore's exporter once, however many apps or lifespans start. ``OTEL_SDK_DISABLED=true``
or ``OTEL_<SIGNAL>_EXPORTER=none`` turn it off; only ``otlp`` over ``http/protobuf`` is
supported. A configuration that cannot be honoured is a warning on the ``fastcore`` logger:
telemetry is optional and never stops the app from starting. What fastcore created (``_owned``)
is flushed, off the event loop, when a lifespan ends, and shut down at interpreter exit.

The module path and its private names are FastAPI's (``fastapi.telemetry._runtime``), as code
that inspects or resets it expects. Imported only by an app that asks for auto-configuration.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastcore.exceptions import FastAPIError
from fastcore.logger import logger

__all__ = ["lifespan"]

_lock = threading.RLock()
#: Providers and export components fastcore created (flushed per lifespan, shut down at exit).
_owned: list[Any] = []
#: ``(signal, provider)`` pairs that have fastcore's exporter.
_configured: list[tuple[str, Any]] = []

_INSTALL = (
    "Automatic OpenTelemetry export requires fastapi[opentelemetry] or fastapi[standard]"
    " (opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http). Install them, configure"
    " providers yourself, or pass telemetry={'auto_configure': False} to FastAPI()."
)


def _flush() -> None:
    for component in tuple(_owned):
        try:
            component.force_flush()
        except Exception:
            logger.exception("FastAPI telemetry cleanup failed")


def _shutdown() -> None:
    with _lock:
        owned = tuple(_owned)
        _owned.clear()
    for component in owned:
        try:
            component.shutdown()
        except Exception:
            logger.exception("FastAPI telemetry cleanup failed")


atexit.register(_shutdown)


def _export_endpoint(signal: str) -> str | None:
    """The OTLP/HTTP endpoint for ``signal`` (TRACES, METRICS, LOGS), None when not exported."""
    exporter = (os.getenv(f"OTEL_{signal}_EXPORTER") or "otlp").strip().lower()
    endpoint = os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    if not endpoint:
        endpoint = os.getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
        if endpoint:
            endpoint = f"{endpoint.removesuffix('/')}/v1/{signal.lower()}"
    if not endpoint or exporter == "none":
        return None
    if exporter != "otlp":
        raise FastAPIError(
            f"FastAPI automatic telemetry supports OTEL_{signal}_EXPORTER=otlp or none. "
            "Configure other exporters explicitly and pass "
            "telemetry={'auto_configure': False} to FastAPI()."
        )
    protocol = (
        os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
        or os.getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    if protocol != "http/protobuf":
        raise FastAPIError(
            "FastAPI automatic telemetry requires the OTLP http/protobuf protocol. Configure "
            "other transports explicitly and pass telemetry={'auto_configure': False} to "
            "FastAPI()."
        )
    parsed = urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise FastAPIError(
            f"Invalid OTLP {signal.lower()} endpoint. Use an absolute HTTP or HTTPS URL."
        )
    return endpoint


def _registration_provider(provider: Any) -> Any:
    """The provider to register a component with: older Logfire meter wrappers lack
    ``add_metric_reader`` and forward to an SDK provider that has it."""
    cls = type(provider)
    if (cls.__module__, cls.__name__) == (
        "logfire._internal.metrics",
        "ProxyMeterProvider",
    ) and not hasattr(provider, "add_metric_reader"):
        return provider.provider
    return provider


def _sdk() -> dict[str, Any]:
    """The SDK and OTLP/HTTP exporter classes, by signal."""
    try:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter  # type: ignore[import-not-found]
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter  # type: ignore[import-not-found]
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # type: ignore[import-not-found]
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise FastAPIError(_INSTALL) from exc
    from opentelemetry import _logs, metrics, trace

    def span_pipeline(endpoint: str) -> Any:
        return BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))

    def metric_pipeline(endpoint: str) -> Any:
        return PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=endpoint))

    def log_pipeline(endpoint: str) -> Any:
        return BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint))

    def tracer_provider(component: Any) -> Any:
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(component)
        return provider

    def meter_provider(component: Any) -> Any:
        return MeterProvider(metric_readers=[component], shutdown_on_exit=False)

    def logger_provider(component: Any) -> Any:
        provider = LoggerProvider(shutdown_on_exit=False)
        provider.add_log_record_processor(component)
        return provider

    return {
        # signal: (name, component, new provider, get global, set global, register method)
        "TRACES": (
            "tracer",
            span_pipeline,
            tracer_provider,
            trace.get_tracer_provider,
            trace.set_tracer_provider,
            "add_span_processor",
        ),
        "METRICS": (
            "meter",
            metric_pipeline,
            meter_provider,
            metrics.get_meter_provider,
            metrics.set_meter_provider,
            "add_metric_reader",
        ),
        "LOGS": (
            "logger",
            log_pipeline,
            logger_provider,
            _logs.get_logger_provider,
            _logs.set_logger_provider,
            "add_log_record_processor",
        ),
    }


def _configure_from_environment(config: dict[str, Any]) -> None:
    """Add OTLP exporters from the environment to the providers ``config`` selects."""
    if not config["auto_configure"] or os.getenv("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    from fastcore._telemetry import _unconfigured

    with _lock:
        signals = [
            ("TRACES", config["tracing"], config["tracer_provider"]),
            ("METRICS", config["metrics"], config["meter_provider"]),
            ("LOGS", config["logs"], config["logger_provider"]),
        ]
        requested = [
            (signal, provider, endpoint)
            for signal, enabled, provider in signals
            if enabled and (endpoint := _export_endpoint(signal)) is not None
        ]
        if not requested:
            return
        sdk = _sdk()
        for signal, explicit, endpoint in requested:
            name, component_for, new_provider, get_global, set_global, method = sdk[signal]
            provider = _registration_provider(explicit if explicit is not None else get_global())
            if any(s == signal and p is provider for s, p in _configured):
                continue
            if explicit is None and _unconfigured(provider):
                created = new_provider(component_for(endpoint))
                set_global(created)
                current = get_global()
                if current is created:
                    _configured.append((signal, created))
                    _owned.append(created)
                    continue
                # NOTE: another component set the global provider meanwhile: theirs wins
                created.shutdown()
                provider = _registration_provider(current)
            register: Callable[[Any], None] | None = getattr(provider, method, None)
            if not callable(register):
                raise FastAPIError(
                    f"The configured OpenTelemetry {name} provider does not support adding an "
                    "OTLP exporter. Configure environment export through that provider and "
                    "pass telemetry={'auto_configure': False} to FastAPI()."
                )
            component = component_for(endpoint)
            try:
                register(component)
            except Exception:
                component.shutdown()
                raise
            _configured.append((signal, provider))
            _owned.append(component)


async def lifespan(
    *,
    config: dict[str, Any],
    app: Callable[..., Any],
    scope: Any,
    receive: Any,
    send: Any,
    configured: Callable[[], None] | None = None,
) -> None:
    """Run the lifespan ``app``: configure export at its startup (a failure is a warning),
    flush what fastcore owns when it ends. ``configured`` is told when a startup registered
    something, so that the app re-reads its providers."""

    async def wrapped_receive() -> Any:
        message = await receive()
        if message["type"] == "lifespan.startup":
            count = len(_configured)
            try:
                _configure_from_environment(config)
            except Exception as exc:
                logger.warning("FastAPI automatic telemetry configuration failed: %s", exc)
            if configured is not None and len(_configured) != count:
                configured()
        return message

    async def wrapped_send(message: Any) -> None:
        ending = ("lifespan.shutdown.complete", "lifespan.shutdown.failed")
        if (message["type"] in ending or message["type"] == "lifespan.startup.failed") and _owned:
            from anyio.to_thread import run_sync

            await run_sync(_flush)
        await send(message)

    await app(scope, wrapped_receive, wrapped_send)
