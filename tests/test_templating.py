"""Jinja2Templates: the same pages as Starlette's, url_for through the request, jinja2 optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fastcore import FastCore, Request
from fastcore.background import BackgroundTask
from fastcore.testclient import TestClient

jinja2 = pytest.importorskip("jinja2")
fastapi = pytest.importorskip("fastapi")
starlette_templating = pytest.importorskip("starlette.templating")

from fastcore.templating import Jinja2Templates  # noqa: E402

PAGE = """<h1>{{ title }}</h1>
<p>{{ request.url.path }} {{ request.method }}</p>
<a href="{{ url_for('read_item', item_id=3) }}">item</a>
<p>{{ user }}</p>
"""


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "plain.txt").write_text("{{ user }}")
    (tmp_path / "static.html").write_text("{{ url_for('static', path='/app.css') }}")
    return tmp_path


def build(app: Any, templates: Any, request_cls: Any = Request) -> Any:
    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    # NOTE: each framework's own Request class, set as a real object (annotations are strings).
    def takes_request(func: Any) -> Any:
        func.__annotations__ = {"request": request_cls, "return": Any}
        return func

    @app.get("/page")
    @takes_request
    async def page(request: Any) -> Any:
        context = {"title": "Hi", "user": "<b>bob</b>"}
        return templates.TemplateResponse(request, "page.html", context)

    @app.get("/plain")
    @takes_request
    async def plain(request: Any) -> Any:
        return templates.TemplateResponse(
            request,
            "plain.txt",
            {"user": "<b>"},
            status_code=201,
            headers={"x-extra": "1"},
            media_type="text/plain",
        )

    return app


def clients(templates_dir: Path) -> tuple[TestClient, TestClient]:
    ours = build(FastCore(), Jinja2Templates(directory=templates_dir))
    ref_templates = starlette_templating.Jinja2Templates(directory=templates_dir)
    ref = build(fastapi.FastAPI(), ref_templates, fastapi.Request)
    return TestClient(ours), TestClient(ref)


@pytest.mark.parametrize("url", ["/page", "/plain"])
def test_same_responses_as_starlette(templates_dir: Path, url: str) -> None:
    ours, ref = clients(templates_dir)
    a, b = ours.get(url), ref.get(url)
    assert a.status_code == b.status_code
    assert a.text == b.text
    for name in ("content-type", "content-length", "x-extra"):
        assert a.headers.get(name) == b.headers.get(name)


def test_page_content(templates_dir: Path) -> None:
    ours, _ = clients(templates_dir)
    response = ours.get("/page")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="http://testserver/items/3">' in response.text
    assert "&lt;b&gt;bob&lt;/b&gt;" in response.text  # autoescaped .html
    assert "/page GET" in response.text
    assert response.template.name == "page.html"
    assert response.context["title"] == "Hi"
    assert isinstance(response.context["request"], Request)
    plain = ours.get("/plain")
    assert (plain.status_code, plain.text) == (201, "<b>")  # .txt is not autoescaped


def test_url_for_follows_root_path_and_mounts(templates_dir: Path) -> None:
    app = build(FastCore(), Jinja2Templates(directory=templates_dir))
    response = TestClient(app, root_path="/prefix").get("/prefix/page")
    assert '<a href="http://testserver/prefix/items/3">' in response.text
    if not hasattr(app, "mount"):
        return
    from fastcore.staticfiles import StaticFiles

    templates = Jinja2Templates(directory=templates_dir)
    app = FastCore()
    app.mount("/static", StaticFiles(directory=templates_dir), name="static")

    @app.get("/s")
    async def s(request: Request) -> Any:
        return templates.TemplateResponse(request, "static.html")

    assert TestClient(app).get("/s").text == "http://testserver/static/app.css"


def test_env_and_context_processors(templates_dir: Path) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ who }} {{ extra }}"}))
    templates = Jinja2Templates(env=env, context_processors=[lambda r: {"extra": r.url.path}])
    assert templates.env is env
    assert "url_for" in env.globals
    assert templates.get_template("t.html").render(who="x", extra="y") == "x y"
    app = FastCore()

    @app.get("/t")
    async def t(request: Request) -> Any:
        return templates.TemplateResponse(request, "t.html", {"who": "me"})

    assert TestClient(app).get("/t").text == "me /t"


def test_existing_url_for_global_is_kept() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({}))
    env.globals["url_for"] = "mine"
    Jinja2Templates(env=env)
    assert env.globals["url_for"] == "mine"


def test_background_task_runs(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    ran: list[str] = []
    app = FastCore()

    @app.get("/b")
    async def b(request: Request) -> Any:
        task = BackgroundTask(ran.append, "done")
        return templates.TemplateResponse(request, "plain.txt", {"user": "u"}, background=task)

    assert TestClient(app).get("/b").text == "u"
    assert ran == ["done"]


def test_several_directories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "only_b.html").write_text("b")
    templates = Jinja2Templates(directory=[tmp_path / "a", tmp_path / "b"])
    assert templates.get_template("only_b.html").render() == "b"
