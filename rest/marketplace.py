"""The 7P surface's marketplace: `GET /api/marketplace` (seed 001, Marketplace).

Published courses, filtered, searched, sorted and paged:

- `category` and `level`: exact values; `price_range`: `free`, `LOW-HIGH` (both included) or
  `LOW+`, in the course's major unit (dollars);
- `search`: words matched against title, tags, short description and description, without
  regard to case or accents, each as a word or the start of one ("typesc" finds TypeScript);
  results are ranked (a title word first, then a title prefix, a tag, the rest) unless `sort`
  says otherwise;
- `sort`: `price`, `rating`, `popularity` (students) or `newest`; a leading `-` sorts
  descending (`-rating`). Default: relevance when searching, else `-popularity`;
- `page` (from 1) and `limit` (1 to 50, default 20; more is a 400).

Without `search` the answer is one Firestore page query and one count (a price range with
another sort than price is read as candidates, below, since Firestore orders a range by its
own field first). With it, one equality on the courses' search index
(`search_index.<token>`, `entities.search`: a single-field index) brings the courses holding the longest searched
word, at most `SEARCH_CANDIDATES` of them, projected to the fields shown; the other words
(id-only queries on the same index), the filters, the price range, the ranking and the
page are applied to those.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from entities import search, store
from entities.accounts import EMAILS
from entities.course import duration_hours
from rest import commerce_responses as responses
from rest.surface import rest_route
from shared.auth import Caller
from shared.errors import InvalidInputError
from shared.firestore import client, existing_data, io

MAX_LIMIT = 50
SEARCH_CANDIDATES = 2000
_RANGE = re.compile(r"^(?:free|(\d{1,6}(?:\.\d{1,2})?)-(\d{1,6}(?:\.\d{1,2})?)|(\d{1,6}(?:\.\d{1,2})?)\+)$")
SORT_FIELDS = {"price": "price", "rating": "rating", "popularity": "total_students", "newest": "created_date"}
SHOWN = (
    "title",
    "short_description",
    "thumbnail_url",
    "level",
    "price",
    "original_price",
    "is_free",
    "rating",
    "total_students",
    "duration_hours",
    "duration",
    "modules",  # without stated hours, the lessons' minutes: the same hours as the course detail
    "instructor_email",
    "instructor_name",
    "category",
    "tags",
    "created_date",
)


class MarketplaceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, min_length=1, max_length=100)
    level: Literal["beginner", "intermediate", "advanced"] | None = None
    price_range: str | None = Field(default=None, description="free, LOW-HIGH or LOW+ (dollars)", max_length=20)
    search: str | None = Field(default=None, max_length=200)
    sort: Literal["price", "-price", "rating", "-rating", "popularity", "-popularity", "newest", "-newest"] | None = (
        None
    )
    page: int = Field(default=1, ge=1, le=10_000)
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)

    @field_validator("price_range")
    @classmethod
    def _range(cls, value: str | None) -> str | None:
        if value is not None and not _RANGE.match(value):
            raise ValueError("price_range is free, LOW-HIGH or LOW+ (for example 0-50, 100+)")
        return value


def price_bounds(price_range: str | None) -> tuple[float | None, float | None] | Literal["free"] | None:
    if price_range is None:
        return None
    if price_range == "free":
        return "free"
    match = _RANGE.match(price_range)
    assert match is not None
    if match.group(3) is not None:
        return float(match.group(3)), None
    low, high = float(match.group(1)), float(match.group(2))
    if high < low:
        raise InvalidInputError(
            "price_range: the upper bound is below the lower one", details={"price_range": price_range}
        )
    return low, high


def _base(query: MarketplaceQuery) -> Any:
    from google.cloud.firestore import FieldFilter

    base = store.collection("Course").where(filter=FieldFilter("is_published", "==", True))
    if query.category:
        base = base.where(filter=FieldFilter("category", "==", query.category))
    if query.level:
        base = base.where(filter=FieldFilter("level", "==", query.level))
    return base


def _token_field(token: str) -> str:
    from google.cloud.firestore_v1.field_path import FieldPath

    return str(FieldPath("search_index", token).to_api_repr())


def _listed(course: dict[str, Any], query: MarketplaceQuery) -> bool:
    """What `_base` asks of Firestore, asked of a course already read."""
    return (
        course.get("is_published") is True
        and (query.category is None or course.get("category") == query.category)
        and (query.level is None or course.get("level") == query.level)
    )


def _in_range(course: dict[str, Any], bounds: Any) -> bool:
    if bounds is None:
        return True
    if bounds == "free":
        return bool(course.get("is_free", not course.get("price")))
    price = float(course.get("price") or 0)
    low, high = bounds
    return price >= low and (high is None or price <= high)


def _sort_key(order: str) -> tuple[str, bool]:
    descending = order.startswith("-")
    return SORT_FIELDS[order.lstrip("-")], descending


def page_without_search(query: MarketplaceQuery) -> tuple[list[dict[str, Any]], int]:
    """One Firestore page (filters, order, offset) and one count aggregation."""
    from google.cloud.firestore import FieldFilter, Query

    base = _base(query)
    bounds = price_bounds(query.price_range)
    if bounds == "free":
        base = base.where(filter=FieldFilter("is_free", "==", True))
    elif bounds is not None:
        low, high = bounds
        base = base.where(filter=FieldFilter("price", ">=", low))
        if high is not None:
            base = base.where(filter=FieldFilter("price", "<=", high))
    field, descending = _sort_key(query.sort or "-popularity")
    direction = Query.DESCENDING if descending else Query.ASCENDING
    ordered = base.order_by(field, direction=direction).order_by("__name__", direction=direction)
    total = int(base.count().get(**io())[0][0].value)
    found = ordered.select(SHOWN).offset((query.page - 1) * query.limit).limit(query.limit).stream(**io())
    return [{**existing_data(s), "id": s.id} for s in found], total


def page_of_candidates(query: MarketplaceQuery) -> tuple[list[dict[str, Any]], int]:
    """Candidates (from the index for the longest searched word), then every word, ranked or sorted.

    Only the shown fields are read; whether a course holds each other searched word is asked
    of the index too (ids only), so no course's token list ever leaves Firestore.
    """
    from google.cloud.firestore import FieldFilter

    wanted = search.query_words(query.search or "")
    courses = store.collection("Course")
    candidates_query = _base(query)
    holders: dict[str, set[str]] = {}
    if wanted:
        # The index alone (one single-field index, no composite one); the filters follow in memory.
        anchor = max(wanted, key=len)
        candidates_query = courses.where(filter=FieldFilter(_token_field(anchor), "==", True))
        for word in wanted:
            if word != anchor:
                found = courses.where(filter=FieldFilter(_token_field(word), "==", True)).select([])
                holders[word] = {s.id for s in found.limit(SEARCH_CANDIDATES * 5).stream(**io())}
    candidates = candidates_query.select([*SHOWN, "is_published"]).limit(SEARCH_CANDIDATES).stream(**io())
    bounds = price_bounds(query.price_range)
    ranked: list[tuple[float, dict[str, Any]]] = []
    for snapshot in candidates:
        course = {**existing_data(snapshot), "id": snapshot.id}
        if not _listed(course, query) or not _in_range(course, bounds):
            continue
        indexed = [w for w in wanted if w not in holders or snapshot.id in holders[w]]
        score = search.rank(course, wanted, indexed)
        if score is not None:
            ranked.append((score, course))
    if query.sort or not wanted:
        field, descending = _sort_key(query.sort or "-popularity")
        ranked.sort(key=lambda pair: (pair[1].get(field) or 0, pair[1]["id"]), reverse=descending)
    else:
        ranked.sort(key=lambda pair: (-pair[0], -(pair[1].get("total_students") or 0), pair[1]["id"]))
    start = (query.page - 1) * query.limit
    return [course for _, course in ranked[start : start + query.limit]], len(ranked)


def instructors(emails: set[str]) -> dict[str, dict[str, Any]]:
    """Instructors' profiles by email, in two batched reads."""
    emails = {e for e in emails if e}
    if not emails:
        return {}
    db = client()
    claims = db.get_all([db.collection(EMAILS).document(e.lower()) for e in emails], **io())
    user_ids = {s.id: existing_data(s).get("user_id") for s in claims if s.exists}
    refs = [store.collection("User").document(str(uid)) for uid in user_ids.values() if uid]
    users = {s.id: existing_data(s) for s in db.get_all(refs, **io()) if s.exists} if refs else {}
    return {email: users[str(uid)] for email, uid in user_ids.items() if str(uid) in users}


def card(course: dict[str, Any], teachers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    teacher = teachers.get(str(course.get("instructor_email") or "").lower(), {})
    return {
        "id": course["id"],
        "title": course.get("title") or "",
        "short_description": course.get("short_description"),
        "thumbnail_url": course.get("thumbnail_url"),
        "level": course.get("level"),
        "price": float(course.get("price") or 0),
        "original_price": course.get("original_price"),
        "is_free": not course.get("price"),
        "rating": float(course.get("rating") or 0),
        "total_students": int(course.get("total_students") or 0),
        "duration_hours": duration_hours(course),
        "instructor": {
            "display_name": teacher.get("full_name") or course.get("instructor_name") or "",
            "avatar_url": teacher.get("avatar_url"),
        },
        "category": {"name": course.get("category")},
        "tags": list(course.get("tags") or []),
    }


@rest_route("GET", "/marketplace", name="rest.marketplace", query=MarketplaceQuery, response=responses.Marketplace)
def marketplace(_body: Any, _caller: Caller, query: MarketplaceQuery) -> dict[str, Any]:
    """Published courses for sale: filters, search, sort and pages (see the module's description)."""
    by_range = query.price_range not in (None, "free") and (query.sort or "").lstrip("-") != "price"
    if search.query_words(query.search or "") or by_range:
        found, total = page_of_candidates(query)
    else:
        found, total = page_without_search(query)
    teachers = instructors({str(c.get("instructor_email") or "").lower() for c in found})
    pages = (total + query.limit - 1) // query.limit
    return {
        "courses": [card(c, teachers) for c in found],
        "pagination": {
            "current_page": query.page,
            "total_pages": pages,
            "total_items": total,
            "has_next": query.page < pages,
            "has_prev": query.page > 1,
        },
    }
