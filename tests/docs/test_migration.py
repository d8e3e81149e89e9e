"""docs/migration.md: the same app before (FastAPI) and after (fastcore) answers the same."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from fastapi.testclient import TestClient as FastAPIClient

from fastcore.testclient import TestClient

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items", {}),
    ("GET", "/items?limit=101", {}),
    ("GET", "/items/1", {}),
    ("GET", "/items/99", {}),
    ("GET", "/items/one", {}),
    ("POST", "/items", {"json": {"name": "Saw", "price": 12, "tags": ["tools"]}}),
    ("POST", "/items", {"json": {"name": "Saw", "price": 0}}),
    ("POST", "/items", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
    ("GET", "/items?skip=1", {}),
]


def _answers(client: Any) -> list[tuple[int, Any]]:
    return [
        (r.status_code, r.json())
        for r in (client.request(method, url, **kw) for method, url, kw in REQUESTS)
    ]


def test_the_two_files_differ_only_in_the_import() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "docs_src" / "migration"
    before = (folder / "fastapi_app.py").read_text().splitlines()
    after = (folder / "fastcore_app.py").read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            "from fastapi import Depends, FastAPI, HTTPException, Query",
            "from fastcore import Depends, FastAPI, HTTPException, Query",
        )
    ]


def test_before_and_after_answer_the_same() -> None:
    pytest.importorskip("pydantic")
    before = importlib.import_module("docs_src.migration.fastapi_app")
    after = importlib.import_module("docs_src.migration.fastcore_app")
    theirs = _answers(FastAPIClient(before.app))
    ours = _answers(TestClient(after.app))
    assert ours == theirs
    assert theirs[0] == (200, [{"name": "Hammer", "price": 9.5, "tags": ["tools"]}])
    assert theirs[3] == (404, {"detail": "Item not found"})
    assert theirs[5][0] == 201 and theirs[6][0] == 422


def test_both_documents_list_the_same_operations() -> None:
    before = importlib.import_module("docs_src.migration.fastapi_app")
    after = importlib.import_module("docs_src.migration.fastcore_app")
    theirs, ours = before.app.openapi()["paths"], after.app.openapi()["paths"]
    assert {p: sorted(ops) for p, ops in ours.items()} == {
        p: sorted(ops) for p, ops in theirs.items()
    }
