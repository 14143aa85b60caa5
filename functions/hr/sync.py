"""Employees of an HR system into an organization: accounts, memberships, departures.

One run reads the employees (all of them the first time; afterwards what the HR
system says changed, where it can say), then, in the order of their HR ids:

- a new address gets an account in the organization (no password; an invitation
  when the integration asks for one) and a membership: `created`;
- a member whose name, department, employee id, manager or status changed is
  updated (membership and profile): `updated`; one with nothing changed is left
  alone, so a run over unchanged data writes nothing but the integration's status;
- someone who left (inactive or terminated) is deprovisioned on the effective date:
  membership `deprovisioned`, account disabled, sessions ended, enrollments and
  progress kept, nothing deleted. A date still to come is remembered and acted on by
  the first run on or after it. In a full read, members this integration brought in
  who are no longer listed have left too;
- a row that cannot be taken (no or bad address, an address of an account outside
  the organization, a duplicate) is `failed` with its reason; the others go on.

Writes go in Firestore batches of up to 500. After each chunk of employees the run
checks its time budget (`HR_SYNC_TIME_BUDGET_SECONDS`); past it, it saves a
checkpoint on the integration and answers `complete: false`: the next run carries on
where this one stopped (same read, later ids) instead of starting over. Two runs of
one integration never overlap (the second is a 409 while the first holds the lease).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from entities import accounts, store, tenancy
from entities.licences import SEATS
from entities.organization import EMPLOYEE_IDS, employee_claim_id, membership_id
from functions.hr.employees import Employee
from shared import config, logging, sessions
from shared.auth import Caller, Role
from shared.errors import ConflictError, InvalidInputError, NotFoundError
from shared.firestore import client, existing_data, io, now_iso, run_transaction

BATCH_WRITES = 500  # one Firestore batch
CHUNK = 500  # employees between checkpoints
LEASE_SECONDS = 600  # longer than a function may run
MAX_FAILURES_SHOWN = 200
# Full reads start this long before the read, so a change made while it ran is read again next time.
ANCHOR_MARGIN = timedelta(minutes=5)
MEMBER_FIELDS = ("full_name", "department", "employee_id", "manager_email")


@dataclass
class Read:
    """What one run read from the HR system."""

    employees: list[Employee]
    full: bool  # every employee (absence means gone) or only the changed ones
    anchor: str  # where the next incremental read starts
    since: str | None = None  # the incremental read's start, kept in a checkpoint
    removed: set[str] = field(default_factory=set)  # HR ids the system says were deleted


# Reads the employees: (integration, checkpoint or None) -> Read.
Reader = Callable[[dict[str, Any], dict[str, Any] | None], Read]


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deprovisioned: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0


class Batcher:
    """Firestore writes in batches of at most BATCH_WRITES; a person's writes never straddle two."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.pending: list[Callable[[Any], None]] = []

    def add(self, writes: list[Callable[[Any], None]]) -> None:
        if len(self.pending) + len(writes) > BATCH_WRITES:
            self.flush()
        self.pending.extend(writes)

    def flush(self) -> None:
        if not self.pending:
            return
        batch = client().batch()
        for write in self.pending:
            write(batch)
        batch.commit(**io())
        self.tally.writes += len(self.pending)
        self.pending = []


def integration_for(caller: Caller, integration_id: str, provider: str | None) -> dict[str, Any]:
    """The integration, if the caller manages its organization (else 404, as if absent)."""
    found = store.find("Integration", integration_id)
    if found is None or not tenancy.administers(caller, found.get("organization_id")):
        raise NotFoundError("Integration not found", details={"entity": "Integration", "id": integration_id})
    if provider is not None and found.get("provider") != provider:
        raise InvalidInputError(
            f"Integration {integration_id} is a {found.get('provider')} integration, not {provider}",
            details={"fields": [{"field": "integration_id", "type": "wrong_provider"}]},
        )
    if found.get("status") != "active":
        raise ConflictError("The integration is paused", details={"id": integration_id})
    return found


def run(caller: Caller, integration: dict[str, Any], read: Reader) -> dict[str, Any]:
    """One sync run (see the module's description); the answer's counts."""
    started = time.monotonic()
    org = tenancy.organization_for(caller, integration["organization_id"])
    lease = _take_lease(integration["id"])
    try:
        return _run(caller, integration, org, read, started)
    finally:
        _drop_lease(integration["id"], lease)


def _run(
    caller: Caller, integration: dict[str, Any], org: dict[str, Any], read: Reader, started: float
) -> dict[str, Any]:
    checkpoint = integration.get("checkpoint")
    data = read(integration, checkpoint)
    today = datetime.now(UTC).date()
    tag = f"{integration['provider']}:{integration['id']}"
    people = Roster(org, tag, caller, integration)
    tally = Tally()
    batcher = Batcher(tally)
    pending: dict[str, str] = dict(integration.get("pending_departures") or {})
    done_through = (checkpoint or {}).get("done_through")
    todo = sorted((e for e in data.employees if done_through is None or e.hr_id > done_through), key=lambda e: e.hr_id)
    managers = people.manager_emails(data.employees)
    budget = config.hr_sync_time_budget_seconds()
    seen: set[str] = set()
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        people.prepare(chunk)
        for employee in chunk:
            seen.add(employee.hr_id)
            _one(people, employee, managers=managers, today=today, pending=pending, tally=tally, batcher=batcher)
        batcher.flush()
        if start + CHUNK < len(todo) and time.monotonic() - started > budget:
            stop = {"since": data.since, "anchor": data.anchor, "full": data.full, "done_through": chunk[-1].hr_id}
            return _finish(integration, tally, started, pending, checkpoint=stop)
    # Departures: due dates that came, deletions the system reported, and (full reads) absentees.
    gone = set(data.removed)
    gone.update(hr_id for hr_id, due in pending.items() if date.fromisoformat(due) <= today)
    if data.full:
        gone.update(people.from_integration() - {e.hr_id for e in data.employees})
    for hr_id in sorted(gone - seen):
        pending.pop(hr_id, None)
        if people.deprovision_by_employee_id(hr_id, batcher):
            tally.deprovisioned += 1
    batcher.flush()
    return _finish(integration, tally, started, pending, cursor=data.anchor)


def _one(
    people: Roster,
    employee: Employee,
    *,
    managers: dict[str, str],
    today: date,
    pending: dict[str, str],
    tally: Tally,
    batcher: Batcher,
) -> None:
    def fail(reason: str) -> None:
        tally.failures.append({"employee_id": employee.hr_id, "email": employee.email, "reason": reason})

    if not employee.email or not accounts.EMAIL_PATTERN.match(employee.email):
        fail("no valid work email")
        return
    if not people.first_time(employee.email):
        fail("the same work email as another employee of this read")
        return
    if employee.leaves_by(today):
        pending.pop(employee.hr_id, None)
        if people.deprovision(employee.email, batcher):
            tally.deprovisioned += 1
        else:
            tally.unchanged += 1
        return
    if employee.left_on is not None:
        if pending.get(employee.hr_id) != employee.left_on.isoformat():
            pending[employee.hr_id] = employee.left_on.isoformat()
    else:
        pending.pop(employee.hr_id, None)
    manager = employee.manager_email or managers.get(employee.manager_hr_id or "")
    if manager == employee.email:
        manager = None
    wanted = {
        "full_name": employee.full_name,
        "department": employee.department,
        "employee_id": employee.employee_id,
        "manager_email": manager,
    }
    try:
        outcome = people.upsert(employee.email, wanted, batcher)
    except InvalidInputError as exc:  # a value our records cannot hold (too long, wrong shape)
        fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
        names = (
            ", ".join(str(f.get("field")) for f in fields if isinstance(f, dict)) if isinstance(fields, list) else ""
        )
        outcome = f"invalid {names or 'value'}"
    if outcome in ("created", "updated", "unchanged"):
        setattr(tally, outcome, getattr(tally, outcome) + 1)
    else:
        fail(outcome)


class Roster:
    """The organization's members as this run sees them, and the writes that change them."""

    def __init__(self, org: dict[str, Any], tag: str, caller: Caller, integration: dict[str, Any]) -> None:
        from google.cloud.firestore_v1.base_query import FieldFilter

        self.org = org
        self.tag = tag
        self.created_by = caller.email
        settings = integration.get("settings") or {}
        self.invite = bool(settings.get("send_invitations"))
        self.deprovisions = bool(settings.get("deprovision", True))  # off: leavers keep their access
        self.by_email: dict[str, dict[str, Any]] = {}
        self.by_employee_id: dict[str, dict[str, Any]] = {}
        query = store.collection("Membership").where(filter=FieldFilter("organization_id", "==", org["id"]))
        for snapshot in query.stream(**io()):
            member = existing_data(snapshot)
            self.by_email[member["user_email"]] = member
            if member.get("employee_id"):
                self.by_employee_id[member["employee_id"]] = member
        self.accounts: dict[str, dict[str, Any] | None] = {}  # email -> user outside our memberships
        self.seen: set[str] = set()

    def first_time(self, email: str) -> bool:
        """False when this read already had the address (two employees, one mailbox)."""
        if email in self.seen:
            return False
        self.seen.add(email)
        return True

    def manager_emails(self, employees: Iterable[Employee]) -> dict[str, str]:
        """HR id -> email, from this read and from members already here."""
        found = {k: str(m["user_email"]) for k, m in self.by_employee_id.items()}
        found.update({e.hr_id: e.email for e in employees if e.email})
        return found

    def from_integration(self) -> set[str]:
        """Employee ids of active members this integration brought in."""
        return {
            str(m["employee_id"])
            for m in self.by_email.values()
            if m.get("source") == self.tag and m.get("employee_id") and m.get("status") == "active"
        }

    def prepare(self, chunk: list[Employee]) -> None:
        """Look up, in a few round trips, the accounts of addresses that are not members yet."""
        db = client()
        emails = sorted({e.email for e in chunk if e.email and e.email not in self.by_email} - set(self.accounts))
        for start in range(0, len(emails), 300):
            part = emails[start : start + 300]
            claims = {s.id: s.to_dict() for s in db.get_all([db.collection(accounts.EMAILS).document(e) for e in part])}
            owners = [
                store.collection("User").document(str(c["user_id"])) for c in claims.values() if c and c.get("user_id")
            ]
            users = {s.id: s.to_dict() for s in db.get_all(owners) if s.exists} if owners else {}
            for email in part:
                claim = claims.get(email)
                self.accounts[email] = users.get(str(claim["user_id"])) if claim else None

    def upsert(self, email: str, wanted: dict[str, Any], batcher: Batcher) -> str:
        member = self.by_email.get(email)
        if member is None:
            return self._create(email, wanted, batcher)
        changes = {k: v for k, v in wanted.items() if member.get(k) != v}
        reactivate = member.get("status") != "active"
        if changes.get("employee_id") and self._employee_id_taken(str(changes["employee_id"]), member):
            return f"employee id {changes['employee_id']} belongs to another member"
        if not changes and not reactivate:
            return "unchanged"
        if reactivate:
            changes.update({"status": "active", "deprovisioned_at": None})
        self._update(member, changes, batcher, enable=reactivate)
        return "updated"

    def _employee_id_taken(self, employee_id: str, member: dict[str, Any] | None) -> bool:
        holder = self.by_employee_id.get(employee_id)
        return holder is not None and (member is None or holder["id"] != member["id"])

    def _create(self, email: str, wanted: dict[str, Any], batcher: Batcher) -> str:
        db = client()
        org_id = self.org["id"]
        if wanted["employee_id"] and self._employee_id_taken(str(wanted["employee_id"]), None):
            holder = self.by_employee_id[str(wanted["employee_id"])]
            if holder.get("source") == self.tag:
                return f"the work email changed (was {holder['user_email']}); change it on the account by hand"
            return f"employee id {wanted['employee_id']} belongs to another member"
        existing = self.accounts.get(email)
        writes: list[Callable[[Any], None]] = []
        if existing is not None:
            if existing.get("organization_id") != org_id or existing.get("role") == Role.ADMIN:
                return "the address belongs to an account outside this organization"
            user = existing
        else:
            user = store.record(
                "User",
                {
                    "email": email,
                    "full_name": wanted["full_name"],
                    "role": Role.STUDENT,
                    "organization_id": org_id,
                    "department": wanted["department"],
                    "employee_id": wanted["employee_id"],
                    "manager_email": wanted["manager_email"],
                    "app_id": config.app_id(),
                },
                created_by=self.created_by,
            )
            writes.append(lambda b: b.create(db.collection(accounts.EMAILS).document(email), {"user_id": user["id"]}))
            writes.append(lambda b: b.create(store.collection("User").document(user["id"]), user))
            if self.invite:
                name = str(self.org.get("name") or "Your organization")
                writes.append(lambda b: accounts.queue_invitation(b, user, name))
        member = store.record(
            "Membership",
            {
                "organization_id": org_id,
                "user_id": user["id"],
                "user_email": email,
                **wanted,
                "source": self.tag,
            },
            created_by=self.created_by,
            id=membership_id(org_id, email),
        )
        writes.append(lambda b: b.create(store.collection("Membership").document(member["id"]), member))
        if wanted["employee_id"]:
            claim = db.collection(EMPLOYEE_IDS).document(employee_claim_id(org_id, str(wanted["employee_id"])))
            writes.append(lambda b: b.set(claim, {"membership_id": member["id"], "organization_id": org_id}))
            self.by_employee_id[str(wanted["employee_id"])] = member
        self.by_email[email] = member
        batcher.add(writes)
        return "created"

    def _update(self, member: dict[str, Any], changes: dict[str, Any], batcher: Batcher, *, enable: bool) -> None:
        db = client()
        now = now_iso()
        org_id = self.org["id"]
        profile = {k: v for k, v in changes.items() if k in MEMBER_FIELDS}
        writes: list[Callable[[Any], None]] = [
            lambda b: b.update(store.collection("Membership").document(member["id"]), {**changes, "updated_date": now})
        ]
        user_changes = {**profile, **({"disabled": False} if enable else {})}
        if user_changes:
            ref = store.collection("User").document(str(member["user_id"]))
            writes.append(lambda b: b.update(ref, {**user_changes, "updated_date": now}))
        old_id, new_id_ = member.get("employee_id"), changes.get("employee_id")
        if "employee_id" in changes:
            if old_id:
                old_claim = db.collection(EMPLOYEE_IDS).document(employee_claim_id(org_id, str(old_id)))
                writes.append(lambda b: b.delete(old_claim))
                self.by_employee_id.pop(str(old_id), None)
            if new_id_:
                claim = db.collection(EMPLOYEE_IDS).document(employee_claim_id(org_id, str(new_id_)))
                writes.append(lambda b: b.set(claim, {"membership_id": member["id"], "organization_id": org_id}))
                self.by_employee_id[str(new_id_)] = member
        member.update(changes)
        batcher.add(writes)

    def deprovision(self, email: str, batcher: Batcher) -> bool:
        member = self.by_email.get(email)
        if member is None or member.get("status") != "active" or not self.deprovisions:
            return False
        now = now_iso()
        changes = {"status": "deprovisioned", "deprovisioned_at": now, "updated_date": now}
        user_ref = store.collection("User").document(str(member["user_id"]))
        batcher.add(
            [
                lambda b: b.update(store.collection("Membership").document(member["id"]), changes),
                lambda b: b.update(user_ref, {"disabled": True, "updated_date": now}),
            ]
        )
        member.update(changes)
        batcher.flush()  # the account is disabled before its sessions are ended
        sessions.end_all_sessions(str(member["user_id"]))
        batcher.tally.writes += release_seats(self.org["id"], email)
        return True

    def deprovision_by_employee_id(self, employee_id: str, batcher: Batcher) -> bool:
        member = self.by_employee_id.get(employee_id)
        return member is not None and self.deprovision(str(member["user_email"]), batcher)


def _finish(
    integration: dict[str, Any],
    tally: Tally,
    started: float,
    pending: dict[str, str],
    *,
    cursor: str | None = None,
    checkpoint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    failed = len(tally.failures)
    synced = tally.created + tally.updated + tally.unchanged + tally.deprovisioned
    complete = checkpoint is None
    result = {
        "success": True,
        "synced": synced,
        "created": tally.created,
        "updated": tally.updated,
        "unchanged": tally.unchanged,
        "deprovisioned": tally.deprovisioned,
        "failed": failed,
        "failures": tally.failures[:MAX_FAILURES_SHOWN],
        "complete": complete,
        "writes": tally.writes,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    state: dict[str, Any] = {
        "last_sync_at": now_iso(),
        "last_sync_status": "partial" if (failed or not complete) else "succeeded",
        "checkpoint": checkpoint,
        "pending_departures": pending,
        "last_result": {k: v for k, v in result.items() if k != "failures"},
    }
    if cursor is not None:
        state["cursor"] = cursor
    store.update("Integration", integration["id"], state)
    logging.info("hr sync", integration_id=integration["id"], **state["last_result"])
    return result


def anchor_now() -> str:
    """The anchor of a full read: a little before it started."""
    return (datetime.now(UTC) - ANCHOR_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lease_ref(integration_id: str) -> Any:
    return client().collection("_hr_sync_leases").document(integration_id)


def _take_lease(integration_id: str) -> str:
    token = uuid.uuid4().hex
    ref = _lease_ref(integration_id)

    def take(transaction: Any) -> str:
        snapshot = ref.get(transaction=transaction)
        held = snapshot.to_dict() if snapshot.exists else None
        if held and held.get("until", 0) > time.time():
            raise ConflictError("A sync of this integration is already running; try again when it ends")
        transaction.set(ref, {"token": token, "until": time.time() + LEASE_SECONDS})
        return token

    return run_transaction(take)


def _drop_lease(integration_id: str, token: str) -> None:
    ref = _lease_ref(integration_id)
    snapshot = ref.get(**io())
    if snapshot.exists and (snapshot.to_dict() or {}).get("token") == token:
        ref.delete(**io())


def release_seats(org_id: str, email: str) -> int:
    """Give back the licence seats a leaver's enrollments took (the enrollments stay); writes made."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    claims = [
        s.reference
        for s in client()
        .collection(SEATS)
        .where(filter=FieldFilter("organization_id", "==", org_id))
        .where(filter=FieldFilter("student_email", "==", email))
        .stream(**io())
    ]
    if not claims:
        return 0
    org_ref = store.collection("Organization").document(org_id)

    def apply(transaction: Any) -> int:
        held = [c.get(transaction=transaction) for c in claims]
        org = org_ref.get(transaction=transaction).to_dict() or {}
        used = dict(org.get("seats_used") or {})
        for snapshot in held:
            if snapshot.exists:
                seat = str((snapshot.to_dict() or {}).get("seat"))
                used[seat] = max(0, used.get(seat, 0) - 1)
                transaction.delete(snapshot.reference)
        transaction.update(org_ref, {"seats_used": used, "updated_date": now_iso()})
        return sum(1 for s in held if s.exists) + 1

    return run_transaction(apply)
