# cython: annotation_typing=False, boundscheck=True, wraparound=True
# (compiled with Python's indexing; the annotations are mypy's only: the C types are in
# _lane_c.pxd)
"""The fast lane from a parsed request to the bytes written.

Part of the protocol's surface (``fastcore.server.http.protocol`` re-exports ``DirectLane``).
One source for both builds: Cython compiles this file as ``fastcore.server.http._lane_c``
(pure-Python mode), with the C types of its classes, fields and functions in ``_lane_c.pxd``
beside it, which cimports the request cycle's (``_cycle_c.pxd``) so that the lane reads its
C fields and calls its writer in C; the compiled protocol cimports ``DirectLane`` and calls
``serve`` in C. The one C-level spot (an int read from its ASCII digits) is ``ascii_int``,
imported from ``http11`` here and cimported from ``_http11_c`` there.

fastcore's server calls ``DirectLane(cycle)`` for every request to a FastCore app without
middleware. For a route whose plan is ``simple_call`` (an async handler reading path,
query, header and cookie values and at most a JSON body that has fully arrived) it does
all of it here: match, extract, validate, call, encode, write; the handler's coroutine is
started with ``send(None)`` and, when it finishes without suspending (most do), no Task,
no scope and no ASGI message is ever made. An unconstrained str, int or bool parameter is
looked up and converted in place, and a msgspec-typed JSON body decoded straight into its
argument; any other parameter, or any value not accepted as is, goes to the parameter's
extractor, which gives the same value or the error. The request state those extractors
read is built only if one runs. Everything else is handed to ``fallback`` (the server's
Dispatch), which owns the slow paths: other routes, 404s and errors, a handler that
suspends, Response objects.

The lane knows a route only through its ``LaneSpec`` and the app only through its
``LaneRoutes`` (``fastcore/server/contract.py``), copied into the fields below at start-up.
"""

from __future__ import annotations

from asyncio.tasks import _enter_task, _leave_task
from contextvars import copy_context
from typing import TYPE_CHECKING, Any

from fastcore.server.contract import (
    Answer,
    Cycle,
    Errors,
    Kind,
    LaneParam,
    LaneRoutes,
    LaneSpec,
    Media,
    RequestState,
    Source,
    is_response,
)
from fastcore.server.http.http11 import ascii_int

if TYPE_CHECKING:
    from fastcore.server.dispatch import Dispatch

__all__ = ["DirectLane", "content_type"]

# NOTE: compiled, these are C ints (_lane_c.pxd): what the lane writes itself (contract.Answer)
_JSON, _TEXT, _MSGPACK = int(Answer.JSON), int(Answer.TEXT), int(Answer.MSGPACK)
# A body's media kind (contract.Media)
_BODY_JSON, _BODY_MSGPACK = int(Media.JSON), int(Media.MSGPACK)
# Where a typed parameter is read from, and the types converted in place (contract.Source, .Kind)
_PATH, _QUERY = int(Source.PATH), int(Source.QUERY)
_HEADER, _COOKIE = int(Source.HEADER), int(Source.COOKIE)
_STR, _INT, _BOOL = int(Kind.STR), int(Kind.INT), int(Kind.BOOL)
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
    """One parameter of a lane route (its ``LaneParam``), in plain int fields (C fields when
    compiled). PERF: an unconstrained str, int or bool read from the path, query, headers or
    cookies is looked up and converted in ``_arguments`` (no extractor call); anything else,
    or any value not accepted as is, goes to the parameter's Python extractor, which gives
    the same value or the error."""

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
        "words",
    )

    def __init__(self, spec: LaneParam) -> None:
        self.name = spec.name
        self.extract = spec.extract
        self.source = int(spec.source)
        self.kind = int(spec.kind)
        self.key = spec.key
        self.has_default = spec.has_default
        self.default = spec.default
        self.low = spec.low
        self.high = spec.high
        self.words: dict[str, bool] = dict(spec.words) if spec.words is not None else {}


class _LanePlan:
    """A route's ``LaneSpec``, with the app's ``LaneRoutes`` hooks, as the lane reads it."""

    __slots__ = (
        "bare",
        "body_key",
        "body_name",
        "body_values",
        "call",
        "content_type_line",
        "cookies",
        "decoder",
        "direct",
        "fast",
        "finish",
        "headers",
        "invalid",
        "media",
        "msgpack_decoder",
        "negotiate",
        "new_state",
        "overrides",
        "params",
        "parse_query",
        "query",
        "serialize",
        "spec",
        "status_code",
        "steps",
        "submit",
        "sync",
    )

    def __init__(self, spec: LaneSpec, routes: LaneRoutes) -> None:
        self.spec = spec
        self.call = spec.call
        #: A ``def`` handler: called on the loop (``sync_inline=True``) or handed to ``submit``.
        self.sync = spec.sync or spec.submit is not None
        self.body_values = spec.body_values
        self.query = spec.query
        self.headers = spec.headers
        self.cookies = spec.cookies
        self.decoder = spec.decoder
        self.msgpack_decoder = spec.msgpack_decoder  # NOTE: the route reads MessagePack too
        self.body_key = spec.body_key
        self.body_name = spec.body_name
        self.media = spec.media
        self.params = tuple([_Param(p) for p in spec.params])
        self.fast = int(spec.answer)
        self.status_code = spec.status_code
        self.content_type_line = spec.content_type_line
        self.serialize = spec.serialize
        self.negotiate = spec.negotiate
        self.finish = spec.general.finish
        # NOTE: Fallback.STEPS: the dependencies' flat plan
        steps = self.steps = spec.steps
        self.submit = spec.submit  # NOTE: a def handler outside sync_inline: the thread pool
        self.direct = steps.direct if steps is not None else None
        self.overrides = steps.overrides if steps is not None else None
        self.new_state = routes.request_state
        self.parse_query = routes.parse_query
        self.invalid = routes.invalid
        #: Nothing to read from the request: the handler is called with no arguments.
        self.bare = (
            not (self.params or self.query or self.headers or self.cookies)
            and self.body_values is None
        )


class _Call:
    """One request on the lane. PERF: the request state that extractors, error handlers and
    Response objects read is built only if one of them runs (~0.2 µs a request otherwise)."""

    __slots__ = ("body", "body_values", "cycle", "data", "pairs", "params", "query")
    cycle: Cycle
    params: dict[str, Any]
    query: dict[str, str] | None
    pairs: list[tuple[str, str]] | None
    body: bytes | None
    body_values: dict[str, Any] | None
    data: RequestState | None

    def request_data(self, lane: _LanePlan) -> RequestState:
        rd = self.data
        if rd is None:
            cycle = self.cycle
            rd = lane.new_state(
                None, None, self.params, cycle.query_string, cycle.raw_headers, cycle
            )
            query, pairs = self.query, self.pairs
            if query is not None and pairs is not None:  # NOTE: set together
                rd.query = query
                rd.query_pairs = pairs
            if self.body is not None:
                rd.body = self.body
            if self.body_values is not None:
                rd.body_values = self.body_values
            self.data = rd
        return rd


class DirectLane:
    """The protocol's handler: serves lane routes itself, hands the rest to ``fallback``."""

    def __init__(self, routes: LaneRoutes, fallback: Dispatch) -> None:
        self.router = routes.router
        self.fallback = fallback
        self.match = routes.router.match
        self.found = routes.found
        self.lanes: dict[Any, _LanePlan] = {
            plan: _LanePlan(spec, routes) for plan, spec in routes.specs.items()
        }

    def __call__(self, cycle: Cycle) -> None:
        self.serve(cycle)

    def serve(self, cycle: Cycle) -> None:  # noqa: C901 (the request path: one frame)
        """Answer ``cycle`` or hand it to the fallback (both protocols call this directly)."""
        status, plan, params = self.match(cycle.method, cycle.path)
        lane = self.lanes.get(plan) if status == self.found else None
        if lane is None:
            self.fallback.asgi(cycle)
            return
        # PERF: no __init__ (a Python frame in the pure build): every field set here;
        # compiled, __new__ is the type's tp_new, no type call
        req = _Call.__new__(_Call)
        req.cycle = cycle
        req.params = params
        req.query = req.pairs = req.body = req.body_values = req.data = None
        call = lane.call
        if call is None or lane.body_values is not None:
            call = self._call_for(lane, req)
            if call is None:
                return
        try:
            if lane.sync:  # NOTE: a def handler: on the loop (sync_inline=True) or the pool
                _call_def(self.fallback, lane, req, call)
                return
            if lane.bare:  # PERF: nothing to read from the request: no argument pass
                coro = call()
            else:
                kwargs = _arguments(lane, req)
                if kwargs is None:  # NOTE: a flat-plan route's invalid input: the general path
                    self.fallback.serve(cycle, lane.spec, req.request_data(lane))
                    return
                coro = call(**kwargs)
            # The coroutine runs eagerly under the dispatcher's host Task, so that it sees a
            # current task (asyncio.timeout, anyio cancel scopes): see fastcore/server/dispatch.py
            fallback = self.fallback
            host = fallback.host
            loop = fallback.loop
            try:
                _enter_task(loop, host)
            except RuntimeError:  # NOTE: inside another request's Task: it starts in its own
                fallback.later(cycle, lane.spec, req.request_data(lane), coro, None)
                return
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _leave_task(loop, host)
                # PERF: the JSON and text answers inline (one Python frame less), each check
                # made once; the rest in _answer
                result = done.value
                fast = lane.fast
                if fast == _JSON:
                    if type(result) is dict or not is_response(result):
                        body = lane.serialize(result)
                        cycle.write_simple(lane.status_code, lane.content_type_line, body)
                    else:
                        _respond(fallback, lane, req, result)
                elif fast == _TEXT and type(result) is str:
                    cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
                else:
                    _answer(fallback, lane, req, result)
                return
            except BaseException:
                _leave_task(loop, host)
                raise
            _leave_task(loop, host)
        except Exception as exc:
            self.fallback.fail(cycle, exc, req.request_data(lane))
            return
        self.fallback.later(cycle, lane.spec, req.request_data(lane), coro, yielded)

    def _call_for(self, lane: _LanePlan, req: _Call) -> Any:
        """What the lane calls for a route with a body or without a simple handler: the
        handler once its body has fully arrived, or its flat plan's ``direct`` coroutine
        function (started as a handler is); else None, the request handed over."""
        call = lane.call
        steps = lane.steps
        if (call is not None or steps is not None) and lane.body_values is not None:
            req.body = req.cycle.take_body()  # NOTE: None while the body is still arriving
            if req.body is None:
                call = steps = None
        if call is not None:
            return call
        if steps is None:
            self.fallback.serve(req.cycle, lane.spec, req.request_data(lane))
            return None
        overrides = lane.overrides
        if lane.direct is None or (overrides is not None and overrides.mapping):
            self._steps(lane, req)
            return None
        # PERF: the dependencies and handler as one coroutine, started and answered here
        # as a simple route's handler is
        return lane.direct

    def _steps(self, lane: _LanePlan, req: _Call) -> None:
        """A route with dependencies: the handler's parameters here, the rest by its steps."""
        try:
            kwargs = _arguments(lane, req)
        except Exception as exc:
            self.fallback.fail(req.cycle, exc, req.request_data(lane))
            return
        if kwargs is None:  # NOTE: invalid input: the general path calls what FastAPI would
            self.fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        else:
            self.fallback.steps(req.cycle, lane.spec, req.request_data(lane), kwargs)


def _call_def(fallback: Dispatch, lane: _LanePlan, req: _Call, call: Any) -> None:
    """A ``def`` handler: called here with ``sync_inline=True``; else in the thread pool and
    answered from the callback that settles its batch of results (PERF: no coroutine, no
    Task, no Future). What ``_arguments`` raises (a 422) is the caller's to answer."""
    overrides = lane.overrides
    if overrides is not None and overrides.mapping:
        # NOTE: a def handler with def dependencies (one pool hop): overrides set by a test
        fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        return
    kwargs = _arguments(lane, req)
    if kwargs is None:  # NOTE: its invalid input: the general path calls what FastAPI would
        fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        return
    if lane.submit is None:
        # NOTE: sync_inline: in a copy of the context, as in a pool thread (what it sets is
        # not seen by the connection's next request)
        _answer(fallback, lane, req, copy_context().run(call, **kwargs))  # type: ignore[arg-type]
    else:
        lane.submit(_Pooled(fallback, lane, req), call, kwargs)  # type: ignore[arg-type]


class _Pooled:
    """A ``def`` handler's call in the thread pool (``LaneSpec.submit``), seen by the pool as
    its future: the pool settles it on the loop, and the answer is written from there."""

    __slots__ = ("fallback", "lane", "req")

    def __init__(self, fallback: Dispatch, lane: _LanePlan, req: _Call) -> None:
        self.fallback = fallback
        self.lane = lane
        self.req = req

    def done(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False

    def set_result(self, result: Any) -> None:
        try:
            _answer(self.fallback, self.lane, self.req, result)
        except Exception as exc:
            self.fallback.fail(self.req.cycle, exc, self.req.request_data(self.lane))

    def set_exception(self, exc: Exception) -> None:
        self.fallback.fail(self.req.cycle, exc, self.req.request_data(self.lane))


def _arguments(lane: _LanePlan, req: _Call) -> dict[str, Any] | None:  # noqa: C901
    """The handler's keyword arguments; a 422 for invalid input, or None on a flat-plan
    route (its dependencies still run, so the general path answers)."""
    cycle = req.cycle
    if lane.query:
        qs = cycle.query_string
        if qs:
            req.pairs = lane.parse_query(qs)
            req.query = dict(req.pairs)
        else:
            req.pairs = []
            req.query = {}
    if lane.headers:
        req.request_data(lane).parse_headers()
    if lane.cookies:
        req.request_data(lane).parse_cookies()
    kwargs: dict[str, Any] = {}
    errors: Errors = []
    body_errors = None
    if lane.body_values is not None and not _body_fast(lane, req, kwargs):
        rd = req.request_data(lane)
        rd.body_values, body_errors = lane.body_values(
            req.body,  # type: ignore[arg-type]  # NOTE: taken before the call (never None)
            content_type(cycle.raw_headers),
        )
    for p in lane.params:
        value = _SLOW
        source = p.source
        # The value as the request carries it (PERF: read and converted here, in place of
        # the extractor: no Python call for the usual str, int and bool values)
        if source == _PATH:
            mapping: dict[str, Any] | None = req.params
        elif source == _QUERY:
            mapping = req.query
        elif source == _HEADER:
            mapping = req.request_data(lane).headers
        elif source == _COOKIE:
            mapping = req.request_data(lane).cookies
        else:
            mapping = None
        if mapping is not None:
            raw = mapping.get(p.key, _SLOW)
            if raw is _SLOW:
                if p.has_default:
                    value = p.default
            elif p.kind == _STR:
                if type(raw) is str:
                    value = raw
            elif p.kind == _INT:
                if type(raw) is int:
                    if p.low <= raw <= p.high:
                        value = raw
                elif type(raw) is str:
                    number = ascii_int(raw, p.low, p.high)
                    if number is not None:
                        value = number
            elif p.kind == _BOOL and type(raw) is str:
                found = p.words.get(raw)
                if found is not None:
                    value = found
        if value is _SLOW:
            value = p.extract(req.request_data(lane), errors)
        kwargs[p.name] = value
    if body_errors:
        errors.extend(body_errors)
    if errors:
        if lane.steps is not None:
            return None
        raise lane.invalid(errors, req.body)
    return kwargs


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
            kind = lane.media(ctype)
            if len(_JSON_TYPES) < 64:
                _JSON_TYPES[ctype] = kind
        if kind != _BODY_JSON:
            decoder = lane.msgpack_decoder if kind == _BODY_MSGPACK else None
            if decoder is None:
                return False
    try:
        value = decoder.decode(body)
    except ValueError:  # NOTE: msgspec's and pydantic's errors, UnicodeDecodeError too
        return False  # NOTE: the plan's explaining path reports every error
    req.body_values = {lane.body_key: value}
    if req.data is not None:
        req.data.body_values = req.body_values
    kwargs[lane.body_name] = value
    return True


def _answer(fallback: Dispatch, lane: _LanePlan, req: _Call, result: Any) -> None:
    # NOTE: a lane route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    cycle = req.cycle
    if lane.fast == _JSON and (type(result) is dict or not is_response(result)):
        cycle.write_simple(lane.status_code, lane.content_type_line, lane.serialize(result))
    elif lane.fast == _TEXT and type(result) is str:
        cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
    elif lane.fast == _MSGPACK and (type(result) is dict or not is_response(result)):
        # NOTE: JSON or MessagePack, as the request's Accept prefers (fastcore/_planning/msgpack.py)
        status, negotiate = lane.status_code, lane.negotiate
        assert negotiate is not None  # NOTE: every Answer.MSGPACK spec has one
        lines, body = negotiate(cycle.raw_headers, status, result, lane.serialize)
        cycle.write_simple(status, lines, body)
    else:
        _respond(fallback, lane, req, result)


def _respond(fallback: Dispatch, lane: _LanePlan, req: _Call, result: Any) -> None:
    """What the lane does not write itself (a Response object, another kind of answer): the
    route's general finish, written by the fallback."""
    rd = req.request_data(lane)
    fallback.respond(req.cycle, lane.spec, lane.finish(result, rd), rd)
