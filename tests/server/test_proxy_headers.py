"""``--proxy-headers``, ``--forwarded-allow-ips`` and ``--root-path`` over a real socket.

The server runs ``server_apps/proxy_app.py``, whose ``/where`` says what the request looked
like to the app; the tests are the proxy, sending what nginx or a load balancer sends.
"""

import http.client
import json

import pytest

from fastcore.server.proxy import TrustedPeers, parse_forwarded, parse_node
from tests.support.server_process import ServerProcess

APP = "support.server_apps.proxy_app:app"


def where(port: int, headers: dict, path: str = "/where") -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        assert response.status == 200, response.read()
        return json.loads(response.read())
    finally:
        conn.close()


XFF = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
XFF_HOST = {**XFF, "X-Forwarded-Host": "api.example.com"}


@pytest.fixture(scope="module")
def default_server():
    with ServerProcess(APP, "--port", "0") as server:
        yield server.port()
        assert server.stop() == 0


def test_x_forwarded_headers_from_localhost_are_trusted_by_default(default_server):
    seen = where(default_server, XFF_HOST)
    assert seen["client"] == ["203.0.113.7", 0]
    assert seen["scheme"] == "https"
    assert seen["host"] == "api.example.com"
    assert seen["url"] == "https://api.example.com/where"
    assert seen["url_for"] == "https://api.example.com/items/7"


def test_rfc7239_forwarded(default_server):
    value = 'for="[2001:db8::1]:4711";proto=https;host=shop.example, for=127.0.0.1'
    seen = where(default_server, {"Forwarded": value})
    assert seen["client"] == ["2001:db8::1", 4711]
    assert (seen["scheme"], seen["host"]) == ("https", "shop.example")


def test_the_nearest_untrusted_hop_is_the_client(default_server):
    # a client that forged its own X-Forwarded-For, then a trusted proxy appended the real peer
    seen = where(default_server, {"X-Forwarded-For": "10.9.9.9, 198.51.100.2, 127.0.0.1"})
    assert seen["client"] == ["198.51.100.2", 0]


def test_without_headers_the_peer_is_the_client(default_server):
    seen = where(default_server, {})
    assert seen["client"][0] == "127.0.0.1"
    assert seen["scheme"] == "http"


def test_headers_from_an_untrusted_peer_are_ignored():
    with ServerProcess(APP, "--port", "0", "--forwarded-allow-ips", "10.0.0.0/8") as server:
        seen = where(server.port(), XFF_HOST)
        assert seen["client"][0] == "127.0.0.1"
        assert seen["scheme"] == "http"
        assert seen["host"].startswith("127.0.0.1:")
        assert server.stop() == 0


def test_no_proxy_headers_turns_it_off():
    with ServerProcess(APP, "--port", "0", "--no-proxy-headers") as server:
        seen = where(server.port(), XFF)
        assert (seen["client"][0], seen["scheme"]) == ("127.0.0.1", "http")
        assert server.stop() == 0


def test_root_path_and_star(tmp_path):
    args = ["--port", "0", "--root-path", "/api/v1", "--forwarded-allow-ips", "*"]
    with ServerProcess(APP, *args) as server:
        port = server.port()
        seen = where(port, {**XFF, "Host": "example.com"})
        assert seen["root_path"] == "/api/v1"
        assert seen["path"] == "/api/v1/where"
        assert seen["url"] == "https://example.com/api/v1/where"
        assert seen["url_for"] == "https://example.com/api/v1/items/7"
        assert where(port, {}, "/items/3") == {"item_id": 3}  # the proxy stripped the prefix
        assert server.stop() == 0


def test_access_log_shows_the_forwarded_client():
    with ServerProcess(APP, "--port", "0", "--access-log") as server:
        port = server.port()
        start = server.position()
        where(port, XFF, "/fast")
        server.wait_for(r'203\.0\.113\.7 - - \[.*\] "GET /fast HTTP/1\.1" 200', start=start)
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "for=192.0.2.60;proto=http;by=203.0.113.43",
            [{"for": "192.0.2.60", "proto": "http", "by": "203.0.113.43"}],
        ),
        ('for="_gazonk"', [{"for": "_gazonk"}]),
        ('For="[2001:db8:cafe::17]:4711"', [{"for": "[2001:db8:cafe::17]:4711"}]),
        ("for=192.0.2.43, for=198.51.100.17", [{"for": "192.0.2.43"}, {"for": "198.51.100.17"}]),
        ('for="a\\"b";proto=https', [{"for": 'a"b', "proto": "https"}]),
        ("garbage", []),
    ],
)
def test_parse_forwarded(value, expected):
    assert parse_forwarded(value) == expected


def test_parse_node_and_trusted_peers():
    assert parse_node("192.0.2.43:47011") == ("192.0.2.43", 47011)
    assert parse_node("[::1]") == ("::1", 0)
    assert parse_node("unknown") == ("unknown", 0)
    assert parse_node("10.0.0.1:_port") == ("10.0.0.1", 0)
    peers = TrustedPeers("127.0.0.1, 10.0.0.0/8, ::1, proxy-sock")
    assert "10.20.30.40" in peers and "::1" in peers and "proxy-sock" in peers
    assert "11.0.0.1" not in peers and "" not in peers and None not in peers
    assert None in TrustedPeers("*")


def test_root_path_reaches_openapi_and_the_docs_page():
    with ServerProcess(APP, "--port", "0", "--root-path", "/api/v1") as server:
        port = server.port()
        schema = where(port, {}, "/openapi.json")
        assert schema["servers"][0] == {"url": "/api/v1"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/docs")
        page = conn.getresponse().read().decode()
        conn.close()
        assert "/api/v1/openapi.json" in page
        assert server.stop() == 0


def test_unix_socket_peers_are_trusted_only_with_star(tmp_path):
    from tests.support.server_process import UnixConnection

    path = str(tmp_path / "app.sock")
    for allow, expected in (("127.0.0.1", "http"), ("*", "https")):
        with ServerProcess(APP, "--uds", path, "--forwarded-allow-ips", allow) as server:
            server.wait_for("listening on unix:")
            conn = UnixConnection(path)
            conn.request("GET", "/where", headers=XFF)
            seen = json.loads(conn.getresponse().read())
            conn.close()
            assert seen["scheme"] == expected
            assert server.stop() == 0


def test_the_apps_own_root_path_reaches_the_scope():
    with ServerProcess(
        "support.server_apps.proxy_app:root_path_app", "--factory", "--port", "0"
    ) as server:
        seen = where(server.port(), {}, "/app")
        assert seen == {"message": "Hello World", "root_path": "/api/v1"}
        assert server.stop() == 0
