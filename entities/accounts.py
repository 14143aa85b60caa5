"""Accounts: registration, sign-in, sign-out, password reset and change.

Emails are unique through an `_user_emails/{email}` claim written in the same
transaction as the user; password hashes live in `_credentials/{user_id}`;
reset tokens are stored only as SHA-256 digests and expire after an hour. Mail
is queued in the `mail` collection (the shape Firebase's Trigger Email
extension sends from). Failed sign-ins are counted by `entities.lockout`; sessions
end through `shared.sessions`.

Every password sign-in, on either surface, goes through `password_sign_in`: once
an account has MFA on (`entities.mfa`), the password alone yields a challenge,
never a token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from entities import lockout, mfa, store
from entities.user import self_profile
from shared import auth, config, logging, redirects, sessions
from shared.auth import USER_ROLES, Caller, Role
from shared.errors import (
    ConflictError,
    ForbiddenError,
    InvalidCredentialsError,
    InvalidInputError,
    MfaRequiredError,
    UnauthenticatedError,
)
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, new_id, now_iso, run_transaction
from shared.models import RequestModel

EMAILS = "_user_emails"
CREDENTIALS = "_credentials"
RESETS = "_password_resets"
MAIL = "mail"
RESET_TTL_SECONDS = 3600
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        raise ValueError("not a valid email address")
    return email


def check_password_strength(password: str) -> str:
    """The one policy for new passwords, on every surface: 8 to 256 characters, mixed case and digits."""
    if len(password) < 8 or len(password) > 256:
        raise ValueError("password must be 8 to 256 characters")
    if not (re.search(r"[a-z]", password) and re.search(r"[A-Z]", password) and re.search(r"[0-9]", password)):
        raise ValueError("password must mix upper and lower case letters and digits")
    return password


class RegisterRequest(RequestModel):
    email: str
    password: str
    full_name: str | None = Field(default=None, max_length=200)
    role: Role | None = Field(default=None, strict=False)  # JSON has no enums: the name is taken
    organization_id: str | None = Field(default=None, min_length=1, max_length=128)
    # The seed's signUp form nests the role and profile fields under `data`.
    data: dict[str, Any] | None = None

    _email = field_validator("email")(lambda cls, v: normalise_email(v))
    _password = field_validator("password")(lambda cls, v: check_password_strength(v))


class LoginRequest(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    mfa_code: str | None = Field(default=None, max_length=32, description="A TOTP or backup code, for MFA accounts")
    turnstile_token: str | None = Field(default=None, max_length=4096)  # sent by the SDK; no captcha here


class MfaVerifyRequest(RequestModel):
    token: str = Field(min_length=6, max_length=64, description="A TOTP code or a backup code")
    type: Literal["totp", "backup"] = "totp"
    challenge_token: str = Field(min_length=10, max_length=200, description="From the MFA-required answer")


class ResetRequest(RequestModel):
    email: str = Field(max_length=320)


class ResetPassword(RequestModel):
    reset_token: str = Field(min_length=10, max_length=200)
    new_password: str

    _password = field_validator("new_password")(lambda cls, v: check_password_strength(v))


class ChangePassword(RequestModel):
    user_id: str | None = None
    current_password: str = Field(max_length=256)
    new_password: str

    _password = field_validator("new_password")(lambda cls, v: check_password_strength(v))


def session_for(user: dict[str, Any]) -> dict[str, Any]:
    """Both answer shapes at once: the SDK's `{access_token, user}` and the seed's `{user, session}`."""
    token, exp = auth.issue_token(
        user_id=user["id"], email=user["email"], role=user["role"], org_id=user.get("organization_id")
    )
    expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_at": expires_at,
        # The seed's user carries `created_at`; records name it `created_date` (with microseconds).
        "user": {**user, "created_at": str(user.get("created_date") or "")[:19] + "Z"},
        "session": {"token": token, "expires_at": expires_at},
    }


def create_user(
    *,
    email: str,
    password: str | None,
    full_name: str | None,
    role: Role,
    created_by: str | None,
    organization_id: str | None = None,
    is_verified: bool = False,
    profile: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the user, its email claim and its credentials atomically; a taken email is a 409.

    Identity, role and organization are explicit arguments the caller vouches for;
    `profile` holds only fields a user may set on themselves (anything else is a 400).
    """
    from google.api_core.exceptions import AlreadyExists

    email = normalise_email(email)
    fields = self_profile(profile or {})
    user = store.record(
        "User",
        {
            **fields,
            "email": email,
            "full_name": full_name if full_name is not None else fields.get("full_name"),
            "role": role,
            "organization_id": organization_id,
            "is_verified": is_verified,
            "app_id": config.app_id(),
        },
        created_by=created_by or email,
    )
    db = client()
    batch = db.batch()
    batch.create(db.collection(EMAILS).document(email), {"user_id": user["id"]})
    batch.create(store.collection("User").document(user["id"]), user)
    if password is not None:
        batch.create(db.collection(CREDENTIALS).document(user["id"]), {"password_hash": auth.hash_password(password)})
    try:
        batch.commit(**io())
    except AlreadyExists as exc:
        raise ConflictError("Email already exists", details={"email": email}) from exc
    return user


def _one_value(field: str, top_level: Any, in_data: Any) -> Any:
    """A field given both at the top level and in `data` must agree."""
    if top_level is not None and in_data is not None and top_level != in_data:
        raise InvalidInputError(
            f"{field} and data.{field} differ", details={"fields": [{"field": f"data.{field}", "type": "conflict"}]}
        )
    return top_level if top_level is not None else in_data


def _role(value: Any) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in USER_ROLES:
        raise InvalidInputError(
            "Unknown role",
            details={"fields": [{"field": "role", "type": "enum", "message": "not a known role"}]},
        )
    return role


def register(body: RegisterRequest, caller: Caller) -> dict[str, Any]:
    """Sign-up for the roles configured as self-service; an admin creates any account.

    Only an admin chooses the role beyond those and the organization; everyone else's
    `data` carries profile fields only.
    """
    profile = dict(body.data or {})
    role = _role(_one_value("role", body.role, profile.pop("role", None)) or Role.STUDENT)
    organization_id = _one_value("organization_id", body.organization_id, profile.pop("organization_id", None))
    full_name = _one_value("full_name", body.full_name, profile.pop("full_name", None))
    profile = self_profile(profile, prefix="data.")
    if not caller.is_admin:
        if role not in config.self_signup_roles():
            raise ForbiddenError(f"Only an admin can create {role} accounts", details={"fields": ["role"]})
        if organization_id is not None:
            raise ForbiddenError(
                "Only an admin can place an account in an organization", details={"fields": ["organization_id"]}
            )
    if role == Role.ORG_ADMIN or organization_id is not None:
        _check_organization(role, organization_id)
    user = create_user(
        email=body.email,
        password=body.password,
        full_name=full_name,
        role=role,
        created_by=caller.email if caller.is_admin else None,
        organization_id=organization_id,
        profile=profile,
    )
    logging.info("user registered", user_id=user["id"], role=str(role))
    return session_for(user)


def _check_organization(role: Role, organization_id: Any) -> None:
    """An org admin belongs to an organization, and an account joins only one that exists."""
    if organization_id is None or store.find("Organization", organization_id) is None:
        raise InvalidInputError(
            "data.organization_id must name an existing organization",
            details={"fields": ["data.organization_id"]},
        )


def user_by_email(email: str) -> dict[str, Any] | None:
    try:
        email = normalise_email(email)
    except ValueError:
        return None
    claim = client().collection(EMAILS).document(email).get(**io())
    if not claim.exists:
        return None
    return store.find("User", existing_data(claim)["user_id"])


def login(body: LoginRequest) -> dict[str, Any]:
    """The Base44 sign-in: a session for the password (and, with MFA on, the second factor)."""
    return session_for(password_sign_in(body.email, body.password, body.mfa_code))


def password_sign_in(email: str, password: str, mfa_code: str | None, remember_me: bool = False) -> dict[str, Any]:
    """The user that a password sign-in opens, on every surface.

    One answer for unknown email and wrong password, so accounts cannot be probed;
    both count towards the same lockout (`entities.lockout`), keyed by the address.
    With MFA on, the password alone raises `MfaRequiredError` carrying a challenge
    for `complete_mfa_sign_in`; a code given inline (`mfa_code`) is checked at once.
    """
    user, attempt, stored = verified_user(email, password)
    if mfa.is_enabled(user["id"]):
        if mfa_code is None:
            # The attempt stays counted: a right password alone does not clear the lockout.
            token = mfa.challenge(user, remember_me)
            raise MfaRequiredError(details={"challenge_token": token, "expires_in": mfa.CHALLENGE_TTL_SECONDS})
        kind = "totp" if mfa_code.strip().isdigit() else "backup"
        if not mfa.check_code(user["id"], mfa_code, kind):
            lockout.failed(attempt)
            raise InvalidCredentialsError("Invalid MFA code")
    lockout.succeeded(attempt)
    if user.get("disabled"):
        raise ForbiddenError("This account is disabled")
    if auth.password_needs_rehash(stored):
        set_password(user["id"], password)
    return user


def complete_mfa_sign_in(challenge_token: str, code: str, kind: str) -> tuple[dict[str, Any], bool]:
    """The user (and remember_me) of a sign-in that answered MFA-required, given its second factor."""
    user_id, remember_me = mfa.complete(challenge_token, code, kind)
    user = store.find("User", user_id)
    if user is None:
        raise UnauthenticatedError("This account no longer exists")
    if user.get("disabled"):
        raise ForbiddenError("This account is disabled")
    return user, remember_me


def verify_mfa(body: MfaVerifyRequest) -> dict[str, Any]:
    """The Base44 completion of an MFA sign-in: the session the password alone did not open."""
    user, _remember_me = complete_mfa_sign_in(body.challenge_token, body.token, body.type)
    return session_for(user)


def verified_user(email: str, password: str) -> tuple[dict[str, Any], lockout.Attempt, str]:
    """The user these credentials open, the counted attempt and the stored hash; else a 401.

    The attempt stays counted until the caller settles it with `lockout.succeeded`.
    """
    attempt = lockout.begin(email)
    user = user_by_email(email)
    stored = None
    if user is not None:
        snapshot = client().collection(CREDENTIALS).document(user["id"]).get(**io())
        stored = existing_data(snapshot).get("password_hash") if snapshot.exists else None
    if user is None or stored is None:
        auth.hash_password(password)  # same work as a real check: no timing oracle
    if user is None or stored is None or not auth.verify_password(stored, password):
        lockout.failed(attempt)
        raise InvalidCredentialsError()
    return user, attempt, stored


def set_password(user_id: str, password: str) -> None:
    client().collection(CREDENTIALS).document(user_id).set(
        {"password_hash": auth.hash_password(password), "changed_at": now_iso()}, **io()
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(body: ResetRequest) -> dict[str, Any]:
    """Always the same answer; a known address gets a mail with a one-time token."""
    user = user_by_email(body.email)
    if user is not None and not user.get("disabled"):
        token = secrets.token_urlsafe(32)
        db = client()
        batch = db.batch()
        batch.set(
            db.collection(RESETS).document(_digest(token)),
            {"user_id": user["id"], "expires_at": time.time() + RESET_TTL_SECONDS},
        )
        link = f"{config.public_base_url()}/reset-password?token={token}"
        batch.set(
            db.collection(MAIL).document(new_id("mail")),
            {
                "to": user["email"],
                "message": {
                    "subject": "Reset your SparkAcademy password",
                    "text": f"Use this link within an hour to choose a new password: {link}",
                },
                "template": {"name": "password_reset", "data": {"reset_token": token}},
                "created_date": now_iso(),
            },
        )
        batch.commit(**io())
    return {"success": True, "message": "If the address is registered, a reset link is on its way"}


def reset_password(body: ResetPassword) -> dict[str, Any]:
    ref = client().collection(RESETS).document(_digest(body.reset_token))

    def consume(transaction: Any) -> str:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if not snapshot.exists or existing_data(snapshot)["expires_at"] < time.time():
            raise InvalidInputError("Reset token is invalid or has expired")
        transaction.delete(ref)
        return str(existing_data(snapshot)["user_id"])

    user_id = run_transaction(consume)
    set_password(user_id, body.new_password)
    sessions.end_all_sessions(user_id)
    return {"success": True}


def change_password(body: ChangePassword, caller: Caller) -> dict[str, Any]:
    """Every session of the user ends, the caller's too; the answer carries a new one for the caller."""
    user_id = body.user_id or caller.user_id
    if user_id != caller.user_id:
        raise ForbiddenError("You can change only your own password")
    snapshot = client().collection(CREDENTIALS).document(str(user_id)).get(**io())
    stored = existing_data(snapshot).get("password_hash") if snapshot.exists else None
    if stored is None or not auth.verify_password(stored, body.current_password):
        raise InvalidCredentialsError("Current password is incorrect")
    set_password(str(user_id), body.new_password)
    sessions.end_all_sessions(str(user_id))
    user = store.find("User", str(user_id))
    if user is None:
        raise UnauthenticatedError("This account no longer exists")
    return {"success": True, **session_for(user)}


def logout(caller: Caller) -> dict[str, Any]:
    """End the caller's session: its token is refused from now on (signing out without one is a no-op)."""
    if caller.session_id and caller.user_id and caller.session_expires_at:
        sessions.end_session(caller.session_id, caller.user_id, caller.session_expires_at)
    return {"success": True}


def logout_destination(from_url: str | None) -> str:
    """Where a browser signing out is sent: back where it came from, on an allowed origin only."""
    return redirects.checked(from_url)


INVITATION_TTL_SECONDS = 7 * 24 * 3600


def queue_invitation(batch: Any, user: Mapping[str, Any], organization_name: str) -> None:
    """Add to `batch` a single-use token (a week) for a new account to choose its first
    password through the reset flow, and the mail that carries it."""
    token = secrets.token_urlsafe(32)
    db = client()
    batch.set(
        db.collection(RESETS).document(_digest(token)),
        {"user_id": user["id"], "expires_at": time.time() + INVITATION_TTL_SECONDS, "purpose": "invitation"},
    )
    link = f"{config.public_base_url()}/reset-password?token={token}"
    batch.set(
        db.collection(MAIL).document(new_id("mail")),
        {
            "to": user["email"],
            "message": {
                "subject": f"{organization_name} invited you to SparkAcademy",
                "text": f"Use this link within a week to choose your password: {link}",
            },
            "template": {"name": "invitation", "data": {"reset_token": token, "organization": organization_name}},
            "created_date": now_iso(),
        },
    )
