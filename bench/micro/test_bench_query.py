"""Query-string parsing: the compiled and pure builds beside urllib's parse_qsl."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from _support import build_id, builds

QS = b"verbose=true&limit=7"
ESCAPED = b"q=caf%C3%A9+au+lait&tags=a&tags=b%20c"


@pytest.mark.parametrize("mod", builds("query"), ids=build_id)
@pytest.mark.parametrize("qs", [QS, ESCAPED], ids=["plain", "escaped"])
def test_parse_query(benchmark, mod, qs) -> None:
    benchmark.group = f"query parse: {qs.decode()}"
    assert benchmark(mod.parse_query, qs)


@pytest.mark.parametrize("qs", [QS, ESCAPED], ids=["plain", "escaped"])
def test_parse_qsl_reference(benchmark, qs) -> None:
    benchmark.group = f"query parse: {qs.decode()}"
    assert benchmark(lambda: parse_qsl(qs.decode("latin-1"), keep_blank_values=True))
