"""Certificates made for one test run: a CA, a server certificate for 127.0.0.1 and localhost
signed by it, and a client certificate, written as PEM files (``cryptography``, test extra)."""

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "s3cret"


@dataclass
class Certs:
    ca: str
    cert: str
    key: str
    encrypted_key: str
    client_cert: str
    client_key: str

    def client_context(self, with_client_cert: bool = False) -> ssl.SSLContext:
        """What a client that trusts only the test CA uses (``httpx.Client(verify=...)``)."""
        context = ssl.create_default_context(cafile=self.ca)
        if with_client_cert:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _build(subject, issuer, key, signer, *, ca: bool, extensions=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(signer, hashes.SHA256())


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return path


def _key_pem(key, password: str | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def make_certs(directory: str) -> Certs:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("fastcore test CA")
    key_usage = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
    ca = _build(ca_name, ca_name, ca_key, ca_key, ca=True, extensions=[key_usage])
    server_key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = _build(
        _name("localhost"),
        ca_name,
        server_key,
        ca_key,
        ca=False,
        extensions=[
            x509.SubjectAlternativeName(names),
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        ],
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _build(
        _name("a client"),
        ca_name,
        client_key,
        ca_key,
        ca=False,
        extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])],
    )
    pem = serialization.Encoding.PEM
    join = lambda name: os.path.join(directory, name)  # noqa: E731
    return Certs(
        ca=_write(join("ca.pem"), ca.public_bytes(pem)),
        cert=_write(join("cert.pem"), server.public_bytes(pem)),
        key=_write(join("key.pem"), _key_pem(server_key)),
        encrypted_key=_write(join("key-encrypted.pem"), _key_pem(server_key, PASSWORD)),
        client_cert=_write(join("client.pem"), client.public_bytes(pem)),
        client_key=_write(join("client-key.pem"), _key_pem(client_key)),
    )
