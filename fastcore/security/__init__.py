"""Security schemes under FastAPI's names: API keys, HTTP auth, OAuth2, OpenID Connect.

Each scheme is an instance used as a dependency (``Depends(scheme)`` or ``Security(scheme,
scopes=[...])``); it reads the credentials from the request, answers 401 with
``WWW-Authenticate`` when they are missing (or returns None with ``auto_error=False``), and
appears in the OpenAPI ``securitySchemes`` and on every operation that uses it. As in
FastAPI, the bases (``HTTPBase``, ``SecurityBase``) live in the submodules only.
"""

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
