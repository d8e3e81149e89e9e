"""The protocol's two builds have one surface, and the server's small pieces behave.

Behaviour over real sockets is in tests/server/http (both builds); the lane's answers are
compared with the ASGI path in tests/server/http/test_lane.py.
"""

import email.utils
import inspect
from typing import Any

import pytest

from fastcore._status import body_allowed
from fastcore.server.config import ServerConfig
from fastcore.server.http.http11 import (
    ChunkWalk,
    Reject,
    ascii_int,
    check_header,
    check_target,
    decode_path,
    origin_path,
    status_line,
    stray_lines,
)
from fastcore.server.server import http_date
from tests.support.builds import both_builds

BUILDS = both_builds("protocol")
CLASSES = ["DirectLane", "HttpProtocol", "RequestCycle", "Shared"]


def _methods(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


def test_builds_export_the_same_names() -> None:
    names = [mod.__all__ for mod in BUILDS]
    assert all(n == names[0] for n in names)


@pytest.mark.parametrize("name", CLASSES)
def test_builds_classes_have_the_same_methods(name: str) -> None:
    methods = [_methods(getattr(mod, name)) for mod in BUILDS]
    assert all(m == methods[0] for m in methods)


@pytest.mark.parametrize(
    "method", ["receive", "send", "write_simple", "scope", "take_body", "abort", "wake"]
)
def test_request_cycle_methods_exist_in_both(method: str) -> None:
    for mod in BUILDS:
        assert callable(getattr(mod.RequestCycle, method))
        if method in ("receive", "send"):
            assert inspect.iscoroutinefunction(getattr(mod.RequestCycle, method))


def test_phases_are_the_same_numbers() -> None:
    for mod in BUILDS:
        assert (mod.IDLE, mod.HEAD, mod.BODY, mod.RESPONDING) == (0, 1, 2, 3)


def test_builds_follow_the_one_body_rule() -> None:
    """The compiled writer's C copy of ``fastcore._status.body_allowed`` agrees with it."""
    for mod in BUILDS:
        cycle = mod.RequestCycle(None, "GET", b"/", b"", [], "1.1", True)
        for status in range(100, 1000):
            cycle.status = status
            assert cycle._body_allowed() is body_allowed(status), (mod.__name__, status)


@pytest.mark.parametrize("seconds", [0, 951782400, 1_000_000_000, 1_790_000_000.7])
def test_http_date_is_imf_fixdate(seconds: float) -> None:
    assert http_date(seconds).decode() == email.utils.formatdate(seconds, usegmt=True)


def test_status_lines() -> None:
    assert status_line(200) == b"HTTP/1.1 200 OK\r\n"
    assert status_line(422) == b"HTTP/1.1 422 Unprocessable Content\r\n"
    assert status_line(599) == b"HTTP/1.1 599 \r\n"
    with pytest.raises(ValueError):
        status_line(1000)


@pytest.mark.parametrize(
    ("name", "value"),
    [(b"x-a", b"1\r\nSet-Cookie: a=b"), (b"x\nb", b"1"), (b"x-a", b"a\0b"), (b"x-a", b"\r")],
)
def test_response_header_splitting_is_refused(name: bytes, value: bytes) -> None:
    with pytest.raises(ValueError):
        check_header(name, value)


HEADERS = [
    (b"x-a", b"1"),
    (b"", b""),
    (b"x-a", b"1\r\nSet-Cookie: a=b"),
    (b"x\nb", b"1"),
    (b"x-a", b"a\0b"),
    (b"x-a", b"\r"),
    (bytearray(b"x-a"), b"1"),
    (b"x-a", bytearray(b"\n")),
]


@pytest.mark.parametrize(("name", "value"), HEADERS)
def test_compiled_header_check_is_http11s(name: Any, value: Any) -> None:
    """The compiled writer's memchr check (``_http11_c.check_header``, which the one-source
    cycle calls under http11's name) accepts and refuses what ``http11.check_header`` does."""
    compiled = pytest.importorskip("fastcore.server.http._http11_c")
    outcomes = []
    for check in (check_header, compiled.check_header):
        try:
            check(name, value)
            outcomes.append(None)
        except ValueError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


INT_VALUES = [
    "0",
    "7",
    "42",
    "-5",
    "-0",
    "007",
    "",
    "-",
    "+5",
    " 5",
    "5 ",
    "4_2",
    "1e3",
    "²",
    "١٢",
    "9" * 18,
    "9" * 19,
    "-" + "9" * 18,
    "12a",
    "--1",
    "3.0",
]


@pytest.mark.parametrize("raw", INT_VALUES)
@pytest.mark.parametrize(("low", "high"), [(-(2**63), 2**63 - 1), (1, 100), (-10, 0)])
def test_compiled_int_reading_is_http11s(raw: str, low: int, high: int) -> None:
    """The lane's C reading of an int (``_http11_c.ascii_int``, which the one-source lane
    calls under http11's name) gives what ``http11.ascii_int`` does: the value of an
    optional ``-`` and 1 to 18 ASCII digits within the bounds, else None."""
    compiled = pytest.importorskip("fastcore.server.http._http11_c")
    expected = ascii_int(raw, low, high)
    assert compiled.ascii_int(raw, low, high) == expected
    plain = raw.lstrip("-")
    valid = raw.isascii() and plain.isdigit() and len(plain) <= 18 and raw.count("-") <= 1
    assert expected == (int(raw) if valid and low <= int(raw) <= high else None)


def test_paths_are_decoded_as_starlette_does() -> None:
    assert decode_path(b"/a%20b/%C3%A9") == "/a b/é"
    assert decode_path(b"/%2F") == "//"
    assert origin_path(b"http://example.com/a/b", b"GET") == b"/a/b"
    assert origin_path(b"http://example.com", b"GET") == b"/"
    assert origin_path(b"*", b"OPTIONS") == b"*"
    with pytest.raises(Reject):
        origin_path(b"*", b"GET")


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        (b"/a%20b", True),
        (b"/a/../b", True),
        (b"/./a", True),
        (b"/a..b/..c", True),
        (b"/a%00", False),
        (b"/a%g0", False),
        (b"/a%0", False),
        (b"/..", False),
        (b"/a/../..", False),
        (b"/%2E%2E/x", False),
        (b"/a/..%2F..%2Fb", False),
    ],
)
def test_check_target(path: bytes, ok: bool) -> None:
    if ok:
        check_target(path)
    else:
        with pytest.raises(Reject):
            check_target(path)


@pytest.mark.parametrize(
    ("data", "seen", "result"),
    [
        (b"GET", 0, 0),
        (b"\r\nGET", 0, 0),
        (b"\r", 0, 1),
        (b"\nGET", 1, 0),
        (b"\r\n", 0, 2),
        (b"\r\nGET", 2, -1),
        (b"\nGET", 0, -1),
        (b"\r\r", 0, -1),
        (b"\rG", 0, -1),
    ],
)
def test_stray_lines(data: bytes, seen: int, result: int) -> None:
    assert stray_lines(data, seen) == result


def test_chunk_walk_bounds_extensions_across_reads() -> None:
    walk = ChunkWalk(0)
    assert not walk.walk(b"3;a=b\r\nabc\r\n")
    assert walk.walk(b"0\r\n\r\n")
    walk = ChunkWalk(0)
    with pytest.raises(Reject):
        for _ in range(100):
            walk.walk(b"1;" + b"e" * 1000)
    walk = ChunkWalk(0)
    with pytest.raises(Reject):
        for _ in range(100):
            walk.walk(b"1;" + b"e" * 500 + b"\r\na\r\n")


@pytest.mark.parametrize(
    "field", ["limit_body_size", "timeout_head", "timeout_keep_alive", "limit_connections"]
)
def test_config_refuses_non_positive_limits(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ServerConfig(**{field: 0})


def test_config_refuses_bad_ports_and_workers() -> None:
    with pytest.raises(ValueError, match="port"):
        ServerConfig(port=70000)
    with pytest.raises(ValueError, match="workers"):
        ServerConfig(workers=0)
