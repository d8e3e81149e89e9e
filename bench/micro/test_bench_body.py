"""A Struct body decoded and validated by msgspec vs the same model in pydantic.

Figures are per 100 decodes (see LOOPS)."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pydantic

BODY = (
    b'{"name": "Widget", "price": 12.5, "tags": ["a", "b", "c"],'
    b' "owner": {"id": 7, "email": "x@example.com"}}'
)


class Owner(msgspec.Struct):
    id: int
    email: str


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str]
    owner: Owner


#: Decodes per benchmark round: the work is ~0.3 us, so one call per round would mostly
#: measure pytest-benchmark's own overhead (figures are per LOOPS decodes).
LOOPS = 100


def _looped(fn):
    def run():
        for _ in range(LOOPS):
            out = fn(BODY)
        return out

    return run


class POwner(pydantic.BaseModel):
    id: int
    email: str


class PItem(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)
    price: float = pydantic.Field(gt=0)
    tags: list[str]
    owner: POwner


def test_body_msgspec(benchmark) -> None:
    benchmark.group = "body decode+validate"
    decoder = msgspec.json.Decoder(Item, strict=False)
    assert benchmark(_looped(decoder.decode)).owner.id == 7


def test_body_pydantic(benchmark) -> None:
    benchmark.group = "body decode+validate"
    assert benchmark(_looped(PItem.model_validate_json)).owner.id == 7


def test_body_pydantic_as_fastapi(benchmark) -> None:
    """What FastAPI does: json.loads, then validate_python."""
    import json

    benchmark.group = "body decode+validate"
    assert benchmark(_looped(lambda b: PItem.model_validate(json.loads(b)))).owner.id == 7
