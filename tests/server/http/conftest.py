"""Fixtures for the server over real sockets: the protocol build under test, a file to
serve, one shared server per module, and a check that no running server's loop reported a
problem during a test (the servers themselves: ``tests/support/server_thread.py``).
"""

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support.builds import ids, implementations
from tests.support.http_app import build_app
from tests.support.server_thread import run_server, take_problems

_PROTOCOLS = implementations("protocol")


@pytest.fixture(scope="module", params=_PROTOCOLS, ids=ids(_PROTOCOLS))
def protocol_impl(request: pytest.FixtureRequest) -> ModuleType:
    """The HTTP protocol module, compiled and pure."""
    return request.param


@pytest.fixture(scope="module")
def app_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """A file for FileResponse: its path and its bytes (not a multiple of any block size)."""
    data = bytes((i * 7 + i // 251) % 256 for i in range(300_001))
    path = tmp_path_factory.mktemp("files") / "data.bin"
    path.write_bytes(data)
    return str(path), data


@pytest.fixture(autouse=True)
def _no_loop_problems() -> Iterator[None]:
    """Fail the test during which a running server's event loop reported a problem."""
    yield
    problems = take_problems()
    if problems:
        pytest.fail(f"the server's event loop reported: {problems!r}")


@pytest.fixture(scope="module")
def port(protocol_impl: ModuleType, app_file: tuple[str, bytes]) -> Iterator[int]:
    """One server with the default limits, shared by a module's tests (per build)."""
    with run_server(protocol_impl, build_app(app_file[0])) as port:
        yield port
