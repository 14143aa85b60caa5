"""The emulator's HTTP app: exactly the routes the router declares, nothing of its own.

Every path goes to `shared.router.dispatch`, the same code the deployed `api`
service runs, so errors, limits and CORS are the ones production answers with.
"""

from __future__ import annotations

import flask
from werkzeug.exceptions import MethodNotAllowed, NotFound

from emulator.request_log import RequestLog
from shared import router
from shared.http import error_response

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


def create_app() -> flask.Flask:
    app = flask.Flask("sparkacademy-emulator")
    router.api_routes()  # mounted before the first request (app.api.install), or this says so

    def everything(path: str = "") -> flask.Response:
        return router.dispatch(flask.request)

    app.add_url_rule("/", "root", everything, methods=_METHODS)
    app.add_url_rule("/<path:path>", "everything", everything, methods=_METHODS)
    # Paths Flask's own rules cannot match (a newline in a segment, an unknown verb) still answer the envelope.
    app.register_error_handler(NotFound, lambda _exc: everything())
    app.register_error_handler(MethodNotAllowed, lambda _exc: everything())
    # Anything that escaped a route still answers the envelope, never Flask's HTML page.
    app.register_error_handler(Exception, lambda exc: error_response(exc, flask.request))
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
    return app
