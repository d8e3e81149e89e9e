"""App-level behaviour: start-up errors, routing rules, routers, lifespan, handlers."""

from typing import Annotated, Any

import msgspec
import pytest

from fastcore import (
    APIRouter,
    Body,
    Depends,
    FastAPI,
    FastCore,
    FastCoreError,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
)
from fastcore.responses import JSONResponse, PlainTextResponse
from fastcore.routing import iter_route_contexts
from fastcore.testclient import TestClient


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


def test_fastapi_alias() -> None:
    assert FastAPI is FastCore


def test_issue_example() -> None:
    app = FastCore(title="Shop", version="1.0")

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: int, q: str | None = None, limit: Annotated[int, Query(le=100)] = 10
    ) -> dict:
        return {"item_id": item_id, "q": q, "limit": limit}

    @app.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    client = TestClient(app)
    assert client.get("/items/3?q=x").json() == {"item_id": 3, "q": "x", "limit": 10}
    r = client.post("/items", json={"name": "n", "price": 2.5})
    assert r.status_code == 201
    assert r.json() == {"name": "n", "price": 2.5, "tags": []}
    r = client.post("/items", json={"name": "n", "price": 0})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "greater_than"
    assert r.json()["detail"][0]["loc"] == ["body", "price"]


def _app_with(route: Any, path: str = "/x") -> FastCore:
    app = FastCore()
    app.get(path)(route)
    return app


def test_bad_signature_names_handler_and_parameter() -> None:
    class Thing:
        pass

    async def handler(thing: Thing) -> None: ...

    with pytest.raises(FastCoreError, match=r"handler.*'thing'"):
        _app_with(handler).freeze()


def test_path_param_default_is_not_used() -> None:
    """As FastAPI: a path parameter is always required; a default in the signature is unused
    (``Path(default)`` itself is FastAPI's AssertionError: tests/compat/test_param_aliases.py)."""

    async def handler(item_id: int = 3) -> dict:
        return {"item_id": item_id}

    client = TestClient(_app_with(handler, "/x/{item_id}"))
    assert client.get("/x/7").json() == {"item_id": 7}
    assert client.get("/openapi.json").json()["paths"]["/x/{item_id}"]["get"]["parameters"][0][
        "required"
    ]


def test_path_marker_without_template_refused() -> None:
    async def handler(item_id: Annotated[int, Path()]) -> None: ...

    with pytest.raises(FastCoreError, match="item_id"):
        _app_with(handler).freeze()


def test_duplicate_route_first_wins_with_a_warning() -> None:
    """As FastAPI: the first route registered answers; the second is never reached."""
    app = FastCore()

    @app.get("/a/{x}")
    async def one(x: str) -> str:
        return "one"

    @app.get("/a/{y}")
    async def two(y: str) -> str:
        return "two"

    with pytest.warns(UserWarning, match=r"GET '/a/\{y\}' \(two\) is never reached"):
        app.freeze()
    assert TestClient(app).get("/a/1").json() == "one"


def test_routes_added_after_the_first_request_are_served() -> None:
    app = FastCore()

    @app.get("/early")
    async def early() -> str:
        return "early"

    client = TestClient(app)
    assert client.get("/early").json() == "early"

    @app.get("/late")
    async def late() -> str:
        return "late"

    assert client.get("/late").json() == "late"
    assert client.get("/early").json() == "early"


def test_an_app_started_many_times_keeps_one_set_of_docs_routes() -> None:
    app = FastCore()

    @app.get("/x")
    async def x() -> int:
        return 1

    for _ in range(3):
        with TestClient(app) as client:
            assert client.get("/x").json() == 1
            assert client.get("/openapi.json").status_code == 200
    assert [r.path for r in app.routes].count("/openapi.json") == 1


def test_a_failed_start_raises_and_leaves_the_app_usable() -> None:
    app = FastCore()

    @app.get("/ok")
    async def ok() -> int:
        return 1

    async def broken(x: "NoSuchType") -> None: ...  # type: ignore[name-defined]  # noqa: F821

    route = app.router.add_api_route("/broken", broken)
    with pytest.raises(FastCoreError, match="broken"):
        app.freeze()
    app.router.routes.remove(route)
    app.router.version += 1
    assert TestClient(app).get("/ok").json() == 1
    assert [r.path for r in app.routes].count("/openapi.json") == 1


def test_unresolvable_hint_is_a_startup_error() -> None:
    async def handler(x: "NoSuchType") -> None: ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(FastCoreError, match="handler"):
        _app_with(handler).freeze()


def test_include_router_prefix_tags_dependencies_and_url_path_for() -> None:
    calls: list[str] = []

    def audit() -> None:
        calls.append("audit")

    router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(audit)])

    @router.get("/{user_id}", name="get_user")
    async def get_user(user_id: int) -> dict:
        return {"id": user_id}

    app = FastCore()
    app.include_router(router, prefix="/v1", tags=["v1"])
    client = TestClient(app)
    assert client.get("/v1/users/4").json() == {"id": 4}
    assert calls == ["audit"]
    assert app.url_path_for("get_user", user_id=4) == "/v1/users/4"
    # NOTE: app.routes holds the inclusion (FastAPI 0.165); its routes as served:
    (route,) = [r for r in iter_route_contexts(app.routes) if r.name == "get_user"]
    assert route.tags == ["v1", "users"]


def test_static_route_beats_parameter() -> None:
    app = FastCore()

    @app.get("/users/{user_id}")
    async def by_id(user_id: str) -> str:
        return "id"

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    client = TestClient(app)
    assert client.get("/users/me").json() == "me"
    assert client.get("/users/5").json() == "id"


def test_head_answered_for_get_without_body() -> None:
    app = FastCore()

    @app.get("/h")
    async def h() -> dict:
        return {"a": 1}

    r = TestClient(app).head("/h")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == "7"


def test_method_not_allowed_lists_methods() -> None:
    app = FastCore()

    @app.get("/m")
    async def g() -> None: ...

    @app.post("/m")
    async def p() -> None: ...

    r = TestClient(app).delete("/m")
    assert r.status_code == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_lifespan_and_events() -> None:
    import contextlib

    seen: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastCore) -> Any:
        seen.append("start")
        yield {"pool": "P"}
        seen.append("stop")

    app = FastCore(lifespan=lifespan)

    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

        @app.on_event("shutdown")
        def bye() -> None:
            seen.append("bye")

    @app.get("/s")
    async def s(request: Request) -> str:
        return request.state.pool

    with TestClient(app) as client:
        assert seen == ["start"]
        assert client.get("/s").json() == "P"
    # NOTE: as FastAPI 0.165: on_event handlers run in the router's default lifespan, which
    # a lifespan= replaces (tests/compat/test_router_lifespans.py compares both)
    assert seen == ["start", "stop"]


def test_exception_handler_by_status_code() -> None:
    app = FastCore()

    @app.exception_handler(404)
    async def not_found(request: Request, exc: HTTPException) -> PlainTextResponse:
        return PlainTextResponse(f"nothing at {request.url.path}", status_code=404)

    r = TestClient(app).get("/missing")
    assert r.status_code == 404
    assert r.text == "nothing at /missing"


def test_handler_exception_is_500_and_reraised() -> None:
    app = FastCore()

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        TestClient(app).get("/boom")
    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert r.text == "Internal Server Error"


def test_response_validation_error_is_500() -> None:
    app = FastCore()

    @app.get("/bad")
    async def bad() -> Item:
        return {"name": "x"}  # type: ignore[return-value]

    r = TestClient(app, raise_server_exceptions=False).get("/bad")
    assert r.status_code == 500


def test_response_model_none_disables_filtering() -> None:
    app = FastCore()

    @app.get("/raw", response_model=None)
    async def raw() -> Item:
        return {"anything": 1}  # type: ignore[return-value]

    assert TestClient(app).get("/raw").json() == {"anything": 1}


def test_dependency_cache_and_use_cache_false() -> None:
    counter = {"n": 0}

    def counted() -> int:
        counter["n"] += 1
        return counter["n"]

    def uses(a: Annotated[int, Depends(counted)]) -> int:
        return a

    app = FastCore()

    @app.get("/c")
    async def c(
        a: Annotated[int, Depends(counted)],
        b: Annotated[int, Depends(uses)],
        fresh: Annotated[int, Depends(counted, use_cache=False)],
    ) -> list[int]:
        return [a, b, fresh]

    assert TestClient(app).get("/c").json() == [1, 1, 2]


def test_class_dependency_and_header_alias() -> None:
    class Pager:
        def __init__(self, page: int = 1, size: Annotated[int, Query(le=50)] = 10) -> None:
            self.page, self.size = page, size

    app = FastCore()

    @app.get("/p")
    async def p(
        pager: Annotated[Pager, Depends()],
        token: Annotated[str, Header(alias="X-Auth")],
    ) -> dict:
        return {"page": pager.page, "size": pager.size, "token": token}

    client = TestClient(app)
    assert client.get("/p?page=2", headers={"x-auth": "t"}).json() == {
        "page": 2,
        "size": 10,
        "token": "t",
    }
    r = client.get("/p?size=99")
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "size"], ["header", "x-auth"]]


def test_dependency_errors_skip_the_call() -> None:
    called: list[int] = []

    def dep(n: int) -> int:
        called.append(n)
        return n

    app = FastCore()

    @app.get("/d")
    async def d(v: Annotated[int, Depends(dep)]) -> int:
        return v

    assert TestClient(app).get("/d?n=x").status_code == 422
    assert called == []


def test_custom_response_class_default() -> None:
    app = FastCore(default_response_class=PlainTextResponse)

    @app.get("/t")
    async def t() -> str:
        return "text"

    r = TestClient(app).get("/t")
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == "text"


def test_returned_response_passes_through() -> None:
    app = FastCore()

    @app.get("/j")
    async def j() -> JSONResponse:
        return JSONResponse({"a": 1}, status_code=203, headers={"X-A": "b"})

    r = TestClient(app).get("/j")
    assert (r.status_code, r.json(), r.headers["x-a"]) == (203, {"a": 1}, "b")


def test_single_body_embed_false_with_scalar_type() -> None:
    app = FastCore()

    @app.post("/n")
    async def n(value: Annotated[int, Body()]) -> int:
        return value * 2

    assert TestClient(app).post("/n", json=21).json() == 42


def test_mount_passes_root_path_and_keeps_routes_first() -> None:
    async def sub(scope: dict, receive: Any, send: Any) -> None:
        body = f"{scope['root_path']}|{scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    app = FastCore()

    @app.get("/static/special")
    async def special() -> str:
        return "route"

    app.mount("/static", sub, name="static")
    client = TestClient(app)
    assert client.get("/static/css/a.css").text == "/static|/static/css/a.css"
    assert client.get("/static/special").json() == "route"
    r = client.get("/static", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, "http://testserver/static/")
    assert client.get("/elsewhere").status_code == 404
    assert app.url_path_for("static", path="/css/a.css") == "/static/css/a.css"
    # NOTE: mounted after the first request: the app re-plans, as FastAPI serves it
    app.mount("/other", sub)
    assert client.get("/other/x").text == "/other|/other/x"
    assert [type(r).__name__ for r in app.routes][-2:] == ["Mount", "Mount"]
    fresh = FastCore()
    fresh.mount("/static", sub)
    with pytest.raises(FastCoreError, match="mounted"):
        fresh.mount("/static", sub)


def test_response_model_exclude_options_with_msgspec_models() -> None:
    class Out(msgspec.Struct):
        name: str
        note: str | None = None
        size: int = 1

    app = FastCore()

    @app.get("/none", response_model_exclude_none=True)
    async def none() -> Out:
        return Out(name="n")

    @app.get("/unset", response_model_exclude_unset=True)
    async def unset() -> Out:
        return {"name": "n", "size": 2, "extra": 1}  # type: ignore[return-value]

    @app.get("/struct-unset", response_model_exclude_unset=True)
    async def struct_unset() -> Out:
        return Out(name="n")

    client = TestClient(app)
    assert client.get("/none").json() == {"name": "n", "size": 1}
    assert client.get("/unset").json() == {"name": "n", "size": 2}
    # NOTE: a Struct instance has every field set; msgspec keeps no record of defaults used.
    assert client.get("/struct-unset").json() == {"name": "n", "note": None, "size": 1}
