"""API keys in a header, a query parameter or a cookie.

The key is returned as the string it was sent as; checking it is the application's job.
"""

from __future__ import annotations

from fastcore.requests import Request
from fastcore.security.utils import APIKeyModel, SecurityBase, not_authenticated

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """The three locations differ only in where they look for the key."""

    model: APIKeyModel

    def __init__(
        self,
        location: str,
        name: str,
        description: str | None,
        scheme_name: str | None,
        auto_error: bool,
    ) -> None:
        model = APIKeyModel(in_=location, name=name, description=description)
        self._setup(model, scheme_name, auto_error)

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or the 401 (None with ``auto_error=False``) when it is absent or empty."""
        if not api_key:
            if self.auto_error:
                # NOTE: "APIKey" is not a registered challenge; FastAPI sends it, so do we.
                raise not_authenticated("APIKey")
            return None
        return api_key


class APIKeyQuery(APIKeyBase):
    """A key in the query string, e.g. ``?api_key=...``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("query", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.model.name))


class APIKeyHeader(APIKeyBase):
    """A key in a request header (matched case-insensitively), e.g. ``X-API-Key``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("header", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.headers.get(self.model.name))


class APIKeyCookie(APIKeyBase):
    """A key in a cookie, e.g. a session id."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("cookie", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.model.name))
