import uuid

from fastcore import FastCore

app = FastCore()


class RequestId:
    """Pure ASGI middleware: adds an X-Request-ID header to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex.encode()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id))
            await send(message)

        await self.app(scope, receive, send_with_id)


app.add_middleware(RequestId)


@app.get("/")
async def root() -> dict[str, str]:
    return {"hello": "world"}
