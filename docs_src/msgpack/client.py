import datetime

import httpx
import msgspec

reading = {"sensor": "t1", "value": 21.5, "at": datetime.datetime.now(datetime.timezone.utc)}


def send(base_url: str) -> dict:
    response = httpx.post(
        base_url + "/readings",
        content=msgspec.msgpack.encode(reading),  # a datetime is a MessagePack timestamp
        headers={"content-type": "application/msgpack", "accept": "application/msgpack"},
    )
    assert response.headers["content-type"] == "application/msgpack"
    return msgspec.msgpack.decode(response.content)  # "at" as the JSON answer spells it
