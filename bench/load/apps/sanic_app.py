"""The benchmark app in Sanic (its own server, one process): Sanic routing and responses; the
body validated by the same msgspec Struct as fastcore's (Sanic itself does not validate)."""

import msgspec
from sanic import Sanic, json, text


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


_decode_item = msgspec.json.Decoder(Item).decode
_TRUE = {"true", "1", "yes", "on"}

app = Sanic("bench")
app.config.ACCESS_LOG = False
app.config.MOTD = False


@app.get("/plaintext")
async def plaintext(request):
    return text("Hello, World!")


@app.get("/json")
async def json_message(request):
    return json({"message": "Hello, World!"})


@app.get("/users/<user_id:int>")
async def read_user(request, user_id: int):
    verbose = request.args.get("verbose", "false").lower() in _TRUE
    return json({"id": user_id, "verbose": verbose})


@app.post("/items")
async def create_item(request):
    try:
        item = _decode_item(request.body)
    except msgspec.ValidationError as exc:
        return json({"detail": str(exc)}, status=422)
    return json({"id": 1, "name": item.name, "price": item.price, "tags": item.tags})


def _route_item(route: int):
    async def read_item(request, item_id: int):
        return json({"route": route, "item_id": item_id})

    return read_item


for _i in range(100):
    app.add_route(_route_item(_i), f"/r{_i}/items/<item_id:int>", methods=["GET"], name=f"r{_i}")
