"""Organizations, teams and memberships through the entity API: each org admin acts only
inside their own organization (404 for any other), admins everywhere; the job record."""

from __future__ import annotations

from typing import Any

from entities import store
from entities.organization import membership_id
from shared import jobs
from tests.enterprise.conftest import APP, ENTITIES
from tests.helpers import bearer


def _member(org_id: str, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return store.create(
        "Membership",
        {"organization_id": org_id, "user_id": user["id"], "user_email": user["email"], **fields},
        created_by=None,
        id=membership_id(org_id, user["email"]),
    )


def test_admins_create_organizations_and_set_licences(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    created = gateway.post(
        f"{ENTITIES}/Organization",
        json={"name": "Initech", "licence": {"pool_seats": 10, "course_seats": {"crs_a": 3}}},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.get_json()
    org = created.get_json()
    assert org["licence"]["pool_seats"] == 10 and org["seats_used"] == {}
    counted = gateway.put(
        f"{ENTITIES}/Organization/{org['id']}", json={"seats_used": {"pool": 0, "crs_a": 9}}, headers=bearer(admin)
    )
    assert counted.status_code == 403  # the server counts seats, nobody else
    _, student = make_user("student")
    assert gateway.post(f"{ENTITIES}/Organization", json={"name": "Mine"}, headers=bearer(student)).status_code == 403


def test_org_admins_read_only_their_own_organization(gateway: Any, acme: Any, globex: Any) -> None:
    (org, token), (other, _) = acme, globex
    listed = gateway.get(f"{ENTITIES}/Organization", headers=bearer(token))
    assert [o["id"] for o in listed.get_json()] == [org["id"]]
    assert gateway.get(f"{ENTITIES}/Organization/{org['id']}", headers=bearer(token)).status_code == 200
    for method in ("get", "put", "delete"):
        answer = getattr(gateway, method)(f"{ENTITIES}/Organization/{other['id']}", json={}, headers=bearer(token))
        assert answer.status_code == 404, method
    changed = gateway.put(
        f"{ENTITIES}/Organization/{org['id']}", json={"licence": {"pool_seats": 1000}}, headers=bearer(token)
    )
    assert changed.status_code == 403  # licences are set by admins


def test_teams_stay_inside_their_organization(gateway: Any, acme: Any, globex: Any) -> None:
    (org, token), (other, other_token) = acme, globex
    mine = gateway.post(f"{ENTITIES}/Team", json={"name": "Platform"}, headers=bearer(token))
    assert mine.status_code == 201 and mine.get_json()["organization_id"] == org["id"]
    again = gateway.post(f"{ENTITIES}/Team", json={"name": "platform "}, headers=bearer(token))
    assert again.status_code == 409  # one team per name and organization
    foreign = gateway.post(
        f"{ENTITIES}/Team", json={"name": "X", "organization_id": other["id"]}, headers=bearer(token)
    )
    assert foreign.status_code == 404
    theirs = gateway.post(f"{ENTITIES}/Team", json={"name": "Sales"}, headers=bearer(other_token)).get_json()
    assert [t["name"] for t in gateway.get(f"{ENTITIES}/Team", headers=bearer(token)).get_json()] == ["Platform"]
    for method in ("get", "put", "delete"):
        answer = getattr(gateway, method)(
            f"{ENTITIES}/Team/{theirs['id']}", json={"description": "x"}, headers=bearer(token)
        )
        assert answer.status_code == 404, method
    moved = gateway.put(
        f"{ENTITIES}/Team/{mine.get_json()['id']}", json={"organization_id": other["id"]}, headers=bearer(token)
    )
    assert moved.status_code == 403


def test_memberships_are_read_and_placed_only_inside_the_organization(
    gateway: Any, make_user: Any, acme: Any, globex: Any
) -> None:
    (org, token), (other, _) = acme, globex
    ann, ann_token = make_user("student", organization_id=org["id"])
    bob, _ = make_user("student", organization_id=org["id"])
    eve, _ = make_user("student", organization_id=other["id"])
    ann_m, _, eve_m = _member(org["id"], ann), _member(org["id"], bob), _member(other["id"], eve)
    team = gateway.post(f"{ENTITIES}/Team", json={"name": "Data"}, headers=bearer(token)).get_json()
    listed = gateway.get(f"{ENTITIES}/Membership", headers=bearer(token)).get_json()
    assert sorted(m["user_email"] for m in listed) == sorted([ann["email"], bob["email"]])
    assert [m["id"] for m in gateway.get(f"{ENTITIES}/Membership", headers=bearer(ann_token)).get_json()] == [
        ann_m["id"]
    ]
    for method in ("get", "put", "delete"):
        answer = getattr(gateway, method)(
            f"{ENTITIES}/Membership/{eve_m['id']}", json={"department": "x"}, headers=bearer(token)
        )
        assert answer.status_code == 404, method
    placed = gateway.put(
        f"{ENTITIES}/Membership/{ann_m['id']}",
        json={"team_id": team["id"], "manager_email": bob["email"], "custom_fields": {"level": 3}},
        headers=bearer(token),
    )
    assert placed.status_code == 200, placed.get_json()
    assert (placed.get_json()["team_id"], placed.get_json()["manager_email"]) == (team["id"], bob["email"])
    url = f"{ENTITIES}/Membership/{ann_m['id']}"
    assert gateway.put(url, json={"employee_id": "E9"}, headers=bearer(token)).status_code == 403
    assert gateway.put(url, json={"user_email": eve["email"]}, headers=bearer(token)).status_code == 403
    assert gateway.put(url, json={"manager_email": ann["email"]}, headers=bearer(token)).status_code == 400
    assert gateway.put(url, json={"manager_email": eve["email"]}, headers=bearer(token)).status_code == 400
    assert gateway.put(url, json={"custom_fields": {"Bad-Key": 1}}, headers=bearer(token)).status_code == 400
    assert gateway.put(url, json={"custom_fields": {"list": [1]}}, headers=bearer(token)).status_code == 400
    created = gateway.post(
        f"{ENTITIES}/Membership",
        json={"organization_id": org["id"], "user_id": eve["id"], "user_email": eve["email"]},
        headers=bearer(token),
    )
    assert created.status_code == 403  # members come from provisioning


def test_a_deprovisioned_member_can_no_longer_sign_in(gateway: Any, make_user: Any, acme: Any) -> None:
    org, token = acme
    ann, ann_token = make_user("student", organization_id=org["id"])
    ann_m = _member(org["id"], ann)
    gone = gateway.put(f"{ENTITIES}/Membership/{ann_m['id']}", json={"status": "deprovisioned"}, headers=bearer(token))
    assert gone.status_code == 200 and gone.get_json()["deprovisioned_at"]
    assert gateway.get(f"{ENTITIES}/User/me", headers=bearer(ann_token)).status_code == 401
    login = gateway.post(f"{APP}/auth/login", json={"email": ann["email"], "password": "Passw0rd!"})
    assert login.status_code == 403
    back = gateway.put(f"{ENTITIES}/Membership/{ann_m['id']}", json={"status": "active"}, headers=bearer(token))
    assert back.status_code == 200 and back.get_json()["deprovisioned_at"] is None
    assert gateway.post(f"{APP}/auth/login", json={"email": ann["email"], "password": "Passw0rd!"}).status_code == 200


def test_admins_register_an_organizations_first_org_admin(gateway: Any, make_user: Any, acme: Any) -> None:
    org, _ = acme
    _, admin = make_user("admin")
    body = {
        "email": "boss@acme.test",
        "password": "Str0ng-pass",
        "data": {"role": "org_admin", "organization_id": org["id"]},
    }
    made = gateway.post(f"{APP}/auth/register", json=body, headers=bearer(admin))
    assert made.status_code == 200, made.get_json()
    user = made.get_json()["user"]
    assert (user["role"], user["organization_id"]) == ("org_admin", org["id"])
    boss = made.get_json()["access_token"]
    assert [o["id"] for o in gateway.get(f"{ENTITIES}/Organization", headers=bearer(boss)).get_json()] == [org["id"]]
    lonely = {"email": "lone@acme.test", "password": "Str0ng-pass", "data": {"role": "org_admin"}}
    assert gateway.post(f"{APP}/auth/register", json=lonely, headers=bearer(admin)).status_code == 400
    unknown = {**lonely, "data": {"role": "org_admin", "organization_id": "org_missing"}}
    assert gateway.post(f"{APP}/auth/register", json=unknown, headers=bearer(admin)).status_code == 400
    for data in ({"role": "org_admin"}, {"organization_id": org["id"]}):
        self_made = gateway.post(
            f"{APP}/auth/register", json={"email": "me@x.test", "password": "Str0ng-pass", "data": data}
        )
        assert self_made.status_code == 403


def test_jobs_are_polled_by_their_owner_and_organization_only(
    gateway: Any, make_user: Any, acme: Any, globex: Any
) -> None:
    (org, token), (_, other_token) = acme, globex
    owner, owner_token = make_user("student", organization_id=org["id"])
    job = jobs.create("progress_export", owner_id=owner["id"], organization_id=org["id"])
    url = f"{APP}/jobs/{job['id']}"
    assert gateway.get(url, headers=bearer(owner_token)).get_json()["status"] == "queued"
    held = jobs.claim(job["id"])
    assert isinstance(held, jobs.Claim)
    jobs.report_progress(job["id"], 50, 200)
    running = gateway.get(url, headers=bearer(token)).get_json()
    assert (running["status"], running["progress"], running["processed"], running["total"]) == (
        "running",
        0.25,
        50,
        200,
    )
    jobs.succeed(held, "https://blobs.test/x.csv", result_expires_at="2026-01-02T00:00:00Z")
    done = gateway.get(url, headers=bearer(token)).get_json()
    assert (done["status"], done["progress"], done["result_url"]) == ("succeeded", 1.0, "https://blobs.test/x.csv")
    assert gateway.get(url, headers=bearer(other_token)).status_code == 404
    _, stranger = make_user("student")
    assert gateway.get(url, headers=bearer(stranger)).status_code == 404
    failed = jobs.create("hr_sync", owner_id=None, organization_id=org["id"])
    failing = jobs.claim(failed["id"])
    assert isinstance(failing, jobs.Claim)
    jobs.fail(failing, "The HR system refused the credentials")
    assert gateway.get(f"{APP}/jobs/{failed['id']}", headers=bearer(token)).get_json()["error"] == (
        "The HR system refused the credentials"
    )
