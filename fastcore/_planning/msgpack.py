"""MessagePack beside JSON, for routes that opt in (``msgpack=True``: app, router or route).

Beyond FastAPI. A request body sent as ``application/msgpack`` (or ``application/x-msgpack``,
``application/vnd.msgpack``) is decoded by msgspec into the same types a JSON body is, with
the same validation errors; a response is MessagePack when the client's ``Accept`` prefers it.

A MessagePack answer carries the JSON answer's document, so a client decodes exactly what it
would have decoded from the JSON answer. A msgspec response model whose every field
MessagePack spells as JSON does (``same_in_msgpack``: no datetimes, bytes, decimals,
durations, non-string keys or ``Any``) is encoded straight to MessagePack after the model's
check; any other answer is the JSON bytes the route's serializer made (its response model,
filtering and spelling), decoded and re-encoded as MessagePack. Every answer of an opted-in
route carries ``Vary: Accept``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec
import msgspec.inspect as mi

from fastcore._status import body_allowed
from fastcore._validation import hints as t

__all__ = [
    "MSGPACK_MEDIA_TYPE",
    "MSGPACK_TYPES",
    "MsgpackAnswer",
    "is_msgpack",
    "msgpack_decoder",
    "msgpack_invalid",
    "parse_msgpack",
    "same_in_msgpack",
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
    """An opted-in route's choice per request: JSON, or its document as MessagePack.

    ``direct`` encodes a returned value straight to MessagePack (the route's response model
    checked first, ``_serialize.make_msgpack_serializer``), None: the JSON bytes are transcoded.
    """

    __slots__ = ("direct",)

    json_line = JSON_LINE

    def __init__(self, direct: Callable[[Any], bytes] | None = None) -> None:
        self.direct = direct

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

    def encode(self, result: Any, serialize: Callable[[Any], bytes]) -> bytes | None:
        """``result`` as MessagePack; None when MessagePack cannot hold it (answer JSON)."""
        direct = self.direct
        if direct is not None:
            try:
                return direct(result)
            except OverflowError:
                return None
        return transcode(serialize(result))

    def answer(
        self,
        raw_headers: list[tuple[bytes, bytes]],
        status: int,
        result: Any,
        serialize: Callable[[Any], bytes],
    ) -> tuple[bytes, bytes]:
        """``(header lines, body)`` for the handler's ``result``: JSON or MessagePack.

        The lane writes what this returns (one ``write_simple``); a status without a body
        (1xx, 204, 304) stays JSON, as nothing would be encoded.
        """
        media = self.choose(raw_headers)
        if media is None or not body_allowed(status):
            return JSON_LINE, serialize(result)
        packed = self.encode(result, serialize)
        if packed is None:
            return JSON_LINE, serialize(result)
        lines = _LINES.get(media)
        if lines is None:
            lines = _LINES[media] = b"content-type: " + media + b"\r\n" + _VARY
        return lines, packed


#: The header lines of a MessagePack answer, per media type (three at most).
_LINES: dict[bytes, bytes] = {}


def transcode(body: bytes) -> bytes | None:
    """The JSON document ``body`` as MessagePack; None for one MessagePack cannot hold.

    NOTE: an integer beyond 64 bits is the one JSON value MessagePack has no form for: that
    answer stays JSON (it still says so in its Content-Type).
    """
    try:
        return _encode(_decode_json(body))
    except OverflowError:
        return None


#: Types whose values MessagePack and JSON (once decoded) give alike: ``same_in_msgpack``.
_SAME = (
    mi.BoolType,
    mi.IntType,
    mi.FloatType,
    mi.StrType,
    mi.NoneType,
    mi.DateType,
    mi.TimeType,
    mi.UUIDType,
    mi.EnumType,
    mi.LiteralType,
)


def same_in_msgpack(tp: Any) -> bool:
    """Whether any valid value of ``tp``, encoded as MessagePack, decodes as its JSON does.

    Decided once per route at start-up from msgspec's view of the type. Not so: datetimes
    (a timestamp extension), bytes (binary), decimals and durations (the JSON encoder spells
    them its own way), dicts with keys that are not strings (JSON makes them strings), and
    anything msgspec cannot see into (``Any``, custom types). NOTE: a float NaN or infinity is
    JSON's null but stays a float in MessagePack, which can hold it.
    """
    try:
        info = mi.type_info(tp)
    except Exception:  # NOTE: a type msgspec cannot inspect: transcoded, never guessed
        return False
    return _same(info, set())


def _same(info: Any, seen: set[int]) -> bool:
    if isinstance(info, _SAME):
        return True
    if isinstance(info, (mi.StructType, mi.DataclassType, mi.TypedDictType, mi.NamedTupleType)):
        if id(info.cls) in seen:
            return True
        seen.add(id(info.cls))
        return all(_same(f.type, seen) for f in info.fields)
    if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        return _same(info.item_type, seen)
    if isinstance(info, mi.TupleType):
        return all(_same(item, seen) for item in info.item_types)
    if isinstance(info, mi.DictType):
        return isinstance(info.key_type, mi.StrType) and _same(info.value_type, seen)
    if isinstance(info, mi.UnionType):
        return all(_same(member, seen) for member in info.types)
    return False
