"""Response models of the entity and auth routes, and of the error envelope.

They describe the answers exactly, for the OpenAPI document: a key that is always
sent is required (nullable when it may be null), a key that is sometimes left out
has a default, and fixed shapes refuse unknown keys.

A stored record is its entity's model as dumped (every field present, defaults
filled in) plus the built-ins, so each record model is derived from the entity
model with every field required: the two cannot drift apart.
"""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel, create_model

from entities.access import ANSWER_KEYS, CONTENT_FIELDS, LESSON_CONTENT
from entities.base import EntityModel
from entities.registry import ENTITIES
from shared.errors import AppError
from shared.models import ResponseModel

Timestamp = Annotated[str, Field(description="UTC time, ISO 8601 (YYYY-MM-DDTHH:MM:SS.ffffffZ)")]


# --- records ---------------------------------------------------------------------


class StoredRecord(ResponseModel):
    """The built-ins the store sets on every record."""

    id: str = Field(description="Record id")
    created_date: Timestamp
    updated_date: Timestamp
    created_by: str | None = Field(description="Email of whoever created the record")


@cache
def _stored_part(model: type[BaseModel]) -> type[BaseModel]:
    """A nested model (a course's module, lesson, quiz) as stored: every field present."""
    return _all_required(model, f"{model.__name__}Stored", ResponseModel)


def _stored_annotation(annotation: Any) -> Any:
    """The annotation with every nested model replaced by its stored shape."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _stored_part(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is None or origin is Literal or not args:
        return annotation
    if origin is Annotated:
        return Annotated[(_stored_annotation(args[0]), *args[1:])]
    inner = tuple(_stored_annotation(a) for a in args)
    if origin in (Union, types.UnionType):
        return Union[inner]  # noqa: UP007 - built from a tuple of types
    return origin[inner if len(inner) > 1 else inner[0]]


# Parts of a course a caller's view may leave out (entities/access.py): absent, not null.
TRIMMABLE = {
    *(("Course", f) for f in CONTENT_FIELDS - {"modules"}),
    *(("Lesson", f) for f in LESSON_CONTENT),
    ("Quiz", "questions"),
    *(("QuizQuestion", f) for f in ANSWER_KEYS),
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the key is absent, never null


def _all_required(model: type[BaseModel], name: str, base: type[BaseModel], doc: str | None = None) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if (model.__name__, field_name) in TRIMMABLE:
            note = "Left out for callers whose view of the course does not include it"
            absent = Field(default=None, description=note, json_schema_extra=_no_default)
            fields[field_name] = (_stored_annotation(info.annotation), absent)
            continue
        annotation = _stored_annotation(info.annotation)
        # Parts that declare an id prefix are given an id when validated, so one is always stored.
        if field_name == "id" and hasattr(model, "id_prefix"):
            annotation = str
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        fields[field_name] = (annotation, Field(description=info.description))
    return create_model(name, __base__=base, __doc__=doc or model.__doc__, **fields)


def _record_model(entity_model: type[EntityModel], entity_name: str) -> type[StoredRecord]:
    doc = f"A whole {entity_name} record, as get, create and update answer it."
    return _all_required(entity_model, f"{entity_name}Record", StoredRecord, doc)  # type: ignore[return-value]


RECORDS: dict[str, type[StoredRecord]] = {name: _record_model(e.model, name) for name, e in ENTITIES.items()}
"""Entity name -> the model of its whole record."""

CourseRecord = RECORDS["Course"]
EnrollmentRecord = RECORDS["Enrollment"]
ProgressRecord = RECORDS["Progress"]
UserRecord = RECORDS["User"]
SubscriptionRecord = RECORDS["Subscription"]
CertificateRecord = RECORDS["Certificate"]
PurchaseRecord = RECORDS["Purchase"]
StripeEventRecord = RECORDS["StripeEvent"]


class AnyRecord(RootModel[Union[tuple(RECORDS.values())]]):  # type: ignore[misc]  # noqa: UP007
    """A whole record of the entity the path names."""


class EntityRecord(BaseModel):
    """A record in a list: `fields=` may project it to `id` plus the fields asked for."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="Record id")


class RecordList(RootModel[list[EntityRecord]]):
    """The records of a list or filter, or of a bulk create or update."""


class Page(ResponseModel):
    """One cursor page of records (`v2/list`)."""

    items: list[EntityRecord]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")
    has_more: bool


class DistinctValues(ResponseModel):
    """`v2/list?distinct=field`: the field's distinct values, all in one page."""

    items: list[JsonValue] = Field(description="Each distinct value of the field, once")
    next_cursor: None = Field(description="Always null: distinct values come in one page")
    has_more: Literal[False]


class PageResponse(RootModel[Page | DistinctValues]):
    """What `v2/list` answers: a page of records, or the distinct values of one field."""


class Count(ResponseModel):
    count: int = Field(ge=0, description="How many records match")


class Success(ResponseModel):
    success: Literal[True]


class AppToken(ResponseModel):
    """An application token as admins see it: never the token itself."""

    id: str
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    created_at: str
    created_by: str | None
    revoked_at: str | None


class AppTokenIssued(ResponseModel):
    token: str = Field(description="The application token (`VITE_BASE44_TOKEN`), shown this once")
    app_token: AppToken


class AppTokenList(RootModel[list[AppToken]]):
    pass


class Deleted(ResponseModel):
    """`deleteMany`: how many records the query removed."""

    success: Literal[True]
    deleted: int = Field(ge=0)


# --- auth ------------------------------------------------------------------------


class SessionToken(ResponseModel):
    token: str = Field(description="The same bearer token as `access_token`")
    expires_at: str = Field(description="UTC expiry, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)")


class SessionUser(UserRecord):  # type: ignore[valid-type,misc]
    """The signed-in user, with the seed's `created_at` (the account's creation, to the second)."""

    created_at: str = Field(description="UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ): when the account was made")


class Session(ResponseModel):
    """register and login: the SDK's `{access_token, user}` and the `{user, session}` shape at once."""

    access_token: str = Field(description="Bearer token for the Authorization header")
    token_type: Literal["Bearer"]
    expires_at: str = Field(description="UTC expiry, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)")
    user: SessionUser
    session: SessionToken


class PasswordChanged(Session):
    """change-password: every session of the user ended, and a fresh one for the caller."""

    success: Literal[True]


class ResetRequested(ResponseModel):
    """reset-password-request: the same answer whether or not the address is registered."""

    success: Literal[True]
    message: str


# --- errors ----------------------------------------------------------------------


def _error_codes() -> tuple[str, ...]:
    seen: list[str] = []
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop()
        if cls.code not in seen:
            seen.append(cls.code)
        pending.extend(cls.__subclasses__())
    return tuple(sorted(seen))


ErrorCode = Literal[_error_codes()]  # type: ignore[valid-type]


class ErrorEnvelope(ResponseModel):
    """Every 4xx and 5xx answer."""

    error: str = Field(description="What went wrong, for people")
    message: str = Field(description="The same text as `error` (the SDK reads this key)")
    code: ErrorCode = Field(description="Stable machine-readable code")  # type: ignore[valid-type]
    details: dict[str, Any] = Field(description="Facts about the failure, such as the fields that were refused")
    timestamp: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", description="UTC time of the answer, ISO 8601"
    )
    retryable: bool = Field(default=False, description="Present, and true, only when the same call may succeed later")
