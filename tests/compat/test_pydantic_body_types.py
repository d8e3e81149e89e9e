"""Body fields of pydantic's own types (``HttpUrl``, ``SecretStr``, validator metadata).

FastAPI validates every body field with pydantic, so ``email: EmailStr = Body(embed=True)``
(fastapi-users' forgot-password route) works there; fastcore hands such a field to pydantic
too, embedded or alone, instead of asking msgspec for a type it does not know. The same
requests go to FastAPI 0.165 and to fastcore and what a client sees must be equal.
"""

from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, HttpUrl, SecretStr

from tests.compat.test_compat import _same


def _even(n: int) -> int:
    if n % 2:
        raise ValueError("odd")
    return n


def app(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/embedded", status_code=202)
    async def embedded(url: HttpUrl = fw.Body(..., embed=True), n: int = fw.Body(1)) -> dict:
        return {"url": str(url), "n": n}

    @app.post("/alone")
    async def alone(url: Annotated[HttpUrl, fw.Body()]) -> dict:
        return {"url": str(url)}

    @app.post("/secret")
    async def secret(secret: SecretStr = fw.Body(embed=True)) -> dict:
        return {"length": len(secret.get_secret_value())}

    @app.post("/even")
    async def even(n: Annotated[int, AfterValidator(_even), fw.Body(embed=True)]) -> dict:
        return {"n": n}

    return app


CASES: list[tuple[str, Any]] = [
    ("/embedded", {"url": "http://example.org"}),
    ("/embedded", {"url": "http://example.org", "n": "2"}),
    ("/embedded", {"url": "not a url"}),
    ("/embedded", {}),
    ("/alone", "https://example.org/a?b=c"),
    ("/alone", "nope"),
    ("/alone", 5),
    ("/secret", {"secret": "hunter2"}),
    ("/secret", {"secret": 5}),
    ("/even", {"n": 4}),
    ("/even", {"n": 3}),
]


@pytest.mark.parametrize(("url", "body"), CASES)
def test_pydantic_type_body_fields(url: str, body: Any) -> None:
    _same(app, "POST", url, json=body)
