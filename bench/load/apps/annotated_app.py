"""The benchmark app with a return annotation on every handler and msgspec Struct models.

Same endpoints and answers as ``fastcore_app``; what differs is what FastAPI's docs recommend
for typed code: each handler says what it returns (``-> Message``, ``-> dict[str, int]``), so
every answer is validated and filtered against that type before it is encoded, and the body
and the stored item are ``msgspec.Struct`` types.
"""

import msgspec

from fastcore import FastAPI
from fastcore.responses import PlainTextResponse


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


class StoredItem(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]


class Message(msgspec.Struct):
    message: str


app = FastAPI()


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, World!"


@app.get("/json")
async def json_message() -> Message:
    return Message(message="Hello, World!")


@app.get("/users/{user_id}")
async def read_user(user_id: int, verbose: bool = False) -> dict[str, int | bool]:
    return {"id": user_id, "verbose": verbose}


@app.post("/items")
async def create_item(item: Item) -> StoredItem:
    return StoredItem(id=1, name=item.name, price=item.price, tags=item.tags)


def _route_item(route: int):
    async def read_item(item_id: int) -> dict[str, int]:
        return {"route": route, "item_id": item_id}

    return read_item


for _i in range(100):
    app.add_api_route(f"/r{_i}/items/{{item_id}}", _route_item(_i), methods=["GET"])
