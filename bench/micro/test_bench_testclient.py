"""Per-request cost of the test clients: fastcore's and FastAPI's (Starlette's) on the same app.

Both clients send ``GET /users/5?verbose=true`` to one app (a fastcore app, and a raw ASGI app
so neither framework's routing is measured), outside and inside ``with client:``. FastAPI's
client starts an anyio portal thread per request outside ``with``; inside, it reuses one but
still hops to it for every step.
"""

import warnings

import fastapi.testclient

import fastcore
import fastcore.testclient

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import starlette.testclient  # noqa: F401 - its import-time warning, silenced once

URL = "/users/5?verbose=true"
BODY = b'{"id":5,"verbose":true}'


def _fastcore_app():
    app = fastcore.FastAPI()

    @app.get("/users/{user_id}")
    async def user(user_id: int, verbose: bool = False):
        return {"id": user_id, "verbose": verbose}

    return app


async def _raw_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"23")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


CLIENTS = {
    "fastcore": fastcore.testclient.TestClient,
    "fastapi": fastapi.testclient.TestClient,
}
APPS = {"fastcore app": _fastcore_app, "raw ASGI app": lambda: _raw_app}


def _bench(benchmark, client_name, app_name, entered):
    benchmark.group = f"test client GET, {app_name}{', inside with' if entered else ''}"
    client = CLIENTS[client_name](APPS[app_name]())
    if entered:
        client.__enter__()
    try:
        assert client.get(URL).status_code == 200
        benchmark(client.get, URL)
    finally:
        if entered:
            client.__exit__(None, None, None)


def test_fastcore_client_fastcore_app(benchmark):
    _bench(benchmark, "fastcore", "fastcore app", False)


def test_fastapi_client_fastcore_app(benchmark):
    _bench(benchmark, "fastapi", "fastcore app", False)


def test_fastcore_client_raw_app(benchmark):
    _bench(benchmark, "fastcore", "raw ASGI app", False)


def test_fastapi_client_raw_app(benchmark):
    _bench(benchmark, "fastapi", "raw ASGI app", False)


def test_fastcore_client_raw_app_with(benchmark):
    _bench(benchmark, "fastcore", "raw ASGI app", True)


def test_fastapi_client_raw_app_with(benchmark):
    _bench(benchmark, "fastapi", "raw ASGI app", True)
