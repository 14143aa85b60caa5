"""HTTP routes of the emulator gateway that are not Base44 functions.

- GET /api/certificates/verify/<code>: the public verification answer (anonymous).
- GET /blobs/<path>: downloads from the local blob store through a signed, expiring
  link (development only; production links go straight to Cloud Storage).

`register(app)` mounts both on a Flask app. Each runs the shared pipeline, so errors,
CORS and rate limits are the ones every other route answers with.
"""

from __future__ import annotations

from typing import Any

from shared.auth import Caller
from shared.errors import NotFoundError
from shared.http import Reply, Spec, serve

VERIFY_PATH = "/api/certificates/verify/<code>"
BLOB_PATH = "/blobs/<path:path>"


def verify_route(code: str) -> Any:
    import flask

    from functions.certificates.verify_certificate import verification
    from shared.errors import InvalidInputError

    def handler(_payload: Any, _caller: Caller) -> Any:
        from entities.certificate import CODE_PATTERN, normalise_code

        if not CODE_PATTERN.match(normalise_code(code)):
            raise InvalidInputError("Malformed verification code", details={"format": "CERT-YYYY-XXXXXX"})
        return verification(code)

    spec = Spec(name="certificates.verify", anonymous=True, rate=("verify",), methods=("GET",))
    return serve(flask.request, spec, handler)


def blob_route(path: str) -> Any:
    import flask

    from shared.storage import LocalBlobStore, blob_store

    def handler(_payload: Any, _caller: Caller) -> Any:
        store = blob_store()
        if not isinstance(store, LocalBlobStore):
            raise NotFoundError("Downloads are served by Cloud Storage")
        data, content_type, disposition = store.open_signed(path, flask.request.args)
        headers = {"Cache-Control": "private, no-store"}
        if disposition:
            headers["Content-Disposition"] = disposition
        return Reply(data, content_type=content_type, headers=headers)

    spec = Spec(name="blobs.download", anonymous=True, rate=("entity",), methods=("GET",))
    return serve(flask.request, spec, handler)


def register(app: Any) -> None:
    """Mount the routes (once) on the emulator's Flask app."""
    if "certificates_verify" in app.view_functions:
        return
    app.add_url_rule(VERIFY_PATH, "certificates_verify", verify_route, methods=["GET"])
    app.add_url_rule(BLOB_PATH, "blobs_download", blob_route, methods=["GET"])
