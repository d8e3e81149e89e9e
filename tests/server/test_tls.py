"""``fastcore run --ssl-*``: HTTPS over a real socket, with a certificate made for the test."""

import socket

import httpx
import pytest

from tests.support.certs import PASSWORD, make_certs
from tests.support.server_process import ServerProcess

APP = "support.server_apps.proxy_app:app"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(str(tmp_path_factory.mktemp("certs")))


def test_https_request_with_a_verified_certificate(certs):
    with ServerProcess(
        APP, "--port", "0", "--ssl-certfile", certs.cert, "--ssl-keyfile", certs.key
    ) as server:
        port = server.port()
        assert f"listening on https://127.0.0.1:{port}" in server.output
        with httpx.Client(verify=certs.client_context()) as client:
            where = client.get(f"https://127.0.0.1:{port}/where").json()
            fast = client.get(f"https://localhost:{port}/fast")  # the lane, same connection kind
        assert where["scheme"] == "https"
        assert where["url"] == f"https://127.0.0.1:{port}/where"
        assert where["url_for"] == f"https://127.0.0.1:{port}/items/7"
        assert fast.json() == {"ok": True}
        assert server.stop() == 0


def test_alpn_offers_http11_and_a_plain_http_client_is_not_answered(certs):
    args = ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.encrypted_key]
    with ServerProcess(APP, "--port", "0", *args, "--ssl-keyfile-password", PASSWORD) as server:
        port = server.port()
        context = certs.client_context()
        context.set_alpn_protocols(["h2", "http/1.1"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"
            tls.sendall(b"GET /fast HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200 ")
        assert data.endswith(b'{"ok":true}')
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/fast", timeout=3)
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the test CA
            httpx.get(f"https://127.0.0.1:{port}/fast", timeout=3)
        assert server.stop() == 0


def test_client_certificates_required(certs):
    args = ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.key]
    args += ["--ssl-cert-reqs", "2", "--ssl-ca-certs", certs.ca]
    with ServerProcess(APP, "--port", "0", *args) as server:
        port = server.port()
        with httpx.Client(verify=certs.client_context(with_client_cert=True)) as client:
            assert client.get(f"https://127.0.0.1:{port}/fast").json() == {"ok": True}
        with pytest.raises(httpx.HTTPError), httpx.Client(verify=certs.client_context()) as client:
            client.get(f"https://127.0.0.1:{port}/fast")
        assert server.stop() == 0


def test_https_with_workers(certs):
    args = ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.key, "--workers", "2"]
    with ServerProcess(APP, "--port", "0", *args) as server:
        port = server.port()
        with httpx.Client(verify=certs.client_context()) as client:
            assert client.get(f"https://127.0.0.1:{port}/where").json()["scheme"] == "https"
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--ssl-certfile", "/no/cert.pem"], "cannot read /no/cert.pem (--ssl-certfile)"),
        (["--ssl-keyfile", "key.pem"], "--ssl-keyfile and --ssl-ca-certs need --ssl-certfile"),
        (["--ssl-ciphers", "NOPE-NOTHING"], "--ssl-ciphers 'NOPE-NOTHING' selects no cipher"),
        (["--ssl-keyfile-password", "wrong"], "cannot load the TLS certificate from"),
    ],
)
def test_tls_mistakes_are_one_line(certs, flags, message):
    if flags[0] in ("--ssl-ciphers", "--ssl-keyfile-password"):
        key = certs.encrypted_key if flags[0] == "--ssl-keyfile-password" else certs.key
        flags = ["--ssl-certfile", certs.cert, "--ssl-keyfile", key, *flags]
    with ServerProcess(APP, "--port", "0", *flags) as server:
        assert server.wait() == 1
        assert f"fastcore: error: {message}" in server.output
        assert "Traceback" not in server.output


def test_a_refusal_over_tls_reaches_the_client(certs):
    args = ["--ssl-certfile", certs.cert, "--ssl-keyfile", certs.key, "--limit-body-size", "10"]
    with ServerProcess(APP, "--port", "0", *args) as server:
        port = server.port()
        with httpx.Client(verify=certs.client_context()) as client:
            response = client.post(f"https://127.0.0.1:{port}/fast", content=b"x" * 100_000)
            assert response.status_code == 413
            assert client.get(f"https://127.0.0.1:{port}/fast").json() == {"ok": True}
        assert server.stop() == 0
