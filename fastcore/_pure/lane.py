"""The fast lane from a parsed request to the bytes written (pure build).

Part of the protocol's surface (``fastcore._pure.protocol`` re-exports ``DirectLane``);
the compiled build is ``_speedups/lane.pxi``, included into ``protocol.pyx`` so that the
lane reads the request cycle's C fields. Both do the same, step for step.

fastcore's server calls ``DirectLane(cycle)`` for every request to a FastCore app without
middleware. For a route whose plan is ``simple_call`` (an async handler reading path,
query, header and cookie values and at most a JSON body that has fully arrived) it does
all of it here: match, extract, validate, call, encode, write; the handler's coroutine is
started with ``send(None)`` and, when it finishes without suspending (most do), no Task,
no scope and no ASGI message is ever made. An unconstrained str, int or bool parameter is
looked up and converted in place, and a msgspec-typed JSON body decoded straight into its
argument; any other parameter, or any value not accepted as is, goes to the parameter's
extractor, which gives the same value or the error. The ``RequestData`` those extractors
read is built only if one runs. Everything else is handed to ``fallback`` (the server's
Dispatch), which owns the slow paths: other routes, 404s and errors, a handler that
suspends, Response objects.
"""

from __future__ import annotations

from asyncio.tasks import _enter_task, _leave_task
from typing import Any

from fastcore._accel import load
from fastcore._bodies import JSON, MSGPACK, media_kind
from fastcore._lane_params import INT64, int_bounds
from fastcore.exceptions import RequestValidationError
from fastcore.handlers import RequestData
from fastcore.plans import is_response
from fastcore.validation import _BOOL_WORDS

__all__ = ["DirectLane", "content_type"]

_FOUND = load("router").FOUND
_parse_query = load("query").parse_query
_JSON, _TEXT, _MSGPACK = 1, 2, 3
_SOURCES = {"path": 0, "query": 1, "header": 2, "cookie": 3}
_KINDS: dict[type, int] = {str: 1, int: 2, bool: 3}
_SLOW: Any = object()
#: Content-Type values seen, and their media kind (a client sends the same one).
_JSON_TYPES: dict[bytes, int] = {}


def content_type(raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The request's Content-Type value, if any."""
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None


class _Param:
    """One parameter of a simple route: where it is read and how it converts in place."""

    __slots__ = (
        "default",
        "extract",
        "has_default",
        "high",
        "key",
        "kind",
        "low",
        "name",
        "source",
    )

    def __init__(self, name: str, extract: Any, field: Any) -> None:
        self.name = name
        self.extract = extract
        self.source = -1
        self.kind = 0
        self.key = ""
        self.has_default = False
        self.default = None
        self.low, self.high = INT64  # NOTE: Path(ge=...)/Query(le=...) on an int narrow them
        if field is None or field.is_sequence:
            return
        source = _SOURCES.get(field.source)
        kind = _KINDS.get(field.annotation) if type(field.annotation) is type else None
        bounds = int_bounds(field.annotation) if kind is None else None
        if bounds is not None:
            kind, (self.low, self.high) = 2, bounds
        if source is None or kind is None:
            return
        self.source, self.kind = source, kind
        self.key = field.key.lower() if source == 2 else field.key
        self.has_default = not field.required and field.default_factory is None
        self.default = field.default


def _convert(p: _Param, raw: Any) -> Any:
    kind = p.kind
    if kind == 1:
        return raw if type(raw) is str else _SLOW
    if kind == 2:
        if type(raw) is int:
            return raw if p.low <= raw <= p.high else _SLOW
        if type(raw) is str and raw.isascii():
            digits = raw[1:] if raw[:1] == "-" else raw
            if digits.isdigit() and len(digits) <= 18:
                number = int(raw)
                return number if p.low <= number <= p.high else _SLOW
        return _SLOW
    if kind == 3 and type(raw) is str:
        found = _BOOL_WORDS.get(raw)
        if found is not None:
            return found
    return _SLOW


class _LanePlan:
    """A route plan's fields the lane reads per request (built on first use)."""

    def __init__(self, plan: Any) -> None:
        needs = plan.needs
        self.plan = plan
        self.call = plan.simple_call
        self.sync = plan.simple_sync
        self.body_plan = body_plan = needs.body_plan
        self.query, self.headers, self.cookies = needs.query, needs.headers, needs.cookies
        fields = plan.call.fields
        self.decoder: Any = None
        self.msgpack_decoder: Any = None  # NOTE: the route reads MessagePack too
        self.body_key = self.body_name = ""
        # NOTE: a body whose dataclasses need their defaults completed (_dataclass_defaults)
        # takes the body plan's values, which completes them
        if (
            body_plan is not None
            and not body_plan.embed
            and body_plan._decoder is not None
            and body_plan._complete is None
        ):
            self.decoder = body_plan._decoder
            self.msgpack_decoder = body_plan._msgpack_decoder
            self.body_key = body_plan.fields[0].key
        params = []
        for (name, extract), field in zip(plan.extractors, fields, strict=True):
            if self.decoder is not None and field is not None and field.source == "body":
                self.body_name = name
                continue
            params.append(_Param(name, extract, field))
        if self.decoder is not None and not self.body_name:
            self.decoder = None
            params = [_Param(name, extract, None) for name, extract in plan.extractors]
        self.params = tuple(params)
        self.fast, self.status_code = plan.fast, plan.status_code
        self.content_type_line, self.serialize = plan.content_type_line, plan.serialize


class _Call:
    """One request on the lane; its RequestData is built only if something reads it.

    PERF: no ``__init__`` (a Python frame): the lane sets ``cycle`` and ``params``, the
    rest start as these class-level defaults until a request sets its own.
    """

    cycle: Any
    params: dict[str, Any]
    query: dict[str, str] | None = None
    pairs: list[tuple[str, str]] = []  # NOTE: replaced per request, never mutated
    body: bytes | None = None
    body_values: dict[str, Any] | None = None
    data: RequestData | None = None

    def request_data(self) -> RequestData:
        rd = self.data
        if rd is None:
            cycle = self.cycle
            rd = RequestData(None, None, self.params, cycle.query_string, cycle.raw_headers, cycle)
            if self.query is not None:
                rd.query, rd.query_pairs = self.query, self.pairs
            if self.body is not None:
                rd.body = self.body
            if self.body_values is not None:
                rd.body_values = self.body_values
            self.data = rd
        return rd


class DirectLane:
    """The protocol's handler: serves simple routes itself, hands the rest to ``fallback``."""

    def __init__(self, router: Any, fallback: Any) -> None:
        self.router = router
        self.fallback = fallback
        self.match = router.match
        self.lanes: dict[Any, _LanePlan] = {}

    def __call__(self, cycle: Any) -> None:
        status, plan, params = self.match(cycle.method, cycle.path)
        if status != _FOUND:
            self.fallback.asgi(cycle)
            return
        lane = self.lanes.get(plan)
        if lane is None:
            lane = self.lanes[plan] = _LanePlan(plan)
        req = _Call()
        req.cycle, req.params = cycle, params
        call = lane.call
        if call is not None and lane.body_plan is not None:
            req.body = cycle.take_body()  # NOTE: None while the body is still arriving
            if req.body is None:
                call = None
        if call is None:
            self.fallback.serve(cycle, plan, req.request_data())
            return
        try:
            if lane.sync:  # NOTE: a def handler with sync_inline=True: called on the loop
                _answer(self.fallback, lane, req, call(**_arguments(lane, req)))
                return
            coro = call(**_arguments(lane, req))
            # The coroutine runs eagerly under the dispatcher's host Task, so that it sees a
            # current task (asyncio.timeout, anyio cancel scopes): see fastcore/server/dispatch.py
            fallback = self.fallback
            host = fallback.host
            loop = fallback.loop
            try:
                _enter_task(loop, host)
            except RuntimeError:  # NOTE: inside another request's Task: it starts in its own
                fallback.later(cycle, plan, req.request_data(), coro, None)
                return
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _leave_task(loop, host)
                # PERF: the JSON answer inline (one Python frame less); the rest in _answer
                result = done.value
                if lane.fast == _JSON and (type(result) is dict or not is_response(result)):
                    body = lane.serialize(result)
                    cycle.write_simple(lane.status_code, lane.content_type_line, body)
                else:
                    _answer(self.fallback, lane, req, result)
                return
            except BaseException:
                _leave_task(loop, host)
                raise
            _leave_task(loop, host)
        except Exception as exc:
            self.fallback.fail(cycle, exc, req.request_data())
            return
        self.fallback.later(cycle, plan, req.request_data(), coro, yielded)


def _arguments(lane: _LanePlan, req: _Call) -> dict[str, Any]:
    if lane.query:
        qs = req.cycle.query_string
        req.pairs = _parse_query(qs) if qs else []
        req.query = dict(req.pairs)
    if lane.headers:
        req.request_data().parse_headers()
    if lane.cookies:
        req.request_data().parse_cookies()
    kwargs: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    body_errors = None
    if lane.body_plan is not None and not _body_fast(lane, req, kwargs):
        rd = req.request_data()
        rd.body_values, body_errors = lane.body_plan.values(
            req.body, content_type(req.cycle.raw_headers)
        )
    for p in lane.params:
        value = _SLOW
        raw = _raw(p, req)
        if raw is not _SLOW:
            value = _convert(p, raw)
        elif p.has_default:
            value = p.default
        if value is _SLOW:
            value = p.extract(req.request_data(), errors)
        kwargs[p.name] = value
    if body_errors:
        errors.extend(body_errors)
    if errors:
        raise RequestValidationError(errors, body=req.body)
    return kwargs


def _raw(p: _Param, req: _Call) -> Any:
    """The parameter's value as the request carries it; _SLOW when absent or not typed."""
    source = p.source
    if source == 0:
        mapping: dict[str, Any] = req.params
    elif source == 1:
        mapping = req.query or {}
    elif source == 2:
        mapping = req.request_data().headers
    elif source == 3:
        mapping = req.request_data().cookies
    else:
        return _SLOW
    return mapping.get(p.key, _SLOW)


def _body_fast(lane: _LanePlan, req: _Call, kwargs: dict[str, Any]) -> bool:
    """Decode a JSON body straight into the handler's argument; False: take the plan's way."""
    body = req.body
    if lane.decoder is None or not body:
        return False
    ctype = content_type(req.cycle.raw_headers)
    decoder = lane.decoder
    if ctype is not None:
        kind = _JSON_TYPES.get(ctype)
        if kind is None:
            kind = media_kind(ctype)
            if len(_JSON_TYPES) < 64:
                _JSON_TYPES[ctype] = kind
        if kind != JSON:
            decoder = lane.msgpack_decoder if kind == MSGPACK else None
            if decoder is None:
                return False
    try:
        value = decoder.decode(body)
    except ValueError:  # NOTE: msgspec's and pydantic's errors, UnicodeDecodeError too
        return False  # the plan's explaining path reports every error
    req.body_values = {lane.body_key: value}
    if req.data is not None:
        req.data.body_values = req.body_values
    kwargs[lane.body_name] = value
    return True


def _answer(fallback: Any, lane: _LanePlan, req: _Call, result: Any) -> None:
    # NOTE: a simple route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    if lane.fast == _JSON and (type(result) is dict or not is_response(result)):
        req.cycle.write_simple(lane.status_code, lane.content_type_line, lane.serialize(result))
    elif lane.fast == _TEXT and type(result) is str:
        req.cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
    elif lane.fast == _MSGPACK and (type(result) is dict or not is_response(result)):
        # NOTE: JSON or MessagePack, as the request's Accept prefers (fastcore/_msgpack.py)
        status = lane.status_code
        lines, body = lane.plan.msgpack.answer(
            req.cycle.raw_headers, status, result, lane.serialize
        )
        req.cycle.write_simple(status, lines, body)
    else:
        rd = req.request_data()
        fallback.respond(req.cycle, lane.plan, lane.plan.finish(result, rd), rd)
