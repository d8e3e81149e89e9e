from collections.abc import AsyncIterable

from fastcore import FastAPI
from fastcore.sse import EventSourceResponse, ServerSentEvent

app = FastAPI()


@app.get("/items/stream", response_class=EventSourceResponse)
async def stream_items() -> AsyncIterable[ServerSentEvent]:
    yield ServerSentEvent(comment="stream of item updates")
    for i, name in enumerate(["Plumbus", "Portal Gun"]):
        yield ServerSentEvent(data={"name": name}, event="item_update", id=str(i), retry=5000)
    yield ServerSentEvent(raw_data="[DONE]", event="done")
