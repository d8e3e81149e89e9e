from typing import Annotated

import msgspec

from fastcore import FastCore, Query

app = FastCore()


class Filters(msgspec.Struct, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(gt=0, le=100)] = 100
    tags: list[str] = []


@app.get("/items")
async def items(filters: Annotated[Filters, Query()]) -> Filters:
    return filters
