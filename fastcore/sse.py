"""Server-Sent Events as FastAPI 0.165 has them: ``fastapi.sse``.

A path operation declared with ``response_class=EventSourceResponse`` that ``yield``s is
streamed as ``text/event-stream``: each ``ServerSentEvent`` is written in the SSE wire
format, any other value is JSON-encoded into a ``data:`` line (validated against the
``AsyncIterable[Item]`` return annotation when there is one), and a ``: ping`` comment goes
out whenever the generator has been quiet for 15 seconds, so proxies keep the stream open.
The streaming itself is ``fastcore/_planning/streaming.py``.

NOTE: FastAPI's ServerSentEvent is a pydantic model; fastcore's is a plain class with the
same fields and checks (so apps that do not use pydantic never import it). Invalid fields
raise ``ValueError``, the base of pydantic's ValidationError.
"""

from __future__ import annotations

from typing import Any

from fastcore.responses import StreamingResponse

__all__ = [
    "KEEPALIVE_COMMENT",
    "EventSourceResponse",
    "ServerSentEvent",
    "format_sse_event",
]

#: The canonical event schema of OpenAPI 3.2 (4.14.4), as FastAPI writes it.
_SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}

#: The keep-alive comment, sent when the generator has been quiet for ``_PING_INTERVAL``.
KEEPALIVE_COMMENT = b": ping\n\n"

#: Seconds of quiet before a keep-alive comment; private, but tests may patch it.
_PING_INTERVAL: float = 15.0


class EventSourceResponse(StreamingResponse):
    """``response_class=EventSourceResponse``: the route's items are sent as SSE events.

    Works with any method (``POST`` too, as MCP streams over it). The encoding is done by
    the route's plan; this class marks the route and sets the media type.
    """

    media_type = "text/event-stream"


def _single_line(value: str | None, field: str) -> str | None:
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"SSE {field!r} must be a single line")
    return value


class ServerSentEvent:
    """One event: ``data`` (JSON-encoded) or ``raw_data`` (as is), ``event``, ``id``, ``retry``
    (milliseconds before the browser reconnects) and ``comment`` lines.
    """

    __slots__ = ("comment", "data", "event", "id", "raw_data", "retry")

    def __init__(
        self,
        data: Any = None,
        *,
        raw_data: str | None = None,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if data is not None and raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. Use "
                "'data' for JSON-serialized payloads or 'raw_data' for pre-formatted strings."
            )
        if id is not None and "\0" in id:
            raise ValueError("SSE 'id' must not contain null characters")
        if retry is not None and (isinstance(retry, bool) or not isinstance(retry, int)):
            raise ValueError("SSE 'retry' must be an integer number of milliseconds")
        if retry is not None and retry < 0:
            raise ValueError("SSE 'retry' must be greater than or equal to 0")
        self.data = data
        self.raw_data = raw_data
        self.event = _single_line(event, "event")
        self.id = _single_line(id, "id")
        self.retry = retry
        self.comment = comment

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        given = ", ".join(
            f"{n}={getattr(self, n)!r}" for n in self.__slots__ if getattr(self, n) is not None
        )
        return f"ServerSentEvent({given})"


def _lines(value: str) -> list[str]:
    """Split on the SSE line ends (\\r\\n, \\r, \\n), keeping empty trailing lines."""
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One event in the wire format from already-encoded data; ends with a blank line."""
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.append("\n")
    return "\n".join(lines).encode("utf-8")
