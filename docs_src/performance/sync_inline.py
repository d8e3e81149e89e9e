import hashlib
import threading
import time
from typing import Annotated

from fastcore import APIRouter, Depends, FastCore

app = FastCore()


def get_settings() -> dict[str, str]:  # a plain def dependency: no I/O, returns at once
    return {"salt": "s"}


@app.get("/pooled")
def pooled(settings: Annotated[dict[str, str], Depends(get_settings)]):
    time.sleep(0.01)  # blocking is fine here: this runs in the thread pool
    return {"thread": threading.current_thread().name != "MainThread"}


fast = APIRouter(prefix="/fast", sync_inline=True)


@fast.get("/digest/{word}")
def digest(word: str, settings: Annotated[dict[str, str], Depends(get_settings)]):
    # pure computation, microseconds: called on the event loop, no thread hop
    return {"digest": hashlib.sha256((settings["salt"] + word).encode()).hexdigest()[:8]}


app.include_router(fast)
