"""Fixtures for the documentation tests: the built site, served on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` of the repository's docs into a temporary folder.

    mkdocs is in the ``test`` and ``docs`` extras; without it the tests that need the site are
    skipped with the reason, or fail when ``FASTCORE_REQUIRE_BROWSER=1`` (``make test``).
    """
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        reason = "mkdocs is not installed: pip install -e '.[test]'"
        if os.environ.get("FASTCORE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FASTCORE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return target


#: Serves a folder over HTTP on the inherited listening socket given as argv[1].
STATIC_SERVER = """
import functools, http.server, socket, sys
sock = socket.socket(fileno=int(sys.argv[1]))
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[2])
class Server(http.server.ThreadingHTTPServer):
    def server_bind(self):
        self.socket = sock
        self.server_address = sock.getsockname()
    def server_activate(self):
        pass
    def handle_error(self, request, client_address):
        pass
Server(sock.getsockname(), handler, bind_and_activate=True).serve_forever()
"""


@pytest.fixture(scope="session")
def site_url(site: Path) -> Iterator[str]:
    """The built site over HTTP (search fetches its index, which a file:// page cannot)."""
    from tests.support.browser import serve

    with serve(sys.executable, "-c", STATIC_SERVER, "{fd}", str(site)) as port:
        yield f"http://127.0.0.1:{port}"
