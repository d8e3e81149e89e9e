from fastcore import FastCore
from fastcore.middleware.cors import CORSMiddleware
from fastcore.middleware.gzip import GZipMiddleware

app = FastCore()
app.add_middleware(GZipMiddleware, minimum_size=1000)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization"],
    allow_credentials=True,
)


@app.get("/report")
async def report() -> dict[str, str]:
    return {"text": "x" * 2000}  # over minimum_size: compressed for clients that accept gzip
