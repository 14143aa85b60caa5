"""What every entity type declares: its model, its id prefix and its access policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError, UnauthenticatedError
from shared.models import ID_PATTERN

# Fields the store owns: written by the server, never taken from a client.
BUILTIN_FIELDS = ("id", "created_date", "updated_date", "created_by")


class EntityModel(BaseModel):
    """Base of entity models: unknown fields are refused, values are checked."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Policy:
    """Access rules used by the entity HTTP API. The default lets admins do anything."""

    anonymous_read = False

    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        """A query every read is narrowed by; None means no narrowing."""
        require_admin(caller)
        return None

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        return data

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        require_admin(caller)

    def after_write(self, record: dict[str, Any]) -> None:
        """Derived data to refresh once a write through the entity API has landed."""

    def after_change(self, before: dict[str, Any], after: dict[str, Any] | None) -> None:
        """What an update (`after`) or a deletion (`after` None) of a record sets off, once it has landed."""

    def visible(self, caller: Caller, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records as this caller may see them: fields hidden from the caller left out."""
        return records

    def hidden_fields(self, caller: Caller) -> frozenset[str]:
        """Top-level fields `visible` may trim for this caller. Filtering or sorting on
        them would reveal what is trimmed, so queries naming them are refused."""
        return frozenset()


def require_signed_in(caller: Caller) -> None:
    if not caller.is_authenticated:
        raise UnauthenticatedError()


def require_admin(caller: Caller) -> None:
    require_signed_in(caller)
    if not caller.is_admin:
        raise ForbiddenError("Only administrators may do this")


def check_id(entity_id: str) -> str:
    if not isinstance(entity_id, str) or not ID_PATTERN.match(entity_id):
        raise InvalidInputError(
            "Invalid id", details={"id": "expected 1-128 of A-Z a-z 0-9 _ -, not starting and ending with __"}
        )
    return entity_id


@dataclass(frozen=True)
class EntityType:
    name: str
    model: type[EntityModel]
    id_prefix: str
    # Fields only the server (functions, admins) may set through the entity API.
    protected_fields: frozenset[str] = frozenset()
    # Derives the id from the record's natural key, making creation exactly-once.
    natural_id: Callable[[dict[str, Any]], str] | None = None
    # With a natural id: creating an existing record updates it (the seed's "update progress").
    upsert: bool = False
    # Fields filtered together, then the sort field (or a tuple: the sort field and range
    # fields): each group is a composite index. entities.indexes adds every `*_id`/`*_email`
    # field with `created_date` and writes firestore.indexes.json.
    indexes: tuple[tuple[str | tuple[str, ...], ...], ...] = ()
