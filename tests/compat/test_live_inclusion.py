"""Live router inclusion as FastAPI 0.165 has it, on FastAPI and on fastcore.

``include_router`` puts one ``_IncludedRouter`` into ``routes``; a route added to the included
router afterwards (or to a router it includes, at any depth) is served and documented with the
inclusion's prefix, tags, responses and dependencies. ``iter_route_contexts`` gives each route
as served (``RouteContext``), and ``get_openapi`` takes those. Each app is built for both
frameworks; the tests compare what a client sees and what the public objects answer.
"""

from __future__ import annotations

import contextlib
from typing import Any

import fastapi
import fastapi.openapi.utils
import fastapi.routing
import fastapi.testclient
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

import fastcore
import fastcore.openapi.utils
import fastcore.routing
import fastcore.testclient
from tests.compat.test_compat import _same

FRAMEWORKS = pytest.mark.parametrize("fw", [fastapi, fastcore], ids=["fastapi", "fastcore"])
calls: list[str] = []


def counted() -> None:
    calls.append("included dependency")


def _live(fw: Any) -> Any:
    """Routes added after their router was included, at three depths."""
    app = fw.FastAPI()
    router = fw.APIRouter(prefix="/r", tags=["router"])
    app.include_router(
        router,
        prefix="/api",
        tags=["include"],
        dependencies=[fw.Depends(counted)],
        responses={418: {"description": "Teapot"}},
    )
    parent, child = fw.APIRouter(), fw.APIRouter()
    for version in ("/v1", "/v2"):
        app.include_router(parent, prefix=version)
    parent.include_router(child, prefix="/child", tags=["child"])

    @router.get("/later/{item_id}", name="later")
    def later(item_id: int) -> dict[str, Any]:
        return {"later": item_id}

    @child.get("/items")
    def items() -> list[str]:
        return ["item"]

    @child.post("/items")
    def add_item(name: str = fw.Body(embed=True)) -> dict[str, str]:
        return {"added": name}

    def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.url.path)

    child.add_route("/plain", plain)
    return app


LIVE_CASES = [
    ("GET", "/api/r/later/3", {}),
    ("GET", "/api/r/later/x", {}),
    ("GET", "/v1/child/items", {}),
    ("GET", "/v2/child/items", {}),
    ("POST", "/v2/child/items", {"json": {"name": "n"}}),
    ("POST", "/v1/child/items", {"json": {}}),
    ("DELETE", "/api/r/later/3", {}),
    ("GET", "/v1/child/plain", {}),
    ("GET", "/child/items", {}),
]


@pytest.mark.parametrize(("method", "url", "kw"), LIVE_CASES)
def test_routes_added_after_inclusion_are_served(method: str, url: str, kw: Any) -> None:
    _same(_live, method, url, **kw)


def test_routes_added_after_inclusion_run_the_inclusions_dependencies() -> None:
    seen = []
    for fw in (fastapi, fastcore):
        calls.clear()
        fw.testclient.TestClient(_live(fw)).get("/api/r/later/1")
        seen.append(list(calls))
    assert seen[0] == seen[1] == ["included dependency"]


def test_routes_added_after_inclusion_are_documented() -> None:
    docs = [
        fw.testclient.TestClient(_live(fw)).get("/openapi.json").json()
        for fw in (fastapi, fastcore)
    ]
    theirs, ours = ({p: sorted(ops) for p, ops in doc["paths"].items()} for doc in docs)
    assert ours == theirs
    for doc in docs:
        operation = doc["paths"]["/api/r/later/{item_id}"]["get"]
        assert operation["tags"] == ["include", "router"]
        assert operation["responses"]["418"] == {"description": "Teapot"}
        assert doc["paths"]["/v2/child/items"]["get"]["tags"] == ["child"]


@FRAMEWORKS
def test_the_routes_list_holds_one_entry_per_inclusion(fw: Any) -> None:
    app = _live(fw)
    included = [r for r in app.routes if isinstance(r, fw.routing._IncludedRouter)]
    assert [r.include_context.prefix for r in included] == ["/api", "/v1", "/v2"]
    assert included[0].original_router.routes[0].path == "/r/later/{item_id}"
    assert app.url_path_for("later", item_id=5) == "/api/r/later/5"


@FRAMEWORKS
def test_url_path_for_each_inclusion(fw: Any) -> None:
    router = fw.APIRouter()
    parent = fw.APIRouter()
    parent.include_router(router, prefix="/v1")
    parent.include_router(router, prefix="/v2")

    @router.get("/items/{item_id}", name="read_item")
    def read_item(item_id: str) -> str:
        return item_id  # pragma: no cover

    assert parent.url_path_for("read_item", item_id="a") == "/v1/items/a"
    assert parent.routes[1].url_path_for("read_item", item_id="a") == "/v2/items/a"


def _contexts(fw: Any) -> list[tuple[Any, ...]]:
    async def endpoint(request: Any) -> None:
        pass  # pragma: no cover

    route = Route("/s/{n:int}", endpoint=endpoint, name="starlette")
    mount = Mount("/m", routes=[Route("/x", endpoint, name="x")], name="mounted")
    router = fw.APIRouter(prefix="/r", routes=[route, mount])

    @router.get("/items/{item_id}", tags=["items"])
    def read_item(item_id: str) -> str:
        return item_id  # pragma: no cover

    @router.websocket("/ws/{room}")
    async def ws(websocket: Any) -> None:
        pass  # pragma: no cover

    app = fw.FastAPI(openapi_url=None)

    @app.get("/top")
    def top() -> str:
        return "top"  # pragma: no cover

    app.include_router(router, prefix="/api", dependencies=[fw.Depends(counted)])
    seen = []
    for context in fw.routing.iter_route_contexts(app.routes):
        assert isinstance(context, fw.routing.RouteContext)
        original = context.original_route
        assert context.route is original
        seen.append(
            (
                context.path,
                context.path_format,
                context.name,
                sorted(context.methods) if context.methods else None,
                getattr(context.endpoint, "__name__", None),
                type(original).__name__,
                getattr(original, "path", None),
                len(getattr(context, "dependencies", None) or ()),
            )
        )
    return seen


def test_iter_route_contexts() -> None:
    assert _contexts(fastcore) == _contexts(fastapi)


@FRAMEWORKS
def test_get_openapi_takes_route_contexts(fw: Any) -> None:
    router = fw.APIRouter()

    @router.get("/public", tags=["public"])
    def public() -> str:
        return "p"  # pragma: no cover

    @router.get("/private", tags=["private"])
    def private() -> str:
        return "q"  # pragma: no cover

    app = fw.FastAPI()
    app.include_router(router, prefix="/api")
    chosen = [
        c for c in fw.routing.iter_route_contexts(app.routes) if "public" in getattr(c, "tags", [])
    ]
    schema = fw.openapi.utils.get_openapi(title="t", version="1", routes=chosen)
    assert set(schema["paths"]) == {"/api/public"}


@FRAMEWORKS
def test_an_empty_path_is_checked_as_included(fw: Any) -> None:
    leaf, parent = fw.APIRouter(), fw.APIRouter()

    @leaf.get("")
    def read() -> list[str]:
        return []

    parent.include_router(leaf, prefix="/items")
    app = fw.FastAPI()
    app.include_router(parent)
    assert fw.testclient.TestClient(app).get("/items").json() == []
    with pytest.raises(fw.exceptions.FastAPIError):
        fw.FastAPI().include_router(leaf)


def _changed_while_starting(fw: Any) -> Any:
    """A library that appends a dependency to the included routes, as declared, from the
    app's lifespan (``add_pagination`` walks ``_IncludedRouter.original_router.routes``)."""
    app = fw.FastAPI()
    router = fw.APIRouter()

    @router.get("/items")
    def items(request: Request) -> Any:
        return {"seen": getattr(request.state, "seen", None)}

    app.include_router(router, prefix="/api")

    def mark(request: Request) -> None:
        request.state.seen = "dependency"

    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any) -> Any:
        for entry in app.routes:
            if isinstance(entry, fw.routing._IncludedRouter):
                for route in entry.original_router.routes:
                    route.dependencies.append(fw.Depends(mark))
        async with original(application) as state:
            yield state

    app.router.lifespan_context = lifespan
    return app


def test_included_routes_changed_while_the_app_starts() -> None:
    seen = []
    for fw in (fastapi, fastcore):
        with fw.testclient.TestClient(_changed_while_starting(fw)) as client:
            seen.append(client.get("/api/items").json())
    assert seen[0] == seen[1]
