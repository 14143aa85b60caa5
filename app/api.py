"""The `api` service: every module whose routes it serves, besides the documented functions
(`shared.router` finds those by name), and the contracts its routes answer in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import security
from emulator import pages
from entities import routes as entity_routes
from functions.certificates import routes as certificate_routes
from functions.enterprise import routes as enterprise_routes
from functions.payments import stripe_webhook
from functions.video import daily_webhook, zoom_webhook
from rest import admin_payments, auth_routes, courses, marketplace, payments, postman, surface
from shared import api_routes, http, router

if TYPE_CHECKING:
    import flask

ROUTE_MODULES = (
    entity_routes,
    certificate_routes,
    enterprise_routes,
    stripe_webhook,
    daily_webhook,
    zoom_webhook,
    api_routes,
    admin_payments,
    courses,
    marketplace,
    payments,
    auth_routes,
    pages,
    postman,
)


def install() -> None:
    """Assemble the `api` service (once is enough; again changes nothing)."""
    security.install()
    http.register_surface(surface.CONTRACT)
    router.mount(ROUTE_MODULES)


def dispatch(request: flask.Request) -> flask.Response:
    """Every route of the Base44 API: entities, auth, functions, webhook, verification, downloads."""
    return router.dispatch(request)
