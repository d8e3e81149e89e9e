"""FastAPI(telemetry={...}) (FastAPI 0.165's OpenTelemetry): FastAPI vs fastcore.

The same app and requests on both, each with its own in-memory exporter; the spans a
collector would receive (name, kind, parent, the HTTP attributes, status) must be the same.
"""

import contextlib
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


# -- log records, request data, WebSocket spans, the routes no plan serves --------------------


def _providers() -> tuple[Any, Any, Any, Any]:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import (
        InMemoryLogRecordExporter,
        SimpleLogRecordProcessor,
    )

    spans = InMemorySpanExporter()
    tracer = TracerProvider(shutdown_on_exit=False)
    tracer.add_span_processor(SimpleSpanProcessor(spans))
    logs = InMemoryLogRecordExporter()
    logger = LoggerProvider(shutdown_on_exit=False)
    logger.add_log_record_processor(SimpleLogRecordProcessor(logs))
    return tracer, spans, logger, logs


def _records(logs: Any) -> list[tuple[Any, ...]]:
    out = []
    for data in logs.get_finished_logs():
        record = data.log_record
        attributes = dict(record.attributes or {})
        attributes.pop("exception.stacktrace", None)
        out.append(
            (
                record.event_name,
                record.severity_number.name,
                record.body,
                sorted(attributes.items()),
                type(record.exception).__name__ if record.exception else None,
                bool(record.trace_id),
            )
        )
    return out


def _logged(fw: Any, testclient: Any, path: str) -> list[tuple[Any, ...]]:
    tracer, _, logger, logs = _providers()
    app = fw.FastAPI(
        telemetry={"tracer_provider": tracer, "logger_provider": logger, "metrics": False}
    )

    @app.exception_handler(KeyError)
    async def handled(request: Any, exc: KeyError) -> Any:
        return fw.responses.JSONResponse({"handled": True}, status_code=400)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> Any:
        return item_id

    @app.post("/body")
    def body(payload: dict[str, int]) -> Any:
        return payload

    @app.get("/boom")
    async def boom() -> Any:
        raise ValueError("boom")

    @app.get("/handled")
    async def handled_route() -> Any:
        raise KeyError("x")

    client = testclient.TestClient(app, raise_server_exceptions=False)
    if path == "/body":
        client.post(path, json={"n": "private"})
    else:
        client.get(path)
    try:
        return _records(logs)
    finally:
        tracer.shutdown()
        logger.shutdown()


@pytest.mark.parametrize("path", ["/items/nope", "/body", "/boom", "/handled", "/items/3"])
def test_log_records(path: str) -> None:
    import fastapi.responses

    import fastcore.responses

    fastapi.responses, fastcore.responses  # noqa: B018 - the app reaches them as fw.responses
    ref = _logged(fastapi, fastapi.testclient, path)
    ours = _logged(fastcore, fastcore.testclient, path)
    assert ours == ref


def _data_seen(fw: Any, testclient: Any, invalid: bool) -> Any:
    tracer, _, logger, _ = _providers()
    app = fw.FastAPI(telemetry={"tracer_provider": tracer, "logger_provider": logger})
    seen: dict[str, Any] = {}

    def dependency(request: fw.Request) -> str:
        data = fw.telemetry.get_telemetry_data()
        seen["dependency"] = (data.request is request, data.body, data.values)
        return "service"

    @app.post("/orders/{order_id}")
    def order(order_id: int, item: dict[str, int], value: str = fw.Depends(dependency)) -> Any:
        data = fw.telemetry.get_telemetry_data()
        seen["endpoint"] = (sorted(data.values), data.values["value"], data.errors)
        return order_id

    client = testclient.TestClient(app)
    client.post("/orders/7", json={"n": "x" if invalid else 1})
    seen["after"] = fw.telemetry.get_telemetry_data()
    tracer.shutdown()
    logger.shutdown()
    return seen


@pytest.mark.parametrize("invalid", [False, True])
def test_telemetry_data(invalid: bool) -> None:
    import fastapi.telemetry

    import fastcore.telemetry

    fastapi.telemetry, fastcore.telemetry  # noqa: B018 - the app reaches them as fw.telemetry
    ref = _data_seen(fastapi, fastapi.testclient, invalid)
    ours = _data_seen(fastcore, fastcore.testclient, invalid)
    assert ours == ref
    assert ours["dependency"] == (True, {"n": "x" if invalid else 1}, None)
    assert ("endpoint" in ours) is not invalid


def _websocket_spans(fw: Any, testclient: Any, path: str) -> list[tuple[Any, ...]]:
    tracer, spans, logger, logs = _providers()
    app = fw.FastAPI(telemetry={"tracer_provider": tracer, "logger_provider": logger})

    @app.websocket("/rooms/{room}")
    async def room(websocket: fw.WebSocket, room: int) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        if text == "fail":
            raise ValueError("room failed")
        await websocket.send_text(text)
        await websocket.close()

    client = testclient.TestClient(app)
    with contextlib.suppress(Exception), client.websocket_connect(path) as websocket:
        websocket.send_text("fail" if path.endswith("/2") else "hi")
        websocket.receive_text()
    ids = {span.context.span_id: span.name for span in spans.get_finished_spans()}
    out = sorted(
        (
            span.name,
            ids.get(span.parent.span_id) if span.parent else None,
            span.status.status_code.name,
            sorted((k, v) for k, v in span.attributes.items() if k not in ("code.function.name",)),
        )
        for span in spans.get_finished_spans()
    )
    records = _records(logs)
    tracer.shutdown()
    logger.shutdown()
    return [*out, *records]


@pytest.mark.parametrize("path", ["/rooms/1", "/rooms/2", "/rooms/nope"])
def test_websocket_spans(path: str) -> None:
    ref = _websocket_spans(fastapi, fastapi.testclient, path)
    ours = _websocket_spans(fastcore, fastcore.testclient, path)
    assert ours == ref


def _routes(fw: Any, testclient: Any, directory: Any) -> list[Any]:
    import fastapi.staticfiles

    import fastcore.staticfiles

    staticfiles = fastapi.staticfiles if fw is fastapi else fastcore.staticfiles
    tracer, spans, _, _ = _providers()
    app = fw.FastAPI(telemetry={"tracer_provider": tracer, "metrics": False})

    @app.get("/items/{item_id}")
    def item(item_id: int) -> Any:
        return item_id

    app.mount("/static", staticfiles.StaticFiles(directory=directory))
    app.frontend("/ui", directory=directory, fallback="index.html")
    client = testclient.TestClient(app, follow_redirects=False)
    for method, path in [
        ("POST", "/items/1"),
        ("GET", "/items/1/"),
        ("GET", "/static/index.html"),
        ("GET", "/ui/settings"),
        ("GET", "/nothing"),
    ]:
        client.request(method, path, headers={"accept": "text/html"})
    names = [(s.name, s.attributes.get("http.route")) for s in spans.get_finished_spans()]
    tracer.shutdown()
    return names


def test_routes_no_plan_serves(tmp_path: Any) -> None:
    (tmp_path / "index.html").write_text("index")
    ref = _routes(fastapi, fastapi.testclient, tmp_path)
    ours = _routes(fastcore, fastcore.testclient, tmp_path)
    assert ours == ref
