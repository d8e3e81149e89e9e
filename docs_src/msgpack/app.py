import datetime

import msgspec

from fastcore import FastCore


class Reading(msgspec.Struct):
    sensor: str
    value: float
    at: datetime.datetime


app = FastCore(msgpack=True)  # every route reads and answers MessagePack too


@app.post("/readings", status_code=201)
async def add_reading(reading: Reading) -> Reading:
    return reading


@app.get("/health", msgpack=False)  # this one stays JSON only
async def health():
    return {"ok": True}
