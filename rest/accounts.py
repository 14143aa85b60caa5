"""Sign-up, sign-in and email verification as the 7P surface offers them, over the same accounts.

Credentials, lockout, password policy and resets are `entities.accounts`' own;
this module adds sessions with refresh tokens (`rest.sessions`), the second
factor (`entities.mfa`) and the verification mail sent at sign-up.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from entities import accounts, mfa, store
from rest import sessions
from shared import config, logging
from shared.auth import Role
from shared.errors import InvalidInputError, MfaRequiredError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, new_id, now_iso, run_transaction

VERIFICATIONS = "_email_verifications"
VERIFY_TTL_SECONDS = 7 * 24 * 3600


def public_user(user: dict[str, Any], mfa_enabled: bool) -> dict[str, Any]:
    """What a sign-in answer tells about the user."""
    return {
        "id": user["id"],
        "email": user["email"],
        "name": user.get("full_name"),
        "full_name": user.get("full_name"),
        "role": str(user["role"]),
        "is_verified": bool(user.get("is_verified")),
        "mfa_enabled": mfa_enabled,
    }


def login(
    email: str, password: str, mfa_code: str | None, remember_me: bool, device: sessions.Device
) -> dict[str, Any]:
    """Password, then the second factor when it is on: inline (`mfa_code`) or through a challenge.

    The seed's MFA-required answer is not an error: `{success: false, mfa_required: true,
    message}`, plus the challenge that `auth/mfa/verify` takes.
    """
    try:
        user = accounts.password_sign_in(email, password, mfa_code, remember_me)
    except MfaRequiredError as required:
        return {
            "success": False,
            "mfa_required": True,
            "message": "MFA code is required",
            "code": "AUTH_MFA_REQUIRED",
            **required.details,
        }
    mfa_on = mfa_code is not None or mfa.is_enabled(user["id"])
    return {"success": True, **sessions.start(user, device, remember_me), "user": public_user(user, mfa_on)}


def complete_mfa(challenge_token: str, code: str, kind: str, device: sessions.Device) -> dict[str, Any]:
    user, remember_me = accounts.complete_mfa_sign_in(challenge_token, code, kind)
    return {
        "success": True,
        "message": "MFA verification successful",
        **sessions.start(user, device, remember_me),
        "user": public_user(user, True),
    }


def register(email: str, password: str, full_name: str, phone: str | None) -> dict[str, Any]:
    """A student account, unverified until the link mailed to it is followed."""
    user = accounts.create_user(
        email=email,
        password=password,
        full_name=full_name,
        role=Role.STUDENT,
        created_by=None,
        profile={"phone": phone} if phone else None,
    )
    _mail_verification(user)
    logging.info("user registered", user_id=user["id"], role=str(Role.STUDENT))
    return {"success": True, "message": "Registration successful. Please verify your email.", "user_id": user["id"]}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mail_verification(user: dict[str, Any]) -> None:
    token = secrets.token_urlsafe(32)
    link = f"{config.public_base_url()}/verify-email?token={token}"
    db = client()
    batch = db.batch()
    batch.set(
        db.collection(VERIFICATIONS).document(_digest(token)),
        {"user_id": user["id"], "expires_at": time.time() + VERIFY_TTL_SECONDS},
    )
    batch.set(
        db.collection(accounts.MAIL).document(new_id("mail")),
        {
            "to": user["email"],
            "message": {
                "subject": "Verify your SparkAcademy email address",
                "text": f"Follow this link within a week to verify your address: {link}",
            },
            "template": {"name": "email_verification", "data": {"verification_token": token}},
            "created_date": now_iso(),
        },
    )
    batch.commit(**io())


def verify_email(token: str) -> dict[str, Any]:
    ref = client().collection(VERIFICATIONS).document(_digest(token))

    def consume(transaction: Any) -> str:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if not snapshot.exists or existing_data(snapshot)["expires_at"] < time.time():
            raise InvalidInputError("Verification token is invalid or has expired")
        transaction.delete(ref)
        return str(existing_data(snapshot)["user_id"])

    user_id = run_transaction(consume)
    store.update("User", user_id, {"is_verified": True})
    return {"success": True, "message": "Email verified"}
