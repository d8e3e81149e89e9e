from typing import Annotated

import msgspec

from fastcore import FastCore, Query

app = FastCore()


class Item(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


@app.post("/items", status_code=201)
async def create_item(item: Item, limit: Annotated[int, Query()] = 10) -> Item:
    return item
