"""The benchmark app written the way FastAPI's tutorial writes code (same endpoints, answers).

Each endpoint uses what the tutorial teaches for it: a returned ``PlainTextResponse``, an
``lru_cache``'d ``def get_settings()`` dependency, an async-generator ``get_db`` session
dependency (``yield``, closed after the response), ``response_model=`` and return annotations
with pydantic models, ``Path``/``Query`` constraints in ``Annotated``, ``status_code=``, and
routers with prefixes (one per resource, and the 100 ``/r{i}`` routers of route-99) included
into the app. ``tutorial_def_app`` is the same app with ``def`` handlers and dependencies.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastcore import APIRouter, Depends, FastAPI, Path, Query, status
from fastcore.responses import PlainTextResponse

from .tutorial_common import (
    DBSession,
    Item,
    ItemIn,
    Message,
    RouteItem,
    Settings,
    User,
    get_settings,
)


async def get_db(settings: Annotated[Settings, Depends(get_settings)]) -> AsyncIterator[DBSession]:
    db = DBSession(settings.first_item_id)
    try:
        yield db
    finally:
        db.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[DBSession, Depends(get_db)]

app = FastAPI()


@app.get("/plaintext")
async def plaintext(settings: SettingsDep):
    return PlainTextResponse(settings.greeting)


@app.get("/json", response_model=Message)
async def json_message(settings: SettingsDep):
    return {"message": settings.greeting}


users = APIRouter(prefix="/users", tags=["users"])


@users.get("/{user_id}")
async def read_user(
    user_id: Annotated[int, Path(ge=1)],
    db: SessionDep,
    verbose: Annotated[bool, Query()] = False,
) -> User:
    return User(id=user_id, verbose=verbose)


items = APIRouter(prefix="/items", tags=["items"])


@items.post("", response_model=Item, status_code=status.HTTP_200_OK)
async def create_item(item: ItemIn, db: SessionDep):
    item_dict = item.model_dump()
    item_dict.update({"id": db.new_id()})
    return item_dict


def _route_router(route: int) -> APIRouter:
    router = APIRouter(prefix=f"/r{route}", tags=[f"r{route}"])

    @router.get("/items/{item_id}", response_model=RouteItem)
    async def read_item(item_id: Annotated[int, Path(ge=0)]):
        return {"route": route, "item_id": item_id}

    return router


app.include_router(users)
app.include_router(items)
for _i in range(100):
    app.include_router(_route_router(_i))
