"""OpenID Connect: the docs discover the provider from its well-known URL."""

from __future__ import annotations

from fastcore.requests import Request
from fastcore.security.utils import OpenIdConnectModel, SecurityBase

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

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)
