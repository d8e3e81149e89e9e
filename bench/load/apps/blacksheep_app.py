"""The benchmark app in BlackSheep (served by uvicorn): its own routing, binders and JSON
responses; the body validated by the same msgspec Struct as fastcore's (BlackSheep has no
Struct binder, and msgspec is the fastest validator it could use)."""

import msgspec
from blacksheep import Application, Request, json, text


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


_decode_item = msgspec.json.Decoder(Item).decode

app = Application()
app.show_error_details = False
get = app.router.get


@get("/plaintext")
async def plaintext():
    return text("Hello, World!")


@get("/json")
async def json_message():
    return json({"message": "Hello, World!"})


@get("/users/{user_id}")
async def read_user(user_id: int, verbose: bool = False):
    return json({"id": user_id, "verbose": verbose})


@app.router.post("/items")
async def create_item(request: Request):
    try:
        item = _decode_item(await request.read())
    except msgspec.ValidationError as exc:
        return json({"detail": str(exc)}, status=422)
    return json({"id": 1, "name": item.name, "price": item.price, "tags": item.tags})


def _route_item(route: int):
    async def read_item(item_id: int):
        return json({"route": route, "item_id": item_id})

    return read_item


for _i in range(100):
    app.router.add_get(f"/r{_i}/items/{{item_id}}", _route_item(_i))
