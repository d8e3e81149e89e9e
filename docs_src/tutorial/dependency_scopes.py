from collections.abc import Iterator
from typing import Annotated

from fastcore import Depends, FastCore
from fastcore.responses import StreamingResponse

app = FastCore()
events: list[str] = []


def session() -> Iterator[str]:
    events.append("open")
    try:
        yield "session"
    finally:
        events.append("close")


@app.get("/report")
def report(s: Annotated[str, Depends(session, scope="function")]) -> StreamingResponse:
    def lines() -> Iterator[str]:
        events.append("stream")  # sent after the handler returned: the session is closed
        yield f"made with {s}\n"

    return StreamingResponse(lines(), media_type="text/plain")


@app.get("/live")
def live(s: Annotated[str, Depends(session)]) -> StreamingResponse:  # scope="request"
    def lines() -> Iterator[str]:
        events.append("stream")  # the session is still open while the body is sent
        yield f"made with {s}\n"

    return StreamingResponse(lines(), media_type="text/plain")
