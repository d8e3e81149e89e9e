"""What the two tutorial-style apps share, laid out as FastAPI's tutorial lays it out.

The settings (the "Settings and Environment Variables" page: a settings model read once by an
``lru_cache``'d ``get_settings`` dependency; a pydantic ``BaseModel`` here rather than
pydantic-settings' ``BaseSettings``, which is not a fastcore dependency, with the same role),
a stand-in for a database session (the "Dependencies with yield" page's ``DBSession``: cheap,
so the figures measure the framework, not a database), and the pydantic models of the "Body"
and "Response Model" pages.
"""

from functools import lru_cache

from pydantic import BaseModel


class Settings(BaseModel):
    greeting: str = "Hello, World!"
    first_item_id: int = 1


@lru_cache
def get_settings() -> Settings:
    return Settings()


class DBSession:
    """What ``get_db`` yields: hands out item ids, closed after the response."""

    def __init__(self, first_id: int) -> None:
        self.next_id = first_id
        self.open = True

    def new_id(self) -> int:
        return self.next_id

    def close(self) -> None:
        self.open = False


class Message(BaseModel):
    message: str


class User(BaseModel):
    id: int
    verbose: bool


class ItemIn(BaseModel):
    name: str
    price: float
    tags: list[str] = []


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []


class RouteItem(BaseModel):
    route: int
    item_id: int
