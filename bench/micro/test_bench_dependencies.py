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


def _plan(app, path):
    # NOTE: by path: the docs routes come first in app.routes
    return next(r.plan for r in app.routes if getattr(r, "path", None) == path)


def _runner(plan, path):
    scope = http_scope(path, b"q=x", [(b"x-user", b"7")])
    return drive(lambda: plan(scope, _receive, _send, {"item_id": "5"}))


def test_plan_no_dependencies(benchmark) -> None:
    benchmark.group = "route plan: dependencies"
    app = _app()
    benchmark(_runner(_plan(app, "/none/{item_id}"), "/none/5"))


def test_plan_three_dependencies(benchmark) -> None:
    benchmark.group = "route plan: dependencies"
    app = _app()
    benchmark(_runner(_plan(app, "/three/{item_id}"), "/three/5"))


async def _session():
    yield "session"


def _yield_app():
    app = fastcore.FastAPI()

    @app.get("/yield/{item_id}")
    async def one_yield(item_id: int, s: Annotated[str, Depends(_session)], q: str = "") -> dict:
        return {"id": item_id}

    app.freeze()
    return app


def test_plan_yield_dependency(benchmark) -> None:
    benchmark.group = "route plan: dependencies"
    app = _yield_app()
    benchmark(_runner(_plan(app, "/yield/{item_id}"), "/yield/5"))
