"""The 7P surface's account routes: `/api/auth/...` (seed 001, Authentication and MFA)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from entities import accounts, mfa
from rest import accounts as rest_accounts
from rest import api_keys, responses, sessions
from rest.surface import rest_route
from shared import config
from shared.auth import Caller
from shared.errors import (
    AccountLockedError,
    ConflictError,
    ForbiddenError,
    InvalidCredentialsError,
    NotFoundError,
)
from shared.http import Reply
from shared.models import RequestModel

_SIGN_IN_ERRORS = (InvalidCredentialsError, ForbiddenError, AccountLockedError)
_MFA = (config.MFA_ENCRYPTION_KEY,)


def _device(caller: Caller) -> sessions.Device:
    import flask

    return sessions.Device(user_agent=flask.request.headers.get("User-Agent", ""), ip=caller.ip)


class LoginRequest(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    mfa_code: str | None = Field(default=None, max_length=32)
    remember_me: bool = False


class RegisterRequest(RequestModel):
    email: str
    password: str
    full_name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164")

    _email = field_validator("email")(lambda cls, v: accounts.normalise_email(v))
    _password = field_validator("password")(lambda cls, v: accounts.check_password_strength(v))


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=10, max_length=200)
    rotate: bool = Field(
        default=False,
        description="Spend this refresh token and answer a new one; a spent one presented again ends the session",
    )


class VerifyEmailRequest(RequestModel):
    token: str = Field(min_length=10, max_length=200)


class TokenRequest(RequestModel):
    token: str = Field(min_length=6, max_length=64)


class MfaVerifyRequest(RequestModel):
    token: str = Field(min_length=6, max_length=64, description="A TOTP code or a backup code")
    type: Literal["totp", "backup"] = "totp"
    challenge_token: str | None = Field(
        default=None,
        min_length=10,
        max_length=200,
        description="From the login answer; without it, the `mfa_challenge` cookie that answer set",
    )


# The seed's `mfa/verify` body is `{token, type}` alone: the login answer's challenge
# reaches it in this cookie (HttpOnly, this one path, the challenge's lifetime).
CHALLENGE_COOKIE = "mfa_challenge"
_CHALLENGE_PATH = "/api/auth/mfa"


def _challenge_cookie(value: str, max_age: int) -> str:
    secure = "; Secure" if config.is_production() else ""
    return f"{CHALLENGE_COOKIE}={value}; Path={_CHALLENGE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"


def _request_cookie(name: str) -> str | None:
    import flask

    return flask.request.cookies.get(name)


class ConfirmReset(RequestModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: str

    _password = field_validator("new_password")(lambda cls, v: accounts.check_password_strength(v))


@rest_route(
    "POST",
    "/auth/login",
    name="rest.auth.login",
    request=LoginRequest,
    response=responses.LoginResult,
    anonymous=True,
    rate=("rest.login",),
    errors=_SIGN_IN_ERRORS,
)
def login(body: LoginRequest, caller: Caller) -> Any:
    """Sign in: tokens, or (MFA on, no `mfa_code`) `mfa_required` with a challenge for `auth/mfa/verify`."""
    answer = rest_accounts.login(body.email, body.password, body.mfa_code, body.remember_me, _device(caller))
    if answer.get("mfa_required"):
        cookie = _challenge_cookie(answer["challenge_token"], mfa.CHALLENGE_TTL_SECONDS)
        return Reply(answer, headers={"Set-Cookie": cookie})
    return answer


@rest_route(
    "POST",
    "/auth/register",
    name="rest.auth.register",
    request=RegisterRequest,
    response=responses.Registered,
    status=201,
    anonymous=True,
    rate=("rest.register",),
    errors=(ConflictError,),
)
def register(body: RegisterRequest, _caller: Caller) -> Reply:
    """Create a student account; a verification link is mailed to it."""
    return Reply(rest_accounts.register(body.email, body.password, body.full_name, body.phone), status=201)


@rest_route(
    "POST",
    "/auth/verify-email",
    name="rest.auth.verifyEmail",
    request=VerifyEmailRequest,
    response=responses.Done,
    anonymous=True,
)
def verify_email(body: VerifyEmailRequest, _caller: Caller) -> Any:
    """Mark the address verified with the token of the link mailed at sign-up."""
    return rest_accounts.verify_email(body.token)


@rest_route("POST", "/auth/logout", name="rest.auth.logout", response=responses.Done)
def logout(_body: Any, caller: Caller) -> Any:
    """End the current session: its access and refresh tokens stop working."""
    if caller.session_id and caller.user_id:
        sessions.end(caller.session_id, caller.user_id, "signed_out")
    return {"success": True, "message": "Logged out successfully"}


@rest_route(
    "POST",
    "/auth/refresh",
    name="rest.auth.refresh",
    request=RefreshRequest,
    response=responses.Tokens,
    anonymous=True,
    errors=(ForbiddenError,),
)
def refresh(body: RefreshRequest, _caller: Caller) -> Any:
    """A new access token; the refresh token stays valid for its session (`rotate: true` spends it for a new one)."""
    return {"success": True, **sessions.refresh(body.refresh_token, rotate=body.rotate)}


@rest_route(
    "POST",
    "/auth/reset-password",
    name="rest.auth.resetPassword",
    request=accounts.ResetRequest,
    response=responses.Done,
    anonymous=True,
    rate=("rest.reset",),
)
def reset_password(body: accounts.ResetRequest, _caller: Caller) -> Any:
    """Mail a one-time reset link to a registered address (the answer is always the same)."""
    accounts.request_reset(body)
    return {"success": True, "message": "Password reset email sent"}


@rest_route(
    "POST",
    "/auth/reset-password/confirm",
    name="rest.auth.confirmResetPassword",
    request=ConfirmReset,
    response=responses.Done,
    anonymous=True,
)
def confirm_reset(body: ConfirmReset, _caller: Caller) -> Any:
    """Choose a new password with the mailed token; every session of the account ends."""
    accounts.reset_password(accounts.ResetPassword(reset_token=body.token, new_password=body.new_password))
    return {"success": True, "message": "Password changed"}


@rest_route("GET", "/auth/sessions", name="rest.auth.sessions", response=responses.SessionList)
def list_sessions(_body: Any, caller: Caller) -> Any:
    """The caller's live sessions with their devices."""
    return {"success": True, "sessions": sessions.listing(str(caller.user_id), caller.session_id)}


@rest_route(
    "DELETE", "/auth/sessions/{id}", name="rest.auth.endSession", response=responses.Done, errors=(NotFoundError,)
)
def end_session(_body: Any, caller: Caller, id: str) -> Any:
    """End one of the caller's sessions (another device)."""
    sessions.end_own(id, str(caller.user_id))
    return {"success": True, "message": "Session ended"}


# --- MFA ---------------------------------------------------------------------------------


@rest_route(
    "POST",
    "/auth/mfa/setup",
    name="rest.auth.mfaSetup",
    response=responses.MfaSetup,
    settings=_MFA,
    errors=(ConflictError,),
)
def mfa_setup(_body: Any, caller: Caller) -> Any:
    """A new TOTP secret and its QR code; nothing changes until `mfa/verify-activate`."""
    return mfa.setup(str(caller.user_id), caller.email or "")


@rest_route(
    "POST",
    "/auth/mfa/verify-activate",
    name="rest.auth.mfaActivate",
    request=TokenRequest,
    response=responses.MfaActivated,
    settings=_MFA,
    errors=(InvalidCredentialsError,),
)
def mfa_activate(body: TokenRequest, caller: Caller) -> Any:
    """Turn MFA on with a current code; answers the backup codes, once. Other sessions end."""
    return mfa.activate(str(caller.user_id), body.token, caller.session_id)


@rest_route(
    "POST",
    "/auth/mfa/verify",
    name="rest.auth.mfaVerify",
    request=MfaVerifyRequest,
    response=responses.MfaVerified,
    anonymous=True,
    settings=_MFA,
    errors=_SIGN_IN_ERRORS,
)
def mfa_verify(body: MfaVerifyRequest, caller: Caller) -> Any:
    """Complete a sign-in that answered `mfa_required`: a TOTP or backup code for its tokens."""
    challenge = body.challenge_token or _request_cookie(CHALLENGE_COOKIE)
    if not challenge:
        raise InvalidCredentialsError("No MFA challenge: sign in with email and password first")
    answer = rest_accounts.complete_mfa(challenge, body.token, body.type, _device(caller))
    return Reply(answer, headers={"Set-Cookie": _challenge_cookie("", 0)})


@rest_route(
    "POST",
    "/auth/mfa/disable",
    name="rest.auth.mfaDisable",
    request=TokenRequest,
    response=responses.Done,
    settings=_MFA,
    errors=(InvalidCredentialsError,),
)
def mfa_disable(body: TokenRequest, caller: Caller) -> Any:
    """Turn MFA off; it takes a current TOTP code."""
    return mfa.disable(str(caller.user_id), body.token)


# --- API keys --------------------------------------------------------------------------


class CreateApiKey(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="What the key is for")


@rest_route(
    "POST",
    "/auth/api-keys",
    name="rest.auth.createApiKey",
    request=CreateApiKey,
    response=responses.ApiKeyCreated,
    status=201,
    errors=(ForbiddenError,),
)
def create_api_key(body: CreateApiKey, caller: Caller) -> Reply:
    """A new API key acting as the caller (test_pk_ in test environments, live_pk_ in production), shown once."""
    return Reply(api_keys.create(caller, body.name), status=201)


@rest_route("GET", "/auth/api-keys", name="rest.auth.apiKeys", response=responses.ApiKeyList)
def list_api_keys(_body: Any, caller: Caller) -> Any:
    """The caller's API keys (never the keys themselves)."""
    return api_keys.listing(str(caller.user_id))


@rest_route(
    "DELETE", "/auth/api-keys/{id}", name="rest.auth.revokeApiKey", response=responses.Done, errors=(NotFoundError,)
)
def revoke_api_key(_body: Any, caller: Caller, id: str) -> Any:
    """Revoke one of the caller's API keys."""
    return api_keys.revoke(str(caller.user_id), id)
