"""Dependencies behind ``functools.partial`` and ``functools.wraps``: FastAPI 0.165 vs fastcore.

FastAPI decides how to call a dependency through partials and wrappers (a sync wrapper of an
``async def`` is awaited, an instance's ``__call__`` is looked at); the client must see the
same values on both.
"""

import functools
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from tests.compat.test_compat import _same


def _passthrough(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


async def async_dep(prefix: str, q: str = "q") -> str:
    return f"{prefix}:{q}"


def gen_dep(prefix: str) -> Iterator[str]:
    yield f"{prefix}:gen"


async def async_gen_dep(prefix: str) -> AsyncIterator[str]:
    yield f"{prefix}:agen"


class AsyncCallable:
    async def __call__(self, prefix: str) -> str:
        return f"{prefix}:instance"


@_passthrough
async def wrapped_async(q: str = "w") -> str:
    return f"wrapped:{q}"


@_passthrough
def wrapped_gen() -> Iterator[str]:
    yield "wrapped:gen"


def kinds_app(fw: Any) -> Any:
    app = fw.FastAPI()
    D = fw.Depends
    deps = {
        "partial-async": D(functools.partial(async_dep, "p")),
        "partial-gen": D(functools.partial(gen_dep, "p")),
        "partial-async-gen": D(functools.partial(async_gen_dep, "p")),
        "partial-instance": D(functools.partial(AsyncCallable(), "p")),
        "wrapped-async": D(wrapped_async),
        "wrapped-gen": D(wrapped_gen),
    }
    for path, dep in deps.items():

        @app.get(f"/{path}")
        async def read(value: Annotated[str, dep]) -> dict:
            return {"value": value}

    return app


@pytest.mark.parametrize(
    "url",
    [
        "/partial-async?q=x",
        "/partial-gen",
        "/partial-async-gen",
        "/partial-instance",
        "/wrapped-async?q=y",
        "/wrapped-gen",
    ],
)
def test_dependency_kinds(url: str) -> None:
    _same(kinds_app, "GET", url)
