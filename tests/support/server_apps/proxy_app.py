"""An app that reports what a request looked like to it: client, scheme, host, URLs.

Served by the TLS and proxy-header tests; ``/where`` takes a Request (a scope is built),
``/fast`` does not (the direct lane's path, where no scope is built).
"""

from fastcore import FastCore, Request

app = FastCore()


@app.get("/where", name="where")
async def where(request: Request) -> dict:
    client = request.client
    return {
        "client": [client.host, client.port] if client else None,
        "scheme": request.url.scheme,
        "host": request.headers.get("host"),
        "url": str(request.url),
        "root_path": request.scope.get("root_path"),
        "path": request.scope["path"],
        "url_for": str(request.url_for("item", item_id=7)),
    }


@app.get("/items/{item_id}", name="item")
async def item(item_id: int) -> dict:
    return {"item_id": item_id}


@app.get("/fast")
async def fast() -> dict:
    return {"ok": True}


def root_path_app() -> FastCore:
    """FastAPI's behind_a_proxy tutorial002: the root path set on the app, not the server."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = FastCore(root_path="/api/v1")

    @app.get("/app")
    def read_main(request: Request) -> dict:
        return {"message": "Hello World", "root_path": request.scope.get("root_path")}

    return app
