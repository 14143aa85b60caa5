"""Learning programs: kept by their organization's managers, naming courses that exist."""

from __future__ import annotations

from typing import Any

from entities import store, tenancy
from entities.base import Policy
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError
from shared.models import ID_PATTERN


def _known_courses(data: dict[str, Any]) -> None:
    ids = data.get("course_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and ID_PATTERN.match(i) for i in ids):
        return  # the model refuses it with the field named
    unknown = sorted(set(ids) - set(store.find_all("Course", ids)))
    if unknown:
        raise InvalidInputError("Unknown courses in course_ids", details={"fields": ["course_ids"], "unknown": unknown})


class ProgramPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        return tenancy.scope(caller)

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        placed = tenancy.placed(caller, data)
        _known_courses(placed)
        return placed

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        tenancy.require_manager(caller)
        if changes.get("organization_id", existing["organization_id"]) != existing["organization_id"]:
            raise ForbiddenError("A program stays in its organization", details={"fields": ["organization_id"]})
        _known_courses(changes)
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        tenancy.require_manager(caller)
