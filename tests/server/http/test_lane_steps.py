"""Routes with dependencies on the lane's flat plan (``Fallback.STEPS``) answer as FastAPI does.

Each app is built twice from one factory: on FastAPI 0.165 (its TestClient) and on fastcore,
served by fastcore's server fed in memory (both builds). Status, body and the order in which
dependencies ran and cleaned up must match, including where only a request decides
(invalid input of the handler or of a dependency: FastAPI still calls the dependencies whose
own input is valid), a dependency that suspends, the per-request cache and ``use_cache=False``,
Request/Response/BackgroundTasks/SecurityScopes parameters in dependencies, security schemes,
and exceptions thrown into yield dependencies.
"""

import asyncio
import functools
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.security
import fastapi.testclient
import pytest

import fastcore
import fastcore.responses
import fastcore.security
from bench.load.inmemory import InMemoryServer, parse_head
from fastcore.server.contract import Fallback
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")
EVENTS: list[str] = []


@functools.lru_cache
def get_settings() -> dict[str, str]:
    return {"greeting": "hello"}


def steps_app(fw: Any) -> Any:
    """One app per framework: every shape the flat plan takes."""
    app = fw.FastAPI()
    Depends, Query, Header = fw.Depends, fw.Query, fw.Header

    async def session(settings: Annotated[dict[str, str], Depends(get_settings)]) -> Any:
        EVENTS.append("session open")
        try:
            yield "db"
        except ValueError:
            EVENTS.append("session saw ValueError")
            raise
        finally:
            EVENTS.append("session close")

    def sync_session() -> Iterator[str]:
        EVENTS.append("sync open")
        yield "sdb"
        EVENTS.append("sync close")

    async def counted(limit: Annotated[int, Query(le=10)] = 5) -> int:
        EVENTS.append(f"counted {limit}")
        return limit

    async def slow(db: Annotated[str, Depends(session)]) -> str:
        await asyncio.sleep(0)  # NOTE: suspends: the rest continues in the host Task
        EVENTS.append("slow")
        return db + "-slow"

    def plain(x_user: Annotated[str, Header()] = "anon") -> str:
        EVENTS.append("plain")
        return x_user

    def once() -> int:
        EVENTS.append("once")
        return len(EVENTS)

    async def with_request(request: fw.Request) -> str:
        return request.url.path

    async def sets_header(response: fw.Response) -> None:
        response.headers["x-dep"] = "set"
        response.status_code = 201

    async def queues(tasks: fw.BackgroundTasks) -> None:
        tasks.add_task(EVENTS.append, "background")

    async def scoped(scopes: fw.security.SecurityScopes) -> str:
        return ",".join(scopes.scopes)

    oauth2 = fw.security.OAuth2PasswordBearer(tokenUrl="token")

    @app.get("/yield")
    async def with_yield(
        db: Annotated[str, Depends(session)],
        n: Annotated[int, Depends(counted)],
        q: int = 0,
    ) -> dict[str, Any]:
        EVENTS.append("handler")
        return {"db": db, "n": n, "q": q}

    @app.get("/slow")
    async def with_slow(value: Annotated[str, Depends(slow)]) -> dict[str, str]:
        EVENTS.append("handler")
        return {"value": value}

    @app.get("/sync")
    async def with_sync(
        sdb: Annotated[str, Depends(sync_session)], user: Annotated[str, Depends(plain)]
    ) -> dict[str, str]:
        EVENTS.append("handler")
        return {"sdb": sdb, "user": user}

    @app.get("/cache")
    async def with_cache(
        a: Annotated[int, Depends(once)],
        b: Annotated[int, Depends(once)],
        c: Annotated[int, Depends(once, use_cache=False)],
        n: int = 0,
    ) -> dict[str, int]:
        return {"a": a, "b": b, "c": c, "n": n}

    @app.get("/specials", dependencies=[Depends(sets_header), Depends(queues)])
    async def with_specials(path: Annotated[str, Depends(with_request)]) -> dict[str, str]:
        return {"path": path}

    @app.get("/secure")
    async def secure(
        token: Annotated[str, Depends(oauth2)],
        scopes: Annotated[str, fw.Security(scoped, scopes=["read", "write"])],
    ) -> dict[str, str]:
        return {"token": token, "scopes": scopes}

    @app.get("/raises")
    async def raises(db: Annotated[str, Depends(session)]) -> dict[str, str]:
        raise ValueError("handler failed")

    @app.get("/http-error")
    async def http_error(db: Annotated[str, Depends(session)]) -> dict[str, str]:
        raise fw.HTTPException(409, "conflict", headers={"x-why": "test"})

    @app.get("/text")
    async def text(settings: Annotated[dict[str, str], Depends(get_settings)]) -> Any:
        return fw.responses.PlainTextResponse(settings["greeting"])

    return app


def _served(mod: ModuleType, app: Any, target: str, headers: dict[str, str]) -> dict[str, Any]:
    """``target`` through fastcore's server in memory; what a client sees, and the events."""
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    raw = f"GET {target} HTTP/1.1\r\nHost: t\r\n{lines}\r\n".encode()

    async def settle() -> None:
        for _ in range(400):  # NOTE: a def dependency's exit runs in a pool thread
            if EVENTS[-1:] != ["sync open"]:
                break
            await asyncio.sleep(0.002)
        for _ in range(20):
            await asyncio.sleep(0.002)

    EVENTS.clear()
    server = InMemoryServer(app, mod)
    try:
        status, pairs, body = parse_head(server.request(raw))
        server.loop.run_until_complete(settle())
    finally:
        server.close()
    keep = ("x-dep", "x-why", "www-authenticate", "content-type")
    seen = {k: v for k, v in pairs if k in keep}
    return {"status": status, "headers": seen, "body": body, "events": list(EVENTS)}


def _reference(target: str, headers: dict[str, str]) -> dict[str, Any]:
    app = steps_app(fastapi)
    EVENTS.clear()
    with fastapi.testclient.TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(target, headers=headers)
    seen = {
        k: v
        for k, v in response.headers.items()
        if k in ("x-dep", "x-why", "www-authenticate", "content-type")
    }
    return {
        "status": response.status_code,
        "headers": seen,
        "body": response.content,
        "events": list(EVENTS),
    }


CASES = [
    ("/yield?q=3&limit=2", {}),
    ("/yield?q=x", {}),  # NOTE: the handler's own input invalid: the dependencies still ran
    ("/yield?limit=11", {}),  # NOTE: a dependency's input invalid: the others still ran
    ("/yield?limit=11&q=x", {}),
    ("/slow", {}),
    ("/sync", {"x-user": "ann"}),
    ("/cache", {}),
    ("/cache?n=x", {}),  # NOTE: the direct coroutine's route: its dependencies still ran
    ("/specials", {}),
    ("/secure", {}),
    ("/secure", {"authorization": "Bearer abc"}),
    ("/raises", {}),
    ("/http-error", {}),
    ("/text", {}),
]


@pytest.fixture(params=PROTOCOLS, ids=ids(PROTOCOLS))
def mod(request: pytest.FixtureRequest) -> ModuleType:
    return request.param  # type: ignore[no-any-return]


def test_every_route_takes_the_flat_plan() -> None:
    app = steps_app(fastcore)
    specs = {spec.route.path: spec for spec in app.lane_routes().specs.values()}
    for path in {target.split("?")[0] for target, _ in CASES}:
        assert specs[path].fallback is Fallback.STEPS, specs[path].describe()


@pytest.mark.parametrize(("target", "headers"), CASES, ids=[f"{t} {h}" for t, h in CASES])
def test_answers_and_order_as_fastapi(
    mod: ModuleType, target: str, headers: dict[str, str]
) -> None:
    expected = _reference(target, headers)
    got = _served(mod, steps_app(fastcore), target, headers)
    assert got == expected


def test_overrides_send_the_route_to_the_general_path(mod: ModuleType) -> None:
    app = steps_app(fastcore)

    async def fake() -> Any:
        EVENTS.append("fake session")
        yield "fake"

    (route,) = [r for r in app.routes if getattr(r, "path", "") == "/yield"]
    session = route.dependant.dependencies[0].call
    app.dependency_overrides[session] = fake
    got = _served(mod, app, "/yield", {})
    assert got["status"] == 200 and b'"db":"fake"' in got["body"]
    assert got["events"] == ["fake session", "counted 5", "handler"]


def test_overrides_on_a_direct_route(mod: ModuleType) -> None:
    app = steps_app(fastcore)
    (route,) = [r for r in app.routes if getattr(r, "path", "") == "/cache"]
    once = route.dependant.dependencies[0].call
    (spec,) = [s for s in app.lane_routes().specs.values() if s.route.path == "/cache"]
    assert spec.steps is not None and spec.steps.direct is not None
    app.dependency_overrides[once] = lambda: 7
    got = _served(mod, app, "/cache?n=2", {})
    assert (got["status"], got["body"]) == (200, b'{"a":7,"b":7,"c":7,"n":2}')
    app.dependency_overrides.clear()
    got = _served(mod, app, "/cache?n=2", {})
    assert (got["status"], got["body"]) == (200, b'{"a":1,"b":1,"c":2,"n":2}')
