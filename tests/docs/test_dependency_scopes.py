"""docs/tutorial.md, "When a yield dependency exits": the example does what the page says."""

from docs_src.tutorial import dependency_scopes
from fastcore.testclient import TestClient


def test_function_scope_exits_before_the_body_is_sent() -> None:
    client = TestClient(dependency_scopes.app)
    dependency_scopes.events.clear()
    assert client.get("/report").text == "made with session\n"
    assert dependency_scopes.events == ["open", "close", "stream"]


def test_request_scope_exits_after_the_body_is_sent() -> None:
    client = TestClient(dependency_scopes.app)
    dependency_scopes.events.clear()
    assert client.get("/live").text == "made with session\n"
    assert dependency_scopes.events == ["open", "stream", "close"]
