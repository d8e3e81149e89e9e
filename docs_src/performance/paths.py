from typing import Annotated

import msgspec

from fastcore import Depends, FastCore, Header, Request
from fastcore.responses import JSONResponse

app = FastCore()


class Item(msgspec.Struct):
    name: str
    price: float


# The direct path: async, path/query/header values and a msgspec JSON body, a plain return.
@app.post("/fast/items/{shop}")
async def fast(shop: str, item: Item, limit: int = 10, x_client: Annotated[str, Header()] = "-"):
    return {"shop": shop, "item": item, "limit": limit, "client": x_client}


def current_shop(shop: str) -> str:
    return shop.lower()


# The general path: a dependency, a Request parameter, a Response object returned.
@app.post("/general/items/{shop}")
async def general(
    request: Request, item: Item, shop_name: Annotated[str, Depends(current_shop)]
) -> JSONResponse:
    return JSONResponse({"shop": shop_name, "item": msgspec.to_builtins(item)}, status_code=201)
