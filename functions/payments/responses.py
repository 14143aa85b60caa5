"""Response models of the payment functions: exactly what each one answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from shared.models import ResponseModel

EnrollmentStatus = Literal["active", "completed", "cancelled", "refunded", "expired", "suspended"]
SubscriptionStatus = Literal[
    "active", "trialing", "past_due", "canceled", "unpaid", "incomplete", "incomplete_expired", "paused"
]
Currency = Field(pattern=r"^[a-z]{3}$", description="ISO 4217 code, lower case")


class _CourseCheckout(ResponseModel):
    sessionId: str = Field(description="Stripe Checkout Session id (cs_...)")
    url: str = Field(description="Where to send the buyer to pay")
    total_amount: int = Field(ge=0, description="Sum of the courses' prices, in minor units (cents)")
    currency: str = Currency


class CreateStripeCheckoutResponse(_CourseCheckout):
    """A Checkout Session for one course."""


class CreateCourseCheckoutResponse(_CourseCheckout):
    """A Checkout Session for a bundle of courses, one line item each."""


class CreateSubscriptionCheckoutResponse(ResponseModel):
    sessionId: str = Field(description="Stripe Checkout Session id (cs_...)")
    url: str = Field(description="Where to send the buyer to subscribe")
    plan: Literal["monthly", "annual"]


class CreatePortalSessionResponse(ResponseModel):
    url: str = Field(description="The caller's Stripe billing portal")


class EnrollmentView(ResponseModel):
    id: str
    course_id: str
    student_email: str
    status: EnrollmentStatus
    enrolled_at: str | None


class VerifyStripeSessionResponse(ResponseModel):
    success: Literal[True]
    enrollment: EnrollmentView | None = Field(description="The first course's enrollment")
    enrollments: list[EnrollmentView] = Field(description="One per course bought in the session")
    purchase_id: str


class VerifyCourseCheckoutResponse(ResponseModel):
    success: Literal[True]
    course_id: str | None = Field(description="The first course bought")
    student_email: str
    enrollment_id: str | None = Field(description="The first course's enrollment")
    course_ids: list[str]
    enrollment_ids: list[str]
    purchase_id: str


class VerifySubscriptionSessionResponse(ResponseModel):
    success: Literal[True]
    subscription_id: str = Field(description="Stripe subscription id (sub_...)")
    plan: Literal["monthly", "annual", "enterprise"]
    status: SubscriptionStatus
    expires_at: str | None = Field(description="End of the paid period, UTC ISO 8601")


class StripeEventHandled(ResponseModel):
    received: Literal[True]
    event_id: str
    outcome: Literal["processed", "duplicate", "stale", "ignored", "recorded"] = Field(
        description="processed: effects written; duplicate: seen before; stale: older than the stored state; "
        "ignored: names no known user; recorded: nothing to do"
    )


class StripeEventNotHandled(ResponseModel):
    """An event type this endpoint does not act on: recorded and acknowledged."""

    received: Literal[True]
    event_id: str
    handled: Literal[False]


class StripeWebhookResponse(RootModel[StripeEventHandled | StripeEventNotHandled]):
    """Every signed event is acknowledged with 200."""


class DriftItem(ResponseModel):
    """One disagreement between Stripe and the records (see `functions.payments.reconcile`)."""

    kind: Literal["missing_purchase", "refund_not_recorded", "payment_without_access", "access_without_payment"]
    fixed: bool
    stripe_id: str | None = None
    purchase_id: str | None = None
    enrollment_id: str | None = None
    course_id: str | None = None
    course_ids: list[str] | None = None
    user_email: str | None = None


class SyncCoursePurchasesResponse(ResponseModel):
    success: Literal[True]
    purchases_synced: int = Field(ge=0, description="Paid course sessions found in the range")
    new_purchases: int = Field(ge=0, description="Of those, purchases not recorded before")
    total_revenue: int = Field(ge=0, description="Revenue in `currency`, in minor units (cents)")
    currency: str = Currency
    revenue_by_currency: dict[str, int] = Field(description="Currency -> revenue in minor units (cents)")
    new_enrollments: int = Field(ge=0)
    complete: bool = Field(description="False: the time budget ran out; the next run continues where this one stopped")
    resumed: bool = Field(description="This run continued a walk an earlier run left unfinished")
    drift: list[DriftItem] = Field(description="What disagreed before the sync (missing purchases are recorded by it)")


class SyncStripeSubscriptionsResponse(ResponseModel):
    success: Literal[True]
    active_subscriptions: int = Field(ge=0, description="Active or trialing after the sync")
    cancelled: int = Field(ge=0)
    past_due: int = Field(ge=0)
    updated: int = Field(ge=0, description="Records created or changed")
    skipped: int = Field(ge=0, description="Subscriptions naming no user")
    complete: bool = Field(description="False: the time budget ran out; the next run continues where this one stopped")
    resumed: bool = Field(description="This run continued a walk an earlier run left unfinished")
    drift: list[DriftItem] = Field(description="Access that disagreed with the plans after the sync")
