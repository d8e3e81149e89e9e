"""The one-call model paths answer as FastAPI does, through the ASGI entry and the server.

Pydantic bodies are validated from the raw bytes by one ``validate_json`` call (fastcore/
_planning/bodies.py) where that gives what FastAPI's ``json.loads`` + ``validate_python`` gives; a
failing body, and models where the two modes may differ (strict, decimals, base64 bytes),
take the explaining path. Return annotations that are not classes (``dict[str, int]``) are
converted through a Struct wrapper compiled once (fastcore/_planning/serialize.py); their
errors read as msgspec's for the type itself. Each answer is compared with FastAPI's, and fastcore's
server (both builds, fed in memory) with fastcore's ASGI entry.
"""

import decimal
import json
from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

import fastcore
import fastcore.testclient
from bench.load.inmemory import InMemoryServer, parse_response
from fastcore.exceptions import ResponseValidationError
from tests.support.builds import ids, implementations

PROTOCOLS = implementations("protocol")


class Tag(BaseModel):
    label: str
    weight: int = 1


class Item(BaseModel):
    name: str
    price: float
    tags: list[Tag] = []
    sku: str = Field("none", alias="SKU")
    count: Annotated[int, Field(ge=0)] = 0

    @field_validator("name")
    @classmethod
    def stripped(cls, value: str) -> str:
        return value.strip()


class StrictItem(BaseModel):
    model_config = ConfigDict(strict=True)
    name: str
    when: str


class Priced(BaseModel):
    price: decimal.Decimal


def _routes(app: Any) -> Any:
    @app.post("/item")
    async def item(item: Item):
        return item

    @app.post("/strict")
    async def strict(item: StrictItem):
        return item

    @app.post("/priced")
    async def priced(item: Priced):
        return {"price": str(item.price)}

    @app.get("/counts/{n}")
    async def counts(n: int) -> dict[str, int]:
        return {"n": n} if n >= 0 else {"n": "negative"}  # type: ignore[dict-item]

    return app


FASTCORE = _routes(fastcore.FastAPI())
FASTAPI = _routes(fastapi.FastAPI())

BODIES = [
    b'{"name":" a ","price":1.5,"tags":[{"label":"x"}],"SKU":"s"}',
    b'{"name":"a","price":"1.5","count":"3"}',
    b'{"name":"a","price":1,"count":-1}',
    b'{"name":1,"price":1.5}',
    b'{"price":1.5,"tags":[{"weight":"x"}]}',
    b'{"name":"a","price":1.5,"name":"b"}',
    b"[1,2]",
    b"{not json",
    b"",
    b'{"name":"\xff","price":1}',
]
STRICT = [b'{"name":"a","when":"now"}', b'{"name":1,"when":"x"}']
PRICED = [b'{"price":1.00000000000000000001}', b'{"price":"2.5"}', b'{"price":[1]}']
CASES = (
    [("/item", b) for b in BODIES]
    + [("/strict", b) for b in STRICT]
    + [("/priced", b) for b in PRICED]
)


@pytest.fixture(scope="module")
def clients() -> tuple[Any, Any]:
    return fastcore.testclient.TestClient(FASTCORE), fastapi.testclient.TestClient(FASTAPI)


@pytest.fixture(scope="module", params=PROTOCOLS, ids=ids(PROTOCOLS))
def server(request: pytest.FixtureRequest) -> Any:
    srv = InMemoryServer(FASTCORE, request.param)
    yield srv
    srv.close()


def _post(path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    return head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(("path", "body"), CASES)
def test_pydantic_bodies_answer_as_fastapi(
    clients: tuple[Any, Any], server: Any, path: str, body: bytes
) -> None:
    ours, theirs = clients
    headers = {"Content-Type": "application/json"}
    got = ours.post(path, content=body, headers=headers)
    ref = theirs.post(path, content=body, headers=headers)
    assert (got.status_code, got.json()) == (ref.status_code, ref.json())
    status, _, raw = parse_response(server.request(_post(path, body)))
    assert (status, json.loads(raw)) == (got.status_code, got.json())


def test_annotation_errors_read_as_for_the_type_itself(clients: tuple[Any, Any]) -> None:
    ours, _ = clients
    assert ours.get("/counts/3").json() == {"n": 3}
    with pytest.raises(ResponseValidationError) as info:
        ours.get("/counts/-1")
    assert info.value.errors()[0]["msg"] == "Expected `int`, got `str` - at `$[...]`"
