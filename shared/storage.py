"""Blob storage behind one interface, with expiring signed download links.

Production keeps files in Google Cloud Storage and hands out V4 signed URLs
(google-cloud-storage, imported on first use). Development and tests keep them in
a local folder; its links point at the emulator's `/blobs/<path>` route and carry
an expiry and an HMAC-SHA256 signature over the path and the expiry, so a link
that has expired or was altered in any way is refused by `LocalBlobStore.open_signed`.

Settings (environment): STORAGE_BACKEND (`gcs` or `local`; default `gcs` in
production, `local` otherwise), STORAGE_BUCKET (GCS), LOCAL_BLOB_DIR (local folder),
BLOB_SIGNING_SECRET (local link key; derived from JWT_SECRET when unset),
SIGNED_URL_TTL_SECONDS (default link lifetime, 3600).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote, unquote, urlencode, urlsplit

from shared import config
from shared.config import (
    BLOB_SIGNING_SECRET,
    LOCAL_BLOB_DIR,
    SIGNED_URL_TTL_SECONDS,
    STORAGE_BACKEND,
    STORAGE_BUCKET,
)
from shared.errors import ConfigurationError, ForbiddenError, InvalidInputError, NotFoundError

STREAM_CHUNK_BYTES = 8 * 1024 * 1024  # a multiple of 256 KiB, as GCS resumable uploads require
MAX_TTL_SECONDS = 7 * 24 * 3600  # the longest a V4 signed URL may live
LOCAL_ROUTE = "/blobs"
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\Z")
_EXPIRY = re.compile(r"[0-9]{1,12}")  # unix seconds in ASCII digits (str.isdigit also takes "²")


# What `put_stream` copies from: an open binary file, or the chunks of a download.
StreamSource = BinaryIO | Iterable[bytes]


def chunks_of(source: StreamSource, size: int = 1 << 20) -> Iterator[bytes]:
    """The source's bytes, a bounded chunk at a time."""
    if hasattr(source, "read"):
        while chunk := source.read(size):
            yield chunk
    else:
        yield from source


class BlobStore(Protocol):
    """Where generated files live. Paths are relative, `/`-separated, no `..`."""

    def put(self, path: str, data: bytes, content_type: str) -> None: ...

    def get(self, path: str) -> bytes: ...

    def put_stream(self, path: str, source: StreamSource, content_type: str) -> int:
        """Write a file from a readable file or an iterable of chunks, never holding it whole; answers its size."""
        ...

    def open_read(self, path: str) -> BinaryIO: ...

    def path_of(self, url: str) -> str | None: ...

    def exists(self, path: str) -> bool: ...

    def delete(self, path: str) -> None: ...

    def signed_url(self, path: str, ttl_seconds: int | None = None, *, download_name: str | None = None) -> str: ...


def check_path(path: str) -> str:
    """A safe object path or a 400: relative segments of letters, digits, `.`, `_`, `-`."""
    if not isinstance(path, str) or len(path) > 1024:
        raise InvalidInputError("Invalid file path")
    segments = path.split("/")
    if not all(_SEGMENT.match(s) and s not in (".", "..") for s in segments):
        raise InvalidInputError("Invalid file path", details={"path": "relative segments of A-Z a-z 0-9 . _ -"})
    return path


def link_ttl(ttl: int | None = None) -> int:
    value = ttl if ttl is not None else int(config.get(SIGNED_URL_TTL_SECONDS, 3600, int) or 3600)
    if not 1 <= value <= MAX_TTL_SECONDS:
        raise ConfigurationError(f"Signed link lifetime must be between 1 and {MAX_TTL_SECONDS} seconds")
    return value


def _disposition(download_name: str | None) -> str | None:
    if not download_name:
        return None
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", download_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name)}"


# --- local folder, for the emulator and tests ------------------------------------------


class LocalBlobStore:
    """Files under `root`; links signed with an HMAC key, served by the emulator's `/blobs` route."""

    def __init__(self, root: Path, key: bytes, base_url: str) -> None:
        self.root = root
        self._key = key
        self.base_url = base_url.rstrip("/")

    def _file(self, path: str) -> Path:
        return self.root / check_path(path)

    def put(self, path: str, data: bytes, content_type: str) -> None:
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
        target.with_name(target.name + ".content-type").write_text(content_type)

    def put_stream(self, path: str, source: StreamSource, content_type: str) -> int:
        target = self._file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks_of(source):
                    handle.write(chunk)
                    size += len(chunk)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.replace(tmp, target)
        target.with_name(target.name + ".content-type").write_text(content_type)
        return size

    def get(self, path: str) -> bytes:
        target = self._file(path)
        if not target.is_file():
            raise NotFoundError("File not found", details={"path": path})
        return target.read_bytes()

    def open_read(self, path: str) -> BinaryIO:
        target = self._file(path)
        if not target.is_file():
            raise NotFoundError("File not found", details={"path": path})
        return target.open("rb")

    def path_of(self, url: str) -> str | None:
        """The object path a link of this store points at, or None for any other URL."""
        prefix = f"{self.base_url}{LOCAL_ROUTE}/"
        if not url.startswith(prefix):
            return None
        return unquote(urlsplit(url[len(prefix) :]).path)

    def content_type(self, path: str) -> str:
        meta = self._file(path).with_name(self._file(path).name + ".content-type")
        return meta.read_text() if meta.is_file() else "application/octet-stream"

    def exists(self, path: str) -> bool:
        return self._file(path).is_file()

    def delete(self, path: str) -> None:
        target = self._file(path)
        for item in (target, target.with_name(target.name + ".content-type")):
            item.unlink(missing_ok=True)

    def _signature(self, path: str, expires: int, disposition: str | None) -> str:
        message = f"GET\n{path}\n{expires}\n{disposition or ''}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def signed_url(self, path: str, ttl_seconds: int | None = None, *, download_name: str | None = None) -> str:
        check_path(path)
        expires = int(time.time()) + link_ttl(ttl_seconds)
        disposition = _disposition(download_name)
        query = {"expires": str(expires)}
        if disposition:
            query["disposition"] = disposition
        query["signature"] = self._signature(path, expires, disposition)
        return f"{self.base_url}{LOCAL_ROUTE}/{quote(path)}?{urlencode(query)}"

    def open_signed(self, path: str, args: Any, now: float | None = None) -> tuple[bytes, str, str | None]:
        """Check a link's signature and expiry; answer (bytes, content type, disposition).

        Any change to the path, the expiry or the disposition breaks the signature
        (403); a well-signed link past its expiry is refused too (403).
        """
        expires_raw = args.get("expires", "")
        signature = args.get("signature", "")
        disposition = args.get("disposition") or None
        if not _EXPIRY.fullmatch(expires_raw) or not signature:
            raise ForbiddenError("This download link is invalid")
        check_path(path)
        expected = self._signature(path, int(expires_raw), disposition)
        if not hmac.compare_digest(expected, signature):
            raise ForbiddenError("This download link is invalid")
        if int(expires_raw) < (now if now is not None else time.time()):
            raise ForbiddenError("This download link has expired", details={"expired": True})
        return self.get(path), self.content_type(path), disposition


# --- Google Cloud Storage, for production -------------------------------------------------


class GcsBlobStore:
    """Objects in one bucket; downloads through V4 signed URLs."""

    def __init__(self, bucket: str, client: Any = None) -> None:
        if not bucket:
            raise ConfigurationError(
                f"Setting {STORAGE_BUCKET} is not configured", details={"missing": [STORAGE_BUCKET]}
            )
        self.bucket_name = bucket
        self._client = client

    def _bucket(self) -> Any:
        if self._client is None:
            from google.cloud import storage  # type: ignore[attr-defined]

            self._client = storage.Client(project=config.project_id())
        return self._client.bucket(self.bucket_name)

    def put(self, path: str, data: bytes, content_type: str) -> None:
        blob = self._bucket().blob(check_path(path))
        blob.upload_from_string(data, content_type=content_type)

    def put_stream(self, path: str, source: StreamSource, content_type: str) -> int:
        blob = self._bucket().blob(check_path(path), chunk_size=STREAM_CHUNK_BYTES)
        size = 0
        # A resumable upload: one chunk in memory at a time; the object appears on close.
        with blob.open("wb", content_type=content_type) as handle:
            for chunk in chunks_of(source):
                handle.write(chunk)
                size += len(chunk)
        return size

    def get(self, path: str) -> bytes:
        from google.api_core.exceptions import NotFound

        try:
            data: bytes = self._bucket().blob(check_path(path)).download_as_bytes()
        except NotFound:
            raise NotFoundError("File not found", details={"path": path}) from None
        return data

    def open_read(self, path: str) -> BinaryIO:
        from google.api_core.exceptions import NotFound

        try:
            return self._bucket().blob(check_path(path)).open("rb")  # type: ignore[no-any-return]
        except NotFound:
            raise NotFoundError("File not found", details={"path": path}) from None

    def path_of(self, url: str) -> str | None:
        """The object path of a `gs://` or storage.googleapis.com URL in this bucket, else None."""
        parts = urlsplit(url)
        if parts.scheme == "gs" and parts.netloc == self.bucket_name:
            return unquote(parts.path.lstrip("/"))
        host_prefix = f"/{self.bucket_name}/"
        if parts.scheme == "https" and parts.netloc == "storage.googleapis.com" and parts.path.startswith(host_prefix):
            return unquote(parts.path[len(host_prefix) :])
        return None

    def exists(self, path: str) -> bool:
        return bool(self._bucket().blob(check_path(path)).exists())

    def delete(self, path: str) -> None:
        from google.api_core.exceptions import NotFound

        with contextlib.suppress(NotFound):
            self._bucket().blob(check_path(path)).delete()

    def _signing_kwargs(self) -> dict[str, Any]:
        """Credentials without a private key (Cloud Functions' default service account)
        sign through the IAM signBlob API: the library needs the account and a token."""
        import google.auth.credentials
        import google.auth.transport.requests

        credentials = getattr(self._client, "_credentials", None)
        if credentials is None or isinstance(credentials, google.auth.credentials.Signing):
            return {}

        if not credentials.valid:
            credentials.refresh(google.auth.transport.requests.Request())
        return {"service_account_email": credentials.service_account_email, "access_token": credentials.token}

    def signed_url(self, path: str, ttl_seconds: int | None = None, *, download_name: str | None = None) -> str:
        blob = self._bucket().blob(check_path(path))
        url: str = blob.generate_signed_url(
            version="v4",
            expiration=timedelta(seconds=link_ttl(ttl_seconds)),
            method="GET",
            response_disposition=_disposition(download_name),
            **self._signing_kwargs(),
        )
        return url


# --- the process's store -------------------------------------------------------------------


def local_signing_key() -> bytes:
    explicit = config.get(BLOB_SIGNING_SECRET)
    if explicit:
        return str(explicit).encode()
    # Derived, so development needs no extra secret; a separate key in production.
    return hmac.new(config.jwt_secret().encode(), b"sparkacademy/local-blob-links", hashlib.sha256).digest()


def local_root() -> Path:
    configured = config.get(LOCAL_BLOB_DIR)
    if configured:
        return Path(str(configured))
    return Path(tempfile.gettempdir()) / "sparkacademy-blobs" / config.project_id()


@lru_cache(maxsize=1)
def blob_store() -> BlobStore:
    """The store this process uses, chosen by STORAGE_BACKEND."""
    backend = str(config.get(STORAGE_BACKEND, "gcs" if config.is_production() else "local"))
    if backend == "gcs":
        return GcsBlobStore(str(config.get(STORAGE_BUCKET, "") or ""))
    if backend == "local":
        return LocalBlobStore(local_root(), local_signing_key(), config.public_base_url())
    raise ConfigurationError(f"Setting {STORAGE_BACKEND} must be 'gcs' or 'local'")


def reset_blob_store() -> None:
    """Forget the cached store (tests change settings)."""
    blob_store.cache_clear()
