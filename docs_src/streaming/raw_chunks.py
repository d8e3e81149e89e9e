from fastcore import FastAPI
from fastcore.responses import StreamingResponse

app = FastAPI()


class PNGStreamingResponse(StreamingResponse):
    media_type = "image/png"


@app.get("/image", response_class=PNGStreamingResponse)
def stream_image():
    with open("image.png", "rb") as f:
        yield from f
