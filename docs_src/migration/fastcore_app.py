from typing import Annotated

from fastcore import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

app = FastAPI(title="Inventory")


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)
    tags: list[str] = []


ITEMS: dict[int, Item] = {1: Item(name="Hammer", price=9.5, tags=["tools"])}


def pagination(skip: int = 0, limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
    return {"skip": skip, "limit": limit}


@app.get("/items")
async def list_items(page: Annotated[dict[str, int], Depends(pagination)]) -> list[Item]:
    return list(ITEMS.values())[page["skip"] : page["skip"] + page["limit"]]


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


@app.post("/items", status_code=201)
async def create_item(item: Item) -> Item:
    ITEMS[max(ITEMS) + 1] = item
    return item
