"""MessagePack bodies and answers (fastcore/_planning/msgpack.py), on opted-in routes only.

A MessagePack body gives what the same document sent as JSON gives (values, 422s); an answer
is MessagePack when Accept prefers it, carrying the JSON answer's document, with
``Vary: Accept``. Every request also goes through fastcore's server fed in memory, in both
builds, and must answer exactly as through the ASGI entry (headers but Date, in any order);
the plain shapes are served by the direct lane itself, never by the Dispatch paths.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any, Literal, TypedDict

import msgspec
import pydantic
import pytest
from starlette.responses import Response

from bench.load.inmemory import InMemoryServer, parse_head
from fastcore import APIRouter, BackgroundTasks, Body, Depends, FastAPI
from fastcore._planning.msgpack import preferred, same_in_msgpack
from fastcore.testclient import TestClient
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")
EVENTS: list[str] = []
PART_ID = uuid.UUID(int=7)
MSGPACK = "application/msgpack"


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []
    seen: datetime.datetime | None = None


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Movie(TypedDict):
    title: str
    year: int


class Color(enum.Enum):
    RED = "red"


class Part(msgspec.Struct):
    id: uuid.UUID
    on: datetime.date
    color: Color
    kind: Literal["a", "b"]
    counts: dict[str, int]
    pair: tuple[int, str]
    size: float | None = None
    parts: list[Part] = []


class User(pydantic.BaseModel):
    name: str
    age: int = pydantic.Field(ge=0)


async def tenant(x_tenant: Annotated[str, Body(embed=True)] = "t0") -> str:
    return x_tenant


def build() -> FastAPI:
    app = FastAPI(msgpack=True)

    @app.post("/item", status_code=201)
    async def item(item: Item) -> Item:
        return item

    @app.post("/point")
    async def point(p: Point) -> dict[str, Any]:
        return {"point": p}

    @app.post("/point-echo")
    async def point_echo(p: Point) -> Point:
        return p

    @app.post("/movie-echo")
    async def movie_echo(m: Movie) -> Movie:
        return m

    @app.post("/movie")
    async def movie(m: Movie):
        return {"movie": m}

    @app.post("/user")
    async def user(u: User) -> User:
        return u

    @app.post("/embedded")
    async def embedded(a: Annotated[int, Body()], b: Annotated[list[str], Body()] = []):
        return {"a": a, "b": b}

    @app.get("/data")
    async def data(n: int = 1):
        return {"n": n, "when": datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc)}

    @app.get("/with-dep")
    async def with_dep(user: Annotated[str, Depends(lambda: "dep")]):
        return {"user": user}

    @app.get("/with-response")
    async def with_response(response: Response, background: BackgroundTasks):
        response.headers["x-extra"] = "1"
        background.add_task(EVENTS.append, "background")
        return {"ok": True}

    @app.get("/json-only", msgpack=False)
    async def json_only():
        return {"json": True}

    @app.get("/huge")
    async def huge():
        return {"n": 2**70}

    @app.get("/huge-typed")
    async def huge_typed() -> dict[str, int]:
        return {"n": 2**70}

    @app.get("/part", response_model=Part)
    async def part(nested: bool = False):
        inner = {"id": PART_ID, "on": "2026-01-02", "color": "red", "kind": "a", "counts": {}}
        inner["pair"] = (2, "z")
        return {**inner, "counts": {"x": 1}, "pair": [1, "y"], "parts": [inner] if nested else []}

    return app


APP = build()
CLIENT = TestClient(APP)

DOCS: list[tuple[str, Any]] = [
    ("/item", {"name": "a", "price": 1.5, "tags": ["x"]}),
    ("/item", {"name": "a", "price": "2"}),
    ("/item", {"name": "a", "price": 1, "seen": "2026-01-02T03:04:05Z"}),
    ("/item", {"name": 1, "price": -1}),
    ("/item", {"price": 1}),
    ("/item", [1, 2]),
    ("/point", {"x": 1}),
    ("/point", {"x": "no", "y": 2}),
    ("/point-echo", {"x": 3}),
    ("/movie", {"title": "t", "year": 1999}),
    ("/movie", {"title": "t"}),
    ("/user", {"name": "u", "age": 3}),
    ("/user", {"name": "u", "age": -1}),
    ("/user", {"age": "x"}),
    ("/embedded", {"a": "7", "b": ["x"]}),
    ("/embedded", {"b": "x"}),
    ("/embedded", "nope"),
]


@pytest.mark.parametrize(("path", "doc"), DOCS)
def test_a_msgpack_body_answers_as_the_same_json_body(path: str, doc: Any) -> None:
    packed = CLIENT.post(
        path, content=msgspec.msgpack.encode(doc), headers={"content-type": MSGPACK}
    )
    sent = CLIENT.post(path, json=doc)
    assert (packed.status_code, packed.json()) == (sent.status_code, sent.json())


@pytest.mark.parametrize(
    "ctype", ["application/x-msgpack", "application/vnd.msgpack", "Application/MsgPack; charset=x"]
)
def test_the_other_msgpack_names_are_read(ctype: str) -> None:
    doc = {"name": "a", "price": 1.5}
    r = CLIENT.post("/item", content=msgspec.msgpack.encode(doc), headers={"content-type": ctype})
    assert r.status_code == 201 and r.json()["name"] == "a"


def test_a_timestamp_extension_is_a_datetime() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    doc = {"name": "a", "price": 1, "seen": when}
    r = CLIENT.post("/item", content=msgspec.msgpack.encode(doc), headers={"content-type": MSGPACK})
    assert r.status_code == 201 and r.json()["seen"] == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("body", "at", "error"),
    [
        (b"\x92\x01", 2, "Input data was truncated"),
        (b"\xc1", 0, "MessagePack data is malformed: invalid opcode '\\xc1' (byte 0)"),
        (b"\x01\x02", 1, "MessagePack data is malformed: trailing characters (byte 1)"),
    ],
)
@pytest.mark.parametrize("path", ["/item", "/user", "/embedded"])
def test_malformed_msgpack_is_a_422_like_malformed_json(
    path: str, body: bytes, at: int, error: str
) -> None:
    r = CLIENT.post(path, content=body, headers={"content-type": MSGPACK})
    assert r.status_code == 422
    assert r.json() == {
        "detail": [
            {
                "type": "msgpack_invalid",
                "loc": ["body", at],
                "msg": "MessagePack decode error",
                "input": {},
                "ctx": {"error": error},
            }
        ]
    }


def test_an_empty_msgpack_body_is_missing_as_an_empty_json_body() -> None:
    packed = CLIENT.post("/item", content=b"", headers={"content-type": MSGPACK})
    sent = CLIENT.post("/item", content=b"", headers={"content-type": "application/json"})
    assert (
        (packed.status_code, packed.json()) == (sent.status_code, sent.json()) == (422, sent.json())
    )


# -- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("application/msgpack", MSGPACK),
        ("application/x-msgpack", "application/x-msgpack"),
        ("application/vnd.msgpack", "application/vnd.msgpack"),
        ("application/msgpack, */*", MSGPACK),
        ("application/msgpack, application/json", None),
        ("application/json, application/msgpack", None),
        ("application/json;q=0.5, application/msgpack", MSGPACK),
        ("application/json, application/msgpack;q=0.9", None),
        ("application/msgpack;q=0", None),
        ("application/msgpack;q=0, */*", None),
        ("application/*;q=0.9, application/json;q=0.1", MSGPACK),
        ("application/json;q=0, */*", MSGPACK),
        ("*/*", None),
        ("text/html", None),
        ("application/msgpack;q=bad", None),
        ("application/msgpack;q=2", None),
        ("APPLICATION/MSGPACK ; q=0.3", MSGPACK),
        ("application/x-msgpack;q=0.4, application/msgpack;q=0.8, application/json;q=0.2", MSGPACK),
        (
            "application/x-msgpack;q=0.9, application/msgpack;q=0.8, application/json;q=0.2",
            "application/x-msgpack",
        ),
        ("", None),
    ],
)
def test_accept_preference(accept: str, chosen: str | None) -> None:
    assert preferred(accept.encode()) == (chosen.encode() if chosen else None)


def _answer(path: str, accept: str | None, **kw: Any) -> Any:
    headers = {"accept": accept} if accept else {}
    return CLIENT.request(kw.pop("method", "GET"), path, headers=headers, **kw)


@pytest.mark.parametrize("path", ["/data", "/data?n=3", "/with-dep"])
def test_an_answer_is_msgpack_when_accept_prefers_it(path: str) -> None:
    json_answer = _answer(path, None)
    packed = _answer(path, MSGPACK)
    assert packed.status_code == json_answer.status_code == 200
    assert packed.headers["content-type"] == MSGPACK
    assert packed.headers["vary"] == json_answer.headers["vary"] == "Accept"
    assert json_answer.headers["content-type"] == "application/json"
    # NOTE: the JSON answer's document: the datetime as the JSON answer spells it
    assert msgspec.msgpack.decode(packed.content) == json_answer.json()


def test_a_response_model_is_applied_to_a_msgpack_answer() -> None:
    doc = {"name": "a", "price": "2"}
    r = _answer("/item", MSGPACK, method="POST", json=doc)
    assert r.status_code == 201
    assert msgspec.msgpack.decode(r.content) == {
        "name": "a",
        "price": 2.0,
        "tags": [],
        "seen": None,
    }


def test_a_response_parameter_s_headers_and_background_tasks_go_with_a_msgpack_answer() -> None:
    EVENTS.clear()
    r = _answer("/with-response", MSGPACK)
    assert r.headers["content-type"] == MSGPACK and r.headers["x-extra"] == "1"
    assert r.headers["vary"] == "Accept" and msgspec.msgpack.decode(r.content) == {"ok": True}
    assert EVENTS == ["background"]


@pytest.mark.parametrize(
    ("tp", "same"),
    [
        (Part, True),
        (Movie, True),
        (Point, True),
        (list[dict[str, int | None]], True),
        (Item, False),  # a datetime
        (dict[int, str], False),
        (bytes, False),
        (Any, False),
        (dict, False),
        (datetime.timedelta, False),
    ],
)
def test_which_models_are_encoded_straight_to_msgpack(tp: Any, same: bool) -> None:
    assert same_in_msgpack(tp) is same


@pytest.mark.parametrize("path", ["/part", "/part?nested=1", "/point-echo", "/movie-echo"])
def test_a_straight_msgpack_answer_is_the_json_answer_s_document(path: str) -> None:
    route = next(r for r in APP.routes if getattr(r, "path", None) == path.split("?")[0])
    assert route.route_plan.msgpack.direct is not None  # NOTE: not the transcoding path
    method = "GET" if path.startswith("/part") else "POST"
    doc = {"x": 1} if path == "/point-echo" else {"title": "t", "year": 1}
    kw: dict[str, Any] = {} if method == "GET" else {"json": doc}
    json_answer = _answer(path, None, method=method, **kw)
    packed = _answer(path, MSGPACK, method=method, **kw)
    assert packed.headers["content-type"] == MSGPACK
    assert msgspec.msgpack.decode(packed.content) == json_answer.json()


def test_errors_stay_json() -> None:
    r = _answer("/item", MSGPACK, method="POST", json={"price": 0})
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    assert "vary" not in r.headers


def test_an_integer_msgpack_cannot_hold_stays_json() -> None:
    for path in ("/huge", "/huge-typed"):
        r = _answer(path, MSGPACK)
        assert r.headers["content-type"] == "application/json" and r.json() == {"n": 2**70}


def test_a_route_opted_out_is_json_only() -> None:
    r = _answer("/json-only", MSGPACK)
    assert r.headers["content-type"] == "application/json" and "vary" not in r.headers


# -- which routes speak it -------------------------------------------------------------------


def _speaks(app: FastAPI, path: str) -> bool:
    client = TestClient(app)
    answer = client.post(path, json={"x": 1}, headers={"accept": MSGPACK})
    body = client.post(
        path, content=msgspec.msgpack.encode({"x": 1}), headers={"content-type": MSGPACK}
    )
    is_msgpack = answer.headers["content-type"] == MSGPACK
    assert body.status_code == (200 if is_msgpack else 422)
    return is_msgpack


async def _takes(x: Annotated[int, Body(embed=True)]) -> dict[str, int]:
    return {"x": x}


def test_the_option_is_inherited_from_the_nearest_that_gives_it() -> None:
    app = FastAPI()
    app.post("/plain")(_takes)
    app.post("/route", msgpack=True)(_takes)
    router = APIRouter(msgpack=True)
    router.post("/router")(_takes)
    router.post("/router-off", msgpack=False)(_takes)
    app.include_router(router)
    included = APIRouter()
    included.post("/included")(_takes)
    app.include_router(included, prefix="/inc", msgpack=True)
    assert not _speaks(app, "/plain")
    assert _speaks(app, "/route")
    assert _speaks(app, "/router")
    assert not _speaks(app, "/router-off")
    assert _speaks(app, "/inc/included")

    on = FastAPI(msgpack=True)
    off_router = APIRouter(msgpack=False)
    off_router.post("/off")(_takes)
    inherit = APIRouter()
    inherit.post("/on")(_takes)
    on.include_router(off_router)
    on.include_router(inherit)
    assert not _speaks(on, "/off")
    assert _speaks(on, "/on")


def test_a_route_not_opted_in_reads_msgpack_as_fastapi_reads_an_unknown_type() -> None:
    plain = TestClient(build_plain())
    packed = msgspec.msgpack.encode({"name": "a", "price": 1})
    r = plain.post("/item", content=packed, headers={"content-type": MSGPACK})
    text = plain.post("/item", content=packed, headers={"content-type": "application/octet-stream"})
    assert r.status_code == 422 and (r.status_code, r.json()) == (text.status_code, text.json())


def build_plain() -> FastAPI:
    app = FastAPI()

    @app.post("/item")
    async def item(item: Item) -> Item:
        return item

    return app


# -- OpenAPI ------------------------------------------------------------------------------


def test_openapi_documents_msgpack_beside_json_on_opted_in_routes() -> None:
    doc = CLIENT.get("/openapi.json").json()
    for path in ("/item", "/user", "/embedded"):
        op = doc["paths"][path]["post"]
        request = op["requestBody"]["content"]
        assert request[MSGPACK] == request["application/json"]
        ok = next(v for k, v in op["responses"].items() if k.startswith("2"))["content"]
        assert ok[MSGPACK] == ok["application/json"]
        assert list(op["responses"]["422"]["content"]) == ["application/json"]
    only = doc["paths"]["/json-only"]["get"]["responses"]["200"]["content"]
    assert list(only) == ["application/json"]
    plain = TestClient(build_plain()).get("/openapi.json").json()
    assert MSGPACK not in str(plain)


# -- fastcore's server: the lane and the ASGI entry answer the same ------------------------


class _Server(InMemoryServer):
    """A protocol build fed raw requests in memory; counts what the Dispatch paths served."""

    def __init__(self, mod: ModuleType, app: FastAPI) -> None:
        super().__init__(app, mod)
        dispatch = self.dispatch
        self.slow: list[str] = []
        for name in ("serve", "respond", "fail", "later"):
            original = getattr(dispatch, name)

            def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
                self.slow.append(_name)
                return _original(*args)

            setattr(dispatch, name, counted)
        lane = self.state.handler
        assert type(lane).__name__ == "DirectLane"
        lane.fallback = dispatch

    def answer(self, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes, int]:
        """(status, sorted headers but Date, body, transport writes), on a new connection."""
        self.connect()
        data = self.request(raw)
        self.settle()
        status, pairs, body = parse_head(data)
        headers = sorted((k, v) for k, v in pairs if k != "date")
        return status, headers, body, self.transport.writes


@pytest.fixture(scope="module", params=PROTOCOLS, ids=ids(PROTOCOLS))
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    server = _Server(request.param, APP)
    yield server
    server.close()


def _raw(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: t\r\n"
    for k, v in headers.items():
        head += f"{k}: {v}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def _reference(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    ref = CLIENT.request(method, path, headers=headers, content=body)
    pairs = sorted(
        (k.decode().lower(), v.decode()) for k, v in ref.headers.raw if k.lower() != b"date"
    )
    return ref.status_code, pairs, ref.content


ACCEPTS = [None, MSGPACK, "application/json", "application/x-msgpack;q=0.9, */*;q=0.1"]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(("path", "doc"), DOCS)
def test_the_lane_answers_a_msgpack_body_as_the_asgi_entry(
    server: _Server, path: str, doc: Any, accept: str | None
) -> None:
    headers = {"content-type": MSGPACK}
    if accept:
        headers["accept"] = accept
    body = msgspec.msgpack.encode(doc)
    status, got, out, _ = server.answer(_raw("POST", path, headers, body))
    assert (status, got, out) == _reference("POST", path, headers, body)


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    "path",
    [
        "/data",
        "/data?n=x",
        "/with-dep",
        "/with-response",
        "/json-only",
        "/huge",
        "/huge-typed",
        "/part?nested=1",
    ],
)
def test_the_lane_answers_as_the_asgi_entry(server: _Server, path: str, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    status, got, out, _ = server.answer(_raw("GET", path, headers))
    assert (status, got, out) == _reference("GET", path, headers, b"")


def test_head_is_answered_as_the_asgi_entry(server: _Server) -> None:
    headers = {"accept": MSGPACK}
    status, got, out, _ = server.answer(_raw("HEAD", "/data", headers))
    assert (status, got, out) == _reference("HEAD", "/data", headers, b"")


@pytest.mark.parametrize("path", ["/item", "/user", "/point"])
def test_plain_msgpack_is_served_by_the_lane_itself(server: _Server, path: str) -> None:
    doc = next(doc for p, doc in DOCS if p == path)  # NOTE: the first of each is valid
    headers = {"content-type": MSGPACK, "accept": MSGPACK}
    server.slow.clear()
    status, got, out, writes = server.answer(
        _raw("POST", path, headers, msgspec.msgpack.encode(doc))
    )
    assert status in (200, 201) and dict(got)["content-type"] == MSGPACK
    assert server.slow == [] and writes == 1
    status, got, out, writes = server.answer(_raw("GET", "/data", {"accept": MSGPACK}))
    assert dict(got)["content-type"] == MSGPACK and server.slow == [] and writes == 1


def test_a_custom_route_class_reads_answers_and_documents_msgpack() -> None:
    from fastcore.routing import APIRoute

    seen: list[str] = []

    class Timed(APIRoute):
        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def timed(request: Any) -> Any:
                seen.append(request.url.path)
                return await handler(request)

            return timed

    router = APIRouter(route_class=Timed, msgpack=True)
    router.post("/x")(_takes)
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)
    r = client.post(
        "/x",
        content=msgspec.msgpack.encode({"x": 2}),
        headers={"content-type": MSGPACK, "accept": MSGPACK},
    )
    assert r.status_code == 200 and r.headers["content-type"] == MSGPACK
    assert msgspec.msgpack.decode(r.content) == {"x": 2} and seen == ["/x"]
    doc = client.get("/openapi.json").json()
    assert MSGPACK in doc["paths"]["/x"]["post"]["requestBody"]["content"]
