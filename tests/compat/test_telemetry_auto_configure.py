"""``telemetry={"auto_configure": True}``: OTLP export from ``OTEL_*`` variables, vs FastAPI.

The OTLP/HTTP exporter package is not a test dependency, so the export test gives both
frameworks the same stand-in modules (``opentelemetry.exporter.otlp.proto.http.*``: exporters
that keep what they are given, with the endpoint). It runs in a subprocess per framework,
because the global providers it sets can be set only once per process.
"""

import json
import logging
import os
import subprocess
import sys
import textwrap
from contextlib import asynccontextmanager
from typing import Any

import fastapi
import fastapi.testclient
import pytest

import fastcore
import fastcore.testclient

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

_EXPORT = """
import json, sys, types

from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

seen = {"endpoints": [], "spans": [], "logs": 0, "metrics": 0}


class Spans(SpanExporter):
    def __init__(self, *, endpoint):
        seen["endpoints"].append(endpoint)

    def export(self, spans):
        seen["spans"].extend(span.name for span in spans)
        return SpanExportResult.SUCCESS


class Logs(LogRecordExporter):
    def __init__(self, *, endpoint):
        seen["endpoints"].append(endpoint)

    def export(self, batch):
        seen["logs"] += len(batch)
        return LogRecordExportResult.SUCCESS

    def shutdown(self):
        pass


class Metrics(MetricExporter):
    def __init__(self, *, endpoint):
        super().__init__()
        seen["endpoints"].append(endpoint)

    def export(self, data, timeout_millis=10_000, **kwargs):
        seen["metrics"] += 1
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis=10_000):
        return True

    def shutdown(self, timeout_millis=30_000, **kwargs):
        pass


for name, attr, cls in [
    ("trace_exporter", "OTLPSpanExporter", Spans),
    ("_log_exporter", "OTLPLogExporter", Logs),
    ("metric_exporter", "OTLPMetricExporter", Metrics),
]:
    module = types.ModuleType("opentelemetry.exporter.otlp.proto.http." + name)
    setattr(module, attr, cls)
    sys.modules[module.__name__] = module
for package in ["", ".otlp", ".otlp.proto", ".otlp.proto.http"]:
    sys.modules["opentelemetry.exporter" + package] = types.ModuleType(package)

fw = __import__(sys.argv[1])
import importlib

testclient = importlib.import_module(sys.argv[1] + ".testclient")
runtime = importlib.import_module(sys.argv[1] + ".telemetry._runtime")
app = fw.FastAPI()


@app.get("/items/{item_id}")
def item(item_id: int):
    return item_id


for _ in range(2):  # a second lifespan adds no second exporter
    with testclient.TestClient(app) as client:
        client.get("/items/1")
        client.get("/items/nope")
    seen["owned"] = len(runtime._owned)
runtime._shutdown()
print(json.dumps(seen))
"""


def _export(module: str) -> dict[str, Any]:
    env = {
        "FASTAPI_OTEL_AUTO_CONFIGURE": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/collector/",
        "OTEL_METRICS_EXPORTER": "otlp",
    }
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "FASTAPI_"))}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_EXPORT), module],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_export_from_the_environment() -> None:
    ref, ours = _export("fastapi"), _export("fastcore")
    assert ours == ref
    # NOTE: the traces and metrics pipelines; the SDK's default global logger provider is
    # not one FastAPI replaces, so logs get none (on both)
    assert ours["endpoints"] == [
        "http://127.0.0.1:4318/collector/v1/traces",
        "http://127.0.0.1:4318/collector/v1/metrics",
    ]
    assert ours["spans"].count("GET /items/{item_id}") == 4  # two lifespans, two requests
    assert ours["metrics"] >= 2  # flushed when each lifespan ends
    assert ours["owned"] == 2  # the providers fastcore created, once for both lifespans


def _started(fw: Any, testclient: Any, caplog: Any, **config: Any) -> tuple[Any, ...]:
    events = []
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        events.append("startup")
        yield
        events.append("shutdown")

    app = fw.FastAPI(
        telemetry={"tracer_provider": provider, "metrics": False, **config}, lifespan=lifespan
    )

    @app.get("/health")
    async def health() -> Any:
        return {"ok": True}

    caplog.clear()
    with caplog.at_level(logging.WARNING), testclient.TestClient(app) as client:
        client.get("/health")
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    provider.shutdown()
    return events, len(exporter.get_finished_spans()), messages


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "not-a-url"}, "absolute HTTP"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "zipkin"},
            "otlp or none",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            },
            "http/protobuf",
        ),
    ],
)
def test_a_configuration_it_cannot_honour_is_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, env: Any, expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ref = _started(fastapi, fastapi.testclient, caplog, auto_configure=True)
    ours = _started(fastcore, fastcore.testclient, caplog, auto_configure=True)
    assert ours == ref
    assert ours[0] == ["startup", "shutdown"] and ours[1] == 4  # the request's spans
    assert len(ours[2]) == 1 and expected in ours[2][0]


def test_off_unless_asked(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "not-a-url")
    for value in ("", "false", "1"):
        monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", value)
        ref = _started(fastapi, fastapi.testclient, caplog)
        ours = _started(fastcore, fastcore.testclient, caplog)
        assert ours == ref == (["startup", "shutdown"], 4, [])
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    assert fastcore.FastAPI()._telemetry["auto_configure"] is True
    assert (
        fastcore.FastAPI(telemetry={"auto_configure": False})._telemetry["auto_configure"] is False
    )
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    ref = _started(fastapi, fastapi.testclient, caplog)
    ours = _started(fastcore, fastcore.testclient, caplog)
    assert ours == ref == (["startup", "shutdown"], 0, [])  # the SDK records nothing either
