"""``fastcore run`` as a user runs it: real processes on 127.0.0.1, ports picked by the OS."""

import dataclasses
import os
import signal
import socket
import subprocess
import sys

import pytest

from fastcore import FastCore
from fastcore.exceptions import FastCoreError
from fastcore.server.cli import main
from fastcore.server.config import ServerConfig
from fastcore.server.reload import child_arguments
from tests.support.server_process import ROOT, TESTS, ServerProcess, UnixConnection, get


def run_cli(*args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    """``python -m fastcore ARGS`` expected to exit by itself."""
    return subprocess.run(
        [sys.executable, "-m", "fastcore", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_every_config_field_with_its_default():
    result = run_cli("run", "--help")
    assert result.returncode == 0
    for field in dataclasses.fields(ServerConfig):
        flag = (
            "--reload-dir" if field.name == "reload_dirs" else "--" + field.name.replace("_", "-")
        )
        assert flag in result.stdout, flag
    assert "--no-date-header" in result.stdout
    assert "(default: 8000)" in result.stdout
    assert "(default: 30.0)" in result.stdout  # timeout_graceful


def test_flags_become_the_config(monkeypatch):
    seen = {}

    def fake_serve(app, config, sock=None):
        seen["config"] = config
        return 0

    monkeypatch.setattr("fastcore.server.cli.serve_app", fake_serve)
    argv = [
        "run",
        "support.server_apps.cli_app:app",
        "--app-dir",
        TESTS,
        "--port",
        "0",
        "--workers",
        "3",
    ]
    argv += ["--no-date-header", "--server-header", "fc", "--limit-body-size", "10"]
    argv += ["--timeout-graceful", "2.5", "--access-log", "--log-level", "WARNING"]
    argv += ["--reload-dir", "a", "--reload-dir", "b"]
    assert main(argv) == 0
    config = seen["config"]
    assert (config.port, config.workers, config.date_header) == (0, 3, False)
    assert (config.server_header, config.limit_body_size) == ("fc", 10)
    assert (config.timeout_graceful, config.access_log, config.log_level) == (2.5, True, "warning")
    assert config.reload_dirs == ("a", "b")


def test_out_of_range_values_are_usage_errors(capsys):
    assert main(["run", "x:app", "--timeout-graceful", "0"]) == 2
    assert "--timeout-graceful must be positive" in capsys.readouterr().err
    assert main(["run", "x:app", "--reload", "--workers", "2"]) == 2


def test_reloader_strips_its_own_flags():
    argv = ["run", "m:app", "--reload", "--reload-dir", "src", "--reload-dir=lib", "--port", "0"]
    assert child_arguments(argv) == ["run", "m:app", "--port", "0"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:app", "cannot import 'nosuchmodule': no module named 'nosuchmodule'"),
        (
            "support.server_apps.cli_app:nope",
            "module 'support.server_apps.cli_app' has no attribute 'nope'",
        ),
        ("support.server_apps.cli_app:not_an_app", "is a 'int' object, not a FastCore app"),
        ("support.server_apps.cli_app:create_app", "add --factory"),
        ("support.server_apps.nosuch", "cannot import 'support.server_apps.nosuch'"),
    ],
)
def test_import_errors_are_one_line_and_exit_1(spec, message):
    result = run_cli("run", spec, "--app-dir", TESTS, "--port", "0")
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_port_taken_is_a_message_and_exit_1():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "run", "support.server_apps.cli_app:app", "--app-dir", TESTS, "--port", str(port)
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Pick another port with --port" in result.stderr
    assert "Traceback" not in result.stderr


def test_lifespan_startup_failure_exits_1():
    result = run_cli(
        "run", "support.server_apps.cli_app:failing_app", "--app-dir", TESTS, "--port", "0"
    )
    assert result.returncode == 1
    assert "the database is not there" in result.stderr


def test_serves_then_sigterm_exits_0(tmp_path):
    markers = str(tmp_path / "markers")
    with ServerProcess(
        "support.server_apps.cli_app:app", "--port", "0", env={"FASTCORE_TEST_MARKERS": markers}
    ) as server:
        port = server.port()
        status, body = get(port, "/pid")
        assert status == 200
        assert body == {"pid": server.proc.pid}  # one process: the server is the CLI itself
        assert server.stop() == 0
    with open(markers) as f:
        assert f.read().split() == ["startup", str(body["pid"]), "shutdown", str(body["pid"])]


def test_factory():
    with ServerProcess(
        "support.server_apps.cli_app:create_app", "--factory", "--port", "0"
    ) as server:
        assert get(server.port(), "/pid")[0] == 200
        assert server.stop() == 0


def test_unix_socket(tmp_path):
    path = str(tmp_path / "fastcore.sock")
    with ServerProcess("support.server_apps.cli_app:app", "--uds", path) as server:
        server.wait_for("listening on")
        conn = UnixConnection(path)
        try:
            conn.request("GET", "/pid")
            assert conn.getresponse().status == 200
        finally:
            conn.close()
        assert server.stop() == 0
    assert not os.path.exists(path)  # removed on the way out


def test_console_script():
    script = os.path.join(os.path.dirname(sys.executable), "fastcore")
    if not os.path.exists(script):
        pytest.skip("the fastcore console script is installed by `pip install -e .`")
    command = [script, "run", "support.server_apps.cli_app:app", "--port", "0"]
    with ServerProcess(command=command) as server:
        assert get(server.port(), "/pid")[0] == 200
        assert server.stop() == 0


def test_sigint_is_a_clean_stop_too():
    with ServerProcess("support.server_apps.cli_app:app", "--port", "0") as server:
        server.port()
        server.signal(signal.SIGINT)
        assert server.wait() == 0


def test_app_run_serves_the_in_memory_app():
    code = (
        "from support.server_apps.cli_app import app\n"
        "@app.get('/extra')\n"
        "async def extra() -> dict:\n"
        "    return {'added': 'in memory'}\n"
        "app.run(port=0, timeout_graceful=2)\n"
    )
    with ServerProcess(command=[sys.executable, "-c", code]) as server:
        assert get(server.port(), "/extra") == (200, {"added": "in memory"})
        assert server.stop() == 0


def test_app_run_refuses_reload():
    with pytest.raises(FastCoreError, match="fastcore run module:app --reload"):
        FastCore().run(reload=True)
