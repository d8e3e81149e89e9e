"""HTTP authentication (RFC 7235): Basic, Bearer, Digest and any other scheme.

Each class reads ``Authorization`` and hands back the parsed credentials; verifying them
(comparing passwords in constant time, checking tokens) is the application's job.
"""

from __future__ import annotations

import binascii
from base64 import b64decode

import msgspec

from fastcore.exceptions import HTTPException
from fastcore.requests import Request
from fastcore.security.utils import (
    HTTPBaseModel,
    HTTPBearerModel,
    SecurityBase,
    get_authorization_scheme_param,
    not_authenticated,
)

__all__ = [
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
]


class HTTPBasicCredentials(msgspec.Struct):
    """What ``HTTPBasic`` returns: the decoded user name and password."""

    username: str
    password: str


class HTTPAuthorizationCredentials(msgspec.Struct):
    """What the other HTTP schemes return: the scheme as sent and the rest of the header."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """Any ``Authorization: <scheme> <credentials>``; the subclasses insist on their scheme."""

    model: HTTPBaseModel

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self._setup(HTTPBaseModel(scheme=scheme, description=description), scheme_name, auto_error)

    def make_authenticate_headers(self) -> dict[str, str]:
        """The challenge names the scheme the client should have used."""
        return {"WWW-Authenticate": self.model.scheme.title()}

    def make_not_authenticated_error(self) -> HTTPException:
        return not_authenticated(self.make_authenticate_headers()["WWW-Authenticate"])

    def _credentials(
        self, request: Request, required_scheme: str | None
    ) -> HTTPAuthorizationCredentials | None:
        """The header's scheme and credentials, or the 401 (None with ``auto_error=False``)."""
        scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
        usable = bool(scheme and credentials)
        if usable and required_scheme is not None:
            usable = scheme.lower() == required_scheme
        if not usable:
            self.refuse_if_required()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, None)


class HTTPBasic(HTTPBase):
    """``Authorization: Basic base64(user:password)`` (RFC 7617).

    ``realm`` goes into the challenge, which makes browsers show their login dialog.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = HTTPBaseModel(scheme="basic", description=description)
        self._setup(model, scheme_name, auto_error)
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization: str | None = request.headers.get("authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            self.refuse_if_required()
            return None
        # NOTE: from here on a malformed value is a 401 even with auto_error=False: the client
        # did try Basic and got it wrong, and FastAPI answers so too.
        try:
            # SECURITY: ASCII only, as FastAPI; a UTF-8 user name is refused rather than
            # guessed at (RFC 7617's charset parameter is not negotiated here).
            data = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise self.make_not_authenticated_error() from exc
        username, separator, password = data.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """``Authorization: Bearer <token>`` (RFC 6750); ``bearerFormat`` is for the docs only."""

    model: HTTPBearerModel

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = HTTPBearerModel(bearerFormat=bearerFormat, description=description)
        self._setup(model, scheme_name, auto_error)

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "bearer")


class HTTPDigest(HTTPBase):
    """``Authorization: Digest ...`` (RFC 7616); the parameters are returned unparsed."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = HTTPBaseModel(scheme="digest", description=description)
        self._setup(model, scheme_name, auto_error)

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "digest")
