"""The cost of dependencies: the same route plan with none and with three async dependencies."""

from typing import Annotated

from _support import drive, http_scope

import fastcore
from fastcore import Depends


async def user_id(x_user: Annotated[int, fastcore.Header()] = 1) -> int:
    return x_user


async def db() -> str:
    return "db"


async def settings() -> dict:
    return {"debug": False}


def _app():
    app = fastcore.FastAPI()

    @app.get("/none/{item_id}")
    async def none(item_id: int, q: str = "") -> dict:
        return {"id": item_id}

    @app.get("/three/{item_id}")
    async def three(
        item_id: int,
        u: Annotated[int, Depends(user_id)],
        d: Annotated[str, Depends(db)],
        s: Annotated[dict, Depends(settings)],
        q: str = "",
    ) -> dict:
        return {"id": item_id}

    app.freeze()
    return app


async def _send(message):
    pass


async def _receive():
    return {"type": "http.request", "body": b""}


def _runner(plan, path):
    scope = http_scope(path, b"q=x", [(b"x-user", b"7")])
    return drive(lambda: plan(scope, _receive, _send, {"item_id": "5"}))


def test_plan_no_dependencies(benchmark) -> None:
    benchmark.group = "route plan: dependencies"
    app = _app()
    benchmark(_runner(app.routes[0].plan, "/none/5"))


def test_plan_three_dependencies(benchmark) -> None:
    benchmark.group = "route plan: dependencies"
    app = _app()
    benchmark(_runner(app.routes[1].plan, "/three/5"))
