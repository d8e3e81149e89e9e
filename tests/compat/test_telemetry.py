"""FastAPI(telemetry={...}) (FastAPI 0.165's OpenTelemetry): FastAPI vs fastcore.

The same app and requests on both, each with its own in-memory exporter; the spans a
collector would receive (name, kind, parent, the HTTP attributes, status) must be the same.
"""

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

_ATTRIBUTES = (
    "http.route",
    "http.request.method",
    "http.response.status_code",
    "url.path",
    "url.query",
    "url.scheme",
    "error.type",
    "server.address",
)


def _app(fw: Any, provider: Any, **config: Any) -> Any:
    app = fw.FastAPI(telemetry={"tracer_provider": provider, "metrics": False, **config})

    async def token() -> str:
        return "t"

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str = "", tok: str = fw.Depends(token)) -> Any:
        return {"item_id": item_id, "q": q}

    @app.get("/boom")
    async def boom() -> Any:
        raise ValueError("boom")

    @app.get("/teapot")
    async def teapot() -> Any:
        raise fw.HTTPException(418)

    @app.get("/health")
    def health() -> Any:
        return {"ok": True}

    return app


def _spans(fw: Any, testclient: Any, path: str, **config: Any) -> list[tuple[Any, ...]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        client = testclient.TestClient(_app(fw, provider, **config), raise_server_exceptions=False)
        client.get(path)
        spans = exporter.get_finished_spans()
        ids = {span.context.span_id: span.name for span in spans}
        return sorted(
            (
                span.name,
                str(span.kind),
                ids.get(span.parent.span_id) if span.parent else None,
                span.status.status_code.name,
                tuple((k, span.attributes.get(k)) for k in _ATTRIBUTES),
            )
            for span in spans
        )
    finally:
        provider.shutdown()


CASES = ["/items/3?q=x", "/items/nope", "/missing", "/boom", "/teapot", "/health"]


@pytest.mark.parametrize("path", CASES)
@pytest.mark.parametrize("operation_spans", [True, False])
def test_spans(path: str, operation_spans: bool) -> None:
    ref = _spans(fastapi, fastapi.testclient, path, operation_spans=operation_spans)
    ours = _spans(fastcore, fastcore.testclient, path, operation_spans=operation_spans)
    assert ours == ref


def test_exclude() -> None:
    def exclude(scope: Any) -> bool:
        return bool(scope["path"] == "/health")

    ref = _spans(fastapi, fastapi.testclient, "/health", exclude=exclude)
    ours = _spans(fastcore, fastcore.testclient, "/health", exclude=exclude)
    assert ours == ref == []


def test_off_without_a_provider() -> None:
    """No provider given or configured: no telemetry, the plans and the lane as without it."""
    app = fastcore.FastAPI()

    @app.get("/")
    async def root() -> Any:
        return {}

    app.freeze()
    assert app._otel is None
    assert fastcore.FastAPI(telemetry={"tracing": False, "metrics": False})._otel is None
