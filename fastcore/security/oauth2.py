"""OAuth2 bearer tokens, as sent after a password or authorization-code flow.

These classes only read ``Authorization: Bearer <token>`` and describe the flow for the
docs (Swagger UI's "Authorize" button uses the URLs); issuing and checking tokens is the
application's job. The login form itself is
``OAuth2PasswordRequestForm`` in ``fastcore.security.forms``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from fastcore.requests import Request
from fastcore.security.utils import (
    OAuth2Model,
    OAuthFlow,
    OAuthFlows,
    SecurityBase,
    get_authorization_scheme_param,
)

__all__ = ["OAuth2", "OAuth2AuthorizationCodeBearer", "OAuth2PasswordBearer", "SecurityScopes"]


class OAuth2(SecurityBase):
    """Any OAuth2 scheme; returns the whole ``Authorization`` header, scheme included.

    ``flows`` is an ``OAuthFlows`` or a dict in OpenAPI's shape (``{"password": {"tokenUrl":
    ...}}``); a dict is checked here, so a typo fails at start-up, not in the docs.
    """

    model: OAuth2Model

    def __init__(
        self,
        *,
        flows: OAuthFlows | dict[str, dict[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        if flows is None:
            flows = OAuthFlows()
        elif isinstance(flows, dict):
            flows = msgspec.convert(flows, OAuthFlows)
        self._setup(OAuth2Model(flows=flows, description=description), scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)

    def _bearer_token(self, request: Request) -> str | None:
        """The token after ``Bearer`` (any case), or the 401 / None."""
        authorization: str | None = request.headers.get("authorization")
        scheme, token = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            self.refuse_if_required()
            return None
        # NOTE: "Bearer" with nothing after it gives "", as in FastAPI; the app rejects it.
        return token


class OAuth2PasswordBearer(OAuth2):
    """Bearer tokens obtained by posting a user name and password to ``tokenUrl``."""

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow = OAuthFlow(tokenUrl=tokenUrl, refreshUrl=refreshUrl, scopes=scopes or {})
        super().__init__(
            flows=OAuthFlows(password=flow),
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer_token(request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """Bearer tokens obtained through the authorization-code flow (a third-party login)."""

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow = OAuthFlow(
            authorizationUrl=authorizationUrl,
            tokenUrl=tokenUrl,
            refreshUrl=refreshUrl,
            scopes=scopes or {},
        )
        super().__init__(
            flows=OAuthFlows(authorizationCode=flow),
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer_token(request)


class SecurityScopes:
    """The scopes that the ``Security(..., scopes=[...])`` markers above a dependency ask for.

    A dependency declares a parameter of this type to learn what the route needs, so one
    token check serves routes with different requirements.
    """

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        self.scope_str: str = " ".join(self.scopes)
