"""Security schemes under FastAPI's names: API keys, HTTP auth, OAuth2, OpenID Connect.

Each scheme is an instance used as a dependency (``Depends(scheme)`` or ``Security(scheme,
scopes=[...])``); it reads the credentials from the request, answers 401 with
``WWW-Authenticate`` when they are missing (or returns None with ``auto_error=False``), and
appears in the OpenAPI ``securitySchemes`` and on every operation that uses it. As in
FastAPI, the bases (``HTTPBase``, ``SecurityBase``) live in the submodules only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastcore._lazy import lazy_attributes

if TYPE_CHECKING:
    from fastcore.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
    from fastcore.security.forms import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict
    from fastcore.security.http import (
        HTTPAuthorizationCredentials,
        HTTPBasic,
        HTTPBasicCredentials,
        HTTPBearer,
        HTTPDigest,
    )
    from fastcore.security.oauth2 import (
        OAuth2,
        OAuth2AuthorizationCodeBearer,
        OAuth2PasswordBearer,
        SecurityScopes,
    )
    from fastcore.security.open_id_connect_url import OpenIdConnect

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityScopes",
]

# PERF: each name is imported on first access (PEP 562), not with the package: the app imports
# ``fastcore.security.oauth2`` for ``SecurityScopes``, and loading every scheme (their msgspec
# Structs and classes, ~0.1 MiB of RSS) with it is wasted on an app that uses none of them.
_LAZY = {
    "APIKeyCookie": "api_key",
    "APIKeyHeader": "api_key",
    "APIKeyQuery": "api_key",
    "HTTPAuthorizationCredentials": "http",
    "HTTPBasic": "http",
    "HTTPBasicCredentials": "http",
    "HTTPBearer": "http",
    "HTTPDigest": "http",
    "OAuth2": "oauth2",
    "OAuth2AuthorizationCodeBearer": "oauth2",
    "OAuth2PasswordBearer": "oauth2",
    "OAuth2PasswordRequestForm": "forms",
    "OAuth2PasswordRequestFormStrict": "forms",
    "OpenIdConnect": "open_id_connect_url",
    "SecurityScopes": "oauth2",
}


__getattr__, __dir__ = lazy_attributes(
    globals(), {name: f"{__name__}.{module}" for name, module in _LAZY.items()}
)
