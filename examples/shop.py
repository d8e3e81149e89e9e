"""A small shop API: an in-memory store with CRUD, validation and a dependency.

Run it with ``make run`` and open http://127.0.0.1:8000/docs.
"""

from __future__ import annotations

import itertools
from typing import Annotated

import msgspec

from fastcore import APIRouter, Depends, FastCore, Header, HTTPException, Query, status


class ItemIn(msgspec.Struct):
    """What a client sends to create or replace an item."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


class Item(msgspec.Struct):
    """An item as stored, with its id."""

    id: int
    name: str
    price: float
    tags: list[str] = []


class Message(msgspec.Struct):
    """An error's explanation, as ``HTTPException`` sends it."""

    detail: str


# Documenting the errors a route raises puts them in the OpenAPI document, so clients (and
# schemathesis, in the tests) know every status code the API answers with.
NOT_FOUND = {404: {"model": Message, "description": "No item has that id"}}
NEEDS_KEY = {401: {"model": Message, "description": "The API key is missing or wrong"}}


class Store:
    """The in-memory store; one per app, shared by all requests."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {}
        self._ids = itertools.count(1)

    def add(self, data: ItemIn) -> Item:
        item = Item(id=next(self._ids), name=data.name, price=data.price, tags=data.tags)
        self.items[item.id] = item
        return item


store = Store()


def get_store() -> Store:
    return store


async def require_api_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Writes need the header ``X-API-Key: secret``; reads are open."""
    if x_api_key != "secret":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid or missing API key")


StoreDep = Annotated[Store, Depends(get_store)]

app = FastCore(title="Shop", version="1.0", description="An example fastcore API.")
items = APIRouter(prefix="/items", tags=["items"])


@items.get("")
async def list_items(
    db: StoreDep,
    tag: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Item]:
    """List items, optionally only those with a tag."""
    found = [i for i in db.items.values() if tag is None or tag in i.tags]
    return found[offset : offset + limit]


@items.get("/{item_id}", responses=NOT_FOUND)
async def read_item(item_id: int, db: StoreDep) -> Item:
    """One item by id."""
    item = db.items.get(item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item_id} not found")
    return item


@items.post("", status_code=201, dependencies=[Depends(require_api_key)], responses=NEEDS_KEY)
async def create_item(item: ItemIn, db: StoreDep) -> Item:
    """Create an item; needs the API key."""
    return db.add(item)


@items.put(
    "/{item_id}", dependencies=[Depends(require_api_key)], responses={**NEEDS_KEY, **NOT_FOUND}
)
async def replace_item(item_id: int, item: ItemIn, db: StoreDep) -> Item:
    """Replace an item; needs the API key."""
    if item_id not in db.items:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item_id} not found")
    stored = Item(id=item_id, name=item.name, price=item.price, tags=item.tags)
    db.items[item_id] = stored
    return stored


@items.delete(
    "/{item_id}",
    status_code=204,
    dependencies=[Depends(require_api_key)],
    responses={**NEEDS_KEY, **NOT_FOUND},
)
async def delete_item(item_id: int, db: StoreDep) -> None:
    """Delete an item; needs the API key."""
    if db.items.pop(item_id, None) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item_id} not found")


@app.get("/health", tags=["meta"])
async def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


app.include_router(items)
