"""The reference frameworks the side-by-side tests compare with, and where they fall short."""

from __future__ import annotations

import pytest

__all__ = ["OLD_STARLETTE"]


def _starlette_version() -> tuple[int, ...]:
    import starlette

    return tuple(int(p) for p in starlette.__version__.split(".")[:2] if p.isdigit())


#: Side-by-side tests compare with Starlette 1.10's behaviour, which fastcore matches. On
#: Python 3.10 pip installs an older Starlette (1.7) that differs (Vary merging, default gzip
#: exclusions, case-sensitive hosts, unquoted redirect paths); those comparisons are skipped
#: there and run on every newer Python.
OLD_STARLETTE = pytest.mark.skipif(
    _starlette_version() < (1, 10),
    reason="the reference Starlette on this Python is older than the behaviour fastcore matches",
)
