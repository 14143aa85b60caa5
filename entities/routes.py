"""The Base44 entity, auth and user routes of the `api` service.

Each route is a thin declaration over `entities.api` (records) and
`entities.accounts` (sign-up, sign-in, passwords); those modules hold the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from entities import accounts, api, app_tokens
from entities.registry import ENTITIES
from entities.responses import (
    AnyRecord,
    AppTokenIssued,
    AppTokenList,
    Count,
    Deleted,
    PageResponse,
    PasswordChanged,
    RecordList,
    ResetRequested,
    Session,
    Success,
    UserRecord,
)
from shared import config
from shared.auth import Caller, Role
from shared.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    InvalidCredentialsError,
    MfaRequiredError,
    NotFoundError,
)
from shared.http import Reply
from shared.models import RequestModel
from shared.router import APP, H, route

ENTITY = f"{APP}/entities/{{entity}}"
AUTH = f"{APP}/auth"
ENTITY_PARAM = {"entity": {"type": "string", "enum": sorted(ENTITIES)}}


class _Query(BaseModel):
    # The SDK may add parameters of its own; the ones named here are the ones read.
    model_config = ConfigDict(extra="ignore")

    def args(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class ListQuery(_Query):
    q: str | None = None
    sort: str | None = None
    limit: str | None = None
    skip: str | None = None
    fields: str | None = None


class PageQuery(_Query):
    q: str | None = None
    sort: str | None = None
    limit: str | None = None
    cursor: str | None = None
    fields: str | None = None
    distinct: str | None = None


class CountQuery(_Query):
    q: str | None = None


def _entity_route(methods: str, path: str, name: str, **kwargs: Any) -> Callable[[H], H]:
    return route(
        methods,
        path,
        name=name,
        anonymous=True,
        tags=("entities",),
        path_schemas=ENTITY_PARAM,
        errors=(ForbiddenError, NotFoundError, ConflictError),
        **kwargs,
    )


# --- records --------------------------------------------------------------------------


@_entity_route("GET", ENTITY, "entities.list", query=ListQuery, response=RecordList)
def list_records(_body: Any, caller: Caller, entity: str, query: ListQuery) -> Any:
    """Records matching `q`, sorted, skipped and limited (`list` and `filter`)."""
    return api.list_records(entity, caller, query.args())


@_entity_route("POST", ENTITY, "entities.create", status=201, response=AnyRecord)
def create_record(body: Any, caller: Caller, entity: str) -> Reply:
    """Create one record."""
    return Reply(api.create_record(entity, caller, body), status=201)


@_entity_route("DELETE", ENTITY, "entities.deleteMany", response=Deleted)
def delete_many(body: Any, caller: Caller, entity: str) -> Any:
    """Delete every record a query matches (administrators)."""
    return api.delete_many(entity, caller, body)


@_entity_route("GET", f"{ENTITY}/v2/list", "entities.page", query=PageQuery, response=PageResponse)
def page_records(_body: Any, caller: Caller, entity: str, query: PageQuery) -> Any:
    """One cursor page of records, or the distinct values of one field."""
    return api.page_records(entity, caller, query.args())


@_entity_route("GET", f"{ENTITY}/count", "entities.count", query=CountQuery, response=Count)
def count_records(_body: Any, caller: Caller, entity: str, query: CountQuery) -> Any:
    """How many records match `q`."""
    return api.count_records(entity, caller, query.args())


@_entity_route("POST", f"{ENTITY}/bulk", "entities.bulkCreate", status=201, response=RecordList)
def bulk_create(body: Any, caller: Caller, entity: str) -> Reply:
    """Create many records at once: all or none."""
    return Reply(api.bulk_create(entity, caller, body), status=201)


@_entity_route("PUT", f"{ENTITY}/bulk", "entities.bulkUpdate", response=RecordList)
def bulk_update(body: Any, caller: Caller, entity: str) -> Any:
    """Update many records, each named by its id."""
    return api.bulk_update(entity, caller, body)


@_entity_route("GET", f"{ENTITY}/{{id}}", "entities.get", response=AnyRecord)
def get_record(_body: Any, caller: Caller, entity: str, id: str) -> Any:
    """One record by id."""
    return api.get_record(entity, caller, id)


@_entity_route("PUT", f"{ENTITY}/{{id}}", "entities.update", response=AnyRecord)
def update_record(body: Any, caller: Caller, entity: str, id: str) -> Any:
    """Change the given fields of one record."""
    return api.update_record(entity, caller, id, body)


@_entity_route("DELETE", f"{ENTITY}/{{id}}", "entities.delete", response=Success)
def delete_record(_body: Any, caller: Caller, entity: str, id: str) -> Any:
    """Delete one record."""
    return api.delete_record(entity, caller, id)


# --- the signed-in user -----------------------------------------------------------------


@route("GET", f"{APP}/entities/User/me", name="users.me", anonymous=True, tags=("auth",), response=UserRecord)
def me(_body: Any, caller: Caller) -> Any:
    """The signed-in user's own record."""
    return api.me(caller)


@route(
    "PUT",
    f"{APP}/entities/User/me",
    name="users.updateMe",
    anonymous=True,
    tags=("auth",),
    response=UserRecord,
    errors=(ForbiddenError,),
)
def update_me(body: Any, caller: Caller) -> Any:
    """Change the signed-in user's own profile fields."""
    return api.update_me(caller, body)


# --- accounts --------------------------------------------------------------------------


def _auth_route(
    path: str, name: str, request: type[BaseModel], extra_errors: tuple[type[AppError], ...] = (), **kwargs: Any
) -> Callable[[H], H]:
    errors: tuple[type[AppError], ...] = (InvalidCredentialsError, ForbiddenError, ConflictError, *extra_errors)
    return route(
        "POST", f"{AUTH}/{path}", name=name, request=request, rate=("auth",), tags=("auth",), errors=errors, **kwargs
    )


@_auth_route("register", "auth.register", accounts.RegisterRequest, response=Session, anonymous=True)
def register(body: accounts.RegisterRequest, caller: Caller) -> Any:
    """Create an account and sign it in."""
    return accounts.register(body, caller)


@_auth_route(
    "login",
    "auth.login",
    accounts.LoginRequest,
    response=Session,
    anonymous=True,
    extra_errors=(MfaRequiredError,),
)
def login(body: accounts.LoginRequest, _caller: Caller) -> Any:
    """Sign in with email and password.

    With MFA on, also `mfa_code`; without it the answer is a 403 `MFA_REQUIRED` whose
    challenge `auth/mfa/verify` takes with a code.
    """
    return accounts.login(body)


@_auth_route(
    "mfa/verify",
    "auth.mfaVerify",
    accounts.MfaVerifyRequest,
    response=Session,
    anonymous=True,
    settings=(config.MFA_ENCRYPTION_KEY,),
)
def mfa_verify(body: accounts.MfaVerifyRequest, _caller: Caller) -> Any:
    """Complete a sign-in that answered `MFA_REQUIRED`: its challenge and a TOTP or backup code."""
    return accounts.verify_mfa(body)


@_auth_route(
    "reset-password-request",
    "auth.resetPasswordRequest",
    accounts.ResetRequest,
    response=ResetRequested,
    anonymous=True,
)
def reset_request(body: accounts.ResetRequest, _caller: Caller) -> Any:
    """Mail a one-time reset link to a registered address (the answer is always the same)."""
    return accounts.request_reset(body)


@_auth_route("reset-password", "auth.resetPassword", accounts.ResetPassword, response=Success, anonymous=True)
def reset_password(body: accounts.ResetPassword, _caller: Caller) -> Any:
    """Choose a new password with a reset token."""
    return accounts.reset_password(body)


@_auth_route("change-password", "auth.changePassword", accounts.ChangePassword, response=PasswordChanged)
def change_password(body: accounts.ChangePassword, caller: Caller) -> Any:
    """Change the signed-in user's password, given the current one."""
    return accounts.change_password(body, caller)


@route("POST", f"{AUTH}/logout", name="auth.logout", anonymous=True, rate=(), tags=("auth",), response=Success)
def logout(_body: Any, caller: Caller) -> Any:
    """End the current session: its token is refused from now on."""
    return accounts.logout(caller)


class LogoutRedirectQuery(_Query):
    from_url: str | None = None


@route(
    "GET",
    "/api/apps/auth/logout",
    name="auth.browserLogout",
    anonymous=True,
    rate=("auth",),
    query=LogoutRedirectQuery,
    tags=("auth",),
    status=302,
    content_type="text/plain",
)
def browser_logout(_body: Any, _caller: Caller, query: LogoutRedirectQuery) -> Reply:
    """Where the SDK's `logout()` sends a browser (without its token): back to an allowed origin."""
    location = accounts.logout_destination(query.from_url)
    return Reply("", status=302, headers={"Location": location}, content_type="text/plain")


# --- application tokens ----------------------------------------------------------------


class IssueAppToken(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="The application it is for")


_ADMIN = (Role.ADMIN,)


@route(
    "POST",
    f"{APP}/app-tokens",
    name="appTokens.issue",
    request=IssueAppToken,
    response=AppTokenIssued,
    status=201,
    roles=_ADMIN,
    tags=("auth",),
)
def issue_app_token(body: IssueAppToken, caller: Caller) -> Reply:
    """Issue an application token (the SDK's `createClient({token})`): it names the app, grants no user's rights."""
    return Reply(app_tokens.issue(caller, body.name), status=201)


@route("GET", f"{APP}/app-tokens", name="appTokens.list", response=AppTokenList, roles=_ADMIN, tags=("auth",))
def list_app_tokens(_body: Any, caller: Caller) -> Any:
    """Every application token issued (never the tokens themselves)."""
    return app_tokens.listing(caller)


@route(
    "DELETE",
    f"{APP}/app-tokens/{{id}}",
    name="appTokens.revoke",
    response=Success,
    roles=_ADMIN,
    tags=("auth",),
    errors=(NotFoundError,),
)
def revoke_app_token(_body: Any, caller: Caller, id: str) -> Any:
    """Revoke an application token: calls carrying it are refused from now on."""
    return app_tokens.revoke(caller, id)
