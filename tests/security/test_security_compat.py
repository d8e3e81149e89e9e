"""One security app on FastAPI and on fastcore: a client and the docs must see the same.

The app is written once as a function of the framework module; every case sends the same
request to both and compares status, body and ``WWW-Authenticate``; the OpenAPI
``securitySchemes`` and each operation's ``security`` are compared as a whole.
"""

import base64
from typing import Annotated, Any

import fastapi
import fastapi.security
import fastapi.testclient
import pytest

import fastcore
import fastcore.security
import fastcore.testclient


def _optional(value: Any) -> Any:
    """What a route answers for an optional scheme: the credentials, or a marker for None."""
    return {"none": True} if value is None else value


def security_app(fw: Any) -> Any:
    """Every scheme, each required and optional, plus scopes and a nested security dependency."""
    sec, Depends, Security = fw.security, fw.Depends, fw.Security
    app = fw.FastAPI()
    schemes: dict[str, Any] = {
        "basic": sec.HTTPBasic(),
        "basic-realm": sec.HTTPBasic(realm="shop", scheme_name="BasicRealm"),
        "bearer": sec.HTTPBearer(bearerFormat="JWT", description="Signed tokens"),
        "digest": sec.HTTPDigest(),
        "key-header": sec.APIKeyHeader(name="X-Key", description="Ask the admin"),
        "key-query": sec.APIKeyQuery(name="api_key"),
        "key-cookie": sec.APIKeyCookie(name="session"),
        "oauth2": sec.OAuth2(flows={"clientCredentials": {"tokenUrl": "/token", "scopes": {}}}),
        "password": sec.OAuth2PasswordBearer(
            tokenUrl="/token", scopes={"read": "Read items", "write": "Write items"}
        ),
        "code": sec.OAuth2AuthorizationCodeBearer(
            authorizationUrl="https://auth.example/authorize",
            tokenUrl="https://auth.example/token",
            refreshUrl="https://auth.example/refresh",
            scopes={"openid": "Who you are"},
        ),
        "oidc": sec.OpenIdConnect(openIdConnectUrl="https://auth.example/.well-known"),
    }
    optional: dict[str, Any] = {
        "basic": sec.HTTPBasic(auto_error=False, scheme_name="BasicOpt"),
        "bearer": sec.HTTPBearer(auto_error=False, scheme_name="BearerOpt"),
        "digest": sec.HTTPDigest(auto_error=False, scheme_name="DigestOpt"),
        "key-header": sec.APIKeyHeader(name="X-Key", auto_error=False, scheme_name="KeyOpt"),
        "key-query": sec.APIKeyQuery(name="api_key", auto_error=False, scheme_name="QOpt"),
        "key-cookie": sec.APIKeyCookie(name="session", auto_error=False, scheme_name="COpt"),
        "password": sec.OAuth2PasswordBearer(tokenUrl="/token", auto_error=False),
        "oidc": sec.OpenIdConnect(openIdConnectUrl="/oidc", auto_error=False, scheme_name="O"),
    }

    def add(path: str, scheme: Any, scopes: list[str] | None = None) -> None:
        marker = Security(scheme, scopes=scopes) if scopes else Depends(scheme)

        async def endpoint(value: Annotated[Any, marker]) -> Any:
            return _optional(value)

        endpoint.__name__ = path.strip("/").replace("-", "_").replace("/", "_")
        app.get(path)(endpoint)

    for name, scheme in schemes.items():
        add(f"/{name}", scheme, ["read"] if name == "password" else None)
    for name, scheme in optional.items():
        add(f"/opt/{name}", scheme)

    password = schemes["password"]

    async def current_user(token: Annotated[str, Security(password, scopes=["read"])]) -> str:
        return f"user-for-{token}"

    @app.get("/me")
    async def me(
        user: Annotated[str, Security(current_user, scopes=["write"])],
        key: Annotated[str, Depends(schemes["key-header"])],
    ) -> dict:
        return {"user": user, "key": key}

    @app.get("/open")
    async def open_route() -> dict:
        return {"open": True}

    return app


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


REF = fastapi.testclient.TestClient(security_app(fastapi))
OURS = fastcore.testclient.TestClient(security_app(fastcore))


def _seen(resp: Any) -> dict[str, Any]:
    return {
        "status": resp.status_code,
        "body": resp.json(),
        "www-authenticate": resp.headers.get("www-authenticate"),
    }


def _same(url: str, **kw: Any) -> dict[str, Any]:
    expected = _seen(REF.get(url, **kw))
    got = _seen(OURS.get(url, **kw))
    assert got == expected, f"{url} {kw}"
    return got


def _auth(value: str | bytes) -> dict[str, Any]:
    return {"headers": {"Authorization": value}}


AUTH_ROUTES = ["basic", "basic-realm", "bearer", "digest", "oauth2", "password", "code", "oidc"]
AUTH_VALUES: list[str | bytes] = [
    "",
    "   ",
    "Bearer",
    "Bearer ",
    "Bearer abc.def",
    "bearer abc",
    "BEARER  spaced token  ",
    "Token abc",
    "Basic " + _b64(b"alice:secret"),
    "basic " + _b64(b"alice:"),
    "Basic " + _b64(b":pw:with:colons"),
    "Basic " + _b64(b"no-colon"),
    "Basic !!!not-base64!!!",
    "Basic " + _b64(b"alice:secret")[:-2],
    "Basic",
    "Basic " + _b64("jürgen:pässword".encode()),
    "Basic " + _b64("jürgen:p".encode("latin-1")),
    "Digest username=alice, realm=shop, nonce=abc",
    "Digest",
]


@pytest.mark.parametrize("value", AUTH_VALUES, ids=repr)
@pytest.mark.parametrize(
    "route", AUTH_ROUTES + [f"opt/{r}" for r in ("basic", "bearer", "digest", "password", "oidc")]
)
def test_authorization_header(route: str, value: str | bytes) -> None:
    _same(f"/{route}", **_auth(value))


@pytest.mark.parametrize("route", AUTH_ROUTES + ["key-header", "key-query", "key-cookie", "me"])
def test_missing_credentials_is_a_401_with_a_challenge(route: str) -> None:
    seen = _same(f"/{route}")
    assert seen["status"] == 401
    assert seen["body"] == {"detail": "Not authenticated"}
    assert seen["www-authenticate"]


@pytest.mark.parametrize(
    "route",
    ["basic", "bearer", "digest", "key-header", "key-query", "key-cookie", "password", "oidc"],
)
def test_auto_error_false_returns_none(route: str) -> None:
    assert _same(f"/opt/{route}") == {
        "status": 200,
        "body": {"none": True},
        "www-authenticate": None,
    }


API_KEY_CASES: list[tuple[str, dict[str, Any]]] = [
    ("key-header", {"headers": {"X-Key": "k1"}}),
    ("key-header", {"headers": {"x-key": "lower"}}),
    ("key-header", {"headers": {"X-Key": ""}}),
    ("key-header", {"headers": {"X-Other": "k1"}}),
    ("key-query", {"params": {"api_key": "q1"}}),
    ("key-query", {"params": {"api_key": ""}}),
    ("key-query", {"params": {"API_KEY": "q1"}}),
    ("key-query", {"params": [("api_key", "first"), ("api_key", "second")]}),
    ("key-cookie", {"headers": {"Cookie": "session=c1"}}),
    ("key-cookie", {"headers": {"Cookie": "session="}}),
    ("key-cookie", {"headers": {"Cookie": "other=c1; session=c2"}}),
    ("key-cookie", {"headers": {"Cookie": "Session=c1"}}),
]


@pytest.mark.parametrize(("route", "kw"), API_KEY_CASES)
def test_api_keys(route: str, kw: dict[str, Any]) -> None:
    _same(f"/{route}", **kw)
    _same(f"/opt/{route}", **kw)


@pytest.mark.parametrize("route", AUTH_ROUTES)
def test_raw_non_ascii_authorization_bytes(route: str) -> None:
    """Raw UTF-8 bytes in the header: the same answer, except for an echo of the header.

    NOTE: Starlette's test client re-encodes a header that httpx decoded as latin-1 into
    UTF-8, so FastAPI's app sees different text than any real server would hand it; fastcore
    decodes header bytes as latin-1, as ASGI servers do. Only the echo differs.
    """
    raw = b"Basic \xc3\xbc\xff"
    expected = _seen(REF.get(f"/{route}", **_auth(raw)))
    got = _seen(OURS.get(f"/{route}", **_auth(raw)))
    if got["status"] == 200:
        assert got["body"] == raw.decode("latin-1")
        got["body"] = expected["body"]
    assert got == expected


def test_nested_security_dependencies() -> None:
    _same("/me", headers={"Authorization": "Bearer t"})
    _same("/me", headers={"X-Key": "k"})
    seen = _same("/me", headers={"Authorization": "Bearer t", "X-Key": "k"})
    assert seen["body"] == {"user": "user-for-t", "key": "k"}


def test_open_route_needs_nothing() -> None:
    assert _same("/open")["status"] == 200


def _openapi(client: Any) -> dict[str, Any]:
    doc: dict[str, Any] = client.get("/openapi.json").json()
    return doc


def test_security_schemes_match_fastapi() -> None:
    expected = _openapi(REF)["components"]["securitySchemes"]
    assert _openapi(OURS)["components"]["securitySchemes"] == expected
    assert len(expected) == 18  # the optional password bearer shares the default name


def test_operation_security_matches_fastapi() -> None:
    ref, ours = _openapi(REF)["paths"], _openapi(OURS)["paths"]
    assert ref.keys() == ours.keys()
    for path, item in ref.items():
        assert ours[path]["get"].get("security") == item["get"].get("security"), path
    assert ours["/me"]["get"]["security"] == [
        {"OAuth2PasswordBearer": ["write", "read"]},
        {"APIKeyHeader": []},
    ]
    assert "security" not in ours["/open"]["get"]
