"""The interactive docs pages: Swagger UI, ReDoc, and Swagger UI's OAuth2 redirect page.

Same function names, keyword arguments and defaults as ``fastapi.openapi.docs``, so apps
with custom ``/docs`` routes calling ``get_swagger_ui_html`` only change their import: called
without asset URLs, these functions point at jsDelivr's CDN, as FastAPI documents.

The app's own ``/docs`` and ``/redoc`` do not: fastcore ships Swagger UI's and ReDoc's
distribution files (``BUNDLED_ASSETS_DIR``, refreshed from npm by ``make docs-assets``; the
versions and licences are recorded there) and serves them itself, so the pages render with
no network. ``FastCore(docs_cdn=True)`` asks for the CDN instead.
Everything interpolated into the HTML is escaped: titles and URLs may come from settings.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from fastcore.openapi.schemas import jsonable
from fastcore.responses import HTMLResponse

__all__ = [
    "BUNDLED_ASSETS_DIR",
    "bundled_asset_versions",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "swagger_ui_default_parameters",
]

#: Swagger UI's and ReDoc's files shipped inside fastcore: ``swagger-ui-bundle.js``,
#: ``swagger-ui.css``, ``favicon-32x32.png``, ``redoc.standalone.js``, their licences in
#: ``licenses/`` and ``versions.json`` (npm package, version, integrity, sha256 per file).
#: A custom docs route can serve this folder (``StaticFiles(directory=BUNDLED_ASSETS_DIR)``).
BUNDLED_ASSETS_DIR: Path = Path(__file__).resolve().with_name("static")


def bundled_asset_versions() -> dict[str, str]:
    """The npm package versions of the bundled files: ``{"swagger-ui-dist": ..., "redoc": ...}``."""
    record = json.loads((BUNDLED_ASSETS_DIR / "versions.json").read_text())
    return {package: str(info["version"]) for package, info in record.items()}


#: Swagger UI's configuration unless ``swagger_ui_parameters`` overrides a key.
swagger_ui_default_parameters: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}

_FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"


def _script_json(value: Any) -> str:
    """JSON safe to place inside ``<script>``: no ``</script>`` or HTML entity can form.

    Spaced as Python's ``json.dumps`` spaces it (``{"theme": "obsidian"}``), as FastAPI's
    pages are: tests and tools search the page for the configuration they passed.
    """
    text = json.dumps(jsonable(value))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    swagger_css_url: str = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    swagger_favicon_url: str = _FAVICON,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The Swagger UI page that loads the document at ``openapi_url``."""
    parameters = {**swagger_ui_default_parameters, **(swagger_ui_parameters or {})}
    config = [f"url: {_script_json(openapi_url)},"]
    config += [f"{_script_json(key)}: {_script_json(value)}," for key, value in parameters.items()]
    if oauth2_redirect_url:
        config.append(
            f"oauth2RedirectUrl: window.location.origin + {_script_json(oauth2_redirect_url)},"
        )
    config.append(
        "presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],"
    )
    init = f"ui.initOAuth({_script_json(init_oauth)});" if init_oauth else ""
    body = "\n".join(f"    {line}" for line in config)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{_attr(swagger_css_url)}">
<link rel="shortcut icon" href="{_attr(swagger_favicon_url)}">
<title>{html.escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_attr(swagger_js_url)}"></script>
<script>
const ui = SwaggerUIBundle({{
{body}
}});
{init}
</script>
</body>
</html>
"""
    return HTMLResponse(page)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    redoc_favicon_url: str = _FAVICON,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """The ReDoc page that renders the document at ``openapi_url``."""
    fonts = (
        '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|'
        'Roboto:300,400,700" rel="stylesheet">\n'
        if with_google_fonts
        else ""
    )
    page = f"""<!DOCTYPE html>
<html>
<head>
<title>{html.escape(title)}</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
{fonts}<link rel="shortcut icon" href="{_attr(redoc_favicon_url)}">
<style>
  body {{ margin: 0; padding: 0; }}
</style>
</head>
<body>
<noscript>
ReDoc requires JavaScript to function. Please enable it to browse the documentation.
</noscript>
<redoc spec-url="{_attr(openapi_url)}"></redoc>
<script src="{_attr(redoc_js_url)}"></script>
</body>
</html>
"""
    return HTMLResponse(page)


# The page Swagger UI opens as the OAuth2 redirect target: it reads the authorization
# server's answer from the URL, checks the state it sent, and hands the code or token back
# to the Swagger UI window that opened it (``window.opener.swaggerUIRedirectOauth2``).
_OAUTH2_REDIRECT = """<!doctype html>
<html lang="en-US">
<head>
<title>Swagger UI: OAuth2 Redirect</title>
</head>
<body>
<script>
'use strict';
function readAnswer() {
    var raw = /code|token|error/.test(window.location.hash)
        ? window.location.hash.substring(1).replace('?', '&')
        : window.location.search.substring(1);
    var answer = {};
    if (!raw) { return answer; }
    raw.split('&').forEach(function (pair) {
        var at = pair.indexOf('=');
        var key = at < 0 ? pair : pair.substring(0, at);
        var value = at < 0 ? '' : pair.substring(at + 1);
        answer[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\\+/g, ' '));
    });
    return answer;
}
function codeFlow(schema) {
    var flow = schema.get('flow');
    return flow === 'accessCode' || flow === 'authorizationCode' || flow === 'authorization_code';
}
function run() {
    var oauth2 = window.opener.swaggerUIRedirectOauth2;
    var answer = readAnswer();
    var isValid = answer.state === oauth2.state;
    if (codeFlow(oauth2.auth.schema) && !oauth2.auth.code) {
        if (!isValid) {
            oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'warning',
                message: "Authorization may be unsafe, passed state was changed in server. " +
                         "The passed state wasn't returned from auth server."});
        }
        if (answer.code) {
            delete oauth2.state;
            oauth2.auth.code = answer.code;
            oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});
        } else {
            var message = '[Authorization failed]: no accessCode received from the server.';
            if (answer.error) {
                message = '[' + answer.error + ']: ' +
                    (answer.error_description ? answer.error_description + '. '
                                              : 'no accessCode received from the server. ') +
                    (answer.error_uri ? 'More info: ' + answer.error_uri : '');
            }
            oauth2.errCb({authId: oauth2.auth.name, source: 'auth', level: 'error',
                          message: message});
        }
    } else {
        oauth2.callback({auth: oauth2.auth, token: answer, isValid: isValid,
                         redirectUrl: oauth2.redirectUrl});
    }
    window.close();
}
if (document.readyState !== 'loading') {
    run();
} else {
    document.addEventListener('DOMContentLoaded', run);
}
</script>
</body>
</html>
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page Swagger UI's OAuth2 login returns to; it passes the result back to the docs."""
    return HTMLResponse(_OAUTH2_REDIRECT)
