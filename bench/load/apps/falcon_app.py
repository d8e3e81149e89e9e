"""The benchmark app in Falcon's ASGI flavour (served by uvicorn): responder classes and
``resp.media``; the body validated by the same msgspec Struct as fastcore's (Falcon itself
does not validate)."""

import falcon
import falcon.asgi
import msgspec


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


_decode_item = msgspec.json.Decoder(Item).decode


class PlainText:
    async def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class JsonMessage:
    async def on_get(self, req, resp):
        resp.media = {"message": "Hello, World!"}


class Users:
    async def on_get(self, req, resp, user_id):
        verbose = req.get_param_as_bool("verbose", default=False)
        resp.media = {"id": user_id, "verbose": verbose}


class Items:
    async def on_post(self, req, resp):
        try:
            item = _decode_item(await req.stream.read())
        except msgspec.ValidationError as exc:
            raise falcon.HTTPUnprocessableEntity(description=str(exc)) from None
        resp.media = {"id": 1, "name": item.name, "price": item.price, "tags": item.tags}


class RouteItem:
    def __init__(self, route: int):
        self.route = route

    async def on_get(self, req, resp, item_id):
        resp.media = {"route": self.route, "item_id": item_id}


app = falcon.asgi.App()
app.add_route("/plaintext", PlainText())
app.add_route("/json", JsonMessage())
app.add_route("/users/{user_id:int}", Users())
app.add_route("/items", Items())
for _i in range(100):
    app.add_route(f"/r{_i}/items/{{item_id:int}}", RouteItem(_i))
