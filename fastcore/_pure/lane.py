"""The fast lane from a parsed request to the bytes written (pure build).

Part of the protocol's surface (``fastcore._pure.protocol`` re-exports ``DirectLane``);
the compiled build is ``_speedups/lane.pxi``, included into ``protocol.pyx`` so that the
lane reads the request cycle's C fields.

fastcore's server calls ``DirectLane(cycle)`` for every request to a FastCore app without
middleware. For a route whose plan is ``simple_call`` (an async handler reading path,
query, header and cookie values and at most a JSON body that has fully arrived) it does
all of it here: match, extract, validate, call, encode, write; the handler's coroutine is
started with ``send(None)`` and, when it finishes without suspending (most do), no Task,
no scope and no ASGI message is ever made. Everything else is handed to ``fallback``
(the server's Dispatch), which owns the slow paths: other routes, 404s and errors, a
handler that suspends, Response objects.
"""

from __future__ import annotations

from typing import Any

from fastcore._accel import load
from fastcore.exceptions import RequestValidationError
from fastcore.handlers import RequestData
from fastcore.responses import Response

__all__ = ["DirectLane", "content_type"]

_FOUND = load("router").FOUND
_JSON, _TEXT = 1, 2


def content_type(raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The request's Content-Type value, if any."""
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None


class DirectLane:
    """The protocol's handler: serves simple routes itself, hands the rest to ``fallback``."""

    def __init__(self, router: Any, fallback: Any) -> None:
        self.router = router
        self.fallback = fallback

    def __call__(self, cycle: Any) -> None:
        status, plan, params = self.router.match(cycle.method, cycle.path)
        if status != _FOUND:
            self.fallback.asgi(cycle)
            return
        rd = RequestData(None, None, params, cycle.query_string, cycle.raw_headers, cycle)
        call = plan.simple_call
        body = None
        if call is not None and plan.needs.body_plan is not None:
            body = cycle.take_body()  # NOTE: None while the body is still arriving
            if body is None:
                call = None
        if call is None:
            self.fallback.serve(cycle, plan, rd)
            return
        try:
            coro = call(**_arguments(plan, rd, body))
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _answer(self.fallback, cycle, plan, rd, done.value)
                return
        except Exception as exc:
            self.fallback.fail(cycle, exc, rd)
            return
        self.fallback.later(cycle, plan, rd, coro, yielded)


def _arguments(plan: Any, rd: RequestData, body: bytes | None) -> dict[str, Any]:
    needs = plan.needs
    if needs.query:
        rd.parse_query()
    if needs.headers:
        rd.parse_headers()
    if needs.cookies:
        rd.parse_cookies()
    body_errors = None
    body_plan = needs.body_plan
    if body_plan is not None:
        rd.body = body
        rd.body_values, body_errors = body_plan.values(body, content_type(rd.raw_headers))
    errors: list[dict[str, Any]] = []
    kwargs = {}
    for name, extract in plan.extractors:
        kwargs[name] = extract(rd, errors)
    if body_errors:
        errors.extend(body_errors)
    if errors:
        raise RequestValidationError(errors, body=rd.body)
    return kwargs


def _answer(fallback: Any, cycle: Any, plan: Any, rd: RequestData, result: Any) -> None:
    # NOTE: a simple route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    fast = plan.fast
    if fast == _JSON and not isinstance(result, Response):
        cycle.write_simple(plan.status_code, plan.content_type_line, plan.serialize(result))
    elif fast == _TEXT and type(result) is str:
        cycle.write_simple(plan.status_code, plan.content_type_line, result.encode())
    else:
        fallback.respond(cycle, plan, plan.finish(result, rd), rd)
