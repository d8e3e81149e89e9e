"""FastAPI's ``fastapi.telemetry`` names: the ``telemetry=`` settings and the request data type.

The telemetry itself is fastcore/_telemetry.py, which fills a ``TelemetryData`` per traced
request and keeps it in the OpenTelemetry context for ``get_telemetry_data``: synchronous
processors (a log processor, a span processor's ``on_end``) read the Request, the body, the
handler's arguments and the validation errors from it, and decide what to export.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

__all__ = ["TelemetryConfig", "TelemetryData", "get_telemetry_data"]


class TelemetryConfig(TypedDict, total=False):
    """Settings for ``FastAPI(telemetry={...})``; omitted ones keep FastAPI's defaults."""

    tracer_provider: Any
    meter_provider: Any
    logger_provider: Any
    tracing: bool
    metrics: bool
    logs: bool
    operation_spans: bool
    auto_configure: bool
    exclude: Callable[[MutableMapping[str, Any]], bool] | None


@dataclass(kw_only=True)
class TelemetryData:
    """FastAPI's per-request data for synchronous OpenTelemetry processors."""

    request: Any = None
    websocket: Any = None
    body: Any = None
    values: dict[str, Any] | None = None
    errors: Sequence[Any] | None = None


def get_telemetry_data(context: Any = None) -> TelemetryData | None:
    """The current request's (or connection's) data, from ``context`` (an OpenTelemetry
    context, e.g. a log record's) or the current one; None outside a traced request and
    once it has ended, also for a context kept past it."""
    if "opentelemetry.context" not in sys.modules:
        return None  # NOTE: no request can be traced without it
    from opentelemetry import context as otel_context

    from fastcore._telemetry import CONTEXT_KEY, RequestTelemetry

    record = otel_context.get_value(CONTEXT_KEY, context)
    return record.data if isinstance(record, RequestTelemetry) else None
