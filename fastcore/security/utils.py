"""What the security schemes share: the OpenAPI models, the base class, header parsing.

The models are msgspec Structs whose attribute names are FastAPI's (``model.name``,
``model.in_``, ``model.flows.password.tokenUrl``), so code that reads a scheme's model keeps
working; their encoded names are OpenAPI's, so the document builder publishes them as they
are (it drops None-valued keys, which FastAPI leaves out with ``exclude_none``).
"""

from __future__ import annotations

from typing import Any

import msgspec

from fastcore.exceptions import HTTPException
from fastcore.requests import Request

__all__ = [
    "APIKeyModel",
    "HTTPBaseModel",
    "HTTPBearerModel",
    "OAuth2Model",
    "OAuthFlow",
    "OAuthFlows",
    "OpenIdConnectModel",
    "SecurityBase",
    "get_authorization_scheme_param",
    "not_authenticated",
]

_RENAME = {"type_": "type", "in_": "in"}


class APIKeyModel(msgspec.Struct, kw_only=True, rename=_RENAME):
    """An ``apiKey`` security scheme: a key sent in a header, a query parameter or a cookie."""

    type_: str = "apiKey"
    in_: str
    name: str
    description: str | None = None


class HTTPBaseModel(msgspec.Struct, kw_only=True, rename=_RENAME):
    """An ``http`` security scheme (RFC 7235): ``basic``, ``digest``, ``bearer``..."""

    type_: str = "http"
    scheme: str
    description: str | None = None


class HTTPBearerModel(HTTPBaseModel, kw_only=True):
    """The ``bearer`` scheme, which may also name the token's format for the docs."""

    scheme: str = "bearer"
    bearerFormat: str | None = None


class OAuthFlow(msgspec.Struct, kw_only=True):
    """One OAuth2 flow; each flow kind uses the URLs it needs and leaves the others out."""

    authorizationUrl: str | None = None
    tokenUrl: str | None = None
    refreshUrl: str | None = None
    scopes: dict[str, str] = {}


class OAuthFlows(msgspec.Struct, kw_only=True):
    """The flows an OAuth2 scheme supports, by OpenAPI's flow names."""

    implicit: OAuthFlow | None = None
    password: OAuthFlow | None = None
    clientCredentials: OAuthFlow | None = None
    authorizationCode: OAuthFlow | None = None


class OAuth2Model(msgspec.Struct, kw_only=True, rename=_RENAME):
    """An ``oauth2`` security scheme."""

    type_: str = "oauth2"
    flows: OAuthFlows = msgspec.field(default_factory=OAuthFlows)
    description: str | None = None


class OpenIdConnectModel(msgspec.Struct, kw_only=True, rename=_RENAME):
    """An ``openIdConnect`` security scheme: the docs discover the rest from the URL."""

    type_: str = "openIdConnect"
    openIdConnectUrl: str
    description: str | None = None


class SecurityBase:
    """What the OpenAPI builder looks for: a ``scheme_name`` and an OpenAPI ``model``.

    Each scheme is an instance used as a dependency; fastcore reads its ``__call__`` like any
    other dependency's signature, so the class itself needs no framework hooks.
    """

    model: Any
    scheme_name: str
    description: str | None
    auto_error: bool

    def _setup(self, model: Any, scheme_name: str | None, auto_error: bool) -> None:
        self.model = model
        self.scheme_name = scheme_name or type(self).__name__
        self.description = model.description
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 this scheme answers; a Bearer challenge unless the scheme says otherwise."""
        return not_authenticated("Bearer")

    def refuse_if_required(self) -> None:
        """No usable credentials: raise the 401 unless ``auto_error=False`` (then go on)."""
        if self.auto_error:
            raise self.make_not_authenticated_error()

    def whole_authorization(self, request: Request) -> str | None:
        """The ``Authorization`` header as sent, scheme included; None or the 401 if absent."""
        authorization: str | None = request.headers.get("authorization")
        if not authorization:
            self.refuse_if_required()
            return None
        return authorization


def not_authenticated(challenge: str) -> HTTPException:
    """The 401 FastAPI answers when credentials are missing or unusable.

    ``WWW-Authenticate`` is required on a 401 (RFC 9110 §11.6.1); FastAPI sends one even for
    API keys, which have no standard challenge, and so do we.
    """
    return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": challenge})


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """``"Bearer abc"`` -> ``("Bearer", "abc")``; ``("", "")`` when the header is absent.

    Splits at the first space only and strips the rest, as FastAPI does, so a token that
    contains spaces reaches the application whole.
    """
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()
