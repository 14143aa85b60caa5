"""Response models of the 7P surface's courses, marketplace, payments and admin routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models import ResponseModel


class RefundView(ResponseModel):
    id: str = Field(description="Stripe refund id (re_...)")
    amount: int = Field(ge=0, description="Refunded, in minor units (cents)")
    status: str = Field(description="Stripe's refund status: pending, succeeded, failed...")
    created: int = Field(description="Unix time")


class RefundAnswer(ResponseModel):
    success: Literal[True]
    refund: RefundView


class Instructor(ResponseModel):
    display_name: str
    avatar_url: str | None


class InstructorDetail(ResponseModel):
    id: str | None = Field(description="The instructor's user id; null when they have no account here")
    display_name: str
    bio: str | None
    avatar_url: str | None


class Category(ResponseModel):
    name: str | None


class UserCourse(ResponseModel):
    id: str
    title: str
    slug: str | None
    description: str | None
    short_description: str | None
    thumbnail_url: str | None
    level: Literal["beginner", "intermediate", "advanced"] | None
    duration_hours: float = Field(ge=0)
    total_lessons: int = Field(ge=0)
    rating: float = Field(ge=0, le=5)
    progress: float = Field(ge=0, le=100)
    enrolled_at: str | None
    last_accessed: str | None
    instructor: Instructor
    category: Category


class UserCourses(ResponseModel):
    courses: list[UserCourse]


class LessonOutline(ResponseModel):
    id: str
    title: str
    type: Literal["video", "text", "quiz"]
    duration_minutes: int = Field(ge=0)
    order_index: int
    is_completed: bool


class ModuleOutline(ResponseModel):
    id: str
    title: str
    description: str | None
    order_index: int
    lessons: list[LessonOutline]


class CourseDetailBody(ResponseModel):
    id: str
    title: str
    slug: str | None
    description: str | None
    short_description: str | None
    thumbnail_url: str | None
    level: Literal["beginner", "intermediate", "advanced"] | None
    duration_hours: float = Field(ge=0)
    total_lessons: int = Field(ge=0)
    rating: float = Field(ge=0, le=5)
    price: float = Field(ge=0)
    is_free: bool
    modules: list[ModuleOutline]
    instructor: InstructorDetail
    requirements: list[str]
    what_you_learn: list[str]
    target_audience: list[str]


class CourseDetail(ResponseModel):
    course: CourseDetailBody


class EnrollmentGrant(ResponseModel):
    user_id: str | None
    course_id: str
    enrolled_at: str
    access_until: str | None = Field(description="When access ends (UTC ISO 8601); null: no end set")
    source: Literal["free", "subscription", "admin", "purchase", "enterprise"] | None


class Enrolled(ResponseModel):
    success: Literal[True]
    message: str
    enrollment: EnrollmentGrant


class UpdatedProgress(ResponseModel):
    course_progress: float = Field(ge=0, le=100)
    lesson_progress: float = Field(ge=0, le=100)
    total_time_spent: int = Field(ge=0, description="Seconds, over every lesson of the course")
    completed_lessons: int = Field(ge=0)


class CourseProgressAnswer(ResponseModel):
    success: Literal[True]
    updated_progress: UpdatedProgress


class LessonProgressBody(ResponseModel):
    lesson_id: str
    progress_percentage: float = Field(ge=0, le=100)
    time_spent_seconds: int = Field(ge=0)
    completed: bool
    last_accessed: str | None
    quiz_score: float | None = Field(default=None, description="As reported by the learner's client; never counts")


class LessonProgressAnswer(ResponseModel):
    success: Literal[True]
    lesson_progress: LessonProgressBody


class MarketplaceCourse(ResponseModel):
    id: str
    title: str
    short_description: str | None
    thumbnail_url: str | None
    level: Literal["beginner", "intermediate", "advanced"] | None
    price: float = Field(ge=0)
    original_price: float | None
    is_free: bool
    rating: float = Field(ge=0, le=5)
    total_students: int = Field(ge=0)
    duration_hours: float = Field(ge=0)
    instructor: Instructor
    category: Category
    tags: list[str]


class Pagination(ResponseModel):
    current_page: int = Field(ge=1)
    total_pages: int = Field(ge=0)
    total_items: int = Field(ge=0)
    has_next: bool
    has_prev: bool


class Marketplace(ResponseModel):
    courses: list[MarketplaceCourse]
    pagination: Pagination


class RatingBody(ResponseModel):
    course_rating: float = Field(ge=0, le=5, description="Mean of the learners' ratings")
    rating_count: int = Field(ge=1)
    your_rating: int = Field(ge=1, le=5)


class Rated(ResponseModel):
    success: Literal[True]
    rating: RatingBody


class CheckoutSession(ResponseModel):
    sessionId: str = Field(description="Stripe Checkout Session id (cs_...)")
    url: str = Field(description="Where to send the buyer")


class PaymentIntentAnswer(ResponseModel):
    client_secret: str = Field(description="For Stripe Elements")
    payment_intent_id: str


class PaidCourse(ResponseModel):
    id: str
    title: str


class PaymentItem(ResponseModel):
    id: str
    amount: int = Field(ge=0, description="Minor units (cents), as every amount of money paid")
    currency: str
    status: Literal["succeeded", "pending", "failed", "refunded"]
    payment_method: str
    created_at: str
    description: str
    course: PaidCourse | None = None
    invoice_url: str | None = Field(default=None, description="Stripe's hosted invoice, or the card receipt")


class HistoryPagination(ResponseModel):
    current_page: int = Field(ge=1)
    total_pages: int = Field(ge=0)
    total_items: int = Field(ge=0)


class PaymentHistory(ResponseModel):
    payments: list[PaymentItem]
    pagination: HistoryPagination


class PortalAnswer(ResponseModel):
    url: str


class SubscriptionView(ResponseModel):
    id: str
    plan_name: Literal["monthly", "annual", "enterprise"]
    status: str = Field(description="Stripe's status: active, past_due, canceled, unpaid...")
    current_period_start: str | None
    current_period_end: str | None
    cancel_at_period_end: bool
    amount: int | None = Field(description="Per interval, minor units (cents); null for custom (enterprise) pricing")
    currency: str
    interval: Literal["month", "year"]


class Subscriptions(ResponseModel):
    subscriptions: list[SubscriptionView]
