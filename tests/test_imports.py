"""Pins the public surface: what ``fastcore`` exports, and the FastAPI-compatible modules."""

import importlib

import fastcore

PUBLIC = [
    "APIRoute",
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "FastAPI",
    "FastCore",
    "FastCoreError",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "ResponseValidationError",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "__version__",
    "status",
]


def test_public_names() -> None:
    assert fastcore.__all__ == PUBLIC
    for name in PUBLIC:
        assert hasattr(fastcore, name), name


def test_fastapi_module_paths() -> None:
    expected = {
        "fastcore.responses": [
            "JSONResponse",
            "PlainTextResponse",
            "HTMLResponse",
            "RedirectResponse",
            "StreamingResponse",
            "FileResponse",
            "Response",
        ],
        "fastcore.testclient": ["TestClient"],
        "fastcore.encoders": ["jsonable_encoder"],
        "fastcore.exceptions": [
            "HTTPException",
            "RequestValidationError",
            "WebSocketException",
            "WebSocketRequestValidationError",
        ],
        "fastcore.exception_handlers": [
            "http_exception_handler",
            "request_validation_exception_handler",
        ],
        "fastcore.status": ["HTTP_200_OK", "HTTP_404_NOT_FOUND", "HTTP_422_UNPROCESSABLE_ENTITY"],
        "fastcore.openapi.utils": ["get_openapi"],
        "fastcore.openapi.docs": ["get_swagger_ui_html", "get_redoc_html"],
        "fastcore.background": ["BackgroundTasks"],
        "fastcore.requests": ["Request"],
        "fastcore.routing": ["APIRouter", "APIRoute", "APIWebSocketRoute"],
        "fastcore.websockets": ["WebSocket", "WebSocketDisconnect", "WebSocketState"],
        "fastcore.params": ["Query", "Depends"],
        "fastcore.concurrency": ["run_in_threadpool"],
        "fastcore.datastructures": ["Headers", "QueryParams", "URL", "State"],
    }
    for module, names in expected.items():
        mod = importlib.import_module(module)
        for name in names:
            assert hasattr(mod, name), f"{module}.{name}"


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_every_module_has_sorted_all() -> None:
    import pkgutil

    for info in pkgutil.walk_packages(fastcore.__path__, "fastcore."):
        if info.name.endswith("_c"):  # compiled twins: their .pyi is the surface
            continue
        mod = importlib.import_module(info.name)
        names = getattr(mod, "__all__", None)
        if info.ispkg and names is None:
            continue
        assert names is not None, f"{info.name} has no __all__"
        assert list(names) == sorted(names, key=_isort_key), f"{info.name}.__all__ is not sorted"


def test_pydantic_is_not_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys, fastcore, fastcore.testclient, fastcore.responses;"
        "from fastcore import FastCore; a = FastCore(); a.get('/')(lambda: 1); a.freeze();"
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_framework_objects_are_starlettes() -> None:
    """FastAPI's public objects are Starlette's: isinstance checks in libraries must pass."""
    import starlette.background
    import starlette.datastructures
    import starlette.exceptions
    import starlette.middleware.base
    import starlette.middleware.cors
    import starlette.requests
    import starlette.responses
    import starlette.staticfiles
    import starlette.websockets

    import fastcore.datastructures
    import fastcore.middleware.base
    import fastcore.middleware.cors
    import fastcore.requests
    import fastcore.responses
    import fastcore.staticfiles

    same = [
        (fastcore.Request, starlette.requests.Request),
        (fastcore.requests.HTTPConnection, starlette.requests.HTTPConnection),
        (fastcore.Response, starlette.responses.Response),
        (fastcore.responses.JSONResponse, starlette.responses.JSONResponse),
        (fastcore.responses.StreamingResponse, starlette.responses.StreamingResponse),
        (fastcore.responses.FileResponse, starlette.responses.FileResponse),
        (fastcore.datastructures.Headers, starlette.datastructures.Headers),
        (fastcore.datastructures.MutableHeaders, starlette.datastructures.MutableHeaders),
        (fastcore.datastructures.URL, starlette.datastructures.URL),
        (fastcore.datastructures.State, starlette.datastructures.State),
        (fastcore.staticfiles.StaticFiles, starlette.staticfiles.StaticFiles),
        (fastcore.middleware.cors.CORSMiddleware, starlette.middleware.cors.CORSMiddleware),
        (fastcore.middleware.base.BaseHTTPMiddleware, starlette.middleware.base.BaseHTTPMiddleware),
        (fastcore.WebSocket, starlette.websockets.WebSocket),
    ]
    for ours, theirs in same:
        assert ours is theirs, ours
    subclasses = [
        (fastcore.HTTPException, starlette.exceptions.HTTPException),
        (fastcore.WebSocketException, starlette.exceptions.WebSocketException),
        (fastcore.UploadFile, starlette.datastructures.UploadFile),
        (fastcore.BackgroundTasks, starlette.background.BackgroundTasks),
    ]
    for ours, theirs in subclasses:
        assert issubclass(ours, theirs), ours
