"""The smoke check: every server must answer every endpoint correctly before it is measured."""

from __future__ import annotations

import http.client

from bench.load.endpoints import Endpoint

__all__ = ["smoke_check"]


def _ask(port: int, endpoint: Endpoint) -> str | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if endpoint.body else {}
        conn.request(endpoint.method, endpoint.path, body=endpoint.body or None, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        content_type = response.getheader("content-type", "")
        return endpoint.check(response.status, content_type, payload)
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def smoke_check(port: int, endpoints: tuple[Endpoint, ...]) -> dict[str, str]:
    """{endpoint name: what is wrong} for each endpoint answered wrongly; empty when all pass."""
    failures = {}
    for endpoint in endpoints:
        problem = _ask(port, endpoint)
        if problem is not None:
            failures[endpoint.name] = problem
    return failures
