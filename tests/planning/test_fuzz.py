"""Bad input never gives a 500: random paths, queries, headers and bodies at a typed app."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastcore import Body, Cookie, FastCore, Header, Query
from fastcore.testclient import TestClient


class Kind(enum.Enum):
    a = "a"
    b = "b"


class Inner(msgspec.Struct):
    when: datetime.date
    ids: list[uuid.UUID] = []


class Payload(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    price: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    kind: Kind = Kind.a
    inner: Inner | None = None
    extra: dict[str, int] = {}


app = FastCore()


@app.get("/t/{n}/{u}/{rest:path}")
async def typed(
    n: int,
    u: uuid.UUID,
    rest: str,
    flag: bool = False,
    limit: Annotated[int, Query(ge=0, le=50)] = 1,
    tags: Annotated[list[int], Query()] = [],
    x_num: Annotated[float | None, Header()] = None,
    c: Annotated[Kind | None, Cookie()] = None,
) -> dict:
    return {"n": n, "limit": limit, "tags": tags}


@app.post("/p")
async def post(p: Payload, q: Annotated[int, Body()] = 0) -> Payload:
    return p


@app.post("/one")
async def one(p: Payload) -> Payload:
    return p


client = TestClient(app, raise_server_exceptions=False)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
segment = st.one_of(text, st.integers().map(str), st.uuids().map(str))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "price": json_values,
        "kind": st.sampled_from(["a", "b", "c"]) | json_values,
        "inner": st.fixed_dictionaries({}, optional={"when": text, "ids": json_values})
        | json_values,
        "extra": json_values,
    },
)


def _ok(status: int) -> bool:
    return 200 <= status < 300 or 400 <= status < 500


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    segs=st.lists(segment, min_size=0, max_size=5),
    query=st.lists(st.tuples(st.sampled_from(["flag", "limit", "tags", "zz"]), text), max_size=5),
    header=text,
    cookie=text,
)
def test_random_requests_never_500(
    segs: list[str], query: list[tuple[str, str]], header: str, cookie: str
) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in ["t", *segs])
    qs = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    headers = {"x-num": header.encode("utf-8")}  # raw UTF-8 bytes on the wire
    r = client.get(f"{path}?{qs}", headers=headers, cookies={"c": quote(cookie)})
    assert _ok(r.status_code), (path, qs, r.status_code, r.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(payloads, json_values), wrap=st.booleans())
def test_random_bodies_never_500(body: Any, wrap: bool) -> None:
    url = "/p" if wrap else "/one"
    sent = {"p": body, "q": 1} if wrap else body
    r = client.post(url, json=sent)
    assert _ok(r.status_code), (sent, r.status_code, r.text)
    if r.status_code == 422:
        for err in r.json()["detail"]:
            assert set(err) >= {"type", "loc", "msg", "input"}
            assert err["loc"][0] == "body"


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=60))
def test_random_bytes_never_500(raw: bytes) -> None:
    r = client.post("/one", content=raw, headers={"content-type": "application/json"})
    assert _ok(r.status_code)
