"""The Base44 HTTP contract for local development and tests.

Serves `/api/apps/{appId}/functions/{name}` through the same targets that are
deployed, the entity and auth routes over `entities/`, and the Stripe webhook
at `/api/stripe-webhook`. Every route runs the shared pipeline, so errors,
limits and CORS are the ones production answers with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

from entities import accounts, api
from functions import registry
from shared import config
from shared.auth import Caller
from shared.errors import NotFoundError
from shared.http import Reply, Spec, cors_headers, error_response, serve, validate

Handler = Callable[[Any, Caller], Any]


def _route(
    name: str,
    handler: Handler,
    *,
    methods: tuple[str, ...],
    rate: tuple[str, ...] = ("entity",),
    anonymous: bool = True,
) -> flask.Response:
    spec = Spec(name=name, anonymous=anonymous, rate=rate, methods=methods, read_only=methods == ("GET",))
    return serve(flask.request, spec, handler)


def _check_app(app_id: str) -> None:
    if app_id != config.app_id():
        raise NotFoundError(f"Unknown app {app_id!r}", details={"app_id": app_id})


def create_app() -> flask.Flask:
    app = flask.Flask("sparkacademy-emulator")
    app.url_map.strict_slashes = False
    base = "/api/apps/<app_id>"

    @app.before_request
    def preflight() -> flask.Response | None:
        if flask.request.method == "OPTIONS":
            resp = flask.Response(status=204)
            resp.headers.update(cors_headers(flask.request))
            return resp
        return None

    def guarded(name: str, app_id: str, handler: Handler, **kwargs: Any) -> flask.Response:
        def run(payload: Any, caller: Caller) -> Any:
            _check_app(app_id)
            return handler(payload, caller)

        return _route(name, run, **kwargs)

    # --- functions -------------------------------------------------------------
    @app.post(f"{base}/functions/<name>")
    def invoke(app_id: str, name: str) -> flask.Response:
        try:
            _check_app(app_id)
            target = registry.load(name)
        except Exception as exc:  # noqa: BLE001 - answered with the envelope
            return error_response(exc, flask.request)
        return target(flask.request)

    @app.post("/api/stripe-webhook")
    def stripe_webhook() -> flask.Response:
        try:
            target = registry.load("stripeWebhook")
        except Exception as exc:  # noqa: BLE001
            return error_response(exc, flask.request)
        return target(flask.request)

    # --- auth ------------------------------------------------------------------
    def auth_route(
        name: str, app_id: str, model: Any, action: Callable[..., Any], with_caller: bool = False
    ) -> flask.Response:
        def handler(payload: Any, caller: Caller) -> Any:
            body = validate(model, payload)
            return action(body, caller) if with_caller else action(body)

        return guarded(f"auth.{name}", app_id, handler, methods=("POST",), rate=("auth",))

    @app.post(f"{base}/auth/register")
    def register(app_id: str) -> flask.Response:
        return auth_route("register", app_id, accounts.RegisterRequest, accounts.register, with_caller=True)

    @app.post(f"{base}/auth/login")
    def login(app_id: str) -> flask.Response:
        return auth_route("login", app_id, accounts.LoginRequest, accounts.login)

    @app.post(f"{base}/auth/reset-password-request")
    def reset_request(app_id: str) -> flask.Response:
        return auth_route("resetPasswordRequest", app_id, accounts.ResetRequest, accounts.request_reset)

    @app.post(f"{base}/auth/reset-password")
    def reset_password(app_id: str) -> flask.Response:
        return auth_route("resetPassword", app_id, accounts.ResetPassword, accounts.reset_password)

    @app.post(f"{base}/auth/change-password")
    def change_password(app_id: str) -> flask.Response:
        def handler(payload: Any, caller: Caller) -> Any:
            from shared.errors import UnauthenticatedError

            if not caller.is_authenticated:
                raise UnauthenticatedError()
            return accounts.change_password(validate(accounts.ChangePassword, payload), caller)

        return guarded("auth.changePassword", app_id, handler, methods=("POST",), rate=("auth",))

    @app.post(f"{base}/auth/logout")
    def logout(app_id: str) -> flask.Response:
        return guarded("auth.logout", app_id, lambda _p, _c: {"success": True}, methods=("POST",), rate=())

    # --- users -----------------------------------------------------------------
    @app.route(f"{base}/entities/User/me", methods=["GET", "PUT"])
    def user_me(app_id: str) -> flask.Response:
        if flask.request.method == "GET":
            return guarded("entities.User.me", app_id, lambda _p, c: api.me(c), methods=("GET",))
        return guarded("entities.User.updateMe", app_id, lambda p, c: api.update_me(c, p), methods=("PUT",))

    # --- entities --------------------------------------------------------------
    def args() -> dict[str, str]:
        return {k: v for k, v in flask.request.args.items()}

    @app.route(f"{base}/entities/<entity>", methods=["GET", "POST", "DELETE"])
    def entity_collection(app_id: str, entity: str) -> flask.Response:
        method = flask.request.method
        if method == "GET":
            return guarded(
                f"entities.{entity}.list", app_id, lambda _p, c: api.list_records(entity, c, args()), methods=("GET",)
            )
        if method == "POST":
            return guarded(
                f"entities.{entity}.create",
                app_id,
                lambda p, c: Reply(api.create_record(entity, c, p), status=201),
                methods=("POST",),
            )
        return guarded(
            f"entities.{entity}.deleteMany", app_id, lambda p, c: api.delete_many(entity, c, p), methods=("DELETE",)
        )

    @app.get(f"{base}/entities/<entity>/v2/list")
    def entity_page(app_id: str, entity: str) -> flask.Response:
        return guarded(
            f"entities.{entity}.page", app_id, lambda _p, c: api.page_records(entity, c, args()), methods=("GET",)
        )

    @app.get(f"{base}/entities/<entity>/count")
    def entity_count(app_id: str, entity: str) -> flask.Response:
        return guarded(
            f"entities.{entity}.count", app_id, lambda _p, c: api.count_records(entity, c, args()), methods=("GET",)
        )

    @app.route(f"{base}/entities/<entity>/bulk", methods=["POST", "PUT"])
    def entity_bulk(app_id: str, entity: str) -> flask.Response:
        if flask.request.method == "POST":
            return guarded(
                f"entities.{entity}.bulkCreate",
                app_id,
                lambda p, c: Reply(api.bulk_create(entity, c, p), status=201),
                methods=("POST",),
            )
        return guarded(
            f"entities.{entity}.bulkUpdate", app_id, lambda p, c: api.bulk_update(entity, c, p), methods=("PUT",)
        )

    @app.route(f"{base}/entities/<entity>/<entity_id>", methods=["GET", "PUT", "DELETE"])
    def entity_record(app_id: str, entity: str, entity_id: str) -> flask.Response:
        method = flask.request.method
        if method == "GET":
            return guarded(
                f"entities.{entity}.get", app_id, lambda _p, c: api.get_record(entity, c, entity_id), methods=("GET",)
            )
        if method == "PUT":
            return guarded(
                f"entities.{entity}.update",
                app_id,
                lambda p, c: api.update_record(entity, c, entity_id, p),
                methods=("PUT",),
            )
        return guarded(
            f"entities.{entity}.delete",
            app_id,
            lambda _p, c: api.delete_record(entity, c, entity_id),
            methods=("DELETE",),
        )

    @app.get("/health")
    def health() -> flask.Response:
        return flask.jsonify({"ok": True})

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> flask.Response:
        return error_response(NotFoundError(f"No route for {flask.request.method} {flask.request.path}"), flask.request)

    @app.errorhandler(Exception)
    def unhandled(exc: Exception) -> flask.Response:
        # Anything that escaped a route still answers the envelope, never Flask's HTML page.
        return error_response(exc, flask.request)

    @app.errorhandler(405)
    def method_not_allowed(_exc: Exception) -> flask.Response:
        from shared.errors import MethodNotAllowedError

        return error_response(MethodNotAllowedError(), flask.request)

    # --- certificates (issue 4): public verification and local signed downloads ---
    from functions.certificates import routes as certificate_routes

    certificate_routes.register(app)

    return app
