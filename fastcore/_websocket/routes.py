"""WebSocket routes as FastAPI records them: ``@app.websocket(path)`` and its relatives.

A route here is a description, as an HTTP ``APIRoute`` is: the app plans it at ``freeze``
(``fastcore/_websocket/plans.py``) into one callable that resolves the handler's path,
query, header and cookie parameters and dependencies, then calls it with the WebSocket.
The classes are Starlette's ``WebSocketRoute`` underneath, as FastAPI's are, so code that
walks ``app.routes`` and checks ``isinstance(route, WebSocketRoute)`` finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import WebSocketRoute

from fastcore._routing import parse_template
from fastcore.exceptions import FastCoreError
from fastcore.params import Depends

__all__ = ["APIWebSocketRoute", "PlainWebSocketRoute"]


class _FastCoreWebSocketRoute(WebSocketRoute):
    """What both kinds of WebSocket route share inside fastcore's router."""

    #: NOTE: no HTTP methods; code that scans ``app.routes`` for them passes over these.
    methods: frozenset[str] = frozenset()
    include_in_schema = False

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str | None) -> None:
        if not path.startswith("/"):
            raise FastCoreError(f"WebSocket route path {path!r} must start with '/'")
        super().__init__(path, endpoint, name=name)
        #: ``{name: convertor}`` in fastcore's router's terms (Starlette's are in
        #: ``param_convertors``), the names a handler's path parameters must match.
        self.template_params = dict(parse_template(path))

    def url_path(self, **params: Any) -> str:
        """This route's path with the parameters filled in; Starlette's NoMatchFound (which
        ``fastcore.routing.NoMatchFound`` is) if they do not fit."""
        return str(self.url_path_for(self.name, **params))


class APIWebSocketRoute(_FastCoreWebSocketRoute):
    """``@app.websocket(path)``: a handler with typed parameters and dependencies."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        super().__init__(path, endpoint, name=name)
        self.dependencies = list(dependencies or [])
        # Set by FastCore.freeze: the analysed signature and the plan.
        self.dependant: Any = None
        self.plan: Any = None
        from fastcore._websocket.plans import check_declaration

        check_declaration(self)


class PlainWebSocketRoute(_FastCoreWebSocketRoute):
    """Starlette's ``add_websocket_route``: ``endpoint(websocket)``, nothing resolved."""
