"""Importing fastcore and freezing a JSON app leaves the heavy, rarely used modules unloaded.

A route that takes Starlette's ``Request`` or returns one of its responses loads Starlette's
request and response modules (and what they import); an app of JSON routes does not.

Forms, uploads, files, cookies, the OpenAPI builder and the docs pages import what they
need (python-multipart, tempfile, mimetypes, email, hashlib, ...) when first used, so a
worker that serves JSON never pays their memory. This checks the behaviour (which modules
are loaded), not a memory figure: RSS depends on the machine and is measured by the bench.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules fastcore imports only where they are used, off the JSON request path.
# NOTE: http.client (and what it pulls in: email, email.utils, random, calendar, quopri) is
# loaded by starlette.exceptions, which fastcore.exceptions imports: HTTPException is a
# subclass of Starlette's, as FastAPI's is, so handlers registered for Starlette's catch it.
LAZY = [
    "python_multipart",
    "tempfile",
    "shutil",
    "bz2",
    "lzma",
    "hashlib",
    "secrets",
    "hmac",
    "mimetypes",
    "http.cookies",
    "json",
    "html",
    "fastcore.openapi.builder",
    "fastcore.openapi.docs",
    "fastcore.openapi.schemas",
    "fastcore.security.api_key",
    "fastcore.security.forms",
    "fastcore.security.http",
    "fastcore.security.open_id_connect_url",
    # OpenTelemetry support: imported when the app starts with telemetry on (a provider given
    # or set globally), never for an app without it.
    "fastcore._telemetry",
    # The form reader: imported by a route with a Form() or File() parameter.
    "fastcore._planning.forms",
    "fastcore._planning.form_models",
    # Parsers and readers a route plans in only when it has such a parameter: date, time and
    # duration types; query, header or cookie parameter models.
    "fastcore._validation.temporal",
    "fastcore._planning.param_models",
    # Starlette's request, response, routing and datastructures modules (~4 MiB together):
    # loaded by a route that takes a Request or builds a Response, never by a JSON one.
    "starlette.requests",
    "starlette.responses",
    "starlette.routing",
    "starlette.datastructures",
    "starlette.background",
    "anyio",
]

_SCRIPT = """
import sys

import msgspec

from fastcore import Depends, FastAPI, Header, Query


class Item(msgspec.Struct):
    name: str
    price: float


app = FastAPI()


def page(limit: int = Query(10)) -> int:
    return limit


@app.get("/users/{user_id}")
async def read_user(user_id: int, verbose: bool = False, agent: str | None = Header(None)):
    return {"id": user_id, "verbose": verbose}


@app.get("/items")
def list_items(limit: int = Depends(page)):
    return [{"name": "x", "price": 1.0}] * limit


@app.post("/items")
async def create_item(item: Item) -> Item:
    return item


app.freeze()
sys.stdout.write(msgspec.json.encode(sorted(sys.modules)).decode())
"""


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    # NOTE: a fresh interpreter: this one has imported everything the other tests use.
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout))


def test_the_app_was_planned(loaded: set[str]) -> None:
    assert "fastcore" in loaded
    assert "fastcore.openapi.routes" in loaded  # freeze added the docs routes


@pytest.mark.parametrize("module", LAZY)
def test_not_imported_by_a_json_app(loaded: set[str], module: str) -> None:
    assert module not in loaded, f"{module} is imported eagerly; import it where it is used"
