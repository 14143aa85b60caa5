"""TOTP second factor (RFC 6238, pyotp): setup, activation, codes at sign-in, backup codes.

`_mfa/{user_id}` holds the secret encrypted with Fernet (MFA_ENCRYPTION_KEY), the
last time step accepted (a code works once: its step and any earlier one are
refused afterwards), and the SHA-256 digests of the unused backup codes. A setup
stays pending, and sign-in unchanged, until `activate` accepts a current code.
Codes are accepted one step either side of now, for clock drift.

A password that is right for an MFA account yields a challenge instead of tokens:
an opaque token (stored as its digest, valid five minutes) that `verify` trades,
with a code, for the session. Wrong codes count towards the account's lockout,
and a challenge takes at most CHALLENGE_ATTEMPTS of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io as bytes_io
import secrets
from typing import Any

from entities import lockout
from shared import auth, config, logging, sessions
from shared.errors import ConfigurationError, ConflictError, InvalidCredentialsError, InvalidInputError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, run_transaction

MFA = "_mfa"
CHALLENGES = "_mfa_challenges"
ISSUER = "SparkAcademy"
STEP_SECONDS = 30
DRIFT_STEPS = 1
BACKUP_CODES = 10
CHALLENGE_TTL_SECONDS = 300
CHALLENGE_ATTEMPTS = 5


def _fernet() -> Any:
    from cryptography.fernet import Fernet

    key = config.require(config.MFA_ENCRYPTION_KEY)
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise ConfigurationError(f"Setting {config.MFA_ENCRYPTION_KEY} is not a Fernet key") from exc


def _encrypt(secret: str) -> str:
    return str(_fernet().encrypt(secret.encode()).decode())


def _decrypt(token: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return str(_fernet().decrypt(token.encode()).decode())
    except InvalidToken as exc:
        raise ConfigurationError(f"TOTP secrets do not decrypt with {config.MFA_ENCRYPTION_KEY}") from exc


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def _ref(user_id: str) -> Any:
    return client().collection(MFA).document(user_id)


def is_enabled(user_id: str) -> bool:
    snapshot = _ref(user_id).get(**io())
    return bool(snapshot.exists and existing_data(snapshot).get("enabled"))


def _qr_png(uri: str) -> str:
    import qrcode

    image = qrcode.make(uri)
    buffer = bytes_io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def setup(user_id: str, email: str) -> dict[str, Any]:
    """A new secret, pending until activated; an account with MFA on must disable it first."""
    import pyotp

    secret = pyotp.random_base32()
    ref = _ref(user_id)

    def begin(transaction: Any) -> None:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if snapshot.exists and existing_data(snapshot).get("enabled"):
            raise ConflictError("MFA is already active; disable it before setting it up again")
        transaction.set(ref, {"enabled": False, "pending_secret": _encrypt(secret), "last_step": -1})

    run_transaction(begin)
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    # Backup codes are issued when MFA becomes active (`activate`), and shown that once.
    return {"success": True, "qr_code": _qr_png(uri), "secret": secret, "otpauth_uri": uri, "backup_codes": []}


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The time step (within the drift allowed) whose code this is, if later than `after`."""
    import pyotp

    code = code.strip()
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(auth.clock() // STEP_SECONDS)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_backup_codes() -> tuple[list[str], list[str]]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(BACKUP_CODES)]
    return codes, [_digest(code) for code in codes]


def activate(user_id: str, code: str, session_id: str | None) -> dict[str, Any]:
    """Turn MFA on with a current code of the pending secret; the backup codes, shown once.

    Every other session of the account ends: each began with the password alone.
    """
    ref = _ref(user_id)
    codes, digests = _new_backup_codes()

    def accept(transaction: Any) -> bool:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        record = existing_data(snapshot) if snapshot.exists else {}
        if not record.get("pending_secret"):
            raise InvalidInputError("No MFA setup is pending; call mfa/setup first")
        secret = _decrypt(record["pending_secret"])
        step = _matching_step(secret, code, int(record.get("last_step", -1)))
        if step is None:
            return False
        transaction.set(
            ref,
            {"enabled": True, "secret": record["pending_secret"], "last_step": step, "backup_codes": digests},
        )
        return True

    if not run_transaction(accept):
        raise InvalidCredentialsError("Invalid MFA code")
    sessions.end_all_sessions(user_id, except_sid=session_id)
    logging.info("mfa activated", user_id=user_id)
    return {"success": True, "message": "MFA activated successfully", "backup_codes": codes}


def check_code(user_id: str, code: str, kind: str = "totp") -> bool:
    """Spend a TOTP code (once per time step) or a backup code (once); True if it was good."""
    ref = _ref(user_id)

    def spend(transaction: Any) -> bool:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        record = existing_data(snapshot) if snapshot.exists else {}
        if not record.get("enabled"):
            return False
        if kind == "backup":
            digest = _digest(code)
            left = [d for d in record.get("backup_codes", []) if not hmac.compare_digest(d, digest)]
            if len(left) == len(record.get("backup_codes", [])):
                return False
            transaction.update(ref, {"backup_codes": left})
            return True
        step = _matching_step(_decrypt(record["secret"]), code, int(record.get("last_step", -1)))
        if step is None:
            return False
        transaction.update(ref, {"last_step": step})
        return True

    return bool(run_transaction(spend))


def disable(user_id: str, code: str) -> dict[str, Any]:
    """Turn MFA off; it takes a current TOTP code."""
    if not is_enabled(user_id):
        raise InvalidInputError("MFA is not active")
    if not check_code(user_id, code):
        raise InvalidCredentialsError("Invalid MFA code")
    _ref(user_id).delete(**io())
    logging.info("mfa disabled", user_id=user_id)
    return {"success": True, "message": "MFA disabled"}


# --- the challenge between password and code ---------------------------------------------


def challenge(user: dict[str, Any], remember_me: bool) -> str:
    token = secrets.token_urlsafe(32)
    client().collection(CHALLENGES).document(_digest(token)).set(
        {
            "user_id": user["id"],
            "email": user["email"],
            "remember_me": remember_me,
            "ends_at": auth.clock() + CHALLENGE_TTL_SECONDS,
        },
        **io(),
    )
    return token


def complete(challenge_token: str, code: str, kind: str) -> tuple[str, bool]:
    """Check a code against a challenge: (user id, remember_me); a wrong code counts towards lockout.

    A challenge is spent by its first good code, and burnt after CHALLENGE_ATTEMPTS wrong ones.
    """
    ref = client().collection(CHALLENGES).document(_digest(challenge_token))
    snapshot = ref.get(**io())
    record = existing_data(snapshot) if snapshot.exists else None
    if record is None or float(record["ends_at"]) <= auth.clock():
        raise InvalidCredentialsError("The MFA challenge is invalid or has expired; sign in again")
    attempt = lockout.begin(record["email"])
    if not check_code(record["user_id"], code, kind):
        lockout.failed(attempt)
        if int(record.get("failures", 0)) + 1 >= CHALLENGE_ATTEMPTS:
            ref.delete(**io())
        else:
            from google.cloud.firestore import Increment

            ref.update({"failures": Increment(1)}, **io())
        raise InvalidCredentialsError("Invalid MFA code")
    lockout.succeeded(attempt)
    ref.delete(**io())
    return str(record["user_id"]), bool(record["remember_me"])
