"""MessagePack beside JSON, for routes that opt in (``msgpack=True``: app, router or route).

Beyond FastAPI. A request body sent as ``application/msgpack`` (or ``application/x-msgpack``,
``application/vnd.msgpack``) is decoded by msgspec into the same types a JSON body is, with
the same validation errors; a response is MessagePack when the client's ``Accept`` prefers it.

A MessagePack answer carries the JSON answer's document: the JSON bytes the route's
serializer made (its response model, filtering and spelling) are decoded and re-encoded as
MessagePack, so a client decodes exactly what it would have decoded from the JSON answer.
Every answer of an opted-in route carries ``Vary: Accept``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from fastcore import _typing as t

__all__ = [
    "MSGPACK_MEDIA_TYPE",
    "MSGPACK_TYPES",
    "MsgpackAnswer",
    "is_msgpack",
    "msgpack_decoder",
    "msgpack_invalid",
    "parse_msgpack",
]

#: The media types read as MessagePack; the first is the one documented and answered by default.
MSGPACK_TYPES = (b"application/msgpack", b"application/x-msgpack", b"application/vnd.msgpack")
_MAIN_TYPE = MSGPACK_TYPES[0]
#: The media type OpenAPI documents beside ``application/json`` for an opted-in route.
MSGPACK_MEDIA_TYPE = _MAIN_TYPE.decode()
_decode_any = msgspec.msgpack.decode
_encode = msgspec.msgpack.encode
_decode_json = msgspec.json.decode
_BYTE = re.compile(r"\(byte (\d+)\)")


def is_msgpack(content_type: bytes | None) -> bool:
    """Whether a Content-Type value names MessagePack (parameters and case ignored)."""
    if not content_type:
        return False
    return content_type.split(b";", 1)[0].strip().lower() in MSGPACK_TYPES


def msgpack_invalid(body: bytes, exc: Exception) -> list[dict[str, Any]]:
    """The twin of FastAPI's ``json_invalid`` for a body msgspec cannot read as MessagePack.

    ``loc`` ends with the byte offset msgspec names (the body's length when it was cut short),
    as ``json_invalid``'s ends with the character offset ``json.loads`` names.
    """
    message = str(exc)
    found = _BYTE.search(message)
    return [
        {
            "type": "msgpack_invalid",
            "loc": ["body", int(found.group(1)) if found else len(body)],
            "msg": "MessagePack decode error",
            "input": {},
            "ctx": {"error": message},
        }
    ]


def parse_msgpack(body: bytes) -> Any:
    """Untyped MessagePack, as ``_parse_json`` gives untyped JSON; malformed bytes are a 422."""
    from fastcore.exceptions import RequestValidationError

    try:
        return _decode_any(body)
    except msgspec.DecodeError as exc:
        raise RequestValidationError(msgpack_invalid(body, exc), body=body) from None


class _PydanticMsgpack:
    """A pydantic body from MessagePack: decoded to Python, then ``validate_python``.

    As FastAPI validates a JSON body (``json.loads``, then ``validate_python``), and as the
    explaining path validates (``from_attributes=True``), so both give the same value.
    """

    __slots__ = ("validate",)

    def __init__(self, tp: Any) -> None:
        from pydantic import TypeAdapter

        self.validate = TypeAdapter(tp).validate_python

    def decode(self, body: bytes) -> Any:
        return self.validate(_decode_any(body), from_attributes=True)


def msgpack_decoder(tp: Any) -> Any:
    """What decodes and validates valid MessagePack into ``tp`` in one call (``.decode``).

    Any failure is a ValueError (msgspec's and pydantic's errors are), after which the body
    plan's explaining path reports every error, as for JSON.
    """
    if t.is_pydantic_type(tp):
        return _PydanticMsgpack(tp)
    return msgspec.msgpack.Decoder(tp, strict=False)


# -- answers ------------------------------------------------------------------------------

_VARY = b"vary: Accept\r\n"
#: The JSON answer's header lines on an opted-in route (``RoutePlan.content_type_line``).
JSON_LINE = b"content-type: application/json\r\n" + _VARY
#: Accept values seen, and the MessagePack type they prefer (None: JSON); a client sends one.
_PREFERRED: dict[bytes, bytes | None] = {}
_CACHE_SIZE = 64


def _q(params: bytes) -> float | None:
    """The range's q (1 when absent), None when it is not a number from 0 to 1."""
    for param in params.split(b";"):
        key, _, value = param.partition(b"=")
        if key.strip().lower() == b"q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def _ranges(accept: bytes) -> list[tuple[bytes, float]]:
    """The (media range, q) pairs of an Accept value; ranges with an invalid q are left out."""
    out = []
    for part in accept.split(b","):
        media, _, params = part.partition(b";")
        media = media.strip().lower()
        q = _q(params)
        if media and q is not None:
            out.append((media, q))
    return out


def _quality(ranges: list[tuple[bytes, float]], media_type: bytes) -> tuple[float, int]:
    """``media_type``'s (q, rank) from the most specific range matching it (rank -1: none)."""
    best_q, best_rank = 0.0, -1
    for media, q in ranges:
        if media == media_type:
            rank = 2
        elif media == b"application/*":
            rank = 1
        elif media == b"*/*":
            rank = 0
        else:
            continue
        if rank > best_rank or (rank == best_rank and q > best_q):
            best_q, best_rank = q, rank
    return best_q, best_rank


def preferred(accept: bytes) -> bytes | None:
    """The MessagePack media type ``accept`` prefers over JSON, or None (answer JSON).

    As RFC 9110 12.5.1: each type takes the q of the most specific range that matches it
    (``application/msgpack`` over ``application/*`` over ``*/*``). MessagePack wins with a
    higher q than JSON's, or the same q from a more specific range (``application/msgpack,
    */*``); a tie, an Accept naming neither, or none at all, is JSON, as FastAPI answers.
    """
    ranges = _ranges(accept)
    json_q, json_rank = _quality(ranges, b"application/json")
    best: tuple[float, int] = (0.0, -1)
    chosen = _MAIN_TYPE
    for media_type in MSGPACK_TYPES:  # NOTE: on a tie, the first (application/msgpack)
        found = _quality(ranges, media_type)
        if found > best:
            best, chosen = found, media_type
    mp_q, mp_rank = best
    if mp_q <= 0.0:
        return None
    if mp_q > json_q or (mp_q == json_q and mp_rank > json_rank):
        return chosen
    return None


class MsgpackAnswer:
    """An opted-in route's choice per request: JSON, or its document as MessagePack."""

    __slots__ = ()

    json_line = JSON_LINE

    def choose(self, raw_headers: list[tuple[bytes, bytes]]) -> bytes | None:
        """The MessagePack media type this request prefers, or None for JSON."""
        accept = None
        for name, value in raw_headers:
            if name == b"accept":
                accept = value
                break
        if accept is None:
            return None
        found = _PREFERRED.get(accept, False)
        if found is False:
            found = preferred(accept)
            if len(_PREFERRED) < _CACHE_SIZE:
                _PREFERRED[accept] = found
        return found  # type: ignore[return-value]

    def answer(
        self, raw_headers: list[tuple[bytes, bytes]], status: int, body: bytes
    ) -> tuple[bytes, bytes]:
        """``(header lines, body)`` for the JSON bytes ``body``: as they are, or as MessagePack.

        The lane writes what this returns (one ``write_simple``); a status without a body
        (1xx, 204, 304) stays JSON, as nothing would be encoded.
        """
        media = self.choose(raw_headers)
        if media is None or status < 200 or status == 204 or status == 304:
            return JSON_LINE, body
        packed = transcode(body)
        if packed is None:
            return JSON_LINE, body
        return b"content-type: " + media + b"\r\n" + _VARY, packed


def transcode(body: bytes) -> bytes | None:
    """The JSON document ``body`` as MessagePack; None for one MessagePack cannot hold.

    NOTE: an integer beyond 64 bits is the one JSON value MessagePack has no form for: that
    answer stays JSON (it still says so in its Content-Type).
    """
    try:
        return _encode(_decode_json(body))
    except OverflowError:
        return None


#: One answer object serves every opted-in route (it holds no per-route state).
ANSWER = MsgpackAnswer()
