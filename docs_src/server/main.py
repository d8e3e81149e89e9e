# main.py
from fastcore import FastCore

app = FastCore()


@app.get("/")
async def root() -> dict:
    return {"hello": "world"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000, workers=1)  # any other setting as a keyword
