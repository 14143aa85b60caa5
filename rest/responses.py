"""Response models of the 7P surface's account routes (for the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from shared.models import ResponseModel


class AccountUser(ResponseModel):
    id: str
    email: str
    name: str | None
    full_name: str | None
    role: str
    is_verified: bool
    mfa_enabled: bool


class Tokens(ResponseModel):
    """A session's tokens: a short-lived access token and the session's refresh token."""

    success: Literal[True]
    access_token: str = Field(description="Bearer token for the Authorization header (both surfaces accept it)")
    refresh_token: str = Field(
        description="Opaque; valid for the session's lifetime, or spent by one `rotate: true` refresh"
    )
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0, description="Seconds until the access token expires")
    session_id: str


class SignedIn(Tokens):
    user: AccountUser


class MfaChallenge(ResponseModel):
    """The password was right and the account has MFA on: no tokens until `auth/mfa/verify`."""

    success: Literal[False]
    mfa_required: Literal[True]
    message: str
    code: Literal["AUTH_MFA_REQUIRED"]
    challenge_token: str = Field(
        description="For `auth/mfa/verify` (or leave it to the `mfa_challenge` cookie this answer sets)"
    )
    expires_in: int = Field(ge=0, description="Seconds the challenge stays valid")


class LoginResult(RootModel[SignedIn | MfaChallenge]):
    """Tokens, or (MFA on, no `mfa_code`) the seed's `mfa_required` answer with its challenge."""


class MfaVerified(SignedIn):
    message: str


class Registered(ResponseModel):
    success: Literal[True]
    message: str
    user_id: str


class Done(ResponseModel):
    success: Literal[True]
    message: str


class DeviceSession(ResponseModel):
    id: str
    user_agent: str
    ip_address: str
    created_at: str
    last_used_at: str = Field(description="When it signed in or last refreshed its tokens")
    expires_at: str
    current: bool = Field(description="The session of the token that asked")


class SessionList(ResponseModel):
    success: Literal[True]
    sessions: list[DeviceSession]


class MfaSetup(ResponseModel):
    success: Literal[True]
    qr_code: str = Field(description="PNG of the otpauth URI, as a base64 data URL")
    secret: str = Field(description="The TOTP secret (base32), for manual entry")
    otpauth_uri: str
    backup_codes: list[str] = Field(description="Empty: the backup codes come once MFA is activated")


class MfaActivated(ResponseModel):
    success: Literal[True]
    message: str
    backup_codes: list[str] = Field(description="Ten one-use codes, shown this once")


class ApiKey(ResponseModel):
    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    environment: Literal["test", "live"]
    created_at: str


class ApiKeyCreated(ResponseModel):
    success: Literal[True]
    key: str = Field(description="The key itself: shown this once")
    api_key: ApiKey


class ApiKeyList(ResponseModel):
    success: Literal[True]
    api_keys: list[ApiKey]


class PostmanCollection(BaseModel):
    """A Postman collection, format v2.1 (its full schema is Postman's own)."""

    model_config = ConfigDict(extra="allow")

    info: dict[str, Any]
    item: list[dict[str, Any]]
