"""fastcore.security on its own: models, parsing, hostile input, what FastAPI code reads.

The side-by-side comparison with FastAPI is in tests/security/test_security_compat.py.
"""

import base64
import time
from typing import Annotated, Any

import msgspec
import pytest

from fastcore import Depends, FastAPI, Security
from fastcore.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OpenIdConnect,
    SecurityScopes,
)
from fastcore.security.http import HTTPBase
from fastcore.security.utils import get_authorization_scheme_param
from fastcore.testclient import TestClient


def _client(scheme: Any) -> TestClient:
    app = FastAPI()

    @app.get("/")
    async def read(value: Annotated[Any, Depends(scheme)]) -> Any:
        return {"none": True} if value is None else value

    return TestClient(app)


def _basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", "")),
        ("", ("", "")),
        ("Bearer abc", ("Bearer", "abc")),
        ("Bearer  a b  ", ("Bearer", "a b")),
        ("Bearer", ("Bearer", "")),
        (" Bearer x", ("", "Bearer x")),
    ],
)
def test_get_authorization_scheme_param(value: str | None, expected: tuple[str, str]) -> None:
    assert get_authorization_scheme_param(value) == expected


def test_basic_returns_credentials_with_fastapi_attribute_names() -> None:
    app = FastAPI()
    security = HTTPBasic()

    @app.get("/who")
    def who(creds: Annotated[HTTPBasicCredentials, Depends(security)]) -> dict:
        assert isinstance(creds, HTTPBasicCredentials)
        return {"username": creds.username, "password": creds.password}

    resp = TestClient(app).get("/who", headers=_basic(b"alice:s3cr:et"))
    assert resp.json() == {"username": "alice", "password": "s3cr:et"}


def test_bearer_returns_scheme_as_sent() -> None:
    app = FastAPI()
    security = HTTPBearer()

    @app.get("/t")
    def token(creds: Annotated[HTTPAuthorizationCredentials, Depends(security)]) -> list[str]:
        return [creds.scheme, creds.credentials]

    assert TestClient(app).get("/t", headers={"Authorization": "bEaReR xyz"}).json() == [
        "bEaReR",
        "xyz",
    ]


@pytest.mark.parametrize(
    ("scheme", "challenge"),
    [
        (HTTPBasic(), "Basic"),
        (HTTPBasic(realm="my realm"), 'Basic realm="my realm"'),
        (HTTPBearer(), "Bearer"),
        (HTTPDigest(), "Digest"),
        (HTTPBase(scheme="custom"), "Custom"),
        (APIKeyHeader(name="k"), "APIKey"),
        (APIKeyQuery(name="k"), "APIKey"),
        (APIKeyCookie(name="k"), "APIKey"),
        (OAuth2(), "Bearer"),
        (OAuth2PasswordBearer("/token"), "Bearer"),
        (OAuth2AuthorizationCodeBearer("/auth", "/token"), "Bearer"),
        (OpenIdConnect(openIdConnectUrl="/oidc"), "Bearer"),
    ],
)
def test_missing_credentials(scheme: Any, challenge: str) -> None:
    resp = _client(scheme).get("/")
    assert resp.status_code == 401
    assert resp.json() == {"detail": "Not authenticated"}
    assert resp.headers["www-authenticate"] == challenge


def test_http_base_accepts_any_scheme() -> None:
    resp = _client(HTTPBase(scheme="custom")).get("/", headers={"Authorization": "Other x"})
    assert resp.json() == {"scheme": "Other", "credentials": "x"}


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode("jürgen:pw".encode()).decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(),
        "Basic ü",
    ],
)
def test_malformed_basic_is_401_even_without_auto_error(header: str) -> None:
    """A client that tried Basic and got it wrong is told so, as FastAPI does."""
    for scheme in (HTTPBasic(), HTTPBasic(auto_error=False)):
        # NOTE: bytes: httpx sends str header values only when they are ASCII.
        resp = _client(scheme).get("/", headers={"Authorization": header.encode("latin-1")})
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == "Basic"


def test_basic_with_another_scheme_is_none_without_auto_error() -> None:
    resp = _client(HTTPBasic(auto_error=False)).get("/", headers={"Authorization": "Bearer x"})
    assert resp.json() == {"none": True}


def test_huge_credentials_are_handled_whole_and_fast() -> None:
    """A megabyte of token or Basic credentials: no error, no quadratic work."""
    token = "t" * 1_000_000
    start = time.perf_counter()
    resp = _client(OAuth2PasswordBearer("/token")).get(
        "/", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.json() == token
    user = b"u" * 500_000
    resp = _client(HTTPBasic()).get("/", headers=_basic(user + b":" + user))
    assert resp.json() == {"username": user.decode(), "password": user.decode()}
    resp = _client(HTTPBasic()).get("/", headers=_basic(user))
    assert resp.status_code == 401
    padded = _client(HTTPBearer()).get("/", headers={"Authorization": "Bearer" + " " * 100_000})
    assert padded.status_code == 401
    assert time.perf_counter() - start < 5


def test_scheme_name_description_and_auto_error_attributes() -> None:
    scheme = APIKeyHeader(name="X-Key", scheme_name="Key", description="why", auto_error=False)
    assert (scheme.scheme_name, scheme.description, scheme.auto_error) == ("Key", "why", False)
    assert (scheme.model.in_, scheme.model.name, scheme.model.type_) == (
        "header",
        "X-Key",
        "apiKey",
    )
    assert HTTPBearer().scheme_name == "HTTPBearer"
    assert HTTPBearer(bearerFormat="JWT").model.bearerFormat == "JWT"
    flow = OAuth2PasswordBearer("/token", scopes={"a": "b"}).model.flows.password
    assert flow is not None and (flow.tokenUrl, flow.scopes) == ("/token", {"a": "b"})


def test_oauth2_flows_from_a_dict_are_checked_at_construction() -> None:
    scheme = OAuth2(flows={"implicit": {"authorizationUrl": "/a", "scopes": {"x": "y"}}})
    assert scheme.model.flows.implicit is not None
    assert scheme.model.flows.implicit.authorizationUrl == "/a"
    with pytest.raises(msgspec.ValidationError):
        OAuth2(flows={"implicit": {"authorizationUrl": 1}})
    with pytest.raises(msgspec.ValidationError):
        OAuth2(flows={"implicit": {"scopes": ["not", "a", "dict"]}})


def test_openapi_leaves_unset_fields_out() -> None:
    app = FastAPI()
    bearer = OAuth2PasswordBearer("/token")

    @app.get("/")
    async def read(token: Annotated[str, Security(bearer, scopes=["read"])]) -> str:
        return token

    doc = TestClient(app).get("/openapi.json").json()
    assert doc["components"]["securitySchemes"] == {
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {"password": {"tokenUrl": "/token", "scopes": {}}},
        }
    }
    assert doc["paths"]["/"]["get"]["security"] == [{"OAuth2PasswordBearer": ["read"]}]


def test_security_scopes_class() -> None:
    assert SecurityScopes().scopes == []
    assert SecurityScopes().scope_str == ""
    scopes = SecurityScopes(["items:read", "me"])
    assert (scopes.scopes, scopes.scope_str) == (["items:read", "me"], "items:read me")


def test_security_scopes_are_injected() -> None:
    app = FastAPI()
    bearer = OAuth2PasswordBearer("/token", scopes={"me": "", "items": ""})

    def user(scopes: SecurityScopes, token: Annotated[str, Security(bearer, scopes=["me"])]) -> Any:
        return {"scopes": scopes.scopes, "token": token}

    @app.get("/")
    async def read(u: Annotated[Any, Security(user, scopes=["items"])]) -> Any:
        return u

    resp = TestClient(app).get("/", headers={"Authorization": "Bearer t"})
    assert resp.json() == {"scopes": ["items"], "token": "t"}


def test_example_app_logs_in_and_checks_tokens() -> None:
    from examples import auth

    client = TestClient(auth.app)
    assert client.get("/users/me").status_code == 401
    form = {"content-type": "application/x-www-form-urlencoded"}
    bad = client.post("/token", content="username=alice&password=nope", headers=form)
    assert bad.status_code == 400
    unknown = client.post("/token", content="username=bob&password=wonderland", headers=form)
    assert unknown.status_code == 400
    resp = client.post("/token", content="username=alice&password=wonderland", headers=form)
    token = resp.json()["access_token"]
    me = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"username": "alice", "full_name": "Alice Liddell"}
    wrong = client.get("/users/me", headers={"Authorization": "Bearer forged"})
    assert (wrong.status_code, wrong.headers["www-authenticate"]) == (401, "Bearer")
    assert client.get("/admin/users", headers={"X-Admin-Key": "guess"}).status_code == 403
    ok = client.get("/admin/users", headers={"X-Admin-Key": auth._ADMIN_KEY})
    assert ok.json() == [{"username": "alice", "full_name": "Alice Liddell"}]
