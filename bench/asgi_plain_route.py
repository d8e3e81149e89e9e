"""Per-request cost of a plain route (path int + query str, JSON out) through the ASGI entry.

No dependencies, middleware or security: what every app pays. Run it from two checkouts to
compare commits (``PYTHONPATH=<checkout> python bench/asgi_plain_route.py``); it prints
microseconds per request, best of several rounds.
"""

import time

import fastcore

app = fastcore.FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str = "") -> dict:
    return {"item_id": item_id, "q": q}


app.freeze()
SCOPE = {
    "type": "http",
    "method": "GET",
    "path": "/items/5",
    "headers": [(b"host", b"x")],
    "query_string": b"q=hello",
}


async def receive() -> dict:
    return {"type": "http.request", "body": b""}


async def send(message: dict) -> None:
    pass


def one() -> None:
    coro = app(dict(SCOPE), receive, send)
    try:
        coro.send(None)
    except StopIteration:
        pass


def main(rounds: int = 7, n: int = 50_000) -> None:
    for _ in range(2_000):
        one()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            one()
        best = min(best, (time.perf_counter() - start) / n)
    print(f"{best * 1e6:.3f}")


if __name__ == "__main__":
    main()
