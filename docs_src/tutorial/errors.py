from fastcore import FastCore, HTTPException, Request
from fastcore.responses import JSONResponse

app = FastCore()


class OutOfStock(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


@app.exception_handler(OutOfStock)
async def out_of_stock(request: Request, exc: OutOfStock) -> JSONResponse:
    return JSONResponse({"detail": f"{exc.name} is out of stock"}, status_code=409)


@app.get("/items/{name}")
async def read_item(name: str) -> dict[str, str]:
    if name == "ghost":
        raise HTTPException(404, "Item not found", headers={"X-Error": "missing"})
    if name == "rare":
        raise OutOfStock(name)
    return {"name": name}
