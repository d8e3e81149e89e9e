from fastcore import FastCore

app = FastCore(
    title="Shop",
    version="1.0",
    summary="Items and orders.",
    description="The shop's **public** API.",
    openapi_url="/openapi.json",  # None: no document and no docs pages
    docs_url="/docs",  # None: no Swagger UI
    redoc_url="/redoc",  # None: no ReDoc
    swagger_ui_parameters={"deepLinking": False},
    openapi_tags=[{"name": "items", "description": "What the shop sells."}],
    servers=[{"url": "https://api.example.com"}],
)


@app.get("/items", tags=["items"], summary="List the items")
async def list_items() -> list[str]:
    return ["hammer"]
