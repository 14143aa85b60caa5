"""Blob storage: the local folder with HMAC-signed expiring links, and GCS V4 signed URLs."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from shared import storage
from shared.errors import ForbiddenError, InvalidInputError, NotFoundError

KEY = b"k" * 32


@pytest.fixture
def local(tmp_path: Path) -> storage.LocalBlobStore:
    return storage.LocalBlobStore(tmp_path, KEY, "http://127.0.0.1:8080")


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    assert parts.path.startswith(storage.LOCAL_ROUTE + "/")
    return unquote(parts.path[len(storage.LOCAL_ROUTE) + 1 :]), dict(parse_qsl(parts.query))


def test_local_put_get_round_trip(local: storage.LocalBlobStore, tmp_path: Path) -> None:
    local.put("certificates/cert_1/CERT-2026-ABC123.pdf", b"%PDF-1.4 data", "application/pdf")
    assert local.get("certificates/cert_1/CERT-2026-ABC123.pdf") == b"%PDF-1.4 data"
    assert local.exists("certificates/cert_1/CERT-2026-ABC123.pdf")
    assert (tmp_path / "certificates" / "cert_1" / "CERT-2026-ABC123.pdf").read_bytes() == b"%PDF-1.4 data"
    local.delete("certificates/cert_1/CERT-2026-ABC123.pdf")
    assert not local.exists("certificates/cert_1/CERT-2026-ABC123.pdf")
    with pytest.raises(NotFoundError):
        local.get("certificates/cert_1/CERT-2026-ABC123.pdf")


@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs/path", "a//b", "a/../b", "a/.hidden", "", "a/b c", "a\\b"])
def test_local_refuses_unsafe_paths(local: storage.LocalBlobStore, bad: str) -> None:
    with pytest.raises(InvalidInputError):
        local.put(bad, b"x", "text/plain")


def test_local_signed_link_opens_until_it_expires(local: storage.LocalBlobStore) -> None:
    local.put("c/file.pdf", b"pdf-bytes", "application/pdf")
    url = local.signed_url("c/file.pdf", 60, download_name="Zoë certificate.pdf")
    assert url.startswith("http://127.0.0.1:8080/blobs/c/file.pdf?")
    path, args = split(url)
    data, content_type, disposition = local.open_signed(path, args)
    assert (data, content_type) == (b"pdf-bytes", "application/pdf")
    assert disposition == "attachment; filename=\"Zo__certificate.pdf\"; filename*=UTF-8''Zo%C3%AB%20certificate.pdf"
    assert int(args["expires"]) - time.time() == pytest.approx(60, abs=2)
    # One second past the expiry the same link is refused.
    with pytest.raises(ForbiddenError) as exc:
        local.open_signed(path, args, now=int(args["expires"]) + 1)
    assert exc.value.details == {"expired": True}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p, a: ("c/other.pdf", a),
        lambda p, a: (p, {**a, "expires": str(int(a["expires"]) + 3600)}),
        lambda p, a: (p, {**a, "signature": a["signature"][:-1] + ("0" if a["signature"][-1] != "0" else "1")}),
        lambda p, a: (p, {**a, "disposition": "inline"}),
        lambda p, a: (p, {k: v for k, v in a.items() if k != "signature"}),
        lambda p, a: (p, {**a, "expires": "soon"}),
    ],
    ids=["path", "expiry", "signature", "disposition", "unsigned", "garbage-expiry"],
)
def test_local_altered_link_is_refused(local: storage.LocalBlobStore, tamper: Any) -> None:
    local.put("c/file.pdf", b"a", "application/pdf")
    local.put("c/other.pdf", b"b", "application/pdf")
    path, args = tamper(*split(local.signed_url("c/file.pdf", 60, download_name="x.pdf")))
    with pytest.raises(ForbiddenError) as exc:
        local.open_signed(path, args)
    assert exc.value.message == "This download link is invalid"


def test_local_link_signed_with_another_key_is_refused(local: storage.LocalBlobStore, tmp_path: Path) -> None:
    local.put("c/file.pdf", b"a", "application/pdf")
    other = storage.LocalBlobStore(tmp_path, b"z" * 32, "http://127.0.0.1:8080")
    with pytest.raises(ForbiddenError):
        local.open_signed(*split(other.signed_url("c/file.pdf", 60)))


def test_ttl_bounds(local: storage.LocalBlobStore) -> None:
    from shared.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        local.signed_url("c/file.pdf", storage.MAX_TTL_SECONDS + 1)
    with pytest.raises(ConfigurationError):
        local.signed_url("c/file.pdf", 0)


def test_blob_store_chooses_backend_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    monkeypatch.setenv("LOCAL_BLOB_DIR", str(tmp_path))
    storage.reset_blob_store()
    try:
        store = storage.blob_store()
        assert isinstance(store, storage.LocalBlobStore) and store.root == tmp_path
        monkeypatch.setenv("STORAGE_BACKEND", "gcs")
        monkeypatch.setenv("STORAGE_BUCKET", "spark-certs")
        storage.reset_blob_store()
        gcs = storage.blob_store()
        assert isinstance(gcs, storage.GcsBlobStore) and gcs.bucket_name == "spark-certs"
        monkeypatch.delenv("STORAGE_BUCKET")
        storage.reset_blob_store()
        from shared.errors import ConfigurationError

        with pytest.raises(ConfigurationError) as exc:
            storage.blob_store()
        assert exc.value.details == {"missing": ["STORAGE_BUCKET"]}
    finally:
        storage.reset_blob_store()


# --- GCS V4 signed URLs, verified with the public half of the signing key ---------------


@pytest.fixture
def gcs_key() -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key, pem


def gcs_store(pem: str) -> storage.GcsBlobStore:
    from google.cloud import storage as gcs
    from google.oauth2 import service_account

    credentials = service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "project_id": "sparkacademy-test",
            "private_key_id": "test-key",
            "private_key": pem,
            "client_email": "certificates@sparkacademy-test.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )
    client = gcs.Client(project="sparkacademy-test", credentials=credentials)
    return storage.GcsBlobStore("spark-certs", client=client)


def v4_signature_valid(url: str, public_key: Any) -> bool:
    """Rebuild the V4 string-to-sign from the URL and check the RSA signature on it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    args = dict(pairs)
    signature = bytes.fromhex(args["X-Goog-Signature"])
    from urllib.parse import quote as q

    canonical_query = "&".join(f"{q(k, safe='')}={q(v, safe='')}" for k, v in sorted(pairs) if k != "X-Goog-Signature")
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}\n", args["X-Goog-SignedHeaders"], "UNSIGNED-PAYLOAD"]
    )
    scope = args["X-Goog-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        ["GOOG4-RSA-SHA256", args["X-Goog-Date"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    try:
        public_key.verify(signature, to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def test_gcs_signed_url_is_a_valid_v4_signature(gcs_key: Any) -> None:
    key, pem = gcs_key
    url = gcs_store(pem).signed_url("certificates/cert_1/CERT-2026-ABC123.pdf", 900, download_name="certificate.pdf")
    parts = urlsplit(url)
    args = dict(parse_qsl(parts.query))
    assert parts.netloc == "storage.googleapis.com"
    assert parts.path == "/spark-certs/certificates/cert_1/CERT-2026-ABC123.pdf"
    assert args["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert args["X-Goog-Expires"] == "900"
    assert args["X-Goog-Credential"].startswith("certificates@sparkacademy-test.iam.gserviceaccount.com/")
    assert args["response-content-disposition"].startswith('attachment; filename="certificate.pdf"')
    assert v4_signature_valid(url, key.public_key())
    # An altered URL no longer matches its signature.
    assert not v4_signature_valid(url.replace("cert_1", "cert_2"), key.public_key())
    assert not v4_signature_valid(url.replace("X-Goog-Expires=900", "X-Goog-Expires=604800"), key.public_key())


def test_gcs_refuses_unsafe_paths(gcs_key: Any) -> None:
    with pytest.raises(InvalidInputError):
        gcs_store(gcs_key[1]).signed_url("../secrets.txt")
