"""Query-string parsing: the compiled and pure builds beside urllib's parse_qsl."""

from __future__ import annotations

import importlib
from urllib.parse import parse_qsl

import pytest

QS = b"verbose=true&limit=7"
ESCAPED = b"q=caf%C3%A9+au+lait&tags=a&tags=b%20c"


def _builds() -> list:
    mods = [importlib.import_module("fastcore._pure.query")]
    try:
        mods.insert(0, importlib.import_module("fastcore._speedups.query"))
    except ImportError:
        pass
    return mods


@pytest.mark.parametrize("mod", _builds(), ids=lambda m: m.__name__.split(".")[1].strip("_"))
@pytest.mark.parametrize("qs", [QS, ESCAPED], ids=["plain", "escaped"])
def test_parse_query(benchmark, mod, qs) -> None:
    benchmark.group = f"query parse: {qs.decode()}"
    assert benchmark(mod.parse_query, qs)


@pytest.mark.parametrize("qs", [QS, ESCAPED], ids=["plain", "escaped"])
def test_parse_qsl_reference(benchmark, qs) -> None:
    benchmark.group = f"query parse: {qs.decode()}"
    assert benchmark(lambda: parse_qsl(qs.decode("latin-1"), keep_blank_values=True))
