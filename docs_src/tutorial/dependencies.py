from collections.abc import Iterator
from typing import Annotated

from fastcore import Depends, FastCore

app = FastCore()


class DB:
    """Stands in for a database connection."""

    def __init__(self) -> None:
        self.items = ["apple", "banana", "cherry", "date"]
        self.closed = False

    def close(self) -> None:
        self.closed = True


def connect() -> DB:
    return DB()


def get_db() -> Iterator[DB]:
    db = connect()
    try:
        yield db
    finally:
        db.close()  # runs after the response is sent


def pagination(skip: int = 0, limit: int = 10) -> dict[str, int]:
    return {"skip": skip, "limit": limit}


@app.get("/items")
async def items(
    db: Annotated[DB, Depends(get_db)], page: Annotated[dict[str, int], Depends(pagination)]
) -> list[str]:
    return db.items[page["skip"] : page["skip"] + page["limit"]]
