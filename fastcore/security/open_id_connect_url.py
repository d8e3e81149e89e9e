"""OpenID Connect: the docs discover the provider from its well-known URL."""

from __future__ import annotations

from fastcore.exceptions import HTTPException
from fastcore.requests import Request
from fastcore.security.utils import OpenIdConnectModel, SecurityBase, not_authenticated

__all__ = ["OpenIdConnect"]


class OpenIdConnect(SecurityBase):
    """Returns the whole ``Authorization`` header; validating the ID token is the app's job."""

    model: OpenIdConnectModel

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = OpenIdConnectModel(openIdConnectUrl=openIdConnectUrl, description=description)
        self._setup(model, scheme_name, auto_error)

    def make_not_authenticated_error(self) -> HTTPException:
        return not_authenticated("Bearer")

    async def __call__(self, request: Request) -> str | None:
        authorization: str | None = request.headers.get("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization
