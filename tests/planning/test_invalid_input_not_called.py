"""A handler is never called when its input has errors: the 422 answers alone.

A ``def`` handler whose dependencies are all ``def`` is solved and called in one thread-pool
hop; a body error found before that hop must stop the call too (it used to run with the body
argument ``None``), through the ASGI entry and fastcore's server, with and without
``sync_inline``.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import BaseModel

from fastcore import Depends, FastAPI, Query
from fastcore.testclient import TestClient


class Item(BaseModel):
    title: str
    timestamp: datetime


def _app(inline: bool) -> tuple[FastAPI, list]:
    calls: list = []
    app = FastAPI(sync_inline=inline)

    def settings() -> dict:
        calls.append("settings")
        return {"x": 1}

    @app.put("/items/{item_id}")
    def update_item(item_id: str, item: Item) -> dict:
        calls.append(("update", item_id, item))
        return {"ok": True}

    @app.put("/with-dep/{item_id}")
    def with_dep(item_id: int, item: Item, s: dict = Depends(settings), q: int = Query(0)) -> dict:
        calls.append(("with_dep", item_id, item))
        return {"ok": True}

    return app, calls


@pytest.mark.parametrize("inline", [False, True], ids=["pool", "inline"])
def test_body_error_stops_the_call(inline: bool) -> None:
    app, calls = _app(inline)
    client = TestClient(app)
    resp = client.put("/items/345", json={"title": "Foo", "timestamp": "not a date"})
    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["detail"]] == [["body", "timestamp"]]
    assert calls == []


@pytest.mark.parametrize("inline", [False, True], ids=["pool", "inline"])
def test_every_error_listed_and_nothing_called(inline: bool) -> None:
    app, calls = _app(inline)
    client = TestClient(app)
    resp = client.put("/with-dep/x?q=y", json={"title": "Foo", "timestamp": "nope"})
    assert resp.status_code == 422
    locs = [e["loc"] for e in resp.json()["detail"]]
    assert locs == [["path", "item_id"], ["query", "q"], ["body", "timestamp"]]
    assert [c for c in calls if c != "settings"] == []


def test_valid_input_still_called() -> None:
    app, calls = _app(False)
    resp = TestClient(app).put(
        "/items/1", json={"title": "Foo", "timestamp": "2023-01-01T12:00:00"}
    )
    assert (resp.status_code, json.loads(resp.text)) == (200, {"ok": True})
    assert calls and calls[0][0] == "update"
