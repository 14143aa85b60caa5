"""Many people into one organization in one call, each row answered on its own.

Each row answers the seed's `status`: `active` when the person is a member of the
organization now, `failed` when the row was refused; `outcome` says which of these it was:
- `created`: a new account in the organization (no password: an invitation mail with
  a single-use link, valid a week, to choose one through the reset flow) and its membership;
- `existing`: the address already belongs to this organization; nothing about it changes;
- `conflict`: the address belongs to an account outside this organization (another
  organization, or a personal account); it is never moved;
- `invalid`: the row was refused, with the reason.

Running the same call again therefore changes nothing. New accounts are written with
Firestore batches (up to 500 writes, six per person), not one round trip each. At most
USERS_PER_HOUR new accounts are created per organization per clock hour: a call that
would go beyond is refused whole (429) before anything is written.

Enterprise rows also carry department, employee_id (unique within the organization),
manager_email (kept as given: the manager need not be provisioned yet; nobody manages
themselves and chains of managers never loop) and custom_fields. A person's team is the custom
field `team` when given, else the department; teams are created as needed.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from entities import accounts, store
from entities.organization import (
    EMPLOYEE_IDS,
    Scalar,
    custom_fields,
    employee_claim_id,
    membership_id,
    team_id,
)
from shared import config, logging
from shared.auth import Caller, Role
from shared.errors import ConflictError, RateLimitedError
from shared.firestore import client, existing_data, io, run_transaction

MAX_USERS = 1000  # rows per call
USERS_PER_HOUR = 1000  # new accounts per organization per clock hour
QUOTA = "_provisioning_quota"
MAX_WRITES = 500  # one Firestore batch
WRITES_PER_USER = 6  # email claim, user, membership, employee id claim, invitation token, mail

Outcome = Literal["created", "existing", "conflict", "invalid"]


class BasicRow(BaseModel):
    """One person of a provisionUsers call."""

    model_config = ConfigDict(extra="forbid", strict=True)

    email: str = Field(max_length=320)
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Literal["student", "instructor"] = "student"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return accounts.normalise_email(value)


class EnterpriseRow(BasicRow):
    """One person of an enterpriseProvisionUsers call."""

    department: str | None = Field(default=None, min_length=1, max_length=200)
    employee_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
    manager_email: str | None = Field(default=None, max_length=320)
    custom_fields: dict[str, Scalar] = Field(default_factory=dict)

    _custom = field_validator("custom_fields")(lambda cls, v: custom_fields(v))

    @field_validator("manager_email")
    @classmethod
    def _manager(cls, value: str | None) -> str | None:
        return None if value is None else accounts.normalise_email(value)


@dataclass
class Row:
    index: int
    email: str
    person: EnterpriseRow | None = None
    outcome: Outcome | None = None
    reason: str | None = None
    user_id: str | None = None
    membership_id: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    new_membership: bool = False  # an existing account of the organization without a membership yet

    def refuse(self, outcome: Outcome, reason: str) -> None:
        self.outcome, self.reason = outcome, reason

    def answer(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "email": self.email,
            "id": self.user_id,
            "status": "active" if self.outcome in ("created", "existing") else "failed",
            "outcome": self.outcome,
            "reason": self.reason,
            "membership_id": self.membership_id,
            "team_id": self.team_id,
        }


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "row"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _parse(raw_rows: list[Any], model: type[BasicRow]) -> list[Row]:
    rows: list[Row] = []
    first: dict[str, int] = {}
    for index, raw in enumerate(raw_rows):
        email = str(raw["email"]) if isinstance(raw, dict) and isinstance(raw.get("email"), str) else ""
        row = Row(index=index, email=email[:320])
        rows.append(row)
        if not isinstance(raw, dict):
            row.refuse("invalid", "a row is a JSON object")
            continue
        try:
            parsed = model.model_validate(raw)
        except ValidationError as exc:
            row.refuse("invalid", _reason(exc))
            continue
        row.email = parsed.email
        row.person = EnterpriseRow.model_validate(parsed.model_dump())
        if parsed.email in first:
            row.refuse("invalid", f"same email as row {first[parsed.email]}")
            continue
        first[parsed.email] = index
    return rows


def _pending(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.outcome is None]


def _classify_accounts(org_id: str, rows: list[Row]) -> None:
    """existing / conflict for the addresses that already have an account."""
    db = client()
    claims = {
        s.id: existing_data(s)["user_id"]
        for s in db.get_all([db.collection(accounts.EMAILS).document(row.email) for row in _pending(rows)], **io())
        if s.exists
    }
    users = store.find_all("User", list(claims.values())) if claims else {}
    members = store.find_all("Membership", [membership_id(org_id, email) for email in claims]) if claims else {}
    for row in _pending(rows):
        user = users.get(claims.get(row.email, ""))
        if row.email not in claims:
            continue
        if user is None or user.get("organization_id") != org_id:
            row.refuse("conflict", "this address belongs to an account outside the organization")
            continue
        row.outcome, row.user_id = "existing", user["id"]
        row.membership_id = membership_id(org_id, row.email)
        membership = members.get(row.membership_id)
        if membership is None:
            row.new_membership = True
        else:
            row.team_id = membership.get("team_id")
            if membership.get("status") != "active":
                row.reason = "member is deprovisioned"


def _check_employee_ids(org_id: str, rows: list[Row]) -> None:
    new = [row for row in rows if row.outcome is None and row.person and row.person.employee_id]
    first: dict[str, int] = {}
    for row in new:
        assert row.person is not None and row.person.employee_id is not None
        if row.person.employee_id in first:
            row.refuse("invalid", f"employee_id is the same as row {first[row.person.employee_id]}")
        else:
            first[row.person.employee_id] = row.index
    db = client()
    refs = [db.collection(EMPLOYEE_IDS).document(employee_claim_id(org_id, key)) for key in first]
    taken = {s.id for s in db.get_all(refs, **io()) if s.exists} if refs else set()
    for row in _pending(rows):
        if row.person and row.person.employee_id and employee_claim_id(org_id, row.person.employee_id) in taken:
            row.refuse("invalid", "employee_id is already used in this organization")


def _check_managers(rows: list[Row]) -> None:
    """No one manages themselves and managers never loop; a manager not yet provisioned is kept as
    given (the seed's own row names one), linked when that person joins."""
    for row in _pending(rows):
        if row.person and row.person.manager_email == row.email:
            row.refuse("invalid", "a person cannot be their own manager")
    new = {row.email: row for row in _pending(rows)}
    for row in list(new.values()):
        if _in_loop(row, new):
            row.refuse("invalid", "managers form a loop")


def _in_loop(row: Row, new: dict[str, Row]) -> bool:
    """Whether following managers through the call's new rows comes back to this row."""
    seen: set[str] = set()
    current: Row | None = row
    while current is not None and current.person and current.person.manager_email:
        manager = current.person.manager_email
        if manager == row.email:
            return True
        if manager in seen:
            return False  # a loop further up, reported on its own rows
        seen.add(manager)
        current = new.get(manager)
    return False


def _team_name(person: EnterpriseRow) -> str | None:
    team = person.custom_fields.get("team")
    if isinstance(team, str) and team.strip():
        return team.strip()[:200]
    return person.department.strip() if person.department and person.department.strip() else None


def _ensure_teams(org_id: str, rows: list[Row], created_by: str | None) -> None:
    wanted: dict[str, tuple[str, str]] = {}
    for row in rows:
        if row.outcome is None and row.person and (name := _team_name(row.person)):
            row.team_id = team_id(org_id, name)
            source = "custom" if row.person.custom_fields.get("team") else "department"
            wanted.setdefault(row.team_id, (name, source))
    there = store.find_all("Team", list(wanted)) if wanted else {}
    for tid, (name, source) in wanted.items():
        if tid not in there:
            team = {"organization_id": org_id, "name": name, "source": source}
            with contextlib.suppress(ConflictError):  # another call has just created it: as good
                store.create("Team", team, created_by=created_by, id=tid)


def reserve(org_id: str, users: int, now: float | None = None) -> None:
    """Count `users` new accounts against the organization's hourly allowance, or refuse (429)."""
    if users == 0:
        return
    now = time.time() if now is None else now
    start = int(now // 3600) * 3600
    ref = client().collection(QUOTA).document(f"{org_id}:{start}")

    def apply(transaction: Any) -> None:
        snapshot = ref.get(transaction=transaction)
        used = int(existing_data(snapshot).get("count", 0)) if snapshot.exists else 0
        if used + users > USERS_PER_HOUR:
            retry = max(1, math.ceil(start + 3600 - now))
            raise RateLimitedError(
                f"At most {USERS_PER_HOUR} new users per hour per organization: {max(0, USERS_PER_HOUR - used)} left",
                details={"limit": USERS_PER_HOUR, "remaining": max(0, USERS_PER_HOUR - used), "reset": start + 3600},
                headers={"Retry-After": str(retry)},
            )
        transaction.set(ref, {"count": used + users, "expires_at": datetime.fromtimestamp(start + 3600, UTC)})

    run_transaction(apply)


def _new_user(org: dict[str, Any], row: Row, created_by: str | None) -> dict[str, Any]:
    person = row.person
    assert person is not None
    return store.record(
        "User",
        {
            "email": row.email,
            "full_name": person.full_name,
            "role": Role(person.role),
            "organization_id": org["id"],
            "department": person.department,
            "employee_id": person.employee_id,
            "manager_email": person.manager_email,
            "is_verified": False,
            "app_id": config.app_id(),
        },
        created_by=created_by,
    )


def _membership(org_id: str, row: Row, user: dict[str, Any], created_by: str | None, source: str) -> dict[str, Any]:
    person = row.person
    assert person is not None
    return store.record(
        "Membership",
        {
            "organization_id": org_id,
            "user_id": user["id"],
            "user_email": row.email,
            "full_name": user.get("full_name"),
            "team_id": row.team_id,
            "department": person.department,
            "employee_id": person.employee_id,
            "manager_email": person.manager_email,
            "custom_fields": person.custom_fields,
            "source": source,
        },
        created_by=created_by,
        id=membership_id(org_id, row.email),
    )


Write = Callable[[Any], None]


def _writes(org: dict[str, Any], row: Row, created_by: str | None) -> list[Write]:
    """The writes that provision one row, each to be added to a batch."""
    db = client()
    org_id = org["id"]
    if row.new_membership:
        user = store.get("User", str(row.user_id))
        doc = _membership(org_id, row, user, created_by, "provisioning")
        return [lambda b: b.create(store.collection("Membership").document(doc["id"]), doc)]
    user = _new_user(org, row, created_by)
    member = _membership(org_id, row, user, created_by, "provisioning")
    row.user_id, row.membership_id = user["id"], member["id"]
    writes: list[Write] = [
        lambda b: b.create(db.collection(accounts.EMAILS).document(row.email), {"user_id": user["id"]}),
        lambda b: b.create(store.collection("User").document(user["id"]), user),
        lambda b: b.create(store.collection("Membership").document(member["id"]), member),
        lambda b: accounts.queue_invitation(b, user, str(org.get("name") or "Your organization")),
    ]
    if row.person and row.person.employee_id:
        claim = db.collection(EMPLOYEE_IDS).document(employee_claim_id(org_id, row.person.employee_id))
        writes.append(lambda b: b.create(claim, {"membership_id": member["id"], "organization_id": org_id}))
    return writes


def _commit(groups: list[tuple[Row, list[Write]]]) -> None:
    batch = client().batch()
    for _, writes in groups:
        for write in writes:
            write(batch)
    batch.commit(**io())


def _write_all(org: dict[str, Any], rows: list[Row], created_by: str | None) -> None:
    """Batches of whole people (WRITES_PER_USER each, so a person is never split over two)."""
    from google.api_core.exceptions import AlreadyExists

    todo = [row for row in rows if row.outcome is None or row.new_membership]
    per_batch = MAX_WRITES // WRITES_PER_USER
    for start in range(0, len(todo), per_batch):
        groups = [(row, _writes(org, row, created_by)) for row in todo[start : start + per_batch]]
        try:
            _commit(groups)
        except AlreadyExists:
            # Another call provisioned some of these addresses meanwhile: each person alone.
            for row, writes in groups:
                try:
                    _commit([(row, writes)])
                except AlreadyExists:
                    if not row.new_membership:  # else the membership is there all the same
                        row.user_id = row.membership_id = None
                        row.refuse("conflict", "provisioned by another request meanwhile; run the call again")
        for row, _ in groups:
            if row.outcome is None:
                row.outcome = "created"


def provision(caller: Caller, org: dict[str, Any], raw_rows: list[Any], *, enterprise: bool) -> dict[str, Any]:
    rows = _parse(raw_rows, EnterpriseRow if enterprise else BasicRow)
    _classify_accounts(org["id"], rows)
    if enterprise:
        _check_employee_ids(org["id"], rows)
        _check_managers(rows)
    reserve(org["id"], len(_pending(rows)))
    _ensure_teams(org["id"], rows, caller.email)
    _write_all(org, rows, caller.email)
    counts = {
        outcome: sum(1 for row in rows if row.outcome == outcome)
        for outcome in ("created", "existing", "conflict", "invalid")
    }
    logging.info("users provisioned", organization_id=org["id"], **counts)
    return {
        "success": counts["invalid"] + counts["conflict"] == 0,
        "provisioned": counts["created"] + counts["existing"],
        "failed": counts["invalid"] + counts["conflict"],
        **counts,
        "users": [row.answer() for row in rows],
    }
