"""Yield dependencies' scopes, swallowed exceptions and reset overrides: FastAPI vs fastcore.

``Depends(scope="function")`` exits once the handler has returned, before the response is
sent; ``scope="request"`` (a yield dependency's default) after it. A streamed body is sent
after the handler, so what it reads, and the order of the recorded events, shows which.
"""

from typing import Any

import fastapi
import fastapi.exceptions
import fastapi.responses
import fastapi.testclient
import pytest

import fastcore
import fastcore.exceptions
import fastcore.responses
import fastcore.testclient
from tests.compat import apps


def _client(fw: Any, **kw: Any) -> Any:
    return {fastapi: fastapi.testclient.TestClient, fastcore: fastcore.testclient.TestClient}[fw](
        apps.dependency_scopes_app(fw), **kw
    )


def _both(**kw: Any) -> tuple[Any, Any]:
    return _client(fastapi, **kw), _client(fastcore, **kw)


def _seen(resp: Any) -> tuple[int, str, str]:
    return resp.status_code, resp.headers.get("content-type", ""), resp.text


def _events(client: Any, path: str) -> tuple[tuple[int, str, str], list[str]]:
    client.delete("/log")
    seen = _seen(client.get(path))
    return seen, client.get("/log").json()


@pytest.mark.parametrize(
    "path", ["/stream/function", "/stream/request", "/stream/default", "/order"]
)
def test_exit_code_runs_when_the_scope_says(path: str) -> None:
    ref, ours = _both()
    expected = _events(ref, path)
    assert _events(ours, path) == expected
    assert expected[0][0] == 200


def test_the_scopes_as_fastapi_documents_them() -> None:
    """What the comparison above pins down, spelled out (fastcore alone)."""
    client = _client(fastcore)
    (_, _, text), events = _events(client, "/stream/function")
    assert text == "function open=False"
    assert events == ["function enter", "function exit", "function body"]
    (_, _, text), events = _events(client, "/stream/request")
    assert text == "request open=True"
    assert events == ["request enter", "request body", "request exit"]
    _, events = _events(client, "/order")
    assert events == ["request enter", "function enter", "handler", "function exit", "request exit"]


def test_a_scope_is_part_of_the_cache_key() -> None:
    ref, ours = _both()
    expected = _seen(ref.get("/per-scope"))
    assert _seen(ours.get("/per-scope")) == expected
    assert expected[2] == "[0,1]"


@pytest.mark.parametrize("what", ["ok", "http"])
def test_a_swallowing_dependency_passes_other_outcomes(what: str) -> None:
    ref, ours = _both()
    assert _seen(ours.get(f"/swallow/{what}")) == _seen(ref.get(f"/swallow/{what}"))


def test_a_swallowed_exception_is_a_500() -> None:
    ref, ours = _both(raise_server_exceptions=False)
    expected = _events(ref, "/swallow/internal")
    assert _events(ours, "/swallow/internal") == expected
    assert expected[0] == (500, "text/plain; charset=utf-8", "Internal Server Error")


@pytest.mark.parametrize(
    ("fw", "error"),
    [(fastapi, fastapi.exceptions.FastAPIError), (fastcore, fastcore.exceptions.FastAPIError)],
)
def test_a_swallowed_exception_raises_fastapis_error_in_the_client(fw: Any, error: Any) -> None:
    with pytest.raises(error) as info:
        _client(fw).get("/swallow/internal")
    assert "raising an exception and a dependency with yield" in info.value.args[0]


def _overrides_seen(fw: Any) -> list[str]:
    client = _client(fw)
    app = client.app
    seen = [client.get("/overridden").text]
    app.dependency_overrides[app.not_overridden] = lambda: "first"
    seen.append(client.get("/overridden").text)
    app.dependency_overrides = {app.not_overridden: lambda: "assigned"}
    seen.append(client.get("/overridden").text)
    app.dependency_overrides = None  # NOTE: as FastAPI's own testing_dependencies tutorial
    seen.append(client.get("/overridden").text)
    app.dependency_overrides = {}
    seen.append(client.get("/overridden").text)
    return seen


def test_overrides_assigned_anew_after_start() -> None:
    expected = _overrides_seen(fastapi)
    assert _overrides_seen(fastcore) == expected
    assert expected == ['"real"', '"first"', '"assigned"', '"real"', '"real"']


def _scope_error(fw: Any, client_class: Any) -> tuple[str, str]:
    # NOTE: FastAPI refuses at @app.get; fastcore plans routes at start-up (the first
    # request here), so the same error comes one step later.
    with pytest.raises(fw.exceptions.DependencyScopeError) as info:
        client_class(apps.scope_error_app(fw)).get("/")
    return type(info.value).__name__, str(info.value)


def test_a_request_scope_cannot_depend_on_a_function_scope() -> None:
    expected = _scope_error(fastapi, fastapi.testclient.TestClient)
    assert _scope_error(fastcore, fastcore.testclient.TestClient) == expected
    assert "cannot depend on dependencies with scope" in expected[1]


def test_an_unknown_scope_is_refused_where_it_is_written() -> None:
    with pytest.raises(ValueError, match="'requests'"):
        fastcore.Depends(lambda: 1, scope="requests")  # type: ignore[arg-type]
