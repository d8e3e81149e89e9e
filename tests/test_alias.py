"""The ``fastapi`` alias, each case in its own interpreter: the test venv has the real FastAPI.

``tests/alias_project`` is an ordinary FastAPI project (an app using the fastapi-health
library, which imports ``fastapi`` itself, and the app's own tests with FastAPI's
TestClient). Its only addition is the conftest line that installs the alias; its tests pass
under the alias and, without that conftest, on the real FastAPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.server_process import ServerProcess, get

PROJECT = Path(__file__).parent / "alias_project"


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _project(tmp_path: Path, *, alias: bool) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if not alias:
        (copy / "conftest.py").unlink()
    return copy


def _pytest(cwd: Path) -> subprocess.CompletedProcess[str]:
    # -W error::DeprecationWarning: fastcore's modules, loaded as fastapi's, warn about nothing.
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error::DeprecationWarning"]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_an_unchanged_fastapi_project_passes_its_tests_under_the_alias(tmp_path: Path) -> None:
    project = _project(tmp_path, alias=True)
    result = _pytest(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout
    served = _python(
        """
        import conftest, main, fastapi, fastapi_health.route
        print(type(main.app).__module__, fastapi.__version__, fastapi.Depends.__module__)
        print(fastapi_health.route.JSONResponse.__module__)
        """,
        cwd=project,
    )
    assert served.stdout.split() == [
        "fastcore.app",
        "0.165.0",
        "fastcore.params",
        "starlette.responses",  # FastAPI's responses are Starlette's, and so are fastcore's
    ]


def test_the_same_project_passes_on_the_real_fastapi(tmp_path: Path) -> None:
    project = _project(tmp_path, alias=False)
    result = _pytest(project)
    assert "8 passed" in result.stdout, result.stdout + result.stderr
    served = _python("import main; print(type(main.app).__module__)", cwd=project)
    assert served.stdout.strip() == "fastapi.applications"


def test_fastapi_modules_are_fastcores_modules_even_with_fastapi_installed() -> None:
    result = _python(
        """
        import fastcore.alias
        fastcore.alias.install()
        import fastapi, fastapi.responses, fastapi.security.base, fastapi.dependencies.utils
        import fastcore.responses, fastcore.security.base, fastcore.dependencies.utils
        from fastapi import FastAPI, HTTPException, APIRouter
        from fastapi.exceptions import FastAPIError
        import fastcore
        assert fastapi.responses is fastcore.responses
        assert fastapi.security.base is fastcore.security.base
        assert fastapi.dependencies.utils is fastcore.dependencies.utils
        assert (FastAPI, HTTPException, APIRouter) == (
            fastcore.FastAPI, fastcore.HTTPException, fastcore.APIRouter)
        assert issubclass(fastcore.FastCoreError, FastAPIError)
        assert fastcore.alias.installed()
        for name in ("fastapi.middleware.wsgi", "fastapi.no_such_module"):
            try:
                __import__(name)
            except ModuleNotFoundError as exc:
                assert exc.name == name and "fastcore's FastAPI alias" in str(exc), exc
            else:
                raise AssertionError(name)
        fastcore.alias.uninstall()
        import fastapi
        assert fastapi.__file__.endswith("site-packages/fastapi/__init__.py"), fastapi.__file__
        print("ok")
        """
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_install_refuses_when_the_real_fastapi_is_already_imported() -> None:
    result = _python(
        """
        import fastapi.responses
        import fastcore.alias
        try:
            fastcore.alias.install()
        except fastcore.alias.FastAPIAlreadyImportedError as exc:
            print(exc)
        assert not fastcore.alias.installed()
        """
    )
    assert "the real FastAPI is already imported" in result.stdout, result.stderr
    assert "before anything imports fastapi" in result.stdout


def test_fastcore_run_as_fastapi_serves_an_unchanged_app() -> None:
    with ServerProcess("alias_project.main:app", "--as-fastapi", "--port", "0") as server:
        port = server.port()
        assert get(port, "/items/1") == (200, {"name": "Hammer", "price": 9.5, "tags": ["tools"]})
        assert get(port, "/health") == (200, {})
        assert server.stop() == 0
