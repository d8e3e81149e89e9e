"""RoutePlan: one route, ready to serve: extract, validate, call, encode, send.

Built by ``FastCore.freeze`` from an APIRoute. The common case (a JSON response, no
``Response`` parameter, no background tasks) sends two ASGI messages with pre-built
header bytes and never creates a Response object.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from fastcore._planning.exit_stack import RequestStack
from fastcore._planning.handlers import CallPlan, RequestData, RequestNeeds
from fastcore._planning.msgpack import MsgpackAnswer
from fastcore._planning.serialize import Serializer
from fastcore._status import body_allowed
from fastcore.dependencies import ASYNC, SYNC
from fastcore.exceptions import FastAPIError, RequestValidationError
from fastcore.server.contract import Answer, Fallback, is_response

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = [
    "EXIT_STACK",
    "NOT_SENT",
    "RESPONSE_STARTED",
    "RoutePlan",
    "SendTracker",
    "is_response",
]

#: Starlette's response classes whose bodies the plan renders itself, by name (so that this
#: module need not import ``starlette.responses``), as (kind, content-type value).
_FAST_CLASSES: dict[str, tuple[Answer, bytes]] = {
    "JSONResponse": (Answer.JSON, b"application/json"),
    "PlainTextResponse": (Answer.TEXT, b"text/plain; charset=utf-8"),
    "HTMLResponse": (Answer.TEXT, b"text/html; charset=utf-8"),
}
#: The fast kinds are the contract's ``Answer`` (the lane writes the same ones), as plain
#: ints for the per-request comparisons.
_JSON, _TEXT, _MSGPACK = int(Answer.JSON), int(Answer.TEXT), int(Answer.MSGPACK)


def fast_kind(response_class: Any) -> tuple[Answer, bytes]:
    """The (kind, content type) the plan renders itself for ``response_class``; GENERAL for
    any other class (a Response object the plan builds)."""
    if response_class is None:
        return _FAST_CLASSES["JSONResponse"]
    if getattr(response_class, "__module__", "") != "starlette.responses":
        return Answer.GENERAL, b""
    return _FAST_CLASSES.get(response_class.__name__, (Answer.GENERAL, b""))


#: FastAPI's error when a yield dependency swallowed the exception that stopped the handler.
NOT_SENT = (
    "Response not awaited. There's a high chance that the application code is raising an "
    "exception and a dependency with yield has a block with a bare except, or a block with "
    "except Exception, and is not raising the exception again. Read more about it in the "
    "docs: https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/"
    "#dependencies-with-yield-and-except"
)
_NOTHING: Any = object()

#: Scope key set once a response has started, so an error after it is not answered twice.
RESPONSE_STARTED = "fastcore.response_started"
#: Scope key of the request's exit stack (yield dependencies, form files), set by a route
#: served through a custom route handler, so ``respond_to`` closes them after the response.
EXIT_STACK = "fastcore.exit_stack"


class SendTracker:
    """Wraps ``send`` for code that sends on its own (Response objects, mounted apps).

    PERF: the JSON fast path does not use it; it sets the scope flag itself. Wrapping every
    request's ``send`` cost ~0.5 µs of a ~4 µs request (bench/asgi_plain_route.py).
    """

    __slots__ = ("scope", "send")

    def __init__(self, scope: dict[str, Any], send: Any) -> None:
        self.scope = scope
        self.send = send

    async def __call__(self, message: MutableMapping[str, Any]) -> None:
        self.scope[RESPONSE_STARTED] = True
        await self.send(message)


class RoutePlan:
    """The callable the router returns for a route: ``await plan(scope, receive, send, params)``."""

    __slots__ = (
        "call",
        "content_type_header",
        "content_type_line",
        "extractors",
        "fast",
        "msgpack",
        "needs",
        "response_class",
        "route",
        "serialize",
        "simple_call",
        "simple_pooled",
        "simple_sync",
        "status_code",
    )

    #: Why fastcore's server never serves this kind of plan on its lane (a subclass's
    #: reason), or None: the plan's shape decides (``fastcore/_planning/lane_specs.py``).
    lane_fallback: ClassVar[Fallback | None] = None

    def __init__(
        self,
        call: CallPlan,
        needs: RequestNeeds,
        serialize: Serializer,
        status_code: int,
        response_class: type[Response] | None,
        msgpack: MsgpackAnswer | None = None,
    ) -> None:
        self.call = call
        self.needs = needs
        self.serialize = serialize
        self.status_code = status_code
        self.response_class = response_class
        #: The APIRoute this plan serves (set by the app), for ``scope["route"]``.
        self.route: Any = None
        kind, content_type = fast_kind(response_class)
        #: What the plan renders itself (``Answer`` as an int): the lane's ``spec.answer``.
        self.fast = int(kind)
        #: The Content-Type of the fast path: an ASGI header pair, and the raw header line.
        self.content_type_header = (b"content-type", content_type)
        self.content_type_line = b"content-type: " + content_type + b"\r\n"
        #: An opted-in route's MessagePack choice (_planning/msgpack.py), None for the rest:
        #: only a JSON route negotiates; its JSON answer's lines carry ``Vary: Accept``.
        self.msgpack = msgpack if self.fast == _JSON else None
        if self.msgpack is not None:
            self.fast = _MSGPACK
            self.content_type_line = self.msgpack.json_line
        self.extractors = call.extractors
        # PERF: a route whose async handler reads only path, query, header and cookie
        # values and at most a JSON body is served by fastcore's server without a
        # coroutine of its own (the direct lane, fastcore/server/http/lane.py).
        body_plan = needs.body_plan
        simple = not (needs.has_yield or call.subs or call.specials)
        if (body_plan is not None and body_plan.is_form) or needs.max_body_size is not None:
            # NOTE: a body limit is checked while the plan reads the body, and a declared
            # Content-Length over it is a 413 even on a route that reads none
            simple = False
        #: ``simple_call`` is a plain ``def`` called on the loop (``sync_inline=True``), or,
        #: ``simple_pooled``, in the thread pool, answered from its result (``LaneSpec.submit``).
        self.simple_sync = simple and call.kind is SYNC and call.inline
        self.simple_pooled = simple and call.kind is SYNC and not call.inline
        self.simple_call = call.call if simple and (call.kind in (ASYNC, SYNC)) else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any, params: Any) -> None:
        rd = RequestData(scope, receive, params)
        if not self.needs.has_yield:
            await self._send(await self.render(rd), rd, send)
            return
        async with RequestStack() as stack:
            rd.stack = stack
            if self.needs.function_scoped:
                out = await self.render_function_scoped(rd)
            else:
                out = await self.render(rd)
            await self._send(out, rd, send)
            return
        # NOTE: reached only when a yield dependency swallowed what stopped the handler.
        raise FastAPIError(NOT_SENT)

    def swallowed(self) -> Exception:
        """FastAPI's error when a yield dependency swallowed what stopped the handler."""
        return FastAPIError(NOT_SENT)

    async def render_function_scoped(self, rd: RequestData) -> tuple[int, bytes] | Response:
        """``render`` inside the exit stack of the route's scope="function" dependencies.

        As FastAPI: they exit once the response is built, before it is sent; scope="request"
        ones (a yield dependency's default) exit after it is sent, from the caller's stack.
        Only routes that declare one pay for this second stack.
        """
        out: tuple[int, bytes] | Response = _NOTHING
        async with RequestStack() as function_stack:
            rd.function_stack = function_stack
            out = await self.render(rd)
        if out is _NOTHING:
            raise FastAPIError(NOT_SENT)
        return out

    async def render(self, rd: RequestData) -> tuple[int, bytes] | Response:
        """Run the route: ``(status, JSON bytes)`` on the fast path, else a Response to send.

        Shared by the ASGI entry and fastcore's server, which writes the tuple with
        pre-built header bytes and no ASGI messages.
        """
        body_errors = await self.needs.prepare(rd)
        errors: list[dict[str, Any]] = []
        call = self.call
        if (
            call.plain
            and not body_errors
            and not (call.overrides is not None and call.overrides.mapping)
        ):
            # PERF: a def handler whose dependencies are all def: one thread-pool hop. Not
            # with body errors: run_sync would call the handler (its own inputs are fine);
            # solve collects every error and nothing is called, as in FastAPI
            result = await call.run_plain(rd, errors)
            if body_errors:
                errors.extend(body_errors)
            if errors:
                raise RequestValidationError(errors, body=rd.body)
            return self.finish(result, rd)
        kwargs = await call.solve(rd, errors)
        if body_errors:
            errors.extend(body_errors)
        if errors:
            raise RequestValidationError(errors, body=rd.body)
        result = await self.call.invoke(kwargs, rd)
        return self.finish(result, rd)

    async def respond_to(self, request: Request) -> Response:
        """The route as ``async (request) -> Response``: what ``get_route_handler()`` returns.

        Everything the handler reads comes from ``request``: its body through
        ``request.body()`` (a ``Request`` subclass may decode it), and it is the object a
        ``Request`` parameter receives. Errors are raised, not answered
        (``RequestValidationError``, ``HTTPException``), so a wrapper can catch them; the
        app's exception handlers answer what it lets through. Not on the request path of
        ordinary routes: only a route whose class overrides ``get_route_handler`` calls it.
        """
        scope: dict[str, Any] = request.scope  # type: ignore[assignment]
        rd = RequestData(scope, request.receive, scope.get("path_params", {}))
        rd.request = request
        if not self.needs.has_yield:
            return self.as_response(await self.render(rd))
        render = self.render_function_scoped if self.needs.function_scoped else self.render
        stack = scope.get(EXIT_STACK)
        if stack is not None:  # NOTE: closed by the route's plan once the response is sent
            rd.stack = stack
            return self.as_response(await render(rd))
        async with RequestStack() as stack:
            rd.stack = stack
            return self.as_response(await render(rd))
        raise FastAPIError(NOT_SENT)  # NOTE: a yield dependency swallowed the exception

    def as_response(self, out: tuple[int, bytes] | Response) -> Response:
        """What ``render`` returned, as a Response object (the fast path's tuple built into one)."""
        if not isinstance(out, tuple):
            return out
        from starlette.responses import Response

        status, body = out
        media_type = self.content_type_header[1].decode("latin-1")
        response = Response(body if body_allowed(status) else b"", status, media_type=media_type)
        if self.msgpack is not None:
            response.raw_headers.append(_VARY)
        return response

    def finish(self, result: Any, rd: RequestData) -> tuple[int, bytes] | Response:
        """The handler's return value as what to send."""
        if type(result) is not dict and is_response(result):
            if result.background is None and rd.background is not None:
                result.background = rd.background
            return result
        sub = rd.sub_response
        status = self.status_code
        if sub is not None and sub.status_code:
            status = sub.status_code
        if sub is None and rd.background is None:
            fast = self.fast
            if fast == _JSON:
                return status, self.serialize(result)
            if fast == _TEXT and type(result) is str:
                return status, result.encode()
            if fast == _MSGPACK:
                return self._negotiated(status, result, rd)
        response = self._response(result, status, rd)
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return response

    def _negotiated(
        self, status: int, result: Any, rd: RequestData
    ) -> tuple[int, bytes] | Response:
        """The JSON answer ``(status, body)``, or, when the request prefers it, MessagePack."""
        assert self.msgpack is not None
        media = self.msgpack.choose(rd.raw_headers)
        if media is None or not body_allowed(status):
            return status, self.serialize(result)
        packed = self.msgpack.encode(result, self.serialize)
        if packed is None:
            return status, self.serialize(result)
        from starlette.responses import Response

        response = Response(packed, status, media_type=media.decode())
        response.raw_headers.append(_VARY)
        return response

    async def _send(self, out: tuple[int, bytes] | Response, rd: RequestData, send: Any) -> None:
        scope = rd.get_scope()
        if not isinstance(out, tuple):
            await out(scope, rd.get_receive(), SendTracker(scope, send))
            return
        status, body = out
        content_type = self.content_type_header
        if body_allowed(status):
            headers = [content_type, (b"content-length", b"%d" % len(body))]
        else:
            headers, body = [content_type], b""
        if self.msgpack is not None:
            headers.append(_VARY)
        scope[RESPONSE_STARTED] = True
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _response(self, result: Any, status: int, rd: RequestData) -> Response:
        from starlette.responses import JSONResponse, Response

        cls = self.response_class or JSONResponse
        if cls is JSONResponse:
            if self.msgpack is not None and body_allowed(status):
                negotiated = self._negotiated(status, result, rd)
                if not isinstance(negotiated, tuple):
                    negotiated.background = rd.background
                    return negotiated
                body = negotiated[1]
            else:
                body = self.serialize(result) if body_allowed(status) else b""
            response = Response(
                body, status, media_type="application/json", background=rd.background
            )
            if self.msgpack is not None:
                response.raw_headers.append(_VARY)
            if not body_allowed(status):
                _drop_header(response, b"content-length")
            return response
        if issubclass(cls, JSONResponse):
            content = msgspec.json.decode(self.serialize(result))
            return cls(content, status, background=rd.background)
        return cls(result, status, background=rd.background)


_VARY = (b"vary", b"Accept")


def _drop_header(response: Response, name: bytes) -> None:
    response.raw_headers[:] = [(k, v) for k, v in response.raw_headers if k != name]
