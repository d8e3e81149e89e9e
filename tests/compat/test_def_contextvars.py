"""Contextvars across ``def`` dependencies and handlers, on FastAPI and fastcore.

FastAPI runs each ``def`` dependency, ``def`` generator (its entry and its exit) and ``def``
handler in a worker thread of its own, each with a copy of the request task's context: what
one sets is not seen by the next. fastcore solves and calls a tree of them in one pool hop,
each call in its own copy, so the same requests answer the same.
"""

import contextvars
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from tests.compat.test_compat import _same

_var: contextvars.ContextVar[str] = contextvars.ContextVar("def_contextvars", default="unset")
_seen_at_exit: list[str] = []


def app(fw: Any) -> Any:
    app = fw.FastAPI()

    async def set_in_task() -> None:
        _var.set("from the task")

    def sets() -> str:
        before = _var.get()
        _var.set("from a def dependency")
        return before

    def gen_sets() -> Iterator[str]:
        before = _var.get()
        _var.set("from a def generator")
        try:
            yield before
        finally:
            _seen_at_exit.append(_var.get())

    def reads(a: Annotated[str, fw.Depends(sets)]) -> str:
        return f"{a} | {_var.get()}"

    @app.get("/dep")
    def dep(a: Annotated[str, fw.Depends(sets)]) -> dict[str, str]:
        return {"dep saw": a, "handler sees": _var.get()}

    @app.get("/gen")
    def gen(g: Annotated[str, fw.Depends(gen_sets)]) -> dict[str, str]:
        return {"gen saw": g, "handler sees": _var.get()}

    @app.get("/nested", dependencies=[fw.Depends(set_in_task)])
    def nested(
        r: Annotated[str, fw.Depends(reads)], g: Annotated[str, fw.Depends(gen_sets)]
    ) -> dict[str, str]:
        return {"reads": r, "gen saw": g, "handler sees": _var.get()}

    @app.get("/async-handler")
    async def async_handler(
        a: Annotated[str, fw.Depends(sets)], g: Annotated[str, fw.Depends(gen_sets)]
    ) -> dict[str, str]:
        return {"dep saw": a, "gen saw": g, "handler sees": _var.get()}

    return app


@pytest.mark.parametrize("url", ["/dep", "/gen", "/nested", "/async-handler"])
def test_def_calls_do_not_see_each_others_contextvars(url: str) -> None:
    _seen_at_exit.clear()
    _same(app, "GET", url)
    if url != "/dep":
        # NOTE: FastAPI's exit runs in a worker with a copy of the task's context (twice:
        # once per framework, the same value each time)
        assert len(set(_seen_at_exit)) == 1, _seen_at_exit
