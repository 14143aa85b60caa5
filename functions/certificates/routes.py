"""Certificate routes of the `api` service that are not documented functions.

- GET /api/certificates/verify/{code}: the public verification answer (anonymous),
  the URL printed in every certificate's QR code: JSON, or the verification page for a
  browser (`functions.certificates.verification_page`).
- GET /blobs/{path}: downloads from the local blob store through a signed, expiring
  link (development; production links go straight to Cloud Storage).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from entities.certificate import CODE_PATTERN, normalise_code
from functions.certificates import verification_page
from functions.certificates.responses import VerifyCertificateResponse
from functions.certificates.verify_certificate import verification
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError, NotFoundError
from shared.http import Reply
from shared.router import route
from shared.storage import LocalBlobStore, blob_store


class DownloadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    expires: str = ""
    signature: str = ""
    disposition: str | None = None


@route(
    "GET",
    "/api/certificates/verify/{code}",
    name="certificates.verify",
    anonymous=True,
    rate=("verify",),
    tags=("certificates",),
    response=VerifyCertificateResponse,
)
def verify(_body: Any, _caller: Caller, code: str) -> Any:
    """Whether a certificate code is valid: name, course and date only.

    The QR code's URL: a browser (preferring text/html) gets the verification page, a
    program the JSON answer."""
    import flask

    page = verification_page.wants_page(flask.request.accept_mimetypes)
    malformed = not CODE_PATTERN.match(normalise_code(code))
    if page:
        try:
            return verification_page.not_found(code, True) if malformed else verification_page.found(verification(code))
        except NotFoundError:
            return verification_page.not_found(code, False)
    if malformed:
        raise InvalidInputError("Malformed verification code", details={"format": "CERT-YYYY-XXXXXX"})
    return Reply(verification(code), headers={"Vary": "Accept"})


@route(
    "GET",
    "/blobs/{path:path}",
    name="blobs.download",
    anonymous=True,
    query=DownloadQuery,
    tags=("certificates",),
    content_type="application/octet-stream",
    errors=(ForbiddenError,),
)
def download(_body: Any, _caller: Caller, path: str, query: DownloadQuery) -> Reply:
    """A file from the local blob store, through a signed link that expires."""

    store = blob_store()
    if not isinstance(store, LocalBlobStore):
        raise NotFoundError("Downloads are served by Cloud Storage")
    data, content_type, disposition = store.open_signed(path, query.model_dump())
    headers = {"Cache-Control": "private, no-store"}
    if disposition:
        headers["Content-Disposition"] = disposition
    return Reply(data, content_type=content_type, headers=headers)
