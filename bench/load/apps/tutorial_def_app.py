"""``tutorial_app`` with ``def`` handlers and ``def`` dependencies (``get_db`` a generator).

FastAPI runs each ``def`` callable in its thread pool; this app measures what that costs.
Otherwise the code is ``tutorial_app``'s, whose docstring says what each endpoint uses.
``build(sync_inline=True)`` is the same app with fastcore's opt-in that calls them on the
loop (``tutorial_def_inline_app``).
"""

from collections.abc import Iterator
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


def get_db(settings: Annotated[Settings, Depends(get_settings)]) -> Iterator[DBSession]:
    db = DBSession(settings.first_item_id)
    try:
        yield db
    finally:
        db.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[DBSession, Depends(get_db)]


def build(sync_inline: bool = False) -> FastAPI:
    """The app; ``sync_inline=True`` calls its ``def`` callables on the loop."""
    app = FastAPI(sync_inline=sync_inline)

    @app.get("/plaintext")
    def plaintext(settings: SettingsDep):
        return PlainTextResponse(settings.greeting)

    @app.get("/json", response_model=Message)
    def json_message(settings: SettingsDep):
        return {"message": settings.greeting}

    users = APIRouter(prefix="/users", tags=["users"])

    @users.get("/{user_id}")
    def read_user(
        user_id: Annotated[int, Path(ge=1)],
        db: SessionDep,
        verbose: Annotated[bool, Query()] = False,
    ) -> User:
        return User(id=user_id, verbose=verbose)

    items = APIRouter(prefix="/items", tags=["items"])

    @items.post("", response_model=Item, status_code=status.HTTP_200_OK)
    def create_item(item: ItemIn, db: SessionDep):
        item_dict = item.model_dump()
        item_dict.update({"id": db.new_id()})
        return item_dict

    def _route_router(route: int) -> APIRouter:
        router = APIRouter(prefix=f"/r{route}", tags=[f"r{route}"])

        @router.get("/items/{item_id}", response_model=RouteItem)
        def read_item(item_id: Annotated[int, Path(ge=0)]):
            return {"route": route, "item_id": item_id}

        return router

    app.include_router(users)
    app.include_router(items)
    for _i in range(100):
        app.include_router(_route_router(_i))
    return app


app = build()
