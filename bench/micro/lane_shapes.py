"""An app of the handler shapes FastAPI's tutorial teaches, one route each (issue 11).

Shared by bench/micro/test_bench_lane.py (timing, in memory) and
tests/server/http/test_lane_shapes.py (each shape answers as through the ASGI entry). Every
route answers a small JSON object or text, so the figures compare the framework's work per
shape, not the handler's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import msgspec
from starlette.responses import PlainTextResponse

from fastcore import APIRouter, Depends, FastAPI

app = FastAPI()


class Settings(msgspec.Struct):
    name: str = "bench"


class User(msgspec.Struct):
    id: int
    name: str


def get_settings() -> Settings:
    return Settings()


async def get_token() -> str:
    return "t"


async def get_db() -> AsyncIterator[dict[str, int]]:
    db = {"open": 1}
    yield db
    db["open"] = 0


def get_sync_db() -> Iterator[dict[str, int]]:
    db = {"open": 1}
    yield db
    db["open"] = 0


@app.get("/bare")
async def bare():
    return {"ok": True}


@app.get("/async-dep")
async def async_dep(token: Annotated[str, Depends(get_token)]):
    return {"ok": token}


@app.get("/yield-dep")
async def yield_dep(db: Annotated[dict[str, int], Depends(get_db)]):
    return {"ok": db["open"]}


@app.get("/sync-yield-dep")
async def sync_yield_dep(db: Annotated[dict[str, int], Depends(get_sync_db)]):
    return {"ok": db["open"]}


@app.get("/def-dep")
async def def_dep(settings: Annotated[Settings, Depends(get_settings)]):
    return {"ok": settings.name}


@app.get("/def-handler")
def def_handler():
    return {"ok": True}


@app.get("/def-handler-dep")
def def_handler_dep(settings: Annotated[Settings, Depends(get_settings)]):
    return {"ok": settings.name}


@app.get("/plaintext-response")
async def plaintext_response():
    return PlainTextResponse("Hello, World!")


router = APIRouter(prefix="/users", dependencies=[Depends(get_token)])


@router.get("/{user_id}", response_model=User)
async def read_user(
    user_id: int,
    settings: Annotated[Settings, Depends(get_settings)],
    db: Annotated[dict[str, int], Depends(get_db)],
) -> User:
    return User(id=user_id, name=settings.name)


app.include_router(router)

#: The request for each shape, as a client sends it.
SHAPES = {
    name: f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n".encode()
    for name, path in {
        "bare": "/bare",
        "async-dep": "/async-dep",
        "yield-dep": "/yield-dep",
        "sync-yield-dep": "/sync-yield-dep",
        "def-dep": "/def-dep",
        "def-handler": "/def-handler",
        "def-handler-dep": "/def-handler-dep",
        "plaintext-response": "/plaintext-response",
        "tutorial-user": "/users/42",
    }.items()
}
