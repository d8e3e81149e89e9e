"""Password login and bearer tokens: the OAuth2 password flow that Swagger UI's button uses.

Run it with ``uvicorn examples.auth:app`` and open http://127.0.0.1:8000/docs; "Authorize"
with alice / wonderland, then call ``/users/me``.

``/token`` takes ``OAuth2PasswordRequestForm``, as FastAPI code does. Tokens are random
strings kept in memory; a real app would sign them (JWT) or store them with an expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Annotated

import msgspec

from fastcore import Depends, FastCore, HTTPException
from fastcore.security import APIKeyHeader, OAuth2PasswordBearer, OAuth2PasswordRequestForm

__all__ = ["app"]


class User(msgspec.Struct):
    """A user as the API shows it: never with the password hash."""

    username: str
    full_name: str


class Token(msgspec.Struct):
    """The token response OAuth2 clients (and Swagger UI) expect."""

    access_token: str
    token_type: str = "bearer"


_SALT = secrets.token_bytes(16)


def _hash(password: str) -> bytes:
    # SECURITY: a slow, salted hash; never store or compare plain passwords.
    return hashlib.pbkdf2_hmac("sha256", password.encode(), _SALT, 100_000)


_USERS = {"alice": (User("alice", "Alice Liddell"), _hash("wonderland"))}
_TOKENS: dict[str, str] = {}
# NOTE: random unless set, so a copy of this example never ships a known key.
_ADMIN_KEY = os.environ.get("AUTH_EXAMPLE_ADMIN_KEY") or secrets.token_urlsafe(16)

oauth2 = OAuth2PasswordBearer(tokenUrl="/token", description="Log in at /token")
admin_key = APIKeyHeader(name="X-Admin-Key", description="$AUTH_EXAMPLE_ADMIN_KEY")

app = FastCore(title="Auth example", version="1.0")


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange a user name and password (form-encoded, as OAuth2 says) for a token."""
    username, password = form.username, form.password
    found = _USERS.get(username)
    # SECURITY: hash even for an unknown user, so timing does not reveal which names exist.
    expected = found[1] if found else _hash(secrets.token_hex(8))
    if not hmac.compare_digest(_hash(password), expected) or found is None:
        raise HTTPException(400, "Incorrect username or password")
    token = secrets.token_urlsafe(32)
    _TOKENS[token] = username
    return Token(access_token=token)


async def current_user(token: Annotated[str, Depends(oauth2)]) -> User:
    """The user the bearer token belongs to; 401 with a Bearer challenge otherwise."""
    username = _TOKENS.get(token)
    if username is None:
        raise HTTPException(
            401, "Invalid authentication credentials", headers={"WWW-Authenticate": "Bearer"}
        )
    return _USERS[username][0]


@app.get("/users/me")
async def read_me(user: Annotated[User, Depends(current_user)]) -> User:
    return user


@app.get("/admin/users")
async def list_users(key: Annotated[str, Depends(admin_key)]) -> list[User]:
    """Every user; needs the admin key in ``X-Admin-Key``."""
    if not hmac.compare_digest(key, _ADMIN_KEY):
        raise HTTPException(403, "Wrong admin key")
    return [user for user, _ in _USERS.values()]
