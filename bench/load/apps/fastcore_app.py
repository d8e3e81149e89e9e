"""The benchmark app in fastcore, written exactly as a FastAPI app (only the import differs)."""

import msgspec

from fastcore import FastAPI
from fastcore.responses import PlainTextResponse


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


app = FastAPI()


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext():
    return "Hello, World!"


@app.get("/json")
async def json_message():
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}")
async def read_user(user_id: int, verbose: bool = False):
    return {"id": user_id, "verbose": verbose}


@app.post("/items")
async def create_item(item: Item):
    return {"id": 1, "name": item.name, "price": item.price, "tags": item.tags}


def _route_item(route: int):
    async def read_item(item_id: int):
        return {"route": route, "item_id": item_id}

    return read_item


for _i in range(100):
    app.add_api_route(f"/r{_i}/items/{{item_id}}", _route_item(_i), methods=["GET"])
