"""An organization's learning progress over a date range, read for organizations of
10,000 learners and 100,000 enrollments.

Totals come from Firestore aggregation queries (count and sum run in the database,
whatever the number of records) over what the server keeps on write: each enrollment
holds its organization, dates and learning time (`time_spent_seconds`), each membership
the time of its latest learning activity (`last_active_at`). The per-user list is one
page of members (by email) and their enrollments (one range query on the page's emails), so neither
the reads nor the memory of one call grow with the size of the organization.

Dates are UTC days, both ends included. Over the range:
- total_users: active members of the organization;
- active_users: active members whose latest learning activity falls in the range;
- courses_completed: enrollments completed in the range;
- average_completion_rate: enrollments completed by the range's end / enrollments made by then;
- total_learning_hours: learning time of the enrollments studied in the range (last accessed in it).
Per user the same: courses_enrolled (by the end), courses_completed (in the range),
completion_rate (completed by the end / enrolled by the end) and learning_hours.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io as text_io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from entities import store
from shared.errors import InvalidInputError
from shared.firestore import io

ENROLLMENT_FIELDS = ["student_email", "enrolled_at", "completed_at", "last_accessed", "time_spent_seconds"]
MEMBER_FIELDS = ["user_email", "user_id", "full_name", "department", "team_id", "employee_id", "last_active_at"]


@dataclass(frozen=True)
class Range:
    """[start, end) as text bounds of ISO timestamps: `end` is the day after the last one."""

    start: str
    end: str

    @classmethod
    def of(cls, start_date: str, end_date: str) -> Range:
        try:
            first, last = date.fromisoformat(start_date), date.fromisoformat(end_date)
        except ValueError:
            raise InvalidInputError("startDate and endDate are dates, YYYY-MM-DD") from None
        if last < first:
            raise InvalidInputError("endDate is before startDate", details={"fields": ["endDate"]})
        return cls(first.isoformat(), (last + timedelta(days=1)).isoformat())

    def holds(self, value: Any) -> bool:
        return isinstance(value, str) and self.start <= value < self.end

    def by_end(self, value: Any) -> bool:
        return isinstance(value, str) and value < self.end


def _where(query: Any, field: str, op: str, value: Any) -> Any:
    from google.cloud.firestore import FieldFilter

    return query.where(filter=FieldFilter(field, op, value))


def _of_org(name: str, org_id: str) -> Any:
    return _where(store.collection(name), "organization_id", "==", org_id)


def _in(query: Any, field: str, span: Range) -> Any:
    return _where(_where(query, field, ">=", span.start), field, "<", span.end)


def _aggregate(query: Any) -> float:
    # get() is annotated as one flat list; it answers one list of aggregations per response.
    result = cast("list[list[Any]]", query.get(**io()))
    value = result[0][0].value
    return float(value or 0)


def totals(org_id: str, span: Range) -> dict[str, Any]:
    """Six aggregation queries, whatever the size of the organization."""
    members = _where(_of_org("Membership", org_id), "status", "==", "active")
    enrollments = _of_org("Enrollment", org_id)
    total_users = int(_aggregate(members.count()))
    active_users = int(_aggregate(_in(members, "last_active_at", span).count()))
    completed = int(_aggregate(_in(enrollments, "completed_at", span).count()))
    completed_by_end = _aggregate(_where(enrollments, "completed_at", "<", span.end).count())
    enrolled_by_end = _aggregate(_where(enrollments, "enrolled_at", "<", span.end).count())
    seconds = _aggregate(_in(enrollments, "last_accessed", span).sum("time_spent_seconds"))
    return {
        "total_users": total_users,
        "active_users": active_users,
        "courses_completed": completed,
        "average_completion_rate": round(completed_by_end / enrolled_by_end, 4) if enrolled_by_end else 0.0,
        "total_learning_hours": round(seconds / 3600, 2),
    }


def _user_row(member: dict[str, Any], enrollments: list[dict[str, Any]], span: Range) -> dict[str, Any]:
    enrolled = sum(1 for e in enrollments if span.by_end(e.get("enrolled_at")))
    completed_by_end = sum(1 for e in enrollments if span.by_end(e.get("completed_at")))
    seconds = sum(int(e.get("time_spent_seconds") or 0) for e in enrollments if span.holds(e.get("last_accessed")))
    return {
        "email": member["user_email"],
        "user_id": member.get("user_id"),
        "full_name": member.get("full_name"),
        "department": member.get("department"),
        "team_id": member.get("team_id"),
        "employee_id": member.get("employee_id"),
        "courses_enrolled": enrolled,
        "courses_completed": sum(1 for e in enrollments if span.holds(e.get("completed_at"))),
        "completion_rate": round(completed_by_end / enrolled, 4) if enrolled else 0.0,
        "learning_hours": round(seconds / 3600, 2),
        "last_active_at": member.get("last_active_at"),
    }


def _cursor_key(org_id: str, span: Range) -> str:
    return hashlib.sha256(f"{org_id}|{span.start}|{span.end}".encode()).hexdigest()[:16]


def _encode_cursor(email: str, org_id: str, span: Range) -> str:
    raw = json.dumps({"after": email, "k": _cursor_key(org_id, span)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, org_id: str, span: Range) -> str:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        after, key = state["after"], state["k"]
        if not isinstance(after, str) or key != _cursor_key(org_id, span):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidInputError(
            "Invalid cursor for this organization and range", details={"fields": ["cursor"]}
        ) from None
    return after


def _member_page(org_id: str, after: str | None, limit: int) -> list[dict[str, Any]]:
    query = _where(_of_org("Membership", org_id), "status", "==", "active").order_by("user_email")
    if after is not None:
        query = query.start_after({"user_email": after})
    return [s.to_dict() for s in query.select(MEMBER_FIELDS).limit(limit).stream(**io())]


def _enrollments_of(org_id: str, emails: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The enrollments of a page of members: members come sorted by email, so one range
    query on `student_email` from the page's first to its last answers for all of them."""
    found: dict[str, list[dict[str, Any]]] = {email: [] for email in emails}
    if not emails:
        return found
    query = _where(
        _where(_of_org("Enrollment", org_id), "student_email", ">=", emails[0]), "student_email", "<=", emails[-1]
    )
    for snapshot in query.select(ENROLLMENT_FIELDS).stream(**io()):
        doc = snapshot.to_dict()
        if doc["student_email"] in found:  # not someone deprovisioned in between
            found[doc["student_email"]].append(doc)
    return found


def users_page(org_id: str, span: Range, *, cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of members with their progress: members by email, after the cursor."""
    after = _decode_cursor(cursor, org_id, span) if cursor else None
    members = _member_page(org_id, after, limit + 1)
    has_more = len(members) > limit
    members = members[:limit]
    enrollments = _enrollments_of(org_id, [m["user_email"] for m in members])
    rows = [_user_row(m, enrollments.get(m["user_email"], []), span) for m in members]
    next_cursor = _encode_cursor(members[-1]["user_email"], org_id, span) if has_more and members else None
    return {"users": rows, "next_cursor": next_cursor, "has_more": has_more}


def all_users(org_id: str, span: Range, page_size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Every member's row, a page at a time."""
    cursor: str | None = None
    while True:
        page = users_page(org_id, span, cursor=cursor, limit=page_size)
        yield page["users"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


CSV_COLUMNS = [
    "email",
    "full_name",
    "employee_id",
    "department",
    "team_id",
    "courses_enrolled",
    "courses_completed",
    "completion_rate",
    "learning_hours",
    "last_active_at",
]


def csv_chunks(pages: Iterator[list[dict[str, Any]]], on_page: Any = None) -> Iterator[bytes]:
    """The report as CSV bytes, one page of users at a time (a header first)."""
    buffer = text_io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    done = 0
    for rows in pages:
        writer.writerows({k: _csv_safe(v) for k, v in row.items()} for row in rows)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        done += len(rows)
        if on_page is not None:
            on_page(done)
    if buffer.getvalue():
        yield buffer.getvalue().encode("utf-8")


def _csv_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
