import time

from fastcore import FastCore, Request
from fastcore.middleware.base import BaseHTTPMiddleware

app = FastCore()


class Timing(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["x-process-time"] = f"{time.perf_counter() - start:.6f}"
        return response


app.add_middleware(Timing)
# or: app.add_middleware(BaseHTTPMiddleware, dispatch=some_async_function)


@app.get("/")
async def root() -> dict[str, str]:
    return {"hello": "world"}
