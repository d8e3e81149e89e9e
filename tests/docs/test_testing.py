"""docs/testing.md: docs_src/testing/test_main.py's tests run and pass, as pytest runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pages_tests_pass_under_pytest() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "docs_src/testing/test_main.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "5 passed" in done.stdout


def test_the_app_refuses_a_bad_token_without_an_override() -> None:
    from docs_src.testing.main import app
    from fastcore.testclient import TestClient

    assert TestClient(app).get("/me", headers={"X-Token": "wrong"}).status_code == 401
