"""``fastcore run`` / ``fastcore dev`` without ``module:app``: the app is found as FastAPI's CLI
finds it. Each test writes a small project in a temporary directory and runs the real CLI there."""

import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.server_process import ROOT, ServerProcess, get

APP = """
import os
from fastcore import FastCore

{name} = FastCore()


@{name}.get("/hello")
async def hello() -> dict:
    return {{"where": __name__, "greeting": os.environ.get("GREETING")}}
"""


def write(root, path: str, text: str) -> None:
    full = root / path
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_text(textwrap.dedent(text))


def serve(cwd, *args: str, command: str = "run") -> ServerProcess:
    env = {"PYTHONPATH": ROOT}
    return ServerProcess(
        command=[sys.executable, "-m", "fastcore", command, *args, "--port", "0"],
        env=env,
        cwd=str(cwd),
    )


def cli(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastcore", "run", *args, "--port", "0"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": ROOT},
        capture_output=True,
        text=True,
        timeout=20,
    )


@pytest.mark.parametrize(
    ("path", "name", "module"),
    [
        ("main.py", "app", "main"),
        ("app.py", "api", "app"),
        ("app/main.py", "app", "main"),  # app/ is not a package: imported from app/
        ("api/main.py", "server", "main"),  # the only FastCore instance
    ],
)
def test_default_files(tmp_path, path, name, module):
    write(tmp_path, path, APP.format(name=name))
    with serve(tmp_path) as server:
        port = server.port()
        assert f"found {module}:{name} in {path}" in server.output
        assert get(port, "/hello")[1]["where"] == module
        assert server.stop() == 0


def test_a_file_in_a_package_is_imported_by_its_dotted_name(tmp_path):
    write(tmp_path, "src/shop/__init__.py", "")
    write(tmp_path, "src/shop/settings.py", "NAME = 'shop'\n")
    write(tmp_path, "src/shop/web.py", "from .settings import NAME\n" + APP.format(name="api"))
    with serve(tmp_path, "src/shop/web.py") as server:
        port = server.port()
        assert "found shop.web:api in src/shop/web.py" in server.output
        assert get(port, "/hello")[1]["where"] == "shop.web"
        assert server.stop() == 0


def test_a_module_name_and_app_option(tmp_path):
    write(tmp_path, "service.py", APP.format(name="first") + APP.format(name="second"))
    with serve(tmp_path, "service", "--app", "second") as server:
        assert get(server.port(), "/hello")[1]["where"] == "service"
        assert "found service:second in module 'service'" in server.output
        assert server.stop() == 0


def test_env_file(tmp_path):
    write(tmp_path, "main.py", APP.format(name="app"))
    write(tmp_path, "settings.env", "GREETING=hello from the env file\n")
    with serve(tmp_path, "--env-file", "settings.env") as server:
        assert get(server.port(), "/hello")[1]["greeting"] == "hello from the env file"
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, (), "no app given and none of main.py, app.py, api.py, app/main.py"),
        (
            {"main.py": "x = 1\n"},
            (),
            "no FastCore app in main.py: expected an attribute named app or api",
        ),
        (
            {"main.py": APP.format(name="a") + APP.format(name="b")},
            (),
            "main.py has several FastCore apps (a, b); pick one with --app NAME or main:NAME",
        ),
        (
            {"main.py": APP.format(name="app")},
            ("--app", "nope"),
            "main.py has no attribute 'nope' (--app)",
        ),
        ({}, ("nothere.py",), "nothere.py does not exist"),
        ({}, ("nosuchmodule",), "cannot import 'nosuchmodule': no module named 'nosuchmodule'"),
        (
            {"main.py": APP.format(name="app")},
            ("main:app", "--app", "app"),
            "main:app already names the app",
        ),
        ({"main.py": APP.format(name="app")}, ("--factory",), "--factory needs MODULE:FUNCTION"),
        ({}, ("--env-file", "missing.env"), "cannot read missing.env (--env-file): no such file"),
        ({"pkg/x.py": ""}, ("pkg",), "is a directory without __init__.py"),
    ],
)
def test_mistakes_are_one_line(tmp_path, files, args, message):
    for path, text in files.items():
        write(tmp_path, path, text)
    result = cli(tmp_path, *args)
    assert result.returncode == 1, result.stderr
    assert "fastcore: error: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_dev_is_reload_localhost_debug_and_access_log(tmp_path):
    write(tmp_path, "main.py", APP.format(name="app"))
    with serve(tmp_path, command="dev") as server:
        port = server.port(timeout=20)
        assert "reloader pid" in server.output
        start = server.position()
        assert get(port, "/hello")[0] == 200
        server.wait_for(r'"GET /hello HTTP/1\.1" 200', start=start)
        (tmp_path / "main.py").write_text(APP.format(name="app").replace('"where"', '"changed"'))
        server.wait_for(r"main\.py changed, restarting", timeout=10)
        server.wait_for(r"listening on", start=server.position() - 1, timeout=20)
        assert server.stop() == 0


def test_the_build_is_named_and_a_missing_extension_is_warned_about(tmp_path):
    write(tmp_path, "main.py", APP.format(name="app"))
    blocked = (
        "import sys\n"
        "for name in ('fastcore.server.http._protocol_c', 'fastcore._routing._router_c',"
        " 'fastcore._routing._query_c'):\n"
        "    sys.modules[name] = None\n"
        "from fastcore.server.cli import main\n"
        "sys.exit(main(['run', '--port', '0']))\n"
    )
    env = {"PYTHONPATH": ROOT, "FASTCORE_NO_EXTENSIONS": "", "FASTCORE_REQUIRE_EXTENSIONS": ""}
    with ServerProcess(
        command=[sys.executable, "-c", blocked], env=env, cwd=str(tmp_path)
    ) as server:
        server.port()
        assert "(pid" in server.output and "pure build)" in server.output
        assert "fastcore: warning: the compiled extensions did not load" in server.output
        assert server.stop() == 0
    with serve(tmp_path) as server:
        server.port()
        build = "pure" if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1" else "compiled"
        assert f"{build} build)" in server.output
        assert "warning: the compiled extensions" not in server.output
        assert server.stop() == 0
