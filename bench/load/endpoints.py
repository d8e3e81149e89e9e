"""The five measured endpoints: request, expected answer, shared by the runner, smoke check,
wrk scripts and the memory check, so every server is asked and checked the same way."""

from __future__ import annotations

import dataclasses
import json

__all__ = ["ENDPOINTS", "ITEM_BODY", "ROUTE_COUNT", "Endpoint"]

#: Parametrised routes /r0/items/{item_id} ... /r99/items/{item_id} in every app.
ROUTE_COUNT = 100
ITEM_BODY = {"name": "widget", "price": 9.5, "tags": ["tools", "sale"]}


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One benchmarked request and the answer every server must give to it."""

    name: str
    method: str
    path: str
    #: Parsed JSON body the server must answer, or the exact text for text/plain.
    expected: object
    body: bytes = b""

    @property
    def is_json(self) -> bool:
        return not isinstance(self.expected, str)

    def check(self, status: int, content_type: str, payload: bytes) -> str | None:
        """Why this answer is wrong, or None when it is right."""
        if status != 200:
            return f"status {status}: {payload[:200]!r}"
        if not self.is_json:
            if not content_type.startswith("text/plain"):
                return f"content-type {content_type!r}, expected text/plain"
            return None if payload.decode() == self.expected else f"body {payload[:200]!r}"
        if not content_type.startswith("application/json"):
            return f"content-type {content_type!r}, expected application/json"
        try:
            got = json.loads(payload)
        except ValueError:
            return f"invalid JSON {payload[:200]!r}"
        return None if got == self.expected else f"body {got!r}, expected {self.expected!r}"


ENDPOINTS = (
    Endpoint("plaintext", "GET", "/plaintext", "Hello, World!"),
    Endpoint("json", "GET", "/json", {"message": "Hello, World!"}),
    Endpoint("user", "GET", "/users/42?verbose=true", {"id": 42, "verbose": True}),
    Endpoint(
        "post-item",
        "POST",
        "/items",
        {"id": 1, **ITEM_BODY},
        body=json.dumps(ITEM_BODY, separators=(",", ":")).encode(),
    ),
    Endpoint("route-99", "GET", "/r99/items/7", {"route": 99, "item_id": 7}),
)
