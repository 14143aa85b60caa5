"""The emulator's own pages: the front page, and the local Stripe's checkout and billing portal.

Plain server-rendered HTML, no script, under a strict Content-Security-Policy.
They exist only outside production; the checkout and portal pages only while
the local Stripe server stands in for Stripe (`STRIPE_API_BASE`, which `make dev`
sets), where a Checkout Session's `url` opens `/dev/checkout/<id>` and a portal
session's `/dev/portal/<id>`. Cards behave as Stripe's test cards do: 4242 4242
4242 4242 pays, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has
insufficient funds.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from emulator import demo, paths, request_log
from entities import accounts
from rest import accounts as rest_accounts
from shared import config, firestore, outbound, router, stripe_client
from shared.auth import Caller
from shared.errors import (
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
    UpstreamError,
)
from shared.http import Reply
from shared.router import route
from shared.stripe_client import as_dict, stripe_call, to_major_units

TITLE = "SparkAcademy Functions"
CHECKOUT = paths.CHECKOUT_PAGES
PORTAL = paths.PORTAL_PAGES
_SESSION_ID = r"^cs_test_[A-Za-z0-9]{1,64}$"
_PORTAL_ID = r"^bps_[A-Za-z0-9]{1,64}$"
_SUBSCRIPTION_ID = re.compile(r"^sub_[A-Za-z0-9]{1,64}$")
_PAGE: dict[str, Any] = {"anonymous": True, "rate": (), "tags": ("development",), "content_type": "text/html"}
# A page's form: answered with a redirect (303); any other body than the form's is refused (415).
_FORM: dict[str, Any] = {
    **_PAGE,
    "content_type": "text/plain",
    "status": 303,
    "body": "raw",
    "errors": (NotFoundError, UnsupportedMediaTypeError),
}
# What the checkout page says for each refusal, by Stripe's decline or error code.
CARD_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again.",
    "incorrect_number": "Your card number is incorrect.",
    "invalid_expiry": "Your card's expiration date is invalid or in the past.",
    "invalid_cvc": "Your card's security code is incomplete.",
}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 980px; padding: 1.5em; color: #1d2330; }
h1 { font-size: 1.6em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #dde; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid #eef; vertical-align: top; }
code { background: #f3f4f8; padding: 0 3px; } .muted { color: #667; }
.ready { color: #137333; } .waiting { color: #a15c00; }
.error { background: #fde8e8; color: #9b1c1c; padding: 8px 12px; border-radius: 4px; }
form.card { max-width: 380px; } label { display: block; margin-top: 10px; }
input { font: inherit; width: 100%; padding: 6px; box-sizing: border-box; }
button { font: inherit; margin-top: 14px; padding: 8px 18px; background: #635bff; color: #fff; border: 0;
  border-radius: 4px; cursor: pointer; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


class CheckoutQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declined: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


# --- the front page -------------------------------------------------------------------


@route("GET", "/", name="dev.home", errors=(NotFoundError,), **_PAGE)
def home(_body: Any, _caller: Caller) -> Reply:
    """The local platform's front page: accounts, documentation, functions, payments, mail, requests."""
    _development_only()
    base = config.public_base_url()
    sections = [
        f"<h1>{TITLE}: the local platform</h1>"
        "<p>The Base44-compatible API of SparkAcademy on this machine: entities, auth and every documented "
        "function, over the Firestore emulator and a local Stripe. Nothing here reaches another host.</p>"
        f"<pre><code>createClient({{ serverUrl: '{_e(base)}', appId: '{_e(config.app_id())}' }})</code></pre>",
        "<h2>Documentation</h2><ul>"
        '<li><a href="/api/docs">API reference (Swagger UI)</a></li>'
        '<li><a href="/api/redoc">API reference (Redoc)</a></li>'
        '<li><a href="/api/openapi.json">OpenAPI document</a></li>'
        '<li><a href="/health">Health</a></li></ul>',
        _accounts_section(),
        _functions_section(),
        _stripe_section(),
        _mail_section(),
        _requests_section(),
    ]
    return _html(TITLE, "".join(sections))


def _accounts_section() -> str:
    rows = [(email, str(role), demo.demo_password()) for email, _name, role in demo.ACCOUNTS]
    return "<h2>Demo accounts</h2>" + _table(("Email", "Role", "Password"), rows)


def _functions_section() -> str:
    rows = []
    for function in router.functions():
        missing = config.missing(function.spec.required_settings)
        state = (
            f'<span class="waiting">waiting for {_e(", ".join(missing))}</span>'
            if missing
            else '<span class="ready">ready</span>'
        )
        summary = function.summary.removeprefix(f"{function.name}:").strip()
        rows.append((f"<code>{_e(function.name)}</code>", _e(summary), state))
    return f"<h2>Functions ({len(rows)})</h2>" + _table(("Function", "What it does", "State"), rows, escaped=True)


def _stripe_section() -> str:
    if not config.get(config.STRIPE_API_BASE):
        state = "real Stripe keys" if config.get(config.STRIPE_SECRET_KEY) else "not configured"
        return f"<h2>Payments</h2><p class='muted'>The local Stripe server is not in use ({state}).</p>"

    try:
        with stripe_call("listing recent payments"):
            sessions = [as_dict(s) for s in stripe_client.client().v1.checkout.sessions.list(params={"limit": 10}).data]
            intents = [as_dict(p) for p in stripe_client.client().v1.payment_intents.list(params={"limit": 10}).data]
    except (ServiceUnavailableError, UpstreamError):
        return "<h2>Payments</h2><p class='error'>The local Stripe server does not answer.</p>"

    session_rows = [
        (
            f'<a href="{CHECKOUT}{quote(s["id"])}">{_e(s["id"])}</a>' if s.get("status") == "open" else _e(s["id"]),
            _e(s.get("mode")),
            _e(f"{s.get('status')} / {s.get('payment_status')}"),
            _e(_amount(s, "amount_total")),
            _e(_when(s.get("created"))),
        )
        for s in sorted(sessions, key=lambda s: -int(s.get("created") or 0))
    ]
    intent_rows = [
        (p["id"], str(p.get("status")), _amount(p, "amount"), _when(p.get("created")))
        for p in sorted(intents, key=lambda p: -int(p.get("created") or 0))
    ]
    return (
        "<h2>Payments (local Stripe)</h2><p class='muted'>Test cards: 4242 4242 4242 4242 pays, "
        "4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has insufficient funds.</p>"
        "<h3>Checkout sessions</h3>"
        + _table(("Session", "Mode", "Status", "Amount", "Created"), session_rows, escaped=True)
        + "<h3>Payments</h3>"
        + _table(("Payment intent", "Status", "Amount", "Created"), intent_rows)
    )


_URL = re.compile(r"https?://[^\s<>\"']+")


def _mail_section() -> str:
    from google.cloud.firestore import Query

    try:
        docs = (
            firestore.client()
            .collection("mail")
            .order_by("created_date", direction=Query.DESCENDING)
            .limit(20)
            .stream(**firestore.io())
        )
        mails = [d.to_dict() or {} for d in docs]
    except Exception:  # noqa: BLE001 - the page still shows the rest
        return "<h2>Mail</h2><p class='error'>The Firestore emulator does not answer.</p>"
    rows = []
    for mail in mails:
        message = mail.get("message") or {}
        text = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', _e(message.get("text") or ""))
        rows.append((_e(mail.get("created_date")), _e(mail.get("to")), _e(message.get("subject")), text))
    return (
        "<h2>Mail</h2><p class='muted'>What the product queued in the <code>mail</code> collection "
        "(Firebase's Trigger Email extension sends it in production).</p>"
        + _table(("Queued", "To", "Subject", "Text"), rows, escaped=True)
    )


def _requests_section() -> str:
    rows = [
        (r["time"], r["method"], r["path"], str(r["status"]), f"{r['duration_ms']} ms", r["request_id"])
        for r in request_log.recent()
    ]
    return f"<h2>Last {request_log.KEPT} requests</h2>" + _table(
        ("Time", "Method", "Path", "Status", "Duration", "Request id"), rows
    )


# --- checkout -------------------------------------------------------------------------


@route(
    "GET",
    CHECKOUT + "{session_id}",
    name="dev.checkout",
    query=CheckoutQuery,
    path_schemas={"session_id": {"type": "string", "pattern": _SESSION_ID}},
    **_PAGE,
)
def checkout_page(_body: Any, _caller: Caller, session_id: str, query: CheckoutQuery) -> Reply:
    """The local Stripe's hosted checkout page for one Checkout Session."""
    session = _checkout_session(session_id)

    currency = str(session.get("currency") or "usd")
    items = (session.get("line_items") or {}).get("data") or []
    rows = [
        (str(i.get("description") or ""), f"{to_major_units(int(i.get('amount_total') or 0), currency):.2f}")
        for i in items
    ]
    total = f"{to_major_units(int(session.get('amount_total') or 0), currency):.2f} {currency.upper()}"
    email = (session.get("customer_details") or {}).get("email") or session.get("customer_email") or _email(session)
    parts = ["<h1>Pay SparkAcademy</h1><p class='muted'>Test mode: a local stand-in for Stripe Checkout.</p>"]
    parts.append(_table(("Item", f"Amount ({currency.upper()})"), rows) + f"<p><strong>Total: {_e(total)}</strong></p>")
    if session.get("mode") == "subscription":
        parts.append("<p>Billed every period until cancelled in the billing portal.</p>")
    if session.get("status") != "open":
        parts.append(f"<p>This checkout session is {_e(session.get('status'))}.</p>")
    else:
        if query.declined:
            message = CARD_MESSAGES.get(query.declined, CARD_MESSAGES["generic_decline"])
            parts.append(f'<p class="error" id="card-error" role="alert">{_e(message)}</p>')
        parts.append(
            f'<form class="card" method="post" action="{CHECKOUT}{quote(session_id)}">'
            f"<p>Email: <strong>{_e(email)}</strong></p>"
            '<label>Card number <input name="card_number" id="card_number" inputmode="numeric" '
            'autocomplete="cc-number" placeholder="4242 4242 4242 4242" required></label>'
            '<label>Expiry (MM / YY) <input name="expiry" id="expiry" placeholder="12 / 34" required></label>'
            '<label>CVC <input name="cvc" id="cvc" inputmode="numeric" placeholder="123" required></label>'
            f'<button type="submit" id="pay">Pay {_e(total)}</button></form>'
        )
    if session.get("cancel_url"):
        parts.append(f'<p><a href="{_e(session["cancel_url"])}">Back</a></p>')
    redirects = [session.get("success_url"), session.get("cancel_url")]
    return _html("Checkout", "".join(parts), form_targets=redirects)


@route(
    "POST",
    CHECKOUT + "{session_id}",
    name="dev.checkoutPay",
    path_schemas={"session_id": {"type": "string", "pattern": _SESSION_ID}},
    **_FORM,
)
def pay(req: Any, _caller: Caller, session_id: str) -> Reply:
    """Pay a Checkout Session with a test card; on to its success URL, or back to the page with the refusal."""
    session = _checkout_session(session_id)
    page = CHECKOUT + quote(session_id)
    if session.get("status") != "open":
        return _see_other(page)
    form = _form(req)
    number = re.sub(r"[\s-]", "", str(form.get("card_number", "")))
    refusal = _card_problem(number, str(form.get("expiry", "")), str(form.get("cvc", "")))
    if refusal is None:
        answer = _control("POST", f"/_config/test/checkout/sessions/{quote(session_id)}/complete", {"card": number})
        if answer.status_code == 402:
            refusal = str(answer.json()["error"].get("decline_code") or "generic_decline")
        elif answer.status_code != 200:
            raise UpstreamError("The local Stripe server refused the payment")
    if refusal is not None:
        return _see_other(f"{page}?declined={quote(refusal)}")
    return _see_other(str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id))


def _card_problem(number: str, expiry: str, cvc: str) -> str | None:
    """What Stripe's card form refuses before any charge: a bad number, a past expiry, a short CVC."""
    if not re.fullmatch(r"\d{12,19}", number) or not _luhn(number):
        return "incorrect_number"
    parsed = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", expiry)
    if parsed is None:
        return "invalid_expiry"
    month, year = int(parsed.group(1)), int(parsed.group(2))
    year += 2000 if year < 100 else 0
    now = time.gmtime()
    if not 1 <= month <= 12 or (year, month) < (now.tm_year, now.tm_mon):
        return "invalid_expiry"
    if not re.fullmatch(r"\d{3,4}", cvc.strip()):
        return "invalid_cvc"
    return None


def _luhn(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def _email(session: dict[str, Any]) -> str:
    """The session's customer's email, as Stripe's page shows it."""
    if not session.get("customer"):
        return ""

    with stripe_call("reading the customer"):
        return str(as_dict(stripe_client.client().v1.customers.retrieve(str(session["customer"]))).get("email") or "")


def _checkout_session(session_id: str) -> dict[str, Any]:
    _local_stripe_url()
    if not re.fullmatch(_SESSION_ID, session_id):
        raise NotFoundError("No such checkout session")

    with stripe_call("reading the checkout session", not_found="No such checkout session"):
        return as_dict(
            stripe_client.client().v1.checkout.sessions.retrieve(session_id, params={"expand": ["line_items"]})
        )


# --- billing portal -------------------------------------------------------------------


@route(
    "GET",
    PORTAL + "{portal_id}",
    name="dev.portal",
    path_schemas={"portal_id": {"type": "string", "pattern": _PORTAL_ID}},
    **_PAGE,
)
def portal_page(_body: Any, _caller: Caller, portal_id: str) -> Reply:
    """The local Stripe's billing portal: the customer's subscriptions, to cancel or resume."""
    portal = _portal_session(portal_id)
    rows = []
    for sub in portal.get("subscriptions") or []:
        ending = bool(sub.get("cancel_at_period_end"))
        action = "resume" if ending else "cancel"
        button = (
            ""
            if sub.get("status") == "canceled"
            else f'<form method="post" action="{PORTAL}{quote(portal_id)}">'
            f'<input type="hidden" name="subscription" value="{_e(sub["id"])}">'
            f'<input type="hidden" name="action" value="{action}">'
            f'<button type="submit" id="{action}-{_e(sub["id"])}">'
            f"{'Resume' if ending else 'Cancel at period end'}</button></form>"
        )
        plan = sub.get("plan") or {}
        state = f"{sub.get('status')}{', ends at period end' if ending else ''}"
        rows.append(
            (
                _e(sub["id"]),
                _e(f"{_amount(plan, 'amount')} / {plan.get('interval')}"),
                _e(state),
                _e(_when(sub.get("current_period_end"))),
                button,
            )
        )
    body = (
        "<h1>Billing portal</h1><p class='muted'>Test mode: a local stand-in for Stripe's customer portal.</p>"
        + _table(("Subscription", "Plan", "Status", "Current period ends", ""), rows, escaped=True)
    )
    if portal.get("return_url"):
        body += f'<p><a href="{_e(portal["return_url"])}">Return</a></p>'
    return _html("Billing portal", body)


@route(
    "POST",
    PORTAL + "{portal_id}",
    name="dev.portalChange",
    path_schemas={"portal_id": {"type": "string", "pattern": _PORTAL_ID}},
    **_FORM,
)
def change_subscription(req: Any, _caller: Caller, portal_id: str) -> Reply:
    """Cancel a subscription at its period's end, or resume it; back to the portal page."""
    _portal_session(portal_id)
    form = _form(req)
    subscription = str(form.get("subscription", ""))
    action = str(form.get("action", ""))
    if _SUBSCRIPTION_ID.fullmatch(subscription) and action in ("cancel", "resume"):
        path = f"/_config/test/billing_portal/sessions/{quote(portal_id)}/subscriptions/{quote(subscription)}"
        answer = _control("POST", path, {"action": action})
        if answer.status_code >= 500:
            raise UpstreamError("The local Stripe server refused the change")
    return _see_other(PORTAL + quote(portal_id))


def _portal_session(portal_id: str) -> dict[str, Any]:
    _local_stripe_url()
    if not re.fullmatch(_PORTAL_ID, portal_id):
        raise NotFoundError("No such billing portal session")
    answer = _control("GET", f"/_config/test/billing_portal/sessions/{quote(portal_id)}")
    if answer.status_code == 404:
        raise NotFoundError("No such billing portal session")
    if answer.status_code != 200:
        raise UpstreamError("The local Stripe server failed")
    portal: dict[str, Any] = answer.json()
    return portal


# --- password reset -------------------------------------------------------------------


class ResetQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(default="", max_length=200)
    done: bool = False
    error: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


RESET_MESSAGES = {
    "invalid_token": "This link is invalid or has expired: ask for a new one.",
    "weak_password": "Choose 8 to 256 characters mixing letters with digits or symbols.",
}


@route("GET", "/reset-password", name="dev.resetPassword", query=ResetQuery, errors=(NotFoundError,), **_PAGE)
def reset_password_page(_body: Any, _caller: Caller, query: ResetQuery) -> Reply:
    """Where the reset mail's link leads under `make dev`: a form for the new password."""
    _development_only()
    if query.done:
        return _html("Password changed", "<h1>Password changed</h1><p>Sign in with the new password.</p>")
    error = f'<p class="error" role="alert">{_e(RESET_MESSAGES.get(query.error, ""))}</p>' if query.error else ""
    body = (
        f"<h1>Choose a new password</h1>{error}"
        '<form class="card" method="post" action="/reset-password">'
        f'<input type="hidden" name="token" value="{_e(query.token)}">'
        '<label>New password <input type="password" name="new_password" id="new_password" '
        'autocomplete="new-password" required></label>'
        '<button type="submit" id="save">Save</button></form>'
    )
    return _html("Reset password", body)


# Counted with the API's own auth routes: the same code, the same limit.
@route("POST", "/reset-password", name="dev.resetPasswordSave", **{**_FORM, "rate": ("auth",)})
def reset_password(req: Any, _caller: Caller) -> Reply:
    """Set the new password with the mailed token (the same code as `auth/reset-password`)."""

    _development_only()
    form = _form(req)
    token = str(form.get("token", ""))
    try:
        body = accounts.ResetPassword(reset_token=token, new_password=str(form.get("new_password", "")))
    except ValidationError as exc:
        error = "invalid_token" if any(err["loc"] == ("reset_token",) for err in exc.errors()) else "weak_password"
        return _see_other(f"/reset-password?{urlencode({'token': token[:200], 'error': error})}")
    try:
        accounts.reset_password(body)
    except InvalidInputError:
        return _see_other(f"/reset-password?{urlencode({'error': 'invalid_token'})}")
    return _see_other("/reset-password?done=true")


# --- email verification ---------------------------------------------------------------


class VerifyEmailQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(default="", max_length=200)
    done: bool = False
    error: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")


@route("GET", "/verify-email", name="dev.verifyEmail", query=VerifyEmailQuery, errors=(NotFoundError,), **_PAGE)
def verify_email_page(_body: Any, _caller: Caller, query: VerifyEmailQuery) -> Reply:
    """Where the sign-up mail's link leads under `make dev`: one button that verifies the address.

    Opening the link changes nothing (mail scanners open links too); the button posts the token.
    """
    _development_only()
    if query.done:
        return _html("Email verified", '<h1 id="result">Email verified</h1><p>Your address is confirmed.</p>')
    if query.error:
        message = "This link is invalid or has expired: sign up again or ask for a new one."
        return _html("Email not verified", f'<h1>Email not verified</h1><p class="error" role="alert">{message}</p>')
    body = (
        "<h1>Verify your email address</h1>"
        '<form class="card" method="post" action="/verify-email">'
        f'<input type="hidden" name="token" value="{_e(query.token)}">'
        '<button type="submit" id="verify">Verify my address</button></form>'
    )
    return _html("Verify email", body)


@route("POST", "/verify-email", name="dev.verifyEmailSave", **{**_FORM, "rate": ("auth",)})
def verify_email(req: Any, _caller: Caller) -> Reply:
    """Verify with the mailed token (the same code as `POST /api/auth/verify-email`)."""

    _development_only()
    token = str(_form(req).get("token", ""))[:200]
    try:
        if not token:
            raise InvalidInputError("No token")
        rest_accounts.verify_email(token)
    except InvalidInputError:
        return _see_other(f"/verify-email?{urlencode({'error': 'invalid_token'})}")
    return _see_other("/verify-email?done=true")


# --- helpers --------------------------------------------------------------------------


def _development_only() -> None:
    if config.is_production():
        raise NotFoundError("No route for this path")


def _local_stripe_url() -> str:
    """The local Stripe server's URL; the checkout and portal pages exist only while it stands in for Stripe."""
    _development_only()
    url = str(config.get(config.STRIPE_API_BASE, "") or "")
    if not url:
        raise NotFoundError("No local Stripe server: these pages exist only under `make dev`")
    return url.rstrip("/")


def _control(method: str, path: str, data: dict[str, str] | None = None) -> Any:
    import requests

    try:
        return outbound.session("stripe").request(method, _local_stripe_url() + path, data=data, timeout=30)
    except requests.RequestException as exc:
        raise ServiceUnavailableError("The local Stripe server is unreachable; retry shortly") from exc


def _form(req: Any) -> Any:
    """The fields of a page's form; anything else than a form's body is refused."""
    if req.mimetype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaTypeError("Send the page's form (application/x-www-form-urlencoded)")
    return req.form


def _see_other(location: str) -> Reply:
    return Reply("", status=303, headers={"Location": location}, content_type="text/plain")


def _origin(url: Any) -> str | None:
    parts = urlsplit(str(url or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _html(title: str, body: str, form_targets: Iterable[Any] = ()) -> Reply:
    # A form's redirect must be allowed by form-action too: the success URL's origin is.
    targets = sorted({o for o in map(_origin, form_targets) if o})
    policy = (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self' data:; "
        f"form-action 'self' {' '.join(targets)}; base-uri 'none'; frame-ancestors 'none'"
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Reply(page, content_type="text/html; charset=utf-8", headers=headers)


def _table(heads: Iterable[str], rows: Iterable[Iterable[Any]], *, escaped: bool = False) -> str:
    """Rows of cells; `escaped` says the cells are HTML already (every value in them escaped)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell if escaped else _e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body or '<tr><td>none yet</td></tr>'}</tbody></table>"


def _amount(obj: dict[str, Any], field: str) -> str:
    """A Stripe amount (minor units) in its currency's major unit."""

    currency = str(obj.get("currency") or "usd")
    return f"{to_major_units(int(obj.get(field) or 0), currency):.2f} {currency.upper()}"


def _when(epoch: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(int(epoch))) if epoch else ""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))
