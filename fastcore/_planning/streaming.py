"""Path operations that ``yield``: streamed as JSON Lines, Server-Sent Events or raw chunks.

As FastAPI 0.134+ (and 0.165's SSE): a generator handler (``async def`` or ``def``) with
the default response class streams ``application/jsonl``, one JSON document per item; with
``response_class=EventSourceResponse`` it streams ``text/event-stream``; with any other
response class (``StreamingResponse`` and subclasses) the items are the body's chunks. A
return annotation ``AsyncIterable[Item]`` (or Iterable, Iterator, Generator...) validates
and serializes each item as a response model would, and documents the item's schema.

Flow control and cancellation: items are pulled one at a time, only when the server has
taken the previous one (its ``send`` waits while the socket's buffer is full), so a slow
client pauses the generator; when the client goes away, the generator is closed (its
``finally`` runs) when the request's exit stack unwinds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any

from fastcore import sse
from fastcore._planning.handlers import CallPlan, RequestData, RequestNeeds
from fastcore._planning.plans import RoutePlan
from fastcore._planning.serialize import make_serializer, stream_item_type
from fastcore._planning.threadpool import run_in_threadpool
from fastcore.dependencies import ASYNC_GEN, GEN
from fastcore.encoders import jsonable_encoder
from fastcore.exceptions import RequestValidationError
from fastcore.responses import JSONResponse, Response, StreamingResponse

__all__ = [
    "JSONL",
    "RAW",
    "SSE",
    "StreamPlan",
    "build_stream_plan",
    "is_stream",
    "openapi_content",
    "stream_item_type",
]

JSONL, SSE, RAW = "jsonl", "sse", "raw"


def is_stream(kind: str) -> bool:
    """Whether a handler of this kind (fastcore.dependencies) streams its items."""
    return kind in (ASYNC_GEN, GEN)


def _finite(data: Any) -> Any:
    """As FastAPI: NaN and infinities become null (JSON has no spelling for them)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def _plain_json(item: Any) -> bytes:
    """An item of an un-annotated stream, encoded byte for byte as FastAPI encodes it."""
    return json.dumps(_finite(jsonable_encoder(item))).encode("utf-8")


def _event_data(item: sse.ServerSentEvent) -> str | None:
    if item.raw_data is not None:
        return item.raw_data
    if item.data is None:
        return None
    dump = getattr(item.data, "model_dump_json", None)
    return dump() if callable(dump) else _plain_json(item.data).decode("utf-8")


class StreamPlan(RoutePlan):
    """A RoutePlan whose handler is a generator: ``render`` answers a streaming Response."""

    __slots__ = ("is_async", "item_type", "mode", "serialize_item")

    def __init__(
        self,
        call: CallPlan,
        needs: RequestNeeds,
        status_code: int,
        response_class: type[Response],
        *,
        mode: str,
        item_type: Any,
        exclude_none: bool = False,
        exclude_unset: bool = False,
    ) -> None:
        # NOTE: every stream keeps an exit stack: it closes the generator when the response
        # ends, and holds the SSE keep-alive task group.
        needs.has_yield = True
        serialize: Callable[[Any], bytes] = _plain_json
        if item_type is not None:
            serialize = make_serializer(
                item_type, exclude_none=exclude_none, exclude_unset=exclude_unset
            )
        super().__init__(call, needs, serialize, status_code, response_class)
        self.mode = mode
        self.item_type = item_type
        self.serialize_item = serialize
        self.is_async = call.kind == ASYNC_GEN

    async def render(self, rd: RequestData) -> tuple[int, bytes] | Response:
        body_errors = await self.needs.prepare(rd)
        errors: list[dict[str, Any]] = []
        kwargs = await self.call.solve(rd, errors)
        if body_errors:
            errors.extend(body_errors)
        if errors:
            raise RequestValidationError(errors, body=rd.body)
        gen = self.call.call(**kwargs)
        stack = rd.stack
        assert stack is not None, "a stream plan runs with an exit stack"
        if self.is_async:
            stack.push_async_callback(gen.aclose)
        else:
            stack.callback(gen.close)
        response = await self._response_for(gen, stack)
        sub = rd.sub_response
        if sub is not None:
            if sub.status_code:
                response.status_code = sub.status_code
            response.raw_headers.extend(sub.raw_headers)
        if rd.background is not None:
            response.background = rd.background
        return response

    async def _response_for(self, gen: Any, stack: contextlib.AsyncExitStack) -> Response:
        status = self.status_code
        if self.mode == SSE:
            events = _keepalive(self._sse_items(gen))
            stack.push_async_callback(events.aclose)  # NOTE: before the generator's own close
            response: Response = sse.EventSourceResponse(
                _with_checkpoints(events), status, media_type="text/event-stream"
            )
            response.headers["Cache-Control"] = "no-cache"
            response.headers["X-Accel-Buffering"] = "no"  # NOTE: nginx: do not buffer events
            return response
        if self.mode == JSONL:
            return _streaming(self._jsonl(gen), status, "application/jsonl")
        body = _with_checkpoints(gen) if self.is_async else gen
        cls = self.response_class or StreamingResponse
        return cls(content=body, status_code=status)  # type: ignore[call-arg]

    def _sse_items(self, gen: Any) -> AsyncIterator[bytes] | Iterator[bytes]:
        encode = self._sse_item
        if self.is_async:
            return _amap(encode, gen)
        return map(encode, gen)

    def _sse_item(self, item: Any) -> bytes:
        if isinstance(item, sse.ServerSentEvent):
            # NOTE: as FastAPI: events skip the item type's validation (they may mix types).
            return sse.format_sse_event(
                data_str=_event_data(item),
                event=item.event,
                id=item.id,
                retry=item.retry,
                comment=item.comment,
            )
        return sse.format_sse_event(data_str=self.serialize_item(item).decode("utf-8"))

    def _jsonl(self, gen: Any) -> AsyncIterator[bytes] | Iterator[bytes]:
        serialize = self.serialize_item

        def line(item: Any) -> bytes:
            return serialize(item) + b"\n"

        if self.is_async:
            return _with_checkpoints(_amap(line, gen))
        return map(line, gen)


def _streaming(body: Any, status: int, media_type: str) -> Response:
    from fastcore.responses import StreamingResponse

    return StreamingResponse(body, status, media_type=media_type)


async def _amap(func: Callable[[Any], bytes], items: Any) -> AsyncIterator[bytes]:
    async for item in items:
        yield func(item)


def _on_asyncio() -> bool:
    """Whether the request runs on an asyncio loop (fastcore's server, uvicorn...), not on
    another that anyio drives (trio, where FastAPI apps run too)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _with_checkpoints(chunks: Any) -> AsyncIterator[Any]:
    """Each chunk, then a checkpoint, so a cancellation lands even if nothing else awaits."""
    if _on_asyncio():
        sleep: Callable[[], Any] = functools.partial(asyncio.sleep, 0)
    else:
        import anyio.lowlevel

        sleep = anyio.lowlevel.checkpoint
    async for chunk in chunks:
        yield chunk
        await sleep()


async def _in_threads(items: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A sync generator's items, each pulled in the thread pool (it may block)."""
    done: Any = object()
    while True:
        chunk = await run_in_threadpool(next, items, done)
        if chunk is done:
            return
        yield chunk


async def _keepalive(items: AsyncIterator[bytes] | Iterator[bytes]) -> AsyncGenerator[bytes, None]:
    """The events, with a ``: ping`` comment after each quiet ``_PING_INTERVAL``.

    Each step of the generator runs in a task that the timeout never cancels (a timeout
    that wrapped the step would cancel the generator mid-step); the next step starts only
    once the previous event was taken, so the generator runs at most one event ahead of
    the client. Closing this stream (the request's exit stack does) cancels a pending step.
    NOTE: asyncio, not anyio: fastcore's server starts a handler before it is a Task, and
    anyio cannot tell its backend there.
    """
    source: Any = items if hasattr(items, "__aiter__") else _in_threads(items)
    if not _on_asyncio():
        # NOTE: off asyncio (trio) the events go out without the quiet-time pings: a step
        # cannot run in a task of its own across this generator's yields there
        async for chunk in source:
            yield chunk
        return
    pending: asyncio.Future[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(source.__anext__())
            done, _ = await asyncio.wait((pending,), timeout=sse._PING_INTERVAL)
            if not done:
                yield sse.KEEPALIVE_COMMENT
                continue
            step, pending = pending, None
            try:
                chunk = step.result()
            except StopAsyncIteration:
                return
            yield chunk
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


def build_stream_plan(
    route: Any,
    call: CallPlan,
    needs: RequestNeeds,
    status: int,
    response_class: type[Response] | None,
) -> StreamPlan:
    """The plan for a generator handler; which stream it is follows FastAPI's rules."""
    from fastcore.routing import is_default

    response_class = response_class or JSONResponse
    if issubclass(response_class, sse.EventSourceResponse):
        mode = SSE
    elif response_class is JSONResponse or is_default(route.response_class):
        mode = JSONL
    else:
        mode = RAW
    item = None
    if is_default(route._response_model) and mode != RAW:
        try:
            hints = inspect.get_annotations(route.endpoint, eval_str=True)
        except Exception:
            hints = getattr(route.endpoint, "__annotations__", {})
        item = stream_item_type(hints.get("return"))
        if isinstance(item, type) and issubclass(item, sse.ServerSentEvent):
            item = None  # NOTE: as FastAPI: the transport wrapper is not a data model
    return StreamPlan(
        call,
        needs,
        status,
        response_class,
        mode=mode,
        item_type=item,
        exclude_none=route.response_model_exclude_none,
        exclude_unset=route.response_model_exclude_unset,
    )


def openapi_content(plan: Any, item_schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """The 200 response's ``content`` for a JSONL or SSE route, as FastAPI writes it."""
    mode = getattr(plan, "mode", None)
    if mode == JSONL:
        return {"application/jsonl": {"itemSchema": item_schema or {}}}
    if mode == SSE:
        schema = json.loads(json.dumps(sse._SSE_EVENT_SCHEMA))
        if item_schema is not None:
            schema["required"] = ["data"]
            schema["properties"]["data"] = {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": item_schema,
            }
        return {"text/event-stream": {"itemSchema": schema}}
    return None
