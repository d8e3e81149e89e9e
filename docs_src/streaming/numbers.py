from fastcore import FastCore
from fastcore.responses import StreamingResponse

app = FastCore()


@app.get("/numbers")
async def numbers() -> StreamingResponse:
    async def lines():
        for n in range(3):
            yield f"{n}\n"

    return StreamingResponse(lines(), media_type="text/plain")
