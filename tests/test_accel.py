"""The compiled-or-pure switch: each environment setting picks the build it promises."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "from fastcore import _accel, _routing; from fastcore._planning import handlers;"
    "print(_accel.is_compiled(_routing.router_build), _routing.router_build.__name__,"
    " handlers._parse_query.__module__)"
)


def _probe(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FASTCORE_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_no_extensions_selects_pure() -> None:
    compiled, router, query = _probe(FASTCORE_NO_EXTENSIONS="1")
    assert compiled == "False"
    assert router == "fastcore._routing.router"
    assert query == "fastcore._routing.query"


def test_current_run_uses_the_build_it_asked_for() -> None:
    from fastcore import _accel, _routing

    if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1":
        assert not _accel.is_compiled(_routing.router_build)
        assert _routing.router_build.__name__ == "fastcore._routing.router"
    elif os.environ.get("FASTCORE_REQUIRE_EXTENSIONS") == "1":
        assert _accel.is_compiled(_routing.router_build)
        assert _routing.router_build.__name__ == "fastcore._routing._router_c"


def test_require_extensions_selects_compiled_or_fails() -> None:
    try:
        import fastcore._routing._router_c  # noqa: F401
    except ImportError:
        pytest.skip("extensions not built here; `make build` builds them")
    compiled, router, query = _probe(FASTCORE_REQUIRE_EXTENSIONS="1")
    assert compiled == "True"
    assert router == "fastcore._routing._router_c"
    assert query == "fastcore._routing._query_c"
