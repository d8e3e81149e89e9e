"""docs/server.md: docs_src/server/main.py started the three ways the page shows, and its
logging configuration file."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from docs_src.server.main import app
from fastcore.server.config import ServerConfig
from fastcore.testclient import TestClient
from tests.support.browser import fastcore_run, serve
from tests.support.shop_server import request

MAIN = Path(__file__).resolve().parents[2] / "docs_src" / "server" / "main.py"

#: ``python main.py`` with one change: app.run()'s server gets the inherited socket (argv[1])
#: instead of binding 127.0.0.1:8000 itself, after checking it was given the page's settings.
RUN_AS_SCRIPT = """
import runpy, socket, sys
import fastcore.server.cli as cli

serve_app = cli.serve_app

def on_inherited_socket(app, config, sock=None):
    assert (config.host, config.port, config.workers) == ("127.0.0.1", 8000, 1), config
    return serve_app(app, config, socket.socket(fileno=int(sys.argv[1])))

cli.serve_app = on_inherited_socket
runpy.run_path(sys.argv[2], run_name="__main__")
"""


def test_the_route_answers() -> None:
    response = TestClient(app).get("/")
    assert (response.status_code, response.json()) == (200, {"hello": "world"})
    assert response.headers["content-type"] == "application/json"


def test_fastcore_run_serves_it() -> None:
    with serve(*fastcore_run("docs_src.server.main:app")) as port:
        status, headers, body = request(port, "GET", "/")
    assert (status, json.loads(body)) == (200, {"hello": "world"})
    assert headers["content-type"] == "application/json"


def test_python_main_py_serves_it_through_app_run() -> None:
    with serve(sys.executable, "-c", RUN_AS_SCRIPT, "{fd}", str(MAIN)) as port:
        status, _, body = request(port, "GET", "/")
    assert (status, json.loads(body)) == (200, {"hello": "world"})


def test_the_log_config_file_writes_the_access_log(tmp_path: Path) -> None:
    """``--log-config log_config.yaml`` with the page's file, its log path moved to tmp_path."""
    config = yaml.safe_load((MAIN.parent / "log_config.yaml").read_text())
    assert config["handlers"]["access"]["filename"] == "/var/log/app/access.log"
    access = tmp_path / "access.log"
    config["handlers"]["access"]["filename"] = str(access)
    moved = tmp_path / "log_config.yaml"
    moved.write_text(yaml.safe_dump(config))
    command = fastcore_run("docs_src.server.main:app", "--log-config", str(moved), "--access-log")
    with serve(*command) as port:
        assert request(port, "GET", "/?full=1")[0] == 200
    lines = access.read_text().splitlines()
    assert lines, "nothing in the access log"
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET /\?full=1 HTTP/1\.1" 200 -', lines[-1])


def test_nginx_in_front_matches_the_command_beside_it() -> None:
    """The location nginx strips is the page's ``--root-path``; its body limit is the server's;
    the upstream is the address the command binds. nginx itself is not run here."""
    conf = (MAIN.parent / "nginx.conf").read_text()
    page = (MAIN.parents[2] / "docs" / "server.md").read_text()
    location = re.search(r"location (/\S*/) \{", conf).group(1)
    assert re.search(r"proxy_pass http://app/;", conf)  # the trailing slash strips the location
    commands = re.findall(r"^fastcore run main:app --workers 4 .*$", page, re.M)
    assert commands and all(f"--root-path {location.rstrip('/')}" in c for c in commands)
    assert "--host 127.0.0.1" in commands[0]
    assert re.search(r"server 127\.0\.0\.1:8000;", conf)  # the default --port
    assert "--uds /run/app.sock" in commands[1] and "unix:/run/app.sock" in conf
    body = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert body * 1024 * 1024 <= ServerConfig().limit_body_size
    assert "keepalive " in conf


def test_behind_the_prefix_the_app_knows_its_root_path() -> None:
    """What nginx forwards (``/api/v1/`` stripped to ``/``) served with ``--root-path``."""
    command = fastcore_run("docs_src.server.main:app", "--root-path", "/api/v1")
    with serve(*command) as port:
        status, _, body = request(port, "GET", "/")
        assert (status, json.loads(body)) == (200, {"hello": "world"})
        status, _, body = request(port, "GET", "/openapi.json")
    assert json.loads(body)["servers"] == [{"url": "/api/v1"}]
