"""``jsonable_encoder`` with pydantic's options, the markers' ``in_`` and ``repr``: on FastAPI
0.165 and on fastcore.

User code calls ``jsonable_encoder(model, exclude_unset=True)`` (PATCH handlers), passes
``custom_encoder=``, encodes deques, sets, Decimals and objects it can only read with ``vars``,
and reads ``Query().in_.value``. Each case gives both frameworks the same input (and an app
that returns the encoded value, seen through a client) and compares the answers.
"""

# NOTE: no "from __future__ import annotations": the handlers' annotations are read at run time

import dataclasses
import datetime
import decimal
import enum
import math
import pathlib
import uuid
from collections import deque
from typing import Annotated, Any

import fastapi
import fastapi.encoders
import fastapi.params
import pytest
from pydantic import BaseModel, Field, SecretStr

import fastcore
import fastcore.encoders
import fastcore.params
from tests.compat.test_compat import _same


class Color(enum.Enum):
    red = "r"


class Owner(BaseModel):
    name: str
    nick: str | None = Field(default=None, alias="nickname")


class Pet(BaseModel):
    name: str
    owner: Owner
    age: int = 3
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0
    _sa_state: str = "internal"


class Dictable:
    def __init__(self) -> None:
        self.name, self.kind = "obj", "plain"

    def __iter__(self) -> Any:
        return iter([("name", self.name), ("kind", self.kind)])


class Slotted:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 1


def _pet() -> Pet:
    return Pet(name="rex", owner=Owner(name="ann", nickname="a"), tags=["x"])


CASES: list[tuple[Any, dict[str, Any]]] = [
    (_pet(), {}),
    (_pet(), {"include": {"name", "owner"}}),
    (_pet(), {"exclude": {"owner": {"nick"}}}),
    (_pet(), {"exclude_unset": True}),
    (_pet(), {"exclude_defaults": True}),
    (_pet(), {"by_alias": False}),
    (_pet(), {"include": {}}),
    ({"a": None, "b": [{"c": None}], "_sa_x": 1}, {"exclude_none": True}),
    ({"a": 1, "b": 2, "_sa_x": 1}, {"exclude": ["b"], "sqlalchemy_safe": False}),
    (Point(1), {}),
    (Point(1), {"include": {"x"}}),
    (Dictable(), {"exclude": {"kind"}}),
    (deque([_pet(), 1]), {}),
    ({1, 2}, {}),
    (frozenset({"a"}), {}),
    ((x for x in range(3)), {}),
    (decimal.Decimal("1"), {}),
    (decimal.Decimal("1.50"), {}),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), {}),
    (datetime.timedelta(minutes=5), {}),
    (uuid.UUID(int=1), {}),
    (pathlib.PurePosixPath("/a/b"), {}),
    (Color.red, {}),
    (SecretStr("s"), {}),
    (b"bytes", {}),
    ({"when": datetime.date(2024, 1, 2)}, {"custom_encoder": {datetime.date: lambda d: d.year}}),
    (_pet(), {"custom_encoder": {Pet: lambda p: p.name}}),
]


@pytest.mark.parametrize(("obj", "kw"), CASES, ids=range(len(CASES)))
def test_jsonable_encoder_options_and_types(obj: Any, kw: dict[str, Any]) -> None:
    if hasattr(obj, "__next__"):  # a generator is read once: one per framework
        items = list(obj)
        ref, ours = (x for x in items), (x for x in items)
    else:
        ref = ours = obj
    expected = fastapi.encoders.jsonable_encoder(ref, **kw)
    assert fastcore.encoders.jsonable_encoder(ours, **kw) == expected


def test_jsonable_encoder_non_finite_decimal() -> None:
    for text in ("NaN", "Infinity"):
        expected = fastapi.encoders.jsonable_encoder(decimal.Decimal(text))
        got = fastcore.encoders.jsonable_encoder(decimal.Decimal(text))
        assert type(got) is type(expected) and (math.isnan(got) or got == expected)


def test_jsonable_encoder_refuses_what_it_cannot_read() -> None:
    for module in (fastapi.encoders, fastcore.encoders):
        with pytest.raises(ValueError):
            module.jsonable_encoder(Slotted())


def _patch_app(fw: Any) -> Any:
    app = fw.FastAPI()
    stored = {"name": "rex", "owner": {"name": "ann"}, "age": 7, "tags": []}

    class PetPatch(BaseModel):
        name: str | None = None
        age: int | None = None
        tags: list[str] = []

    @app.patch("/pet")
    def patch(update: PetPatch) -> Any:
        changes = fw.encoders.jsonable_encoder(update, exclude_unset=True)
        return {**stored, **changes, "changed": sorted(changes)}

    @app.get("/in")
    def sources(
        q: Annotated[int | None, fw.Query()] = None,
    ) -> Any:
        markers = (fw.Path(), fw.Query(), fw.Header(), fw.Cookie())
        return {
            "in": [m.in_.value for m in markers],
            "enum": [m.in_ is fw.params.ParamTypes[m.in_.value] for m in markers],
            "repr": [repr(m) for m in (*markers, fw.Body(), fw.Query(None), fw.Form(...))],
        }

    return app


fastapi.params  # noqa: B018 - the app reaches it as fw.params
fastcore.params  # noqa: B018


@pytest.mark.parametrize(
    ("method", "url", "kw"),
    [
        ("PATCH", "/pet", {"json": {"age": 8}}),
        ("PATCH", "/pet", {"json": {"name": None, "tags": ["a"]}}),
        ("PATCH", "/pet", {"json": {}}),
        ("GET", "/in", {}),
    ],
)
def test_app_using_the_encoder_and_markers(method: str, url: str, kw: dict[str, Any]) -> None:
    _same(_patch_app, method, url, **kw)


def test_security_credentials_encode_as_on_fastapi() -> None:
    """fastcore's credentials are msgspec Structs, FastAPI's pydantic models: the same data."""
    import fastapi.security

    import fastcore.security

    for name, kw in (
        ("HTTPAuthorizationCredentials", {"scheme": "Bearer", "credentials": "t"}),
        ("HTTPBasicCredentials", {"username": "u", "password": "p"}),
    ):
        ref = getattr(fastapi.security, name)(**kw)
        ours = getattr(fastcore.security, name)(**kw)
        expected = fastapi.encoders.jsonable_encoder(ref)
        assert fastcore.encoders.jsonable_encoder(ours) == expected
        assert fastcore.encoders.jsonable_encoder(ours, exclude={"scheme", "password"}) == (
            fastapi.encoders.jsonable_encoder(ref, exclude={"scheme", "password"})
        )
