"""The example app's OpenAPI document, byte for byte, against a checked-in snapshot.

Any change to what the builder emits shows up here as a diff a reviewer can read. When the
change is intended, regenerate the snapshot and commit it with the change:

    FASTCORE_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/openapi/test_openapi_snapshot.py

The snapshot is the document as ``json.dumps(..., indent=2)`` writes it, keys in the order
the builder emits them, so a reordering is a change too (the document must be byte-identical
from one start to the next).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from examples.shop import app

SNAPSHOT = Path(__file__).parent / "snapshots" / "shop_openapi.json"
UPDATE = os.environ.get("FASTCORE_UPDATE_SNAPSHOTS") == "1"


def _render() -> str:
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def test_example_app_document_matches_the_snapshot() -> None:
    current = _render()
    if UPDATE:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with FASTCORE_UPDATE_SNAPSHOTS=1"
    expected = SNAPSHOT.read_text(encoding="utf-8")
    # Compared as data first, for pytest's readable diff of what changed; then as text.
    assert json.loads(current) == json.loads(expected), "rerun with FASTCORE_UPDATE_SNAPSHOTS=1"
    assert current == expected, "same document, other key order: FASTCORE_UPDATE_SNAPSHOTS=1"


def test_served_document_is_the_snapshot() -> None:
    """What /openapi.json sends is the snapshotted document, not a variant of it."""
    from fastcore.testclient import TestClient

    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
