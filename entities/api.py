"""The Base44 entity operations behind `/apps/{appId}/entities/...`, with access rules.

HTTP-free: the gateway hands in the caller, the query-string arguments and the
parsed body. Reads are narrowed by the entity's policy scope, so a record the
caller may not see is answered exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entities import store
from entities.base import BUILTIN_FIELDS, EntityType, check_id
from entities.query import FIELD_PATTERN
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError
from shared.http import load_json


def _entity(name: str, caller: Caller) -> EntityType:
    etype = store.entity_type(name)
    if not caller.is_authenticated and not etype.policy.anonymous_read:
        raise UnauthenticatedError()
    return etype


def _q(args: Mapping[str, str]) -> Any:
    raw = args.get("q")
    if raw in (None, ""):
        return None
    return load_json(raw, "q")


def _fields(args: Mapping[str, str]) -> list[str] | None:
    raw = args.get("fields")
    if not raw:
        return None
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    bad = [f for f in fields if not FIELD_PATTERN.match(f)]
    if bad:
        raise InvalidInputError("Invalid field names in fields", details={"fields": bad})
    return fields


def _guard_protected(etype: EntityType, caller: Caller, data: dict[str, Any], existing: dict[str, Any]) -> None:
    if caller.is_admin:
        return
    touched = sorted(f for f in etype.protected_fields if f in data and data[f] != existing.get(f))
    if touched:
        raise ForbiddenError("These fields are set by the server", details={"fields": touched})


def list_records(name: str, caller: Caller, args: Mapping[str, str]) -> list[dict[str, Any]]:
    etype = _entity(name, caller)
    return store.query(
        etype.name,
        _q(args),
        sort=args.get("sort"),
        limit=args.get("limit"),
        skip=args.get("skip"),
        fields=_fields(args),
        scope=etype.policy.read_scope(caller),
    )


def page_records(name: str, caller: Caller, args: Mapping[str, str]) -> dict[str, Any]:
    etype = _entity(name, caller)
    scope = etype.policy.read_scope(caller)
    if args.get("distinct"):
        field = args["distinct"]
        if not FIELD_PATTERN.match(field):
            raise InvalidInputError("Invalid distinct field")
        rows = store.query(etype.name, _q(args), sort=field, limit=store.MAX_LIMIT, scope=scope)
        values: list[Any] = []
        for row in rows:
            if field in row and row[field] not in values:
                values.append(row[field])
        return {"items": values, "next_cursor": None, "has_more": False}
    return store.page(
        etype.name,
        _q(args),
        sort=args.get("sort"),
        limit=args.get("limit"),
        cursor=args.get("cursor") or None,
        fields=_fields(args),
        scope=scope,
    )


def count_records(name: str, caller: Caller, args: Mapping[str, str]) -> dict[str, int]:
    etype = _entity(name, caller)
    return {"count": store.count(etype.name, _q(args), scope=etype.policy.read_scope(caller))}


def get_record(name: str, caller: Caller, entity_id: str) -> dict[str, Any]:
    etype = _entity(name, caller)
    check_id(entity_id)
    scope = etype.policy.read_scope(caller)
    found = (
        store.query(etype.name, {"id": entity_id}, limit=1, scope=scope)
        if scope
        else [store.get(etype.name, entity_id)]
    )
    if not found:
        raise NotFoundError(f"{etype.name} {entity_id} not found", details={"entity": etype.name, "id": entity_id})
    return found[0]


def _creatable(etype: EntityType, caller: Caller, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInputError(f"A {etype.name} must be a JSON object")
    if not isinstance(data.get("created_by"), str | None):
        raise InvalidInputError("created_by must be an email address", details={"fields": ["created_by"]})
    if data.get("created_by") not in (None, caller.email) and not caller.is_admin:
        raise ForbiddenError("created_by is the signed-in user")
    _guard_protected(etype, caller, data, {})
    checked = etype.policy.check_create(caller, {k: v for k, v in data.items() if k not in BUILTIN_FIELDS})
    return store.validated(etype.name, checked)


def create_record(name: str, caller: Caller, data: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    clean = _creatable(etype, caller, data)
    created_by = data.get("created_by") if caller.is_admin and data.get("created_by") else caller.email
    new_id = etype.natural_id(clean) if etype.natural_id else None
    created = store.create(etype.name, clean, created_by=created_by, id=new_id)
    etype.policy.after_write(created)
    return created


def bulk_create(name: str, caller: Caller, items: Any) -> list[dict[str, Any]]:
    etype = _entity(name, caller)
    if not isinstance(items, list):
        raise InvalidInputError("bulk create takes a JSON array")
    if etype.natural_id is not None:
        return [create_record(name, caller, item) for item in items]
    clean = []
    for index, item in enumerate(items):
        try:
            clean.append(_creatable(etype, caller, item))
        except InvalidInputError as exc:
            raise InvalidInputError(f"Record {index} is invalid", details={"index": index, **exc.details}) from exc
    created = store.bulk_create(etype.name, clean, created_by=caller.email)
    for record in created:
        etype.policy.after_write(record)
    return created


def update_record(name: str, caller: Caller, entity_id: str, changes: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    if not isinstance(changes, dict):
        raise InvalidInputError(f"An update to {etype.name} must be a JSON object")
    existing = get_record(name, caller, entity_id)
    _guard_protected(etype, caller, changes, existing)
    allowed = etype.policy.check_update(caller, existing, {k: v for k, v in changes.items() if k not in BUILTIN_FIELDS})
    updated = store.update(etype.name, entity_id, allowed)
    etype.policy.after_write(updated)
    return updated


def bulk_update(name: str, caller: Caller, items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
        raise InvalidInputError("bulk update takes a JSON array of objects with an id")
    if len(items) > store.MAX_BULK:
        raise InvalidInputError(f"At most {store.MAX_BULK} records per bulk request")
    return [update_record(name, caller, str(item["id"]), item) for item in items]


def delete_record(name: str, caller: Caller, entity_id: str) -> dict[str, Any]:
    etype = _entity(name, caller)
    existing = get_record(name, caller, entity_id)
    etype.policy.check_delete(caller, existing)
    store.delete(etype.name, entity_id)
    return {"success": True}


def delete_many(name: str, caller: Caller, query: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    if not caller.is_admin:
        raise ForbiddenError("Only administrators delete by query")
    deleted = store.delete_matching(etype.name, query, scope=etype.policy.read_scope(caller))
    return {"success": True, "deleted": deleted}


def me(caller: Caller) -> dict[str, Any]:
    if not caller.is_authenticated or not caller.user_id:
        raise UnauthenticatedError()
    user = store.find("User", caller.user_id)
    if user is None:
        raise UnauthenticatedError("This account no longer exists")
    return user


def update_me(caller: Caller, changes: Any) -> dict[str, Any]:
    user = me(caller)
    return update_record("User", caller, user["id"], changes)
