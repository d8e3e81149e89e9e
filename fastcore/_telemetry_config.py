"""``FastAPI(telemetry={...})``'s defaults, and whether it can be on: decided without the telemetry.

The telemetry itself (fastcore/_telemetry.py, about 760 lines) is imported only when this says
it may be on at start-up; an app without OpenTelemetry configured never loads it, so a worker
does not pay its memory (PERF: about 0.15 MiB of RSS).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["DEFAULTS", "GLOBALS", "may_be_on"]

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
#: The modules through which a global tracer, meter or logger provider is set.
GLOBALS = ("opentelemetry.trace", "opentelemetry.metrics", "opentelemetry._logs")


def may_be_on(config: dict[str, Any]) -> bool:
    """False when ``config`` leaves every signal off, or gives no provider while none is set.

    A global provider is set through the ``GLOBALS`` modules; while none of them is loaded,
    none is configured, and opentelemetry (in every FastAPI install) stays unimported.
    """
    if not (config["tracing"] or config["metrics"] or config["logs"]):
        return False
    if any(config[k] is not None for k in ("tracer_provider", "meter_provider")):
        return True
    return config["logger_provider"] is not None or any(m in sys.modules for m in GLOBALS)
