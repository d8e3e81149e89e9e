from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastcore import FastCore, Request
from fastcore.responses import JSONResponse


@asynccontextmanager
async def lifespan(app: FastCore) -> AsyncIterator[dict[str, object]]:
    # Open pools and warm caches here; the server accepts requests only after this yields.
    yield {"ready": True}


app = FastCore(lifespan=lifespan)


@app.get("/health", include_in_schema=False)
async def health() -> dict[str, str]:
    """Liveness: the process answers. Keep it free of I/O."""
    return {"status": "ok"}


@app.get("/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """Readiness: the app can serve (its dependencies are reachable)."""
    if not request.state.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({"status": "ready"})


@app.get("/")
async def root() -> dict[str, str]:
    return {"hello": "world"}
