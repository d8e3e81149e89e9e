"""JSON encoding shared by responses and errors: one msgspec Encoder, built once.

msgspec encodes Structs, dataclasses, TypedDicts, attrs, enums, UUIDs, dates and
containers natively; the hook covers what it does not know (pydantic models, paths,
exceptions in error contexts, plain objects) the way FastAPI's jsonable_encoder does.
"""

from __future__ import annotations

import ipaddress
import pathlib
import sys
from typing import Any

import msgspec

__all__ = ["drop_none", "enc_hook", "encode_json", "jsonable_encoder"]


def enc_hook(obj: Any) -> Any:
    """Encode what msgspec does not know natively; raise TypeError for the unknowable."""
    if "pydantic" in sys.modules:
        from pydantic import BaseModel

        if isinstance(obj, BaseModel):
            return obj.model_dump(mode="json")
    if isinstance(obj, (pathlib.PurePath, ipaddress._BaseAddress, ipaddress._BaseNetwork)):
        return str(obj)
    if isinstance(obj, BaseException):
        # NOTE: FastAPI's jsonable_encoder turns an exception in an error's ctx into {}.
        return {}
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj).decode("utf-8", "replace")
    try:
        return dict(vars(obj))
    except TypeError:
        pass
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


# PERF: one encoder for the process; building one per response costs more than the encode.
# NOTE: decimal_format="number" writes Decimal as a JSON number, as jsonable_encoder does.
_encoder = msgspec.json.Encoder(enc_hook=enc_hook, decimal_format="number")

#: ``encode_json(obj) -> bytes``: the encoder every JSON response uses.
encode_json = _encoder.encode


def jsonable_encoder(obj: Any, *, exclude_none: bool = False) -> Any:
    """A JSON-compatible copy of ``obj`` (dicts, lists, str, numbers, bool, None)."""
    out = msgspec.json.decode(encode_json(obj))
    return drop_none(out) if exclude_none else out


def drop_none(obj: Any) -> Any:
    """A copy of decoded JSON without None values, at every depth (``exclude_none``)."""
    if isinstance(obj, dict):
        return {k: drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_none(v) for v in obj]
    return obj
