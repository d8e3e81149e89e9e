from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastcore import Depends, FastCore, Header, HTTPException, Request


@asynccontextmanager
async def lifespan(app: FastCore) -> AsyncIterator[dict[str, object]]:
    yield {"greeting": "Hello"}  # available as request.state.greeting


app = FastCore(lifespan=lifespan)


def current_user(x_token: Annotated[str | None, Header()] = None) -> str:
    if x_token != "secret":
        raise HTTPException(401, "Invalid token")
    return "alice"


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, object]:
    return {"item_id": item_id, "q": q}


@app.get("/me")
async def me(user: Annotated[str, Depends(current_user)]) -> dict[str, str]:
    return {"user": user}


@app.get("/greeting")
async def greeting(request: Request) -> dict[str, str]:
    return {"greeting": request.state.greeting}
