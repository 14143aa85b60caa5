"""Documented function name -> "module:attribute" of its HTTP target.

Names enter this table when they work. Modules are imported only when their
function is asked for, so a deployed function loads just what it uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from shared.errors import NotFoundError

FUNCTIONS: dict[str, str] = {
    "listPaidUsers": "functions.admin.list_paid_users:list_paid_users",
    "createStripeCheckout": "functions.payments.create_stripe_checkout:create_stripe_checkout",
    "createSubscriptionCheckout": "functions.payments.create_subscription_checkout:create_subscription_checkout",
    "createPortalSession": "functions.payments.create_portal_session:create_portal_session",
    "verifyStripeSession": "functions.payments.verify_stripe_session:verify_stripe_session",
    "stripeWebhook": "functions.payments.stripe_webhook:stripe_webhook",
    "syncCoursePurchases": "functions.payments.sync_course_purchases:sync_course_purchases",
    "syncStripeSubscriptions": "functions.payments.sync_stripe_subscriptions:sync_stripe_subscriptions",
    "verifyCourseCheckout": "functions.payments.verify_course_checkout:verify_course_checkout",
    "verifySubscriptionSession": "functions.payments.verify_subscription_session:verify_subscription_session",
    "createCourseCheckout": "functions.payments.create_course_checkout:create_course_checkout",
    "generateCertificate": "functions.certificates.generate_certificate:generate_certificate",
    "generateCourseCertificate": "functions.certificates.generate_course_certificate:generate_course_certificate",
    "verifyCertificate": "functions.certificates.verify_certificate:verify_certificate",
    "revokeCertificate": "functions.certificates.revoke_certificate:revoke_certificate",
    "recordProgress": "functions.learning.record_progress:record_progress",
    "submitQuiz": "functions.learning.submit_quiz:submit_quiz",
}


def load(name: str) -> Callable[..., Any]:
    """The HTTP target of a documented function; unknown names are a 404."""
    try:
        path = FUNCTIONS[name]
    except KeyError:
        raise NotFoundError(f"Unknown function {name!r}", details={"function": name}) from None
    module_name, _, attribute = path.partition(":")
    target: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return target
