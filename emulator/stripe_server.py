"""The local Stripe server of `make dev` and the tests: localstripe plus the APIs it lacks, on 127.0.0.1.

Run with localstripe's own interpreter (it lives in its own venv):

    .venv-localstripe/bin/python emulator/stripe_server.py --port 8420 [--state FILE]
        [--checkout-url URL --portal-url URL]

With `--state` every object (localstripe's and this extension's) is kept in FILE
after each change and loaded at start; without it nothing touches the disk.
`--checkout-url` and `--portal-url` are the prefixes of the pages a session's
`url` opens (the emulator's local checkout and portal pages); by default they
are Stripe's own hosts, which tests never open.

localstripe answers Customers, PaymentIntents, Plans, Products, Subscriptions,
Invoices and Events, and signs and delivers webhooks. This adds, in the shape of
the current API:

- Checkout Sessions: create, retrieve, list (created[gte|lte], status), line items;
- Billing portal sessions (the customer must exist);
- Prices: create, retrieve, list by `lookup_keys[]`; a recurring price is also a
  localstripe Plan of the same id, so subscriptions can be made from it;
- controls under /_config/test (no key needed): complete a session with a test card
  (pay it through a real localstripe PaymentIntent or Subscription, then send
  `checkout.session.completed` through localstripe's signed webhook delivery; Stripe's
  declining test cards are declined with Stripe's codes), read a portal session and
  cancel or resume its customer's subscriptions, make the next N calls to a path fail
  with a given status and error body, read the requests received, reset all.

Everything here is what the emulator and the tests need to drive the real `stripe`
SDK; nothing of it runs in production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import socket
import time

from aiohttp import web
from localstripe import resources as ls_resources
from localstripe import server as ls
from localstripe import webhooks as ls_webhooks
from localstripe.errors import UserError
from localstripe.resources import (
    Customer,
    Event,
    PaymentIntent,
    PaymentMethod,
    Plan,
    Product,
    Subscription,
    random_id,
    store,
)
from localstripe.webhooks import _webhooks

SESSIONS: dict[str, dict] = {}
PORTAL_SESSIONS: dict[str, dict] = {}
# Where a session's `url` points: Stripe's hosts unless the emulator serves the pages.
PAGES = {"checkout": "https://checkout.stripe.com/c/pay/", "portal": "https://billing.stripe.com/p/session/"}
STATE = {"path": None}
# Stripe's declining test cards: number -> (decline code, the message Stripe shows).
DECLINED_CARDS = {
    "4000000000000002": ("generic_decline", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": ("lost_card", "Your card was declined."),
    "4000000000009979": ("stolen_card", "Your card was declined."),
    "4000000000000069": ("expired_card", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "Your card's security code is incorrect."),
    "4000000000000119": ("processing_error", "An error occurred while processing your card. Try again."),
}
PENDING_DELIVERIES = {"count": 0}
_in_flight: set[asyncio.Future] = set()  # the loop keeps only weak references to tasks
RESET_DRAIN_SECONDS = 10.0


def schedule_webhook(event) -> None:  # noqa: ANN001 - a localstripe Event
    """localstripe's delivery, counted, so a reset can wait for deliveries in flight.

    Without this, an event from one test (delivered a second later) could reach the
    webhook the next test registers.
    """

    async def deliver() -> None:
        try:
            await ls_webhooks._send_webhook(event)
        finally:
            PENDING_DELIVERIES["count"] -= 1

    PENDING_DELIVERIES["count"] += 1
    _in_flight.add(task := asyncio.ensure_future(deliver()))
    task.add_done_callback(_in_flight.discard)


# Every event localstripe itself raises goes through the counted delivery.
ls_resources.schedule_webhook = schedule_webhook
PRICES: dict[str, dict] = {}
REQUESTS: list[dict] = []
MAX_REQUESTS_KEPT = 5000
FAILURES: list[dict] = []


class _Exported:
    """What localstripe's Event wants: something with `_export()`."""

    def __init__(self, data: dict) -> None:
        self._data = data

    def _export(self, expand=None):  # noqa: ANN001, ANN202 - localstripe's signature
        return json.loads(json.dumps(self._data))


def _error(status: int, message: str, code: str | None = None, param: str | None = None):
    err = {"type": "invalid_request_error", "message": message}
    if code:
        err["code"] = code
    if param:
        err["param"] = param
    return web.json_response({"error": err}, status=status)


def _flat_pairs(data) -> list[list[str]]:  # noqa: ANN001 - aiohttp MultiDict
    return [[k, v] for k, v in data.items()]


@web.middleware
async def record_and_fail(request, handler):  # noqa: ANN001, ANN201
    if request.path.startswith("/v1/"):
        form = await request.post() if request.method == "POST" else request.query
        del REQUESTS[: max(0, len(REQUESTS) - MAX_REQUESTS_KEPT)]  # a long `make dev` run stays small
        REQUESTS.append(
            {
                "method": request.method,
                "path": request.path,
                "form": _flat_pairs(form),
                "idempotency_key": request.headers.get("Idempotency-Key"),
            }
        )
        for rule in FAILURES:
            if rule["count"] > 0 and request.path.startswith(rule["path"]) and rule["method"] in ("*", request.method):
                rule["count"] -= 1
                return web.json_response({"error": rule["error"]}, status=rule["status"])
    return await handler(request)


# --- Prices ------------------------------------------------------------------


def _price_export(price: dict) -> dict:
    return dict(price)


async def create_price(request):  # noqa: ANN001, ANN201
    data = await ls.get_post_data(request) or {}
    currency = data.get("currency")
    try:
        amount = int(data.get("unit_amount"))
    except (TypeError, ValueError):
        return _error(400, "Missing required param: unit_amount.", param="unit_amount")
    if not currency:
        return _error(400, "Missing required param: currency.", param="currency")
    product = data.get("product")
    if product is None and isinstance(data.get("product_data"), dict):
        product = Product(name=data["product_data"].get("name"), metadata=data["product_data"].get("metadata")).id
    if product is None:
        return _error(400, "Missing required param: product.", param="product")
    Product._api_retrieve(product)  # 404 when unknown
    lookup_key = data.get("lookup_key")
    transfer = str(data.get("transfer_lookup_key", "false")).lower() == "true"
    if lookup_key:
        holder = [p for p in PRICES.values() if p["lookup_key"] == lookup_key]
        if holder and not transfer:
            return _error(400, f"A price ({holder[0]['id']}) already uses that lookup key.", param="lookup_key")
        for p in holder:
            p["lookup_key"] = None
    recurring = data.get("recurring")
    price_id = "price_" + random_id(14)
    price = {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": int(time.time()),
        "currency": currency,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": data.get("metadata") or {},
        "nickname": data.get("nickname"),
        "product": product,
        "recurring": None,
        "type": "one_time",
        "unit_amount": amount,
    }
    if isinstance(recurring, dict):
        interval = recurring.get("interval")
        price["recurring"] = {"interval": interval, "interval_count": int(recurring.get("interval_count", 1))}
        price["type"] = "recurring"
        Plan(id=price_id, amount=amount, currency=currency, interval=interval, product=product)
    PRICES[price_id] = price
    return web.json_response(_price_export(price))


def retrieve_price(request):  # noqa: ANN001, ANN201
    price = PRICES.get(request.match_info["id"])
    if price is None:
        return _error(404, f"No such price: '{request.match_info['id']}'", code="resource_missing", param="id")
    return web.json_response(_price_export(price))


def list_prices(request):  # noqa: ANN001, ANN201
    data = ls.unflatten_data(request.query)
    keys = data.get("lookup_keys")
    if isinstance(keys, str):
        keys = [keys]
    items = [p for p in PRICES.values() if keys is None or p["lookup_key"] in keys]
    if "active" in data:
        wanted = str(data["active"]).lower() == "true"
        items = [p for p in items if p["active"] == wanted]
    return _page("/v1/prices", sorted(items, key=lambda p: -p["created"]), data)


def _page(url: str, items: list[dict], data: dict):  # noqa: ANN201
    limit = int(data.get("limit", 10))
    after = data.get("starting_after")
    if after:
        ids = [i["id"] for i in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    return web.json_response({"object": "list", "url": url, "data": items[:limit], "has_more": len(items) > limit})


# --- Checkout Sessions ---------------------------------------------------------


def _line_items(raw, currency: str | None) -> list[dict]:  # noqa: ANN001
    if not isinstance(raw, list) or not raw:
        raise UserError(400, "line_items is required")
    out = []
    for item in raw:
        quantity = int(item.get("quantity", 1))
        if "price" in item:
            price = PRICES.get(item["price"])
            if price is None:
                raise UserError(404, f"No such price: '{item['price']}'")
            amount, cur, name = price["unit_amount"], price["currency"], price["nickname"] or price["product"]
            price_obj = price
        else:
            pdata = item.get("price_data") or {}
            amount, cur = int(pdata["unit_amount"]), pdata["currency"]
            name = (pdata.get("product_data") or {}).get("name")
            price_obj = {
                "id": "price_" + random_id(14),
                "object": "price",
                "unit_amount": amount,
                "currency": cur,
                "product": "prod_" + random_id(14),
                "metadata": (pdata.get("product_data") or {}).get("metadata") or {},
                "recurring": None,
                "type": "one_time",
                "lookup_key": None,
            }
        out.append(
            {
                "id": "li_" + random_id(14),
                "object": "item",
                "amount_subtotal": amount * quantity,
                "amount_total": amount * quantity,
                "currency": cur,
                "description": name,
                "price": price_obj,
                "quantity": quantity,
            }
        )
    return out


async def create_session(request):  # noqa: ANN001, ANN201
    data = await ls.get_post_data(request) or {}
    mode = data.get("mode")
    if mode not in ("payment", "subscription", "setup"):
        return _error(400, "Missing required param: mode.", param="mode")
    if not data.get("success_url"):
        return _error(400, "Missing required param: success_url.", param="success_url")
    if data.get("customer"):
        Customer._api_retrieve(data["customer"])
    items = _line_items(data.get("line_items"), None)
    currencies = {i["currency"] for i in items}
    if len(currencies) != 1:
        return _error(400, "All line items must use the same currency.", param="line_items")
    session_id = "cs_test_" + random_id(24)
    total = sum(i["amount_total"] for i in items)
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": data.get("cancel_url"),
        "client_reference_id": data.get("client_reference_id"),
        "created": int(time.time()),
        "currency": currencies.pop(),
        "customer": data.get("customer"),
        "customer_details": None,
        "customer_email": data.get("customer_email"),
        "expires_at": int(time.time()) + 24 * 3600,
        "livemode": False,
        "metadata": data.get("metadata") or {},
        "mode": mode,
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "subscription": None,
        "success_url": data.get("success_url"),
        "url": PAGES["checkout"] + session_id,
        "_line_items": items,
        "_subscription_metadata": (data.get("subscription_data") or {}).get("metadata") or {},
        "_payment_intent_metadata": (data.get("payment_intent_data") or {}).get("metadata") or {},
    }
    SESSIONS[session_id] = session
    return web.json_response(_session_export(session, data.get("expand")))


def _session_export(session: dict, expand=None) -> dict:  # noqa: ANN001
    out = {k: v for k, v in session.items() if not k.startswith("_")}
    expand = expand or []
    if isinstance(expand, str):
        expand = [expand]
    if "line_items" in expand:
        out["line_items"] = {
            "object": "list",
            "data": session["_line_items"],
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session['id']}/line_items",
        }
    if "subscription" in expand and session["subscription"]:
        out["subscription"] = _subscription_now(session["subscription"])
    if "payment_intent" in expand and session["payment_intent"]:
        out["payment_intent"] = PaymentIntent._api_retrieve(session["payment_intent"])._export()
    return out


def _subscription_now(sub_id: str) -> dict:
    """A localstripe subscription in the current shape (period end on the items)."""
    sub = Subscription._api_retrieve(sub_id)._export()
    for item in sub.get("items", {}).get("data", []):
        item["current_period_start"] = sub.get("current_period_start")
        item["current_period_end"] = sub.get("current_period_end")
        item["price"] = PRICES.get(item["plan"]["id"]) if isinstance(item.get("plan"), dict) else None
    return sub


def _session(request) -> dict:  # noqa: ANN001
    session = SESSIONS.get(request.match_info["id"])
    if session is None:
        raise UserError(404, f"No such checkout.session: '{request.match_info['id']}'")
    return session


def retrieve_session(request):  # noqa: ANN001, ANN201
    data = ls.unflatten_data(request.query)
    return web.json_response(_session_export(_session(request), data.get("expand")))


def session_line_items(request):  # noqa: ANN001, ANN201
    return _page(request.path, _session(request)["_line_items"], ls.unflatten_data(request.query))


def list_sessions(request):  # noqa: ANN001, ANN201
    data = ls.unflatten_data(request.query)
    items = sorted(SESSIONS.values(), key=lambda s: (-s["created"], s["id"]))
    created = data.get("created") or {}
    if isinstance(created, dict):
        for op, test in (("gte", int.__ge__), ("gt", int.__gt__), ("lte", int.__le__), ("lt", int.__lt__)):
            if op in created:
                bound = int(created[op])
                items = [s for s in items if test(s["created"], bound)]
    for field in ("status", "customer", "payment_intent", "subscription"):
        if field in data:
            items = [s for s in items if s[field] == data[field]]
    return _page("/v1/checkout/sessions", [_session_export(s, data.get("expand")) for s in items], data)


async def complete_session(request):  # noqa: ANN001, ANN201
    """Pay an open session as the hosted page would; `card=decline` makes the charge fail."""
    session = _session(request)
    data = await ls.get_post_data(request) or {}
    if session["status"] != "open":
        return _error(400, "This session is not open.")
    if "created" in data:  # tests backdate sessions to exercise date ranges
        session["created"] = int(data["created"])
    customer_id = session["customer"]
    if customer_id is None:
        customer_id = Customer(email=session["customer_email"]).id
        session["customer"] = customer_id
    email = Customer._api_retrieve(customer_id).email or session["customer_email"]
    session["customer_details"] = {"email": email}
    decline = _decline(str(data.get("card", "ok")))
    card = "pm_card_chargeCustomerFail" if decline else "pm_card_visa"
    if session["mode"] == "payment":
        try:
            pi = PaymentIntent._api_create(
                amount=session["amount_total"],
                currency=session["currency"],
                customer=customer_id,
                payment_method=card,
                metadata=dict(session["_payment_intent_metadata"]),
                confirm=True,
            )
        except UserError:
            return _card_error(decline or DECLINED_CARDS["4000000000000002"])
        session["payment_intent"] = pi.id
        if pi.status != "succeeded":
            return _card_error(decline or DECLINED_CARDS["4000000000000002"])
    elif decline:
        return _card_error(decline)  # Stripe refuses the card before it creates the subscription
    else:
        pm = PaymentMethod._api_retrieve(card)
        PaymentMethod._api_attach(pm.id, customer=customer_id)
        Customer._api_update(customer_id, invoice_settings={"default_payment_method": pm.id})
        price_id = session["_line_items"][0]["price"]["id"]
        sub = Subscription._api_create(
            customer=customer_id, items=[{"plan": price_id}], metadata=dict(session["_subscription_metadata"])
        )
        session["subscription"] = sub.id
    session["status"] = "complete"
    session["payment_status"] = "paid"
    schedule_webhook(Event("checkout.session.completed", _Exported(_session_export(session))))
    return web.json_response(_session_export(session))


def _decline(card: str) -> tuple[str, str] | None:
    """How a test card fares: None pays; `decline` (the tests' shorthand) or a declining number fails."""
    if card == "decline":
        return DECLINED_CARDS["4000000000000002"]
    return DECLINED_CARDS.get(card.replace(" ", ""))


def _card_error(decline: tuple[str, str]):  # noqa: ANN202
    code, message = decline
    err = {"type": "card_error", "code": "card_declined", "decline_code": code, "message": message}
    if code in ("expired_card", "incorrect_cvc", "processing_error"):
        err["code"] = code
    return web.json_response({"error": err}, status=402)


# --- Billing portal ------------------------------------------------------------


async def create_portal_session(request):  # noqa: ANN001, ANN201
    data = await ls.get_post_data(request) or {}
    customer = data.get("customer")
    if not customer:
        return _error(400, "Missing required param: customer.", param="customer")
    Customer._api_retrieve(customer)
    portal_id = "bps_" + random_id(24)
    portal = {
        "id": portal_id,
        "object": "billing_portal.session",
        "created": int(time.time()),
        "customer": customer,
        "livemode": False,
        "return_url": data.get("return_url"),
        "url": PAGES["portal"] + portal_id,
    }
    PORTAL_SESSIONS[portal_id] = portal
    return web.json_response(portal)


def _portal(request) -> dict:  # noqa: ANN001
    portal = PORTAL_SESSIONS.get(request.match_info["id"])
    if portal is None:
        raise UserError(404, f"No such billing portal session: '{request.match_info['id']}'")
    return portal


def retrieve_portal_session(request):  # noqa: ANN001, ANN201
    """The portal page's view: the session and its customer's subscriptions, newest first."""
    portal = _portal(request)
    subs = [s for s in Subscription._api_list_all("/v1/subscriptions", customer=portal["customer"])._list]
    subs.sort(key=lambda s: -s.created)
    return web.json_response({**portal, "subscriptions": [_subscription_now(s.id) for s in subs]})


async def change_portal_subscription(request):  # noqa: ANN001, ANN201
    """What the portal's buttons do: cancel at the period's end, or resume (undo that)."""
    portal = _portal(request)
    data = await ls.get_post_data(request) or {}
    sub = Subscription._api_retrieve(request.match_info["sub"])
    if sub.customer != portal["customer"]:
        raise UserError(404, f"No such subscription: '{sub.id}'")
    action = data.get("action")
    if action not in ("cancel", "resume"):
        return _error(400, "action must be cancel or resume.", param="action")
    if sub.status == "canceled":
        return _error(400, "This subscription has ended.")
    Subscription._api_update(sub.id, cancel_at_period_end=action == "cancel")
    schedule_webhook(Event("customer.subscription.updated", _Exported(_subscription_now(sub.id))))
    return web.json_response(_subscription_now(sub.id))


# --- test controls ---------------------------------------------------------------


async def add_failure(request):  # noqa: ANN001, ANN201
    rule = await request.json()
    FAILURES.append(
        {
            "path": rule["path"],
            "method": rule.get("method", "*"),
            "status": int(rule["status"]),
            "count": int(rule.get("count", 1)),
            "error": rule.get("error") or {"type": "api_error", "message": "boom"},
        }
    )
    return web.json_response({"ok": True})


def get_requests(request):  # noqa: ANN001, ANN201
    return web.json_response(REQUESTS)


async def reset(request):  # noqa: ANN001, ANN201
    deadline = asyncio.get_running_loop().time() + RESET_DRAIN_SECONDS
    while PENDING_DELIVERIES["count"] > 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    store.clear()
    _webhooks.clear()
    for bucket in (SESSIONS, PORTAL_SESSIONS, PRICES, REQUESTS, FAILURES):
        bucket.clear()
    return web.json_response({"ok": True, "undelivered": PENDING_DELIVERIES["count"]})


def install(app: web.Application) -> None:
    app.middlewares.insert(0, record_and_fail)
    app.router.add_post("/v1/prices", create_price)
    app.router.add_get("/v1/prices", list_prices)
    app.router.add_get("/v1/prices/{id}", retrieve_price)
    app.router.add_post("/v1/checkout/sessions", create_session)
    app.router.add_get("/v1/checkout/sessions", list_sessions)
    app.router.add_get("/v1/checkout/sessions/{id}", retrieve_session)
    app.router.add_get("/v1/checkout/sessions/{id}/line_items", session_line_items)
    app.router.add_post("/v1/billing_portal/sessions", create_portal_session)
    app.router.add_get("/_config/test/billing_portal/sessions/{id}", retrieve_portal_session)
    app.router.add_post("/_config/test/billing_portal/sessions/{id}/subscriptions/{sub}", change_portal_subscription)
    app.router.add_post("/_config/test/checkout/sessions/{id}/complete", complete_session)
    app.router.add_post("/_config/test/failures", add_failure)
    app.router.add_get("/_config/test/requests", get_requests)
    app.router.add_delete("/_config/test/data", reset)


# --- kept state ------------------------------------------------------------------


def _kept() -> dict:
    return {"store": dict(store), "sessions": SESSIONS, "portal_sessions": PORTAL_SESSIONS, "prices": PRICES}


def save_state() -> None:
    """Write every object to the state file (a new file renamed over the old: never half written)."""
    if STATE["path"] is None:
        return
    partial = f"{STATE['path']}.partial"
    with open(partial, "wb") as out:
        pickle.dump(_kept(), out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, STATE["path"])


def load_state(path: str) -> None:
    STATE["path"] = path
    try:
        with open(path, "rb") as kept:
            state = pickle.load(kept)  # our own file, written by save_state
    except FileNotFoundError:
        return
    dict.update(store, state["store"])
    SESSIONS.update(state["sessions"])
    PORTAL_SESSIONS.update(state["portal_sessions"])
    PRICES.update(state["prices"])


@web.middleware
async def keep_state(request, handler):  # noqa: ANN001, ANN201
    try:
        return await handler(request)
    finally:
        if request.method in ("POST", "PUT", "DELETE"):
            save_state()


# localstripe writes a fixed file in /tmp after every change; the state file replaces that.
ls_resources.Store.dump_to_disk = lambda self: None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", help="keep every object in this file between runs")
    parser.add_argument("--checkout-url", help="prefix of a Checkout Session's url (the session id follows)")
    parser.add_argument("--portal-url", help="prefix of a billing portal session's url (its id follows)")
    args = parser.parse_args()
    if args.checkout_url:
        PAGES["checkout"] = args.checkout_url
    if args.portal_url:
        PAGES["portal"] = args.portal_url
    if args.state:
        load_state(args.state)
        ls.app.middlewares.append(keep_state)
    install(ls.app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    web.run_app(ls.app, sock=sock, print=lambda *_: print(f"listening on 127.0.0.1:{args.port}", flush=True))


if __name__ == "__main__":
    main()
