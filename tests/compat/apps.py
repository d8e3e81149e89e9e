"""Apps written once against a framework module, run on FastAPI and on fastcore.

Each factory takes the framework module (``fastapi`` or ``fastcore``) and returns an
app; the compat tests send the same requests to both and compare what a client sees.
"""

import dataclasses
import datetime
import enum
import uuid
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, Field
from typing_extensions import TypedDict


class Color(str, enum.Enum):
    red = "red"
    green = "green"


class PItem(BaseModel):
    name: str
    price: float = Field(gt=0)
    tags: list[str] = []


class PUser(BaseModel):
    username: str = Field(min_length=3)
    age: Optional[int] = None


@dataclasses.dataclass
class DPoint:
    x: int
    y: int = 0


class TMovie(TypedDict):
    title: str
    year: int


def params_app(fw: Any) -> Any:
    Query, Path, Header, Cookie = fw.Query, fw.Path, fw.Header, fw.Cookie
    app = fw.FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: int,
        q: str | None = None,
        limit: Annotated[int, Query(le=100)] = 10,
        short: bool = False,
    ) -> dict:
        return {"item_id": item_id, "q": q, "limit": limit, "short": short}

    @app.get("/typed/{u}/{d}/{c}")
    def typed(u: uuid.UUID, d: datetime.date, c: Color, f: float = 1.5) -> dict:
        return {"u": str(u), "d": d.isoformat(), "c": c.value, "f": f}

    @app.get("/required")
    async def required(needed: str, n: Annotated[int, Query(gt=0, lt=10)]) -> dict:
        return {"needed": needed, "n": n}

    @app.get("/strings")
    async def strings(
        s: Annotated[str, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
        alias_name: Annotated[str | None, Query(alias="item-query")] = None,
    ) -> dict:
        return {"s": s, "alias_name": alias_name}

    @app.get("/lists")
    async def lists(
        tag: Annotated[list[str], Query()] = [], n: Annotated[list[int] | None, Query()] = None
    ) -> dict:
        return {"tag": tag, "n": n}

    @app.get("/headers")
    async def headers(
        user_agent: Annotated[str | None, Header()] = None,
        x_token: Annotated[int, Header()] = 0,
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict:
        return {"ua": user_agent, "x_token": x_token, "session": session}

    @app.get("/files/{file_path:path}")
    async def files(file_path: str) -> dict:
        return {"file_path": file_path}

    @app.get("/lit")
    async def lit(mode: Literal["a", "b"] = "a", when: datetime.datetime | None = None) -> dict:
        return {"mode": mode, "when": when.isoformat() if when else None}

    @app.get("/pathparam/{n}")
    async def pathparam(n: Annotated[int, Path(ge=1)]) -> dict:
        return {"n": n}

    return app


def body_app(fw: Any) -> Any:
    Body = fw.Body
    app = fw.FastAPI()

    @app.post("/items", status_code=201)
    async def create(item: PItem) -> PItem:
        return item

    @app.post("/users")
    async def users(user: PUser, item: PItem) -> dict:
        return {"user": user.model_dump(), "item": item.model_dump()}

    @app.post("/embed")
    async def embed(item: Annotated[PItem, Body(embed=True)]) -> dict:
        return {"got": item.name}

    @app.post("/scalars")
    async def scalars(a: Annotated[int, Body()], b: Annotated[str, Body()] = "x") -> dict:
        return {"a": a, "b": b}

    @app.post("/point")
    async def point(p: DPoint) -> dict:
        return {"x": p.x, "y": p.y}

    @app.post("/movie")
    async def movie(m: TMovie) -> dict:
        return dict(m)

    @app.post("/optional")
    async def optional(item: PItem | None = None) -> dict:
        return {"item": item.name if item else None}

    @app.post("/list")
    async def list_body(items: list[PItem]) -> int:
        return len(items)

    return app


def behaviour_app(fw: Any) -> Any:
    HTTPException, Depends, Request, Response = (
        fw.HTTPException,
        fw.Depends,
        fw.Request,
        fw.Response,
    )
    BackgroundTasks = fw.BackgroundTasks
    app = fw.FastAPI()
    log: list[str] = []
    app.state_log = log  # type: ignore[attr-defined]

    class Out(BaseModel):
        name: str

    def common(skip: int = 0, limit: int = 10) -> dict:
        return {"skip": skip, "limit": limit}

    async def get_db():
        log.append("open")
        try:
            yield "db"
        finally:
            log.append("close")

    def sub(c: Annotated[dict, Depends(common)]) -> int:
        return c["limit"] * 2

    @app.get("/dep")
    async def dep(
        c: Annotated[dict, Depends(common)],
        db: Annotated[str, Depends(get_db)],
        s: int = Depends(sub),
    ) -> dict:
        return {"c": c, "db": db, "s": s}

    @app.get("/filtered", response_model=Out)
    async def filtered() -> Any:
        return {"name": "x", "secret": "hidden"}

    @app.get("/raise")
    async def raise_it() -> None:
        raise HTTPException(status_code=418, detail={"why": "teapot"}, headers={"X-Why": "tea"})

    @app.get("/sync")
    def sync_handler() -> list[int]:
        return [1, 2, 3]

    @app.get("/resp")
    async def resp(response: Response) -> dict:
        response.headers["X-Extra"] = "1"
        response.set_cookie("k", "v")
        response.status_code = 202
        return {"ok": True}

    @app.get("/request/{p}")
    async def req(request: Request, p: str) -> dict:
        return {
            "method": request.method,
            "path": request.url.path,
            "p": request.path_params["p"],
            "q": request.query_params.get("q"),
        }

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"body": (await request.body()).decode()}

    @app.get("/bg")
    async def bg(tasks: BackgroundTasks) -> dict:
        tasks.add_task(log.append, "bg")
        return {"queued": True}

    @app.delete("/gone", status_code=204)
    async def gone() -> None:
        return None

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    @app.get("/noslash")
    async def noslash() -> str:
        return "noslash"

    @app.put("/only-put")
    async def only_put() -> str:
        return "put"

    @app.get("/plain", response_class=fw.responses.PlainTextResponse)
    async def plain() -> str:
        return "hello"

    @app.get("/html", response_class=fw.responses.HTMLResponse)
    async def html() -> str:
        return "<b>hi</b>"

    @app.get("/redirect")
    async def redirect() -> Any:
        return fw.responses.RedirectResponse("/sync")

    class Maybe(BaseModel):
        name: str
        note: Optional[str] = None
        size: int = 1

    @app.get("/exclude-none", response_model=Maybe, response_model_exclude_none=True)
    async def exclude_none() -> Any:
        return {"name": "n", "note": None, "size": 3}

    @app.get("/exclude-unset", response_model=Maybe, response_model_exclude_unset=True)
    async def exclude_unset() -> Any:
        return {"name": "n"}

    @app.get("/exclude-unset-list", response_model=list[Maybe], response_model_exclude_unset=True)
    async def exclude_unset_list() -> Any:
        return [{"name": "a", "size": 2}, Maybe(name="b", note=None)]

    class Teapot(Exception):
        pass

    @app.exception_handler(Teapot)
    async def teapot(request: Any, exc: Teapot) -> Any:
        return fw.responses.JSONResponse({"teapot": True}, status_code=418)

    @app.get("/teapot")
    async def teapot_route() -> None:
        raise Teapot()

    return app


class InternalError(Exception):
    """Raised by a handler and swallowed by a yield dependency (FastAPI's tutorial008c)."""


def dependency_scopes_app(fw: Any) -> Any:
    """``Depends(scope="function" | "request")``, swallowing yield dependencies, overrides.

    ``/log`` answers the events recorded so far: when each dependency entered and exited,
    relative to the handler and to the streamed body (which is sent after the handler).
    """
    Depends = fw.Depends
    app = fw.FastAPI()
    log: list[str] = []
    count = [0]

    async def request_session():
        state = {"open": True}
        log.append("request enter")
        try:
            yield state
        finally:
            state["open"] = False
            log.append("request exit")

    def function_session():  # NOTE: a sync generator: entered and exited in the thread pool
        state = {"open": True}
        log.append("function enter")
        try:
            yield state
        finally:
            state["open"] = False
            log.append("function exit")

    async def counted():
        count[0] += 1
        yield count[0]

    def swallowing():
        try:
            yield "Rick"
        except InternalError:
            log.append("swallowed")

    def not_overridden() -> str:
        return "real"

    def streamed(name: str, state: dict) -> Any:
        def body():
            log.append(f"{name} body")
            yield f"{name} open={state['open']}"

        return fw.responses.StreamingResponse(body(), media_type="text/plain")

    @app.get("/stream/function")
    def stream_function(s: Annotated[dict, Depends(function_session, scope="function")]) -> Any:
        return streamed("function", s)

    @app.get("/stream/request")
    def stream_request(s: Annotated[dict, Depends(request_session, scope="request")]) -> Any:
        return streamed("request", s)

    @app.get("/stream/default")
    def stream_default(s: Annotated[dict, Depends(request_session)]) -> Any:
        return streamed("default", s)

    @app.get("/order")
    async def order(
        r: Annotated[dict, Depends(request_session)],
        f: Annotated[dict, Depends(function_session, scope="function")],
    ) -> dict:
        log.append("handler")
        return {"request": r["open"], "function": f["open"]}

    @app.get("/per-scope")
    async def per_scope(
        a: Annotated[int, Depends(counted)],
        b: Annotated[int, Depends(counted, scope="request")],
        c: Annotated[int, Depends(counted, scope="function")],
    ) -> list[int]:
        return [b - a, c - a]

    @app.get("/swallow/{what}")
    def swallow(what: str, name: Annotated[str, Depends(swallowing)]) -> str:
        if what == "internal":
            raise InternalError(f"too dangerous for {name}")
        if what == "http":
            raise fw.HTTPException(status_code=404, detail="not here")
        return name

    @app.get("/overridden")
    def overridden(v: Annotated[str, Depends(not_overridden)]) -> str:
        return v

    @app.get("/log")
    def read_log() -> list[str]:
        return list(log)

    @app.delete("/log")
    def clear_log() -> None:
        log.clear()

    app.not_overridden = not_overridden  # type: ignore[attr-defined]
    return app


def scope_error_app(fw: Any) -> Any:
    """A request-scoped yield dependency that needs a function-scoped one: refused."""
    Depends = fw.Depends
    app = fw.FastAPI()

    def inner():
        yield 1

    def outer(i: Annotated[int, Depends(inner, scope="function")]):
        yield i

    @app.get("/")
    def root(o: Annotated[int, Depends(outer)]) -> int:
        return o

    return app
