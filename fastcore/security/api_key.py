"""API keys in a header, a query parameter or a cookie.

The key is returned as the string it was sent as; checking it is the application's job.
"""

from __future__ import annotations

from fastcore.exceptions import HTTPException
from fastcore.requests import Request
from fastcore.security.utils import APIKeyModel, SecurityBase, not_authenticated

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """The three locations differ only in where they look for the key."""

    model: APIKeyModel
    #: Where the key travels, as OpenAPI names it; set by each subclass.
    location = ""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = APIKeyModel(in_=self.location, name=name, description=description)
        self._setup(model, scheme_name, auto_error)

    def make_not_authenticated_error(self) -> HTTPException:
        # NOTE: "APIKey" is not a registered challenge; FastAPI sends it, so do we.
        return not_authenticated("APIKey")

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or the 401 (None with ``auto_error=False``) when it is absent or empty."""
        if not api_key:
            self.refuse_if_required()
            return None
        return api_key

    def read(self, request: Request) -> str | None:
        raise NotImplementedError

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(self.read(request))


class APIKeyQuery(APIKeyBase):
    """A key in the query string, e.g. ``?api_key=...``."""

    location = "query"

    def read(self, request: Request) -> str | None:
        return request.query_params.get(self.model.name)  # type: ignore[no-any-return]


class APIKeyHeader(APIKeyBase):
    """A key in a request header (matched case-insensitively), e.g. ``X-API-Key``."""

    location = "header"

    def read(self, request: Request) -> str | None:
        return request.headers.get(self.model.name)  # type: ignore[no-any-return]


class APIKeyCookie(APIKeyBase):
    """A key in a cookie, e.g. a session id."""

    location = "cookie"

    def read(self, request: Request) -> str | None:
        return request.cookies.get(self.model.name)
