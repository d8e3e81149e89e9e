"""RequestStack enters a yield dependency with the outcome of contextlib's context managers.

Every generator behaviour a dependency can have (clean, swallowing the exception thrown in,
re-raising it, raising another, yielding twice, never yielding, catching and returning), with
and without an exception from the body, is run through ``AsyncExitStack`` +
``asynccontextmanager`` (what FastAPI does) and through ``RequestStack``; what comes out
(value, exception type and message, whether it is the same object, what the generator saw)
must be the same.
"""

import asyncio
import contextlib
from typing import Any

import pytest

from fastcore._planning.exit_stack import RequestStack


class Boom(Exception):
    pass


def _async_gens(log: list[str]) -> dict[str, Any]:
    async def clean():
        log.append("enter")
        yield 1
        log.append("exit")

    async def finally_():
        try:
            yield 1
        finally:
            log.append("finally")

    async def swallow():
        try:
            yield 1
        except Exception as exc:
            log.append(f"swallowed {type(exc).__name__}")

    async def reraise():
        try:
            yield 1
        except Exception:
            log.append("reraise")
            raise

    async def other():
        try:
            yield 1
        except Exception as exc:
            raise ValueError("other") from exc

    async def twice():
        yield 1
        log.append("second")
        yield 2

    async def never():
        if False:
            yield 1

    async def stop_inside():
        try:
            yield 1
        except Exception:
            yield 2  # NOTE: yields again after the throw

    return {
        f.__name__: f for f in (clean, finally_, swallow, reraise, other, twice, never, stop_inside)
    }


def _sync_gens(log: list[str]) -> dict[str, Any]:
    def clean():
        log.append("enter")
        yield 1
        log.append("exit")

    def swallow():
        try:
            yield 1
        except Exception as exc:
            log.append(f"swallowed {type(exc).__name__}")

    def reraise():
        try:
            yield 1
        except Exception:
            log.append("reraise")
            raise

    def other():
        try:
            yield 1
        except Exception as exc:
            raise ValueError("other") from exc

    def twice():
        yield 1
        log.append("second")
        yield 2

    def never():
        if False:
            yield 1

    def stop_inside():
        try:
            yield 1
        except Exception:
            yield 2

    return {f.__name__: f for f in (clean, swallow, reraise, other, twice, never, stop_inside)}


BODY_ERRORS = [None, Boom("body"), StopIteration(), StopAsyncIteration()]


def _outcome(run: Any) -> tuple[Any, ...]:
    log: list[str] = []
    thrown: list[BaseException] = []
    try:
        value = asyncio.run(run(log, thrown))
    except BaseException as exc:  # noqa: BLE001
        same = bool(thrown) and exc is thrown[0]
        return ("raised", type(exc).__name__, str(exc), same, tuple(log))
    return ("value", value, tuple(log))


async def _body(value: Any, error: BaseException | None, thrown: list[BaseException]) -> Any:
    if error is not None:
        thrown.append(error)
        raise error
    return value


@pytest.mark.parametrize("error", BODY_ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("name", list(_async_gens([])))
def test_async_generator_exit_matches_asynccontextmanager(name: str, error: Any) -> None:
    def fresh() -> BaseException | None:
        return None if error is None else type(error)(*error.args)

    async def with_contextlib(log: list[str], thrown: list[BaseException]) -> Any:
        gen = _async_gens(log)[name]
        async with contextlib.AsyncExitStack() as stack:
            value = await stack.enter_async_context(contextlib.asynccontextmanager(gen)())
            return await _body(value, fresh(), thrown)
        return "suppressed"

    async def with_request_stack(log: list[str], thrown: list[BaseException]) -> Any:
        gen = _async_gens(log)[name]
        async with RequestStack() as stack:
            value = await stack.enter_async_generator(gen())
            return await _body(value, fresh(), thrown)
        return "suppressed"

    assert _outcome(with_request_stack) == _outcome(with_contextlib)


@pytest.mark.parametrize("error", BODY_ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("name", list(_sync_gens([])))
def test_generator_exit_matches_contextmanager(name: str, error: Any) -> None:
    def fresh() -> BaseException | None:
        return None if error is None else type(error)(*error.args)

    async def with_contextlib(log: list[str], thrown: list[BaseException]) -> Any:
        gen = _sync_gens(log)[name]
        async with contextlib.AsyncExitStack() as stack:
            value = stack.enter_context(contextlib.contextmanager(gen)())
            return await _body(value, fresh(), thrown)
        return "suppressed"

    async def with_request_stack(log: list[str], thrown: list[BaseException]) -> Any:
        gen = _sync_gens(log)[name]
        async with RequestStack() as stack:
            value = stack.enter_generator(gen())
            return await _body(value, fresh(), thrown)
        return "suppressed"

    assert _outcome(with_request_stack) == _outcome(with_contextlib)


def test_it_is_an_async_exit_stack_others_can_push_onto() -> None:
    seen: list[str] = []

    async def main() -> None:
        async with RequestStack() as stack:
            assert isinstance(stack, contextlib.AsyncExitStack)
            stack.callback(seen.append, "callback")

            async def gen():
                yield 1
                seen.append("gen exit")

            await stack.enter_async_generator(gen())
            stack.push_async_callback(_append_async, seen, "async callback")

    asyncio.run(main())
    assert seen == ["async callback", "gen exit", "callback"]  # NOTE: last in, first out


async def _append_async(seen: list[str], item: str) -> None:
    seen.append(item)
