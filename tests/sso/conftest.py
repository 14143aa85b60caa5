"""SSO fixtures: certificates, IdP metadata built by pysaml2 from an IdP configuration,
a fake IdP web server, and a real OpenID Connect provider (npm oidc-provider) over https."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.sso_idp import FakeIdP

ROOT = Path(__file__).resolve().parents[2]
PYSAML2_PYTHON = Path(os.environ.get("PYSAML2_PYTHON", ROOT / ".venv-pysaml2" / "bin" / "python"))
NODE_DIR = Path(__file__).parent / "node"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
APP = "/api/apps/sparkacademy"


@dataclass
class Pair:
    cert_file: Path
    key_file: Path
    cert_pem: str
    key_pem: str
    der_b64: str


@pytest.fixture
def make_cert(tmp_path: Path) -> Callable[..., Pair]:
    """A self-signed certificate and its key: `days_left` of validity (negative: expired), `bits` of RSA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    counter = iter(range(1000))

    def make(days_left: float = 365, bits: int = 2048, name: str = "idp.example", ip: str | None = None) -> Pair:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days_left))
        )
        if ip is not None:
            import ipaddress

            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
            ).add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        cert = builder.sign(key, hashes.SHA256())
        n = next(counter)
        cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        cert_file, key_file = tmp_path / f"cert{n}.pem", tmp_path / f"key{n}.pem"
        cert_file.write_text(cert_pem)
        key_file.write_text(key_pem)
        der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        return Pair(cert_file, key_file, cert_pem, key_pem, der)

    return make


@pytest.fixture
def pysaml2_metadata() -> Callable[..., str]:
    """IdP metadata as pysaml2 builds it from an IdP configuration (see idp_metadata.py)."""

    def build(
        pair: Pair,
        sso: list[tuple[str, str]] | None = None,
        entity_id: str = "https://idp.example/saml",
        valid_for_hours: int | None = 24,
    ) -> str:
        if not PYSAML2_PYTHON.exists():
            pytest.fail(f"{PYSAML2_PYTHON} is missing: scripts/test.sh installs pysaml2 in .venv-pysaml2")
        spec = {
            "entity_id": entity_id,
            "cert_file": str(pair.cert_file),
            "key_file": str(pair.key_file),
            "sso": sso or [("https://idp.example/sso/redirect", REDIRECT), ("https://idp.example/sso/post", POST)],
            "valid_for_hours": valid_for_hours,
        }
        script = Path(__file__).parent / "idp_metadata.py"
        done = subprocess.run(
            [str(PYSAML2_PYTHON), str(script), json.dumps(spec)], capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout

    return build


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdP]:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    fake = FakeIdP()
    yield fake
    fake.close()


@dataclass
class OidcProvider:
    issuer: str
    ca_file: Path


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """npm oidc-provider over https on 127.0.0.1, its certificate issued for that address."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    if not (NODE_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("oidc-provider is not installed: scripts/test.sh runs npm ci in tests/sso/node")
    import ipaddress

    folder = tmp_path_factory.mktemp("oidc")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    process = subprocess.Popen(
        ["node", str(NODE_DIR / "oidc_server.mjs"), str(cert_file), str(key_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        issuer = process.stdout.readline().strip()
        if not issuer.startswith("https://"):
            pytest.fail(f"oidc-provider did not start: {issuer!r}")
        yield OidcProvider(issuer, cert_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc(oidc_server: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> OidcProvider:
    """The provider, trusted (its certificate as the CA file) and reachable (local addresses allowed)."""
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("SSL_CERT_FILE", str(oidc_server.ca_file))
    return oidc_server


@pytest.fixture
def admin_token(make_user: Callable[..., tuple[dict[str, Any], str]]) -> str:
    return make_user("admin")[1]
