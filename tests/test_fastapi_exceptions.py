"""FastAPI's exception and warning classes: FastAPI 0.165's names, hierarchy and warnings."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import fastapi.exceptions
import pytest

import fastcore.exceptions
from fastcore import FastCore, FastCoreError
from fastcore.exceptions import (
    DependencyScopeError,
    FastAPIDeprecationWarning,
    FastAPIError,
    PydanticV1NotSupportedError,
    RequestValidationError,
    ResponseValidationError,
    RouteConflictError,
    ValidationException,
    WebSocketRequestValidationError,
)

FASTAPI_CLASSES = [
    "DependencyScopeError",
    "FastAPIDeprecationWarning",
    "FastAPIError",
    "PydanticV1NotSupportedError",
    "RequestValidationError",
    "ResponseValidationError",
    "ValidationException",
    "WebSocketRequestValidationError",
]


def _builtin_bases(cls: type) -> list[str]:
    """The classes outside the module in a class's MRO: what ``except`` clauses see."""
    return [c.__qualname__ for c in cls.__mro__ if c.__module__ == "builtins"]


@pytest.mark.parametrize("name", FASTAPI_CLASSES)
def test_each_fastapi_class_exists_with_fastapis_builtin_bases(name: str) -> None:
    ours, theirs = getattr(fastcore.exceptions, name), getattr(fastapi.exceptions, name)
    assert _builtin_bases(ours) == _builtin_bases(theirs)


@pytest.mark.parametrize("sub", FASTAPI_CLASSES)
@pytest.mark.parametrize("base", FASTAPI_CLASSES)
def test_subclass_relations_match_fastapi(sub: str, base: str) -> None:
    theirs = issubclass(getattr(fastapi.exceptions, sub), getattr(fastapi.exceptions, base))
    ours = issubclass(getattr(fastcore.exceptions, sub), getattr(fastcore.exceptions, base))
    assert ours == theirs


def test_fastcore_start_up_errors_are_fastapi_errors() -> None:
    """Code written for FastAPI catches configuration mistakes as FastAPIError."""
    assert issubclass(FastCoreError, FastAPIError)
    assert issubclass(RouteConflictError, FastAPIError)
    assert issubclass(RouteConflictError, ValueError)
    assert issubclass(DependencyScopeError, RuntimeError)
    assert issubclass(PydanticV1NotSupportedError, FastAPIError)


def test_validation_errors_take_fastapis_keywords() -> None:
    ctx = {"function": "read", "path": "GET /items", "file": "main.py", "line": 3}
    for cls in (RequestValidationError, ResponseValidationError):
        exc = cls([{"loc": ("query", "q"), "msg": "bad"}], body={"a": 1}, endpoint_ctx=ctx)  # type: ignore[arg-type]
        assert exc.errors() == [{"loc": ("query", "q"), "msg": "bad"}]
        assert exc.body == {"a": 1}
        assert (exc.endpoint_function, exc.endpoint_path) == ("read", "GET /items")
        assert (exc.endpoint_file, exc.endpoint_line) == ("main.py", 3)
        assert 'File "main.py", line 3, in read' in str(exc)
    ws = WebSocketRequestValidationError([{"msg": "bad"}], endpoint_ctx={"path": "/ws"})
    assert isinstance(ws, ValidationException)
    assert ws.errors() == [{"msg": "bad"}]
    assert "Endpoint: /ws" in str(ws)
    assert RequestValidationError([]).endpoint_ctx is None


def test_error_models_are_pydantic_models_named_like_fastapis() -> None:
    from pydantic import BaseModel

    for name in ("RequestErrorModel", "WebSocketErrorModel"):
        ours, theirs = getattr(fastcore.exceptions, name), getattr(fastapi.exceptions, name)
        assert issubclass(ours, BaseModel)
        assert ours.__name__ == theirs.__name__
        assert ours.model_json_schema() == theirs.model_json_schema()


def test_importing_the_exceptions_does_not_import_pydantic() -> None:
    code = "import sys, fastcore.exceptions; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_on_event_warns_as_fastapi_does() -> None:
    app = FastCore()
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

        @app.on_event("startup")
        def start() -> None: ...

    assert app.on_startup == [start]


def test_root_path_parameter_warns_as_fastapi_does() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="fastapi run --root-path"):
        app = FastCore(root_path="/api/v1")
    assert app.root_path == "/api/v1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FastCore()


def test_a_pytest_mark_naming_the_warning_class_resolves(tmp_path: Path) -> None:
    """pytest aborts the whole session when a filterwarnings mark names a missing class."""
    (tmp_path / "test_marked.py").write_text(
        textwrap.dedent(
            """
            import warnings
            import pytest
            from fastcore.exceptions import FastAPIDeprecationWarning

            @pytest.mark.filterwarnings("ignore::fastcore.exceptions.FastAPIDeprecationWarning")
            def test_ignored():
                warnings.warn("old", FastAPIDeprecationWarning)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
