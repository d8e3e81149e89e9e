"""fastcore's own thread pool, where ``def`` handlers and dependencies run.

FastAPI runs them in anyio's worker threads, and so does fastcore by default, in this
pool. Users who call ``run_in_threadpool`` themselves get Starlette's
(``fastcore.concurrency``). The pool is bounded (40 threads, Starlette's default) so a burst
of slow sync handlers queues instead of creating threads without limit; the caller's
contextvars go along; a call's exception is raised to its awaiter; and inside a call,
``anyio.from_thread.run`` / ``run_sync`` reach the loop that submitted it, as in anyio's own
worker threads.

PERF: the cost of a hop is not the Python work but the threads' hand-offs on the CPU. Under
load (64 connections, the server pinned to one core) the former pool, one ``SimpleQueue.put``
per call, spent about a third of the server's CPU in the kernel's task switch: each put
woke the sleeping worker, which preempted the loop, found the GIL taken and slept again
(4.6 context switches per request, 2.3 of them involuntary on the loop). Here:

- Calls go on a ``deque``; a worker is woken only when none is awake. An awake worker takes
  the calls one after another until the deque is empty, so a burst of calls made in one loop
  iteration costs one wake-up, not one per call.
- Idle workers wait on their own lock in a LIFO stack: the one woken is the one that slept
  last (warm caches), and the others stay asleep.
- A call that does not finish quickly must not hold back the calls queued behind it (FastAPI
  runs each in its own thread): while calls wait, the loop checks every switch interval
  (``sys.getswitchinterval()``, the GIL's own time slice, 5 ms by default) that some call
  finished since the last check; if none did, it wakes (or starts, up to the bound) one more
  worker, twice as many at each check while it lasts, so a burst of blocking calls has a
  worker each within a few intervals, and a check misled by a busy CPU wakes only one. A
  check that fires late (the process itself did not get the CPU) proves nothing and is
  skipped.
- Results go on their loop's return list and only the first result that finds the list
  empty wakes the loop (``call_soon_threadsafe``), which then settles every result waiting.

Threads start as needed, up to the bound, and are daemons (a stuck ``def`` handler does not
hold the process). A call whose awaiter is cancelled before it starts is dropped; one already
running is waited for, as anyio's ``to_thread.run_sync`` waits (FastAPI's): the cancelled
request's cleanup runs only after its ``def`` call returned (a generator it entered has pushed
its exit by then). One difference remains: a coroutine the call runs through
``anyio.from_thread.run`` is not cancelled with the request (anyio's cancel scopes do not
reach it here), so the request waits for it to finish too. ``run_to_completion`` (a ``def``
generator's exit, which FastAPI shields) is always run and waited for.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = [
    "QUIET",
    "idle",
    "run_in_threadpool",
    "run_to_completion",
    "set_max_threads",
    "submit_call",
]


T = TypeVar("T")

_max_threads = int(os.environ.get("FASTCORE_MAX_THREADS", "40"))
#: A call: (context, function, args, kwargs, future, returns).
Job = tuple[
    contextvars.Context,
    Callable[..., Any],
    tuple[Any, ...],
    dict[str, Any],
    Any,
    "_Returns",
]


class _AnyioToken:
    """What ``anyio.from_thread`` reads in a worker thread: the backend and the loop.

    anyio's own worker threads hold an ``EventLoopToken(AsyncIOBackend, loop)`` in its
    ``threadlocals``; this is the same two attributes, with the backend class imported on
    first use (the module costs ~0.9 MiB and is not loaded by a server that never asks).
    """

    __slots__ = ("native_token",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.native_token = loop

    @property
    def backend_class(self) -> Any:
        from anyio._backends._asyncio import backend_class

        return backend_class


def _anyio_threadlocals() -> Any:
    """anyio's ``threadlocals`` (anyio >= 4.11 reads ``current_token`` there), or None."""
    try:
        from anyio._core._eventloop import threadlocals
        from anyio.lowlevel import EventLoopToken  # noqa: F401  (the API this mimics)
    except ImportError:  # pragma: no cover - an anyio older than fastcore's pin
        return None
    return threadlocals


class _Returns:
    """One event loop's finished calls, settled in batches on that loop."""

    __slots__ = (
        "anyio_token",
        "due",
        "flushing",
        "items",
        "loop",
        "scheduled",
        "surge",
        "watched",
        "watching",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: collections.deque[tuple[Any, bool, Any]] = collections.deque()
        self.scheduled = False
        #: A wake-up of a worker is scheduled on this loop (``_Pool._flush``).
        self.flushing = False
        #: A stall check is armed on this loop, and the pool's ``finished`` count it saw.
        self.watching = False
        self.watched = 0
        #: When the armed check is due (loop time), and how many workers it wakes if stuck.
        self.due = 0.0
        self.surge = 1
        self.anyio_token = _AnyioToken(loop)

    def put(self, future: Any, ok: bool, value: Any) -> None:
        """From a worker thread: queue the result; wake the loop if no wake-up is pending."""
        self.items.append((future, ok, value))
        if not self.scheduled:
            self.scheduled = True
            try:
                self.loop.call_soon_threadsafe(self.settle)
            except RuntimeError:  # NOTE: the loop closed while the call ran: nobody waits
                pass

    def settle(self) -> None:
        """On the loop: every result that arrived so far to its future."""
        # NOTE: cleared before draining, so a result appended during the drain either is
        # drained here or schedules the next settle; none is left behind.
        self.scheduled = False
        items = self.items
        while items:
            future, ok, value = items.popleft()
            if future.done():  # NOTE: the awaiting task was cancelled
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
                value = None  # NOTE: no reference cycle through the traceback


class _Shielded(asyncio.Future):  # type: ignore[type-arg]
    """The future of a call its awaiter waits for even when cancelled (``run_to_completion``).

    It refuses to be cancelled, so a cancelled Task is resumed only once the call has run,
    and then gets its CancelledError (``Task.cancel`` delivers it at the next step).
    """

    def cancel(self, msg: Any = None) -> bool:
        return False


class _Running(_Shielded):
    """A ``run_in_threadpool`` call's future: a cancelled awaiter waits while the call runs.

    As anyio's ``to_thread.run_sync`` (FastAPI's, not abandoned on cancel): the request's
    task gets its CancelledError only once its ``def`` call has returned, so its cleanup
    (the exit stack, a generator entered in that call) never runs beside the call, nor
    before the call pushed its exits. A call that has not started yet is dropped instead:
    ``cancel`` only marks it (``abandoned``), and the worker that takes it settles it
    without running it. The worker alone decides, so no cancel can slip in between a
    check and the call's start.
    """

    abandoned = False

    def cancel(self, msg: Any = None) -> bool:
        self.abandoned = True
        return False


class _Worker:
    """One pool thread's wake-up: a lock it blocks on while idle, released to wake it."""

    __slots__ = ("wake",)

    def __init__(self) -> None:
        self.wake = threading.Lock()
        self.wake.acquire()


class _Pool:
    """Worker threads taking calls from one deque; results go back through ``_Returns``.

    ``awake`` counts the workers not asleep (running calls or about to look for one); it
    and ``idle`` change under ``lock``, but ``submit`` reads ``awake`` without it: a call is
    appended before ``awake`` is read, and a worker going to sleep lowers ``awake`` before
    it looks at the deque a last time, so one of the two always sees the other.
    """

    def __init__(self, max_threads: int) -> None:
        self.max_threads = max_threads
        self.jobs: collections.deque[Job] = collections.deque()
        self.idle: list[_Worker] = []
        self.threads = 0
        self.awake = 0
        #: Calls finished so far (the stall check's measure of progress; only compared).
        self.finished = 0
        self.stopped = False
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.returns: dict[asyncio.AbstractEventLoop, _Returns] = {}
        self.threadlocals = _anyio_threadlocals()

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        ctx: contextvars.Context,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        future: Any,
    ) -> None:
        """Queue ``func(*args, **kwargs)``; its outcome goes to ``future`` on ``loop``.

        ``future`` is an asyncio Future, or any object with its ``done``/``cancelled``/
        ``set_result``/``set_exception`` (the lane's ``def`` handler call: no Future, no Task).
        """
        returns = self.returns.get(loop)
        if returns is None:
            returns = self._returns_for(loop)
        self.jobs.append((ctx, func, args, kwargs, future, returns))
        if self.awake <= 0 and not returns.flushing:
            # PERF: the worker is woken once the loop has run this iteration's callbacks
            # (every request read in it has queued its call), not now (see _flush)
            returns.flushing = True
            loop.call_soon(self._flush, returns)
        if not returns.watching:
            self._watch(returns, loop, sys.getswitchinterval())

    def _returns_for(self, loop: asyncio.AbstractEventLoop) -> _Returns:
        if len(self.returns) > 32:  # NOTE: tests make many loops; keep the live ones
            for old in [k for k in self.returns if k.is_closed()]:
                del self.returns[old]
        returns = self.returns[loop] = _Returns(loop)
        return returns

    def _flush(self, returns: _Returns) -> None:
        """On the loop, after the callbacks that queued calls: wake a worker if none is.

        uvloop releases the GIL between its I/O callbacks; a worker woken by the first
        request of a burst preempts the loop there (the scheduler favours the thread that
        slept), runs that one call and sleeps again, once per request. Woken here, it finds
        the whole burst queued.
        """
        returns.flushing = False
        if self.awake <= 0 and self.jobs:
            self.wake(1)

    def _check(self, returns: _Returns) -> None:
        """On the loop, a switch interval after calls were queued: is the pool stuck?"""
        returns.watching = False
        waiting = len(self.jobs)
        if not waiting:
            returns.surge = 1
            return
        loop = returns.loop
        interval = sys.getswitchinterval()
        late = loop.time() - returns.due > interval
        if self.finished != returns.watched or late:
            # NOTE: progress, or no evidence: a check that fired late means the process
            # itself did not get the CPU (a busy machine), and neither did its workers
            returns.surge = 1
        else:
            # NOTE: no call finished in a whole switch interval: those running are slow
            # (blocking I/O, sleep, a lock). More workers take the waiting calls, one more
            # each check, doubling while it lasts: a burst of blocking calls has a worker each
            # within a few intervals, and a check misled by a busy CPU wakes only one.
            self.wake(min(waiting, returns.surge))
            returns.surge *= 2
        self._watch(returns, loop, interval)

    def _watch(self, returns: _Returns, loop: asyncio.AbstractEventLoop, interval: float) -> None:
        returns.watching = True
        returns.watched = self.finished
        returns.due = loop.time() + interval
        loop.call_later(interval, self._check, returns)

    def wake(self, n: int) -> None:
        """Wake ``n`` idle workers, starting threads for the rest while under the bound."""
        start = 0
        with self.lock:
            idle = self.idle
            while n > 0 and idle:
                idle.pop().wake.release()
                self.awake += 1
                n -= 1
            while n > 0 and self.threads < self.max_threads:
                self.threads += 1
                self.awake += 1
                start += 1
                n -= 1
        for _ in range(start):
            threading.Thread(
                target=self._work, name=f"fastcore-{self.threads}", daemon=True
            ).start()

    def _sleep(self, me: _Worker) -> bool:
        """The deque was empty: wait to be woken. False: the pool stopped, the thread ends."""
        with self.lock:
            self.awake -= 1
            if self.jobs:  # NOTE: a call came after the empty look, its submit saw us awake
                self.awake += 1
                return True
            if self.stopped:
                self.threads -= 1
                return False
            self.idle.append(me)
        me.wake.acquire()
        return True

    def _work(self) -> None:
        me = _Worker()
        jobs = self.jobs
        locals_ = self.threadlocals
        token = None
        if locals_ is not None:
            locals_.current_cancel_scope = None  # NOTE: anyio's check_cancelled reads it
        while True:
            try:
                job = jobs.popleft()
            except IndexError:
                if not self._sleep(me):
                    return
                continue
            future, returns = job[4], job[5]
            if future.cancelled():  # NOTE: its awaiter left before it started: dropped
                del job, future, returns
                continue
            if type(future) is _Running and future.abandoned:
                # NOTE: its awaiter was cancelled before it started: not run, and settled
                # so that the awaiting task wakes to its CancelledError
                returns.put(future, True, None)
                del job, future, returns
                continue
            if returns.anyio_token is not token and locals_ is not None:
                token = locals_.current_token = returns.anyio_token
            _run(*job)
            del job, future, returns  # NOTE: nothing of a finished call is kept while idle
            self.finished += 1  # NOTE: racy between workers, but it only has to change

    def stop(self) -> None:
        """Threads end once the calls already queued have run."""
        with self.lock:
            self.stopped = True
            idle, self.idle = self.idle, []
            self.awake += len(idle)
        for worker in idle:
            worker.wake.release()


def _run(
    ctx: contextvars.Context,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    future: Any,
    returns: _Returns,
) -> None:
    """One call in a worker thread, its outcome to its loop."""
    try:
        value = ctx.run(func, *args, **kwargs)
    except BaseException as exc:  # NOTE: delivered to the awaiting task, as executors do
        returns.put(future, False, exc)
    else:
        if value is not QUIET:
            returns.put(future, True, value)


#: What a call returns when its success needs nothing done on the loop (a ``def``
#: generator's exit after the response): its loop is not woken for it. A call that raises
#: is settled as any other.
QUIET: Any = object()

_pool: _Pool | None = None


def _get_pool() -> _Pool:
    global _pool
    pool = _pool
    if pool is None or pool.pid != os.getpid():  # NOTE: a forked worker starts its own
        pool = _pool = _Pool(_max_threads)
    return pool


def set_max_threads(n: int) -> None:
    """Resize the pool (takes effect for new work; running calls finish on the old pool)."""
    global _pool, _max_threads
    if n < 1:
        raise ValueError("the thread pool needs at least one thread")
    old, _pool, _max_threads = _pool, None, n
    if old is not None:
        old.stop()


def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
    """An awaitable of ``func(*args, **kwargs)`` run in the pool, with this task's context.

    Cancelling the awaiter drops a call not yet started; one already running is waited for
    (``_Running``), as anyio's worker threads do.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _in_anyio_thread(func, args, kwargs, shielded=False)
    future: asyncio.Future[T] = _Running(loop=loop)
    _get_pool().submit(loop, contextvars.copy_context(), func, args, kwargs, future)
    return future


def run_to_completion(func: Callable[..., T], *args: Any) -> Awaitable[T]:
    """``run_in_threadpool`` that a cancelled awaiter still waits for, started or not.

    For a ``def`` generator dependency's exit, which FastAPI runs shielded from cancellation
    (``fastapi.concurrency.contextmanager_in_threadpool``): its cleanup always runs, in a
    worker, before the request's task ends.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _in_anyio_thread(func, args, {}, shielded=True)
    future = _Shielded(loop=loop)
    _get_pool().submit(loop, contextvars.copy_context(), func, args, {}, future)
    return future


async def _in_anyio_thread(
    func: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], shielded: bool
) -> T:
    """The call in anyio's worker threads, where the app runs on another event loop than
    asyncio's (trio, under anyio: FastAPI apps run there too). This pool wakes asyncio loops
    only; anyio's threads serve the others, with this task's context as here."""
    import anyio
    import anyio.to_thread

    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    if not shielded:
        return await anyio.to_thread.run_sync(call)
    with anyio.CancelScope(shield=True):
        result = await anyio.to_thread.run_sync(call)
    return result


def submit_call(target: Any, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """``func(**kwargs)`` in the pool, its outcome to ``target.set_result``/``set_exception``.

    For fastcore's server, which answers a ``def`` handler's request from the result (the
    lane, ``LaneSpec.submit``) in the callback that settles the batch: no Future, no Task,
    no coroutine. ``target`` also answers ``done()`` and ``cancelled()`` (False) and never
    raises from ``set_result``/``set_exception``: they run in the batch's settle loop.
    """
    loop = asyncio.get_running_loop()
    _get_pool().submit(loop, contextvars.copy_context(), func, (), kwargs, target)


def idle() -> bool:
    """No call queued or running (a worker between two calls counts as running).

    For a server's graceful stop: the lane's ``def`` calls (``submit_call``) and the exits
    after their responses run outside any Task, so the server waits for this too.
    """
    pool = _pool
    return pool is None or (not pool.jobs and pool.awake <= 0)
