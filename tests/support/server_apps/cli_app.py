"""An app for the CLI, worker and reload tests: its pid, a slow endpoint, lifespan markers.

``FASTCORE_TEST_MARKERS`` names a file that gets one line per event (``startup PID``,
``shutdown PID``, ``begin PID``), so a test sees what each worker did without asking it.
"""

import asyncio
import contextlib
import os
import time

from fastcore import FastCore


def mark(event: str) -> None:
    path = os.environ.get("FASTCORE_TEST_MARKERS")
    if path:
        with open(path, "a") as f:
            f.write(f"{event} {os.getpid()}\n")


@contextlib.asynccontextmanager
async def lifespan(app):
    mark("startup")
    yield
    mark("shutdown")


def create_app() -> FastCore:
    app = FastCore(lifespan=lifespan)

    @app.get("/pid")
    async def pid() -> dict:
        return {"pid": os.getpid()}

    @app.get("/slow")
    async def slow(delay: float = 1.0) -> dict:
        mark("begin")
        await asyncio.sleep(delay)
        return {"pid": os.getpid(), "slept": delay}

    @app.get("/busy")
    async def busy(delay: float = 0.3) -> dict:
        # Blocks this worker's loop, so that a concurrent request is accepted by another worker.
        time.sleep(delay)
        return {"pid": os.getpid()}

    return app


app = create_app()
not_an_app = 42


@contextlib.asynccontextmanager
async def failing_lifespan(app):
    raise RuntimeError("the database is not there")
    yield


failing_app = FastCore(lifespan=failing_lifespan)


@contextlib.asynccontextmanager
async def crashing_lifespan(app):
    os._exit(2)  # a worker that dies at once, every time: a crash loop
    yield


crashing_app = FastCore(lifespan=crashing_lifespan)
