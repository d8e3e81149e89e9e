"""Jinja2 templates rendered into HTML responses, with Starlette's ``Jinja2Templates`` API.

jinja2 is optional (``pip install fastcore[templates]``): it is imported when a
``Jinja2Templates`` is built, so importing this module, or fastcore, never needs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fastcore.background import BackgroundTask
from fastcore.datastructures import URL
from fastcore.requests import HTTPConnection
from fastcore.responses import HTMLResponse, Receive, Scope, Send

if TYPE_CHECKING:
    import jinja2

__all__ = ["Jinja2Templates"]

ContextProcessor = Callable[[Any], dict[str, Any]]
TemplateDirs = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def _require_jinja2() -> None:
    """Import jinja2 now, or raise an ImportError that says how to get it."""
    try:
        import jinja2  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "jinja2 must be installed to use Jinja2Templates: pip install 'fastcore[templates]'"
        ) from exc


class _TemplateResponse(HTMLResponse):
    """Rendered HTML that remembers its template and context, so tests can inspect them.

    The test client asks for them with the ``http.response.debug`` extension, as Starlette's.
    """

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            info = {"template": self.template, "context": self.context}
            await send({"type": "http.response.debug", "info": info})
        await super().__call__(scope, receive, send)


class Jinja2Templates:
    """Templates from a directory (or a ready ``jinja2.Environment``) as HTML responses.

    Every template gets ``request`` in its context and a ``url_for(name, **params)`` global
    that resolves through the request, so links follow the app's routes and mount prefix.
    """

    def __init__(
        self,
        directory: TemplateDirs | None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        _require_jinja2()
        import jinja2

        self.context_processors = list(context_processors or ())
        if (directory is None) == (env is None):
            raise TypeError("Jinja2Templates needs exactly one of 'directory' or 'env'")
        if directory is not None:
            # NOTE: autoescape for .html/.xml as Starlette does: templates are HTML by default.
            loader = jinja2.FileSystemLoader(directory)
            env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
        assert env is not None
        self.env: jinja2.Environment = env
        self._setup_env_defaults(env)

    def _setup_env_defaults(self, env: jinja2.Environment) -> None:
        """Add ``url_for`` unless the environment already defines one of its own."""
        import jinja2

        @jinja2.pass_context
        def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
            request: HTTPConnection = context["request"]
            return request.url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)

    def get_template(self, name: str) -> jinja2.Template:
        """The template called ``name``; jinja2's TemplateNotFound when there is none."""
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: HTTPConnection,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        """Render ``name`` with ``context`` (plus ``request`` and the context processors)."""
        if isinstance(request, str):
            raise TypeError(
                "TemplateResponse(request, name, context=...) takes the request first; "
                "the old TemplateResponse(name, {'request': request}) form is not supported"
            )
        context = {} if context is None else context
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        template = self.get_template(name)
        return _TemplateResponse(template, context, status_code, headers, media_type, background)
