"""docs/deployment.md: the recipes in docs_src/deployment/ checked against fastcore's CLI.

The app answers the probes the Kubernetes manifest names; the command lines of the systemd
unit, the Dockerfile and the manifest are accepted by ``fastcore run`` and serve the app; the
timeouts the page says must fit together do. nginx, systemd, Docker and Kubernetes themselves
are not run here.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from docs_src.deployment.main import app
from fastcore.server.cli import build_parser
from fastcore.server.config import ServerConfig
from fastcore.testclient import TestClient
from tests.support.browser import serve
from tests.support.shop_server import request

FOLDER = Path(__file__).resolve().parents[2] / "docs_src" / "deployment"
MANIFEST = yaml.safe_load((FOLDER / "kubernetes.yaml").read_text())
POD = MANIFEST["spec"]["template"]["spec"]
CONTAINER = POD["containers"][0]


def _service_command() -> list[str]:
    line = next(
        line
        for line in (FOLDER / "app.service").read_text().splitlines()
        if line.startswith("ExecStart=")
    )
    return shlex.split(line.removeprefix("ExecStart="))


def _docker_command() -> list[str]:
    line = next(
        line for line in (FOLDER / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")
    )
    return list(json.loads(line.removeprefix("CMD ")))


def _options(command: list[str]) -> dict[str, object]:
    """What ``fastcore run`` makes of the command (argparse exits on an unknown flag)."""
    assert command[0].rsplit("/", 1)[-1] == "fastcore" and command[1] == "run", command
    return vars(build_parser().parse_args(command[1:]))


def test_the_probes_answer() -> None:
    with TestClient(app) as client:
        for probe in ("readinessProbe", "livenessProbe"):
            path = CONTAINER[probe]["httpGet"]["path"]
            assert client.get(path).status_code == 200, path
        assert client.get("/ready").json() == {"status": "ready"}
        assert client.get("/").json() == {"hello": "world"}
        assert set(app.openapi()["paths"]) == {"/"}


def test_every_command_line_is_one_fastcore_run_accepts() -> None:
    service, docker, pod = (
        _options(c) for c in (_service_command(), _docker_command(), CONTAINER["args"])
    )
    assert service["app"] == docker["app"] == pod["app"] == "main:app"
    assert (service["fd"], service["workers"]) == (3, 4)  # systemd's first socket is fd 3
    assert (docker["host"], docker["port"]) == ("0.0.0.0", 8000)
    assert (pod["host"], pod["port"], pod["workers"]) == ("0.0.0.0", 8000, 1)
    assert CONTAINER["ports"][0]["containerPort"] == pod["port"]
    assert "EXPOSE 8000" in (FOLDER / "Dockerfile").read_text()


def test_the_grace_periods_fit() -> None:
    graceful = float(_options(CONTAINER["args"])["timeout_graceful"])
    pre_stop = int(CONTAINER["lifecycle"]["preStop"]["exec"]["command"][1])
    assert POD["terminationGracePeriodSeconds"] > pre_stop + graceful
    service = (FOLDER / "app.service").read_text()
    stop = int(re.search(r"^TimeoutStopSec=(\d+)", service, re.M).group(1))
    assert stop > float(_options(_service_command())["timeout_graceful"])


def test_nginx_keeps_idle_connections_shorter_than_the_server() -> None:
    conf = (FOLDER / "nginx.conf").read_text()
    idle = int(re.search(r"keepalive_timeout (\d+)s;", conf).group(1))
    assert idle < ServerConfig().timeout_keep_alive
    upstream = re.search(r"server (127\.0\.0\.1:\d+);", conf).group(1)
    socket_unit = (FOLDER / "app.socket").read_text()
    assert f"ListenStream={upstream}" in socket_unit
    body = re.search(r"client_max_body_size (\d+)m;", conf).group(1)
    assert int(body) * 1024 * 1024 == ServerConfig().limit_body_size


@pytest.mark.parametrize("source", ["systemd", "docker", "kubernetes"])
def test_the_command_serves_the_app_and_stops_on_sigterm(source: str) -> None:
    """Each command run from the app's folder, its socket handed over as systemd does
    (``--fd``, so the test picks the port), then stopped with SIGTERM: exit 0."""
    command = {"systemd": _service_command, "docker": _docker_command}.get(
        source, lambda: list(CONTAINER["args"])
    )()
    options = command[2:]
    for flag in ("--host", "--port", "--fd"):  # the test's own socket replaces the address
        if flag in options:
            at = options.index(flag)
            del options[at : at + 2]
    argv = [sys.executable, "-m", "fastcore", "run", *options, "--fd", "{fd}"]
    codes: list[int] = []
    with serve(*argv, cwd=FOLDER, ready="/health", exit_codes=codes) as port:
        status, _, body = request(port, "GET", "/ready")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
    assert codes == [0], f"SIGTERM ended {source}'s server with {codes}"
