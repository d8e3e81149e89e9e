"""FastAPI's ``fastapi.telemetry`` names: the ``telemetry=`` settings and the request data type.

The telemetry itself is fastcore/_telemetry.py. ``get_telemetry_data`` answers None: fastcore
does not yet hand request data (the Request, body, values, errors) to OpenTelemetry
processors.
"""

from __future__ import annotations

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
    """FastAPI's accessor; None in fastcore (no request data is handed to processors yet)."""
    return None
