"""The TestClient is an httpx.Client: the app sees what it sees under Starlette's client, and
the test reads answers alike (HTTP here; WebSockets in test_testclient_websocket.py)."""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import threading
import warnings
import zlib
from collections.abc import Callable
from typing import Any

import fastapi
import httpx
import pytest
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse

from fastcore.testclient import TestClient

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient as StarletteClient

Message = dict[str, Any]


async def read_body(receive: Callable[[], Any]) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def recording_app(seen: list[tuple]) -> Callable[..., Any]:
    """An echo app: records what it saw, sets cookies on /set*, redirects on /r<code>."""

    async def app(scope: dict, receive: Callable[[], Any], send: Callable[[Message], Any]) -> None:
        if scope["type"] == "lifespan":
            return
        body = await read_body(receive)
        seen.append(
            (
                scope["method"],
                scope["path"],
                scope["raw_path"],
                scope["query_string"],
                scope["headers"],
                body,
                tuple(scope["server"]),
                scope["root_path"],
                scope["scheme"],
                scope["http_version"],
                tuple(scope["client"]),
            )
        )
        path = scope["path"]
        headers: list[tuple[bytes, bytes]] = [(b"content-type", b"text/plain")]
        status = 200
        if path == "/set":
            headers += [
                (b"set-cookie", b"a=1; Path=/"),
                (b"set-cookie", b"s=2; Secure; Path=/"),
                (b"set-cookie", b"p=3; Path=/sub"),
                (b"set-cookie", b'q="x y"; Path=/'),
                (b"set-cookie", b"implicit=4"),
            ]
        elif path == "/sub/set":
            headers.append((b"set-cookie", b"d=5"))
        elif path == "/del":
            headers.append((b"set-cookie", b"a=; Max-Age=0; Path=/"))
        elif path == "/expired":
            headers.append((b"set-cookie", b"q=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"))
        elif path.startswith("/r"):
            status = int(path[2:5])
            headers.append((b"location", b"/sub/x?y=1"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def script(make: Callable[..., Any]) -> list[tuple]:
    """The same requests through a client class; returns every scope the app saw."""
    seen: list[tuple] = []
    app = recording_app(seen)
    c = make(app)
    c.get("/a b/%2F?x=1&y=%20", headers={"X-A": "b"}, cookies={"c": "d"})
    c.post("http://example.com:8080/p", json={"a": [1, "é", None, True, 1.5]})
    c.post(
        "/p", data={"a": "1", "b": ["2", "3"], "t": True, "n": None, "é": "ü"}, params={"q": "a b"}
    )
    c.post("/p", content="hé")
    c.put("/p", content=b"raw", headers={"Content-Type": "text/plain"})
    c.patch("/p")
    c.delete("/p?x=[]|{}")
    c.options("/é?ü=1")
    c.get("/q", params=[("a", "1"), ("a", "2"), ("b", "x/y&z"), ("e", "")])
    c.get("/q", params={"n": 1, "f": False, "l": [1, 2]})
    c.get("https://testserver:8443/tls")
    c.get("/set")
    c.get("/x")
    c.get("/sub/y")
    c.get("/subway")
    c.get("/sub/set")
    c.get("/sub/deep/z")
    c.get("/other")
    c.get("https://testserver/sec")
    for code in (301, 302, 303, 307, 308):
        c.post(f"/r{code}", json={"a": 1})
        c.put(f"/r{code}", content=b"zz")
        c.head(f"/r{code}")
        c.get(f"/r{code}", follow_redirects=False)
    c.get("/del")
    c.get("/x")
    c.get("/expired")
    c.get("/x")
    c.cookies["z"] = "9"
    c.get("/x")
    c.get("/x", headers={"accept": "text/html", "User-Agent": "me", "X-b": "1"})
    c.get("/x", headers=[("x-dup", "1"), ("x-dup", "2")])
    c.post("/json", json=[], headers={"content-type": "application/vnd+json"})
    c.post(
        "/form-bytes", data=b"k=v", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    make(app, headers={"x-client": "1", "Accept": "a/b"}).get("/hdr", headers={"X-Req": "2"})
    make(app, headers={"user-agent": "custom"}).get("/ua")
    make(app, base_url="http://testserver/sub", root_path="/root").get("/x")
    make(app, base_url="http://testserver/sub/").get("y?z=1")
    make(app, base_url="https://api.example.com:444").get("/v1")
    make(app, cookies={"init": "1"}).get("/cookie")
    return seen


def _cookies_unordered(seen: tuple) -> tuple:
    headers = [(k, b"; ".join(sorted(v.split(b"; "))) if k == b"cookie" else v) for k, v in seen[4]]
    return (*seen[:4], headers, *seen[5:])


def test_the_app_sees_the_same_scopes_as_under_starlettes_client() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = script(StarletteClient)
    ours = script(TestClient)
    if sys.version_info < (3, 11):
        # NOTE: Python 3.10's http.cookiejar iterates its cookies sorted by domain, path and
        # name, and httpx copies the jar in that order on every request, so the reference's
        # Cookie header is in no RFC order there; the order is asserted directly below.
        ours, theirs = (
            [_cookies_unordered(s) for s in ours],
            [_cookies_unordered(s) for s in theirs],
        )
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert mine == reference


def test_cookies_are_sent_longest_path_first_then_oldest_first() -> None:
    """RFC 6265 5.4 order, which httpx's client sends on Python 3.11+."""
    seen: list[tuple] = []
    c = TestClient(recording_app(seen))
    c.get("/set")
    c.get("/sub/set")
    c.get("/sub/deep/z")
    assert dict(seen[-1][4])[b"cookie"] == b'p=3; d=5; a=1; q="x y"; implicit=4'
    c.get("/del")
    c.get("/expired")
    c.cookies["z"] = "9"
    c.get("/x")
    assert dict(seen[-1][4])[b"cookie"] == b"implicit=4; z=9"


def _answers(make: Callable[..., Any], app: Any) -> list[tuple]:
    c = make(app)
    out = []
    for method, url in [("GET", "/json"), ("GET", "/text"), ("POST", "/r303"), ("GET", "/missing")]:
        r = c.request(method, url)
        out.append(
            (
                r.status_code,
                r.reason_phrase,
                r.headers.get("content-type"),
                r.headers["x-multi"],
                r.content,
                r.text,
                r.encoding,
                str(r.url),
                [h.status_code for h in r.history],
                r.is_success,
                r.is_redirect,
                r.request.method,
                str(r.request.url),
            )
        )
    return out


async def answering_app(scope: dict, receive: Any, send: Any) -> None:
    path = scope["path"]
    if path == "/json":
        response: Any = JSONResponse({"é": [1, 2]})
    elif path == "/text":
        response = PlainTextResponse("caf\xe9", media_type="text/plain; charset=latin-1")
    elif path == "/r303":
        response = RedirectResponse("/json", status_code=303)
    else:
        response = PlainTextResponse("nope", status_code=404)
    response.headers.append("x-multi", "a")
    response.headers.append("x-multi", "b")
    await response(scope, receive, send)


def test_responses_read_like_httpx_responses() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _answers(StarletteClient, answering_app)
    assert _answers(TestClient, answering_app) == theirs


def test_response_helpers() -> None:
    c = TestClient(answering_app)
    r = c.get("/json")
    assert r.json() == {"é": [1, 2]}
    assert r.raise_for_status() is r
    assert r.read() == r.content and list(r.iter_bytes(3))[0] == r.content[:3]
    assert r.headers.get_list("x-multi") == ["a", "b"]
    assert repr(r) == "<Response [200 OK]>"
    r.encoding = "latin-1"
    assert r.encoding == "latin-1"
    missing = c.get("/missing")
    assert missing.is_client_error and missing.is_error and not missing.is_server_error
    with pytest.raises(httpx.HTTPStatusError, match="Client error '404 Not Found'") as info:
        missing.raise_for_status()
    assert info.value.response is missing
    redirect = c.post("/r303", follow_redirects=False)
    assert redirect.is_redirect and redirect.status_code == 303
    with pytest.raises(httpx.HTTPStatusError, match="Redirect location: '/json'"):
        redirect.raise_for_status()


def test_redirect_history_and_limits() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["path"] == "/done":
            await PlainTextResponse("done")(scope, receive, send)
        elif scope["path"] == "/loop":
            await RedirectResponse("/loop")(scope, receive, send)
        else:
            n = int(scope["path"].strip("/"))
            target = "/done" if n >= 3 else f"/{n + 1}"
            await RedirectResponse(target, status_code=302)(scope, receive, send)

    c = TestClient(app)
    r = c.get("/0")
    assert r.text == "done" and [h.url.path for h in r.history] == ["/0", "/1", "/2", "/3"]
    assert str(r.url) == "http://testserver/done"
    with pytest.raises(httpx.TooManyRedirects):
        c.get("/loop")
    assert TestClient(app, follow_redirects=False).get("/0").status_code == 302
    assert c.get("/0", follow_redirects=False).status_code == 302


def test_redirect_to_another_origin_drops_authorization() -> None:
    seen: list[dict] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen.append(dict(scope["headers"]))
        if scope["server"][0] == "testserver":
            await RedirectResponse("http://other.org/x")(scope, receive, send)
        else:
            await PlainTextResponse("ok")(scope, receive, send)

    TestClient(app).get("/", auth=("user", "pw"))
    assert seen[0][b"authorization"] == b"Basic dXNlcjpwdw=="
    assert b"authorization" not in seen[1] and seen[1][b"host"] == b"other.org"


# -- cookies ----------------------------------------------------------------------------------


def test_cookie_jar_persists_and_deletes() -> None:
    seen: list[tuple] = []
    c = TestClient(recording_app(seen))
    r = c.get("/set")
    assert r.cookies == {"a": "1", "s": "2", "p": "3", "q": '"x y"', "implicit": "4"}
    assert c.cookies["a"] == "1" and "implicit" in c.cookies and len(c.cookies) == 5
    r = c.get("/del")
    assert r.cookies == {} and "a" not in c.cookies
    c.cookies = {"fresh": "1"}
    c.get("/x")
    assert dict(seen[-1][4])[b"cookie"] == b"fresh=1"
    del c.cookies["fresh"]
    with pytest.raises(KeyError):
        c.cookies["fresh"]
    c.cookies.set("scoped", "v", domain="other.org")
    c.get("/x")
    assert b"cookie" not in dict(seen[-1][4])
    assert c.cookies.get("scoped", domain="other.org") == "v" and repr(c.cookies)


def test_cookie_max_age_in_the_future_is_kept() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        r = PlainTextResponse(dict(scope["headers"]).get(b"cookie", b"-").decode())
        if scope["path"] == "/login":
            r.set_cookie("session", "abc", max_age=3600, httponly=True)
        await r(scope, receive, send)

    c = TestClient(app)
    c.get("/login")
    assert c.get("/me").text == "session=abc"


# -- errors -----------------------------------------------------------------------------------


async def failing_app(scope: dict, receive: Any, send: Any) -> None:
    if scope["path"] == "/after-start":
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"Internal Server Error"})
    if scope["path"] == "/silent":
        return
    raise ValueError("app error")


def test_server_exceptions_are_raised_by_default() -> None:
    c = TestClient(failing_app)
    with pytest.raises(ValueError, match="app error"):
        c.get("/before-start")
    with pytest.raises(ValueError, match="app error"):
        c.get("/after-start")
    with pytest.raises(AssertionError, match="did not receive any response"):
        c.get("/silent")


def test_server_exceptions_become_500_when_not_raised() -> None:
    c = TestClient(failing_app, raise_server_exceptions=False)
    r = c.get("/before-start")
    assert r.status_code == 500 and r.content == b"" and len(r.headers) == 0
    r = c.get("/after-start")
    assert r.status_code == 500 and r.text == "Internal Server Error"
    assert c.get("/silent").status_code == 500


def test_protocol_mistakes_are_reported() -> None:
    async def twice(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.start", "status": 200})

    async def body_first(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.body", "body": b""})

    async def body_after_end(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b""})
        await send({"type": "http.response.body", "body": b""})

    for app, match in [(twice, "multiple"), (body_first, "without"), (body_after_end, "after")]:
        with pytest.raises(AssertionError, match=match):
            TestClient(app).get("/")


# -- lifespan ---------------------------------------------------------------------------------


def lifespan_app(events: list[str], fail: str | None = None) -> Callable[..., Any]:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                phase = message["type"].split(".")[1]
                events.append(phase)
                if phase == fail:
                    await send({"type": f"lifespan.{phase}.failed", "message": "nope"})
                    raise RuntimeError(f"{phase} failed")
                if phase == "startup":
                    scope["state"]["db"] = "connected"
                    jobs: asyncio.Queue = asyncio.Queue()
                    scope["state"]["jobs"] = jobs
                    worker = asyncio.ensure_future(_worker(jobs))
                if phase == "shutdown":
                    worker.cancel()
                await send({"type": f"lifespan.{phase}.complete"})
                if phase == "shutdown":
                    return
        state = dict(scope["state"])
        jobs = state.pop("jobs", None)
        if jobs is not None:
            # Only works if the worker started at startup still runs on this very loop.
            done = asyncio.get_running_loop().create_future()
            jobs.put_nowait(done)
            state["worker"] = await done
        await JSONResponse({"state": state, "events": list(events)})(scope, receive, send)

    return app


async def _worker(jobs: asyncio.Queue) -> None:
    served = 0
    while True:
        done = await jobs.get()
        served += 1
        done.set_result(served)


def test_lifespan_runs_around_the_with_block_and_shares_state() -> None:
    events: list[str] = []
    client = TestClient(lifespan_app(events))
    with client as c:
        assert events == ["startup"]
        assert c.get("/").json()["state"] == {"db": "connected", "worker": 1}
        assert c.get("/").json()["state"] == {"db": "connected", "worker": 2}
        assert client.app_state["db"] == "connected"
    assert events == ["startup", "shutdown"]


def test_request_state_is_a_copy_per_request() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["n"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["n"] += 1
        await PlainTextResponse(str(scope["state"]["n"]))(scope, receive, send)

    with TestClient(app) as c:
        assert [c.get("/").text, c.get("/").text] == ["1", "1"]


@pytest.mark.parametrize("phase", ["startup", "shutdown"])
def test_lifespan_failure_raises(phase: str) -> None:
    events: list[str] = []
    client = TestClient(lifespan_app(events, fail=phase))
    with pytest.raises(RuntimeError, match=f"{phase} failed"), client:
        pass


def test_lifespan_failed_message_without_exception_raises_runtime_error() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(RuntimeError, match="no database"), TestClient(app):
        pass


def test_an_app_without_lifespan_support_is_tolerated() -> None:
    async def http_only(scope: dict, receive: Any, send: Any) -> None:
        assert scope["type"] == "http", "only http"
        await PlainTextResponse("ok")(scope, receive, send)

    with TestClient(http_only) as c:
        assert c.get("/").text == "ok"


def test_a_crash_inside_lifespan_startup_is_raised() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()
        raise KeyError("config")

    with pytest.raises(KeyError, match="config"), TestClient(app):
        pass


# -- bodies, streaming and encodings ----------------------------------------------------------


def test_streamed_request_body_arrives_in_chunks() -> None:
    chunks: list[tuple[bytes, bool]] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            chunks.append((message["body"], message["more_body"]))
            if not message["more_body"]:
                break
        te = dict(scope["headers"]).get(b"transfer-encoding")
        await PlainTextResponse(te.decode())(scope, receive, send)

    r = TestClient(app).post("/", content=iter([b"a", "b"]))
    assert chunks == [(b"a", True), (b"b", True), (b"", False)] and r.text == "chunked"


def test_streaming_response_and_disconnect_after_completion() -> None:
    order: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await receive()

        async def wait_disconnect() -> None:
            message = await receive()
            order.append(message["type"])

        waiter = asyncio.ensure_future(wait_disconnect())
        await StreamingResponse(iter(["a", "b", "c"]))(scope, receive, send)
        order.append("sent")
        await waiter

    r = TestClient(app).get("/")
    assert r.text == "abc" and order == ["sent", "http.disconnect"]


@pytest.mark.parametrize(
    "encoding,compress",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),
    ],
)
def test_compressed_responses_are_decoded(encoding: str, compress: Callable) -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        body = compress(json.dumps({"big": "x" * 100}).encode())
        headers = [(b"content-encoding", encoding.encode()), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    assert TestClient(app).get("/").json() == {"big": "x" * 100}


def test_head_responses_have_no_body() -> None:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await PlainTextResponse("body")(scope, receive, send)

    r = TestClient(app).head("/")
    assert r.content == b"" and r.headers["content-length"] == "4"


def test_pathsend_and_debug_extensions(tmp_path: Any) -> None:
    file = tmp_path / "f.txt"
    file.write_bytes(b"from disk")

    async def app(scope: dict, receive: Any, send: Any) -> None:
        assert "http.response.debug" in scope["extensions"]
        await send({"type": "http.response.debug", "info": {"template": "t.html", "context": {}}})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": str(file)})

    r = TestClient(app).get("/")
    assert r.content == b"from disk" and r.template == "t.html" and r.context == {}


def test_scope_carries_asgi_version_and_lowercase_headers() -> None:
    scopes: list[dict] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        scopes.append(scope)
        await PlainTextResponse("")(scope, receive, send)

    with pytest.warns(DeprecationWarning, match="timeout"):
        TestClient(app).get("/", headers={"X-Upper": "V"}, timeout=5)
    scope = scopes[0]
    assert scope["asgi"]["version"] == "3.0" and scope["type"] == "http"
    assert (b"x-upper", b"V") in scope["headers"]
    assert scope["client"] == ("testclient", 50000) and scope["state"] == {}


# -- event loops ------------------------------------------------------------------------------


def test_works_from_inside_a_running_event_loop() -> None:
    events: list[str] = []
    threads: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        threads.append(threading.current_thread().name)
        await lifespan_app(events)(scope, receive, send)

    async def main() -> None:
        with TestClient(app) as c:
            assert c.get("/").json()["state"] == {"db": "connected", "worker": 1}

    asyncio.run(main())
    assert events[0] == "startup" and events[-1] == "shutdown"
    assert set(threads) == {"fastcore-testclient"}


def test_a_client_started_inline_moves_to_a_thread_when_a_loop_appears() -> None:
    events: list[str] = []
    client = TestClient(lifespan_app(events))
    client.__enter__()
    assert client.get("/").status_code == 200

    async def main() -> int:
        return client.get("/").status_code

    assert asyncio.run(main()) == 200
    client.__exit__(None, None, None)
    assert events[-1] == "shutdown"


def test_leaving_with_stops_the_loop_but_the_client_stays_usable() -> None:
    events: list[str] = []
    client = TestClient(lifespan_app(events))
    for _ in range(2):
        with client:
            assert client.get("/").json()["state"]["worker"] == 1
    assert events == ["startup", "shutdown", "startup", "shutdown"]
    client.app_state.clear()  # the worker it names ran on the loop that is gone
    assert client.get("/").json() == {"state": {}, "events": events}  # no lifespan now


def test_close_cancels_leftover_tasks_and_is_idempotent() -> None:
    cancelled: list[bool] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        async def forever() -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

        asyncio.ensure_future(forever())
        await PlainTextResponse("")(scope, receive, send)

    c = TestClient(app)
    c.get("/")
    c.close()
    c.close()
    assert cancelled == [True]
    with pytest.raises(RuntimeError, match="client has been closed"):
        c.get("/")  # httpx's meaning of close(), as with Starlette's client


def test_sync_handlers_in_threads_work() -> None:
    def blocking() -> str:
        return threading.current_thread().name

    async def app(scope: dict, receive: Any, send: Any) -> None:
        name = await asyncio.get_running_loop().run_in_executor(None, blocking)
        await PlainTextResponse(name)(scope, receive, send)

    assert TestClient(app).get("/").text != threading.current_thread().name


# -- the same FastAPI app under FastAPI's TestClient and this one -------------------------------


def _fastapi_app(events: list[str]) -> Any:
    import contextlib

    from fastapi.responses import RedirectResponse as FastAPIRedirect
    from fastapi.responses import StreamingResponse as FastAPIStreaming

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        events.append("startup")
        yield {"db": "up"}
        events.append("shutdown")

    app = fastapi.FastAPI(lifespan=lifespan)

    @app.get("/login")
    def login(response: fastapi.Response) -> dict:
        response.set_cookie("session", "abc", httponly=True)
        return {"ok": True}

    @app.get("/me")
    def me(session: str | None = fastapi.Cookie(default=None)) -> dict:
        return {"session": session}

    @app.get("/old")
    def old() -> Any:
        return FastAPIRedirect("/me")

    @app.post("/upload")
    async def upload(files: list[fastapi.UploadFile], note: str = fastapi.Form()) -> dict:
        return {
            "note": note,
            "files": [(f.filename, f.content_type, await f.read()) for f in files],
        }

    @app.get("/stream")
    def stream() -> Any:
        return FastAPIStreaming((f"line {i}\n" for i in range(3)), media_type="text/plain")

    @app.get("/state")
    def state(request: fastapi.Request) -> dict:
        return {"db": getattr(request.state, "db", None)}

    @app.get("/boom")
    def boom() -> dict:
        raise ValueError("boom")

    return app


def _fastapi_script(make: Callable[..., Any]) -> list[Any]:
    events: list[str] = []
    out: list[Any] = []
    with make(_fastapi_app(events)) as client:
        out.append(events[:])
        out.append(client.get("/state").json())
        r = client.get("/login")
        out.append((r.status_code, r.headers["set-cookie"], dict(client.cookies)))
        out.append(client.get("/me").json())
        r = client.get("/old")
        out.append((r.status_code, [h.status_code for h in r.history], str(r.url), r.json()))
        r = client.get("/old", follow_redirects=False)
        out.append((r.status_code, r.headers["location"]))
        files = [("files", ("a.txt", b"hello", "text/plain")), ("files", ("b.bin", b"\x00\x01"))]
        r = client.post("/upload", files=files, data={"note": "n"})
        out.append((r.status_code, r.json()))
        with client.stream("GET", "/stream") as r:
            out.append((r.status_code, list(r.iter_lines())))
        out.append(client.get("/stream").text)
        with pytest.raises(ValueError, match="boom"):
            client.get("/boom")
    out.append(events[:])
    r = make(_fastapi_app([]), raise_server_exceptions=False).get("/boom")
    out.append((r.status_code, r.text))
    return out


def test_a_fastapi_app_behaves_as_under_fastapis_client() -> None:
    import fastapi.testclient

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _fastapi_script(fastapi.testclient.TestClient)
    assert _fastapi_script(TestClient) == theirs


def test_it_is_an_httpx_client_with_the_whole_api() -> None:
    seen: list[tuple] = []
    calls: list[str] = []
    client = TestClient(recording_app(seen))
    assert isinstance(client, httpx.Client)
    client.event_hooks["request"].append(lambda r: calls.append(f"req {r.url.path}"))
    client.event_hooks["response"].append(lambda r: calls.append(f"resp {r.status_code}"))
    r = client.post("/x", files={"f": ("f.txt", b"data")}, auth=("u", "p"))
    headers = dict(seen[-1][4])
    assert headers[b"authorization"] == b"Basic dTpw"
    assert headers[b"content-type"].startswith(b"multipart/form-data; boundary=")
    assert b'filename="f.txt"' in seen[-1][5] and b"data" in seen[-1][5]
    assert calls == ["req /x", "resp 200"] and r.raise_for_status() is r


def test_an_endless_stream_is_read_on_demand_and_stopped_on_close() -> None:
    produced: list[int] = []
    closed: list[bool] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        n = 0
        try:
            while True:
                produced.append(n)
                await send({"type": "http.response.body", "body": b"%d\n" % n, "more_body": True})
                n += 1
        finally:
            closed.append(True)

    with TestClient(app).stream("GET", "/") as r:
        lines = r.iter_lines()
        assert [next(lines) for _ in range(3)] == ["0", "1", "2"]
    assert closed == [True] and len(produced) <= 6
