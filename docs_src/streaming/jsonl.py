from collections.abc import AsyncIterable

from pydantic import BaseModel

from fastcore import FastAPI

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/stream")
async def stream_items() -> AsyncIterable[Item]:
    for name in ("Plumbus", "Portal Gun"):
        yield Item(name=name, price=9.99)
