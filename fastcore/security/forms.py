"""The OAuth2 password flow's login form, as a class dependency read from form fields.

``OAuth2PasswordRequestForm`` is what a ``/token`` route takes: the spec sends the user
name, password and scopes form-encoded. It is an ordinary class dependency whose
``__init__`` parameters are ``Form()`` fields, so its validation, 422 errors and OpenAPI
body come from the same plan machinery as any form route.
"""

from __future__ import annotations

from typing import Annotated

from fastcore.params import Form

__all__ = ["OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"]


class OAuth2PasswordRequestForm:
    """``username``, ``password``, space-separated ``scope`` (as ``scopes``), client id/secret."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The same, but ``grant_type=password`` is required, as the OAuth2 spec says.

    NOTE: as in FastAPI, its password fields carry no ``format: password`` in the docs.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
