"""The query-string parser, both builds: exactly what parse_qsl gives, as FastAPI parses."""

from __future__ import annotations

import inspect
from types import ModuleType
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.builds import both_builds, implementations


def _reference(qs: bytes) -> list[tuple[str, str]]:
    return parse_qsl(qs.decode("latin-1"), keep_blank_values=True)


@pytest.mark.parametrize(
    "qs",
    [
        b"",
        b"a",
        b"a=1",
        b"a=1&b=2&a=3",
        b"&&a=&=b&c&",
        b"x=%C3%A9+y&%zz=1",
        b"q=%2B%26%3D",
        b"a+b=c+d",
        b"\xe9=\xff",
        b"a=b=c",
        b"%=%%&%E2%82=1",
        b"=",
        b"==&&==",
    ],
)
def test_matches_parse_qsl(query_impl: ModuleType, qs: bytes) -> None:
    assert query_impl.parse_query(qs) == _reference(qs)


def test_refuses_str(query_impl: ModuleType) -> None:
    with pytest.raises(TypeError):
        query_impl.parse_query("a=1")


def test_parity_of_public_surface() -> None:
    mods = both_builds("query")
    names = [sorted(m.__all__) for m in mods]
    assert all(n == names[0] for n in names)
    params = [list(inspect.signature(m.parse_query).parameters) for m in mods]
    assert all(p == ["qs"] for p in params)


query_bytes = st.lists(
    st.sampled_from([b"a", b"b", b"=", b"&", b"%", b"+", b"%20", b"%C3%A9", b"\xe9", b"1", b"%zz"]),
    max_size=20,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(qs=st.one_of(query_bytes, st.binary(max_size=40)))
def test_builds_agree_with_parse_qsl(qs: bytes) -> None:
    expected = _reference(qs)
    for mod in implementations("query"):
        assert mod.parse_query(qs) == expected
