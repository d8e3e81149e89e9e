"""Background tasks run in order after the response, sync ones off the event loop."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading

import pytest

from fastcore.background import BackgroundTask, BackgroundTasks

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def test_async_task_is_awaited_with_its_arguments() -> None:
    seen: list[object] = []

    async def record(a: int, *, b: str) -> None:
        seen.append((a, b, threading.current_thread() is threading.main_thread()))

    task = BackgroundTask(record, 1, b="x")
    assert task.is_async
    asyncio.run(task())
    assert seen == [(1, "x", True)]


def test_sync_task_runs_in_a_worker_thread_and_sees_context() -> None:
    seen: list[object] = []

    def record(a: int) -> None:
        seen.append((a, threading.current_thread() is threading.main_thread(), request_id.get()))

    async def main() -> None:
        request_id.set("r-1")
        await BackgroundTask(record, 7)()

    asyncio.run(main())
    assert seen == [(7, False, "r-1")]


def test_async_callables_are_recognised_through_partial_and_call() -> None:
    class Job:
        async def __call__(self) -> None:
            pass

    async def f(x: int) -> None:
        pass

    assert BackgroundTask(Job()).is_async
    assert BackgroundTask(functools.partial(f, 1)).is_async
    assert not BackgroundTask(print).is_async


def test_tasks_run_in_order() -> None:
    order: list[str] = []

    async def a() -> None:
        order.append("a")

    def b(x: str) -> None:
        order.append(x)

    tasks = BackgroundTasks([BackgroundTask(a)])
    tasks.add_task(b, "b")
    tasks.add_task(a)
    asyncio.run(tasks())
    assert order == ["a", "b", "a"]


def test_a_single_task_propagates_its_error() -> None:
    async def boom() -> None:
        raise RuntimeError("x")

    with pytest.raises(RuntimeError):
        asyncio.run(BackgroundTask(boom)())
