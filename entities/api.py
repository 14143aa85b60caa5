"""The Base44 entity operations behind `/apps/{appId}/entities/...`, with access rules.

HTTP-free: the gateway hands in the caller, the query-string arguments and the
parsed body. Reads are narrowed by the entity's policy scope, so a record the
caller may not see is answered exactly like one that does not exist, and every
record answered goes through the policy's `visible` (fields hidden from the caller
left out; queries and sorts on such fields refused). Bulk writes are all or
nothing: every item is checked first, failures are reported together by index,
and the writes land in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, TypeVar

from entities import enrolling, policies, store
from entities.base import BUILTIN_FIELDS, EntityType, check_id
from entities.query import FIELD_PATTERN, Logic, Node, matches, parse, parse_sort, sort_key
from shared.auth import Caller
from shared.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthenticatedError,
)
from shared.http import load_json
from shared.models import ID_PATTERN

T = TypeVar("T")
# Entities whose new records set off further writes, made in the same transaction as the records.
INSERTERS: dict[str, Callable[..., list[dict[str, Any]]]] = {"Enrollment": enrolling.insert}


def _entity(name: str, caller: Caller) -> EntityType:
    etype = store.entity_type(name)
    if not caller.is_authenticated and not policies.of(etype.name).anonymous_read:
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


def _view(etype: EntityType, caller: Caller) -> store.View:
    return partial(policies.of(etype.name).visible, caller)


def _shown(etype: EntityType, caller: Caller, record: dict[str, Any]) -> dict[str, Any]:
    return policies.of(etype.name).visible(caller, [record])[0]


def _root(field: str) -> str:
    return field.partition(".")[0]


def _named_fields(node: Node) -> Iterator[str]:
    if isinstance(node, Logic):
        for child in node.children:
            yield from _named_fields(child)
    else:
        yield node.field


def _refuse_hidden(etype: EntityType, caller: Caller, q: Any, sort: Any = None) -> None:
    """Filtering or sorting on a field hidden from the caller would reveal it: refused."""
    hidden = policies.of(etype.name).hidden_fields(caller)
    if not hidden:
        return
    named = set(_named_fields(parse(q)))
    if sort not in (None, ""):
        named.add(parse_sort(sort).field)
    refused = sorted(f for f in named if _root(f) in hidden)
    if refused:
        raise InvalidInputError(
            "These fields cannot be used in queries or sorts", details={"fields": refused, "entity": etype.name}
        )


def list_records(name: str, caller: Caller, args: Mapping[str, str]) -> list[dict[str, Any]]:
    etype = _entity(name, caller)
    q = _q(args)
    _refuse_hidden(etype, caller, q, args.get("sort"))
    return store.query(
        etype.name,
        q,
        sort=args.get("sort"),
        limit=args.get("limit"),
        skip=args.get("skip"),
        fields=_fields(args),
        scope=policies.of(etype.name).read_scope(caller),
        view=_view(etype, caller),
        ad_hoc=True,
    )


def page_records(name: str, caller: Caller, args: Mapping[str, str]) -> dict[str, Any]:
    etype = _entity(name, caller)
    scope = policies.of(etype.name).read_scope(caller)
    q = _q(args)
    if args.get("distinct"):
        return _distinct(etype, caller, q, args["distinct"], scope)
    _refuse_hidden(etype, caller, q, args.get("sort"))
    return store.page(
        etype.name,
        q,
        sort=args.get("sort"),
        limit=args.get("limit"),
        cursor=args.get("cursor") or None,
        fields=_fields(args),
        scope=scope,
        view=_view(etype, caller),
        ad_hoc=True,
    )


def _distinct(etype: EntityType, caller: Caller, q: Any, field: str, scope: dict[str, Any] | None) -> dict[str, Any]:
    """The distinct values of a field among the records as the caller sees them."""
    if not FIELD_PATTERN.match(field):
        raise InvalidInputError("Invalid distinct field")
    _refuse_hidden(etype, caller, q)
    hidden = _root(field) in policies.of(etype.name).hidden_fields(caller)
    rows = store.query(
        etype.name,
        q,
        sort=None if hidden else field,
        limit=store.MAX_LIMIT,
        scope=scope,
        view=_view(etype, caller),
        ad_hoc=True,
    )
    if hidden:
        # Ordered by what the caller sees, so the order tells nothing of what is trimmed.
        rows.sort(key=lambda row: sort_key(row, field))
    values: list[Any] = []
    for row in rows:
        if field in row and row[field] not in values:
            values.append(row[field])
    return {"items": values, "next_cursor": None, "has_more": False}


def count_records(name: str, caller: Caller, args: Mapping[str, str]) -> dict[str, int]:
    etype = _entity(name, caller)
    q = _q(args)
    _refuse_hidden(etype, caller, q)
    return {"count": store.count(etype.name, q, scope=policies.of(etype.name).read_scope(caller), ad_hoc=True)}


def _in_scope(record: dict[str, Any], scope: dict[str, Any] | None) -> bool:
    return scope is None or matches(record, store.combine(None, scope))


def _find_visible(etype: EntityType, caller: Caller, entity_id: str) -> dict[str, Any]:
    """The complete record, if the caller's read scope includes it; else a 404."""
    check_id(entity_id)
    scope = policies.of(etype.name).read_scope(caller)
    found = store.find(etype.name, entity_id)
    if found is None or not _in_scope(found, scope):
        raise NotFoundError(f"{etype.name} {entity_id} not found", details={"entity": etype.name, "id": entity_id})
    return found


def get_record(name: str, caller: Caller, entity_id: str) -> dict[str, Any]:
    etype = _entity(name, caller)
    return _shown(etype, caller, _find_visible(etype, caller, entity_id))


def _creatable(etype: EntityType, caller: Caller, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInputError(f"A {etype.name} must be a JSON object")
    if not isinstance(data.get("created_by"), str | None):
        raise InvalidInputError("created_by must be an email address", details={"fields": ["created_by"]})
    if data.get("created_by") not in (None, caller.email) and not caller.is_admin:
        raise ForbiddenError("created_by is the signed-in user")
    _guard_protected(etype, caller, data, {})
    checked = policies.of(etype.name).check_create(caller, {k: v for k, v in data.items() if k not in BUILTIN_FIELDS})
    return store.validated(etype.name, checked)


def _new_record(etype: EntityType, caller: Caller, data: Any) -> dict[str, Any]:
    """The complete record `data` creates, checked and validated, not yet written."""
    clean = _creatable(etype, caller, data)
    created_by = data.get("created_by") if caller.is_admin and data.get("created_by") else caller.email
    new_id = etype.natural_id(clean) if etype.natural_id else None
    return store.record(etype.name, clean, created_by=created_by, id=new_id)


def _insert(etype: EntityType, records: list[dict[str, Any]], *, bulk: bool) -> list[dict[str, Any]]:
    """Write new records, with what they set off in the same transaction; a record already there is a 409
    (named by index in a bulk request)."""
    if etype.name in INSERTERS:
        return INSERTERS[etype.name](records, bulk=bulk)
    if not bulk:
        return [store.insert(etype.name, record) for record in records]
    return store.create_all(etype.name, records)


def create_record(name: str, caller: Caller, data: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    record = _new_record(etype, caller, data)
    try:
        [created] = _insert(etype, [record], bulk=False)
    except ConflictError:
        if not etype.upsert:
            raise
        # The record of this natural key exists: creating it again updates it, checked as an update.
        return update_record(name, caller, record["id"], data)
    policies.of(etype.name).after_write(created)
    return _shown(etype, caller, created)


def _checked_items(items: Any, check: Callable[[int, Any], T]) -> list[T]:
    """`check(index, item)` for every item; all failures at once, named by index."""
    results: list[T] = []
    failures: list[tuple[int, AppError]] = []
    for index, item in enumerate(store.check_bulk(items)):
        try:
            results.append(check(index, item))
        except AppError as exc:
            if exc.status >= 500:
                raise  # not the item's fault: answered as it is
            failures.append((index, exc))
    if failures:
        raise store.bulk_error(failures)
    return results


def _first_time(what: str) -> Callable[[int, str], str]:
    """A check that a key has not come up earlier in the same request."""
    seen: dict[str, int] = {}

    def check(index: int, key: str) -> str:
        if key in seen:
            raise InvalidInputError(f"Same {what} as record {seen[key]}", details={"id": key})
        seen[key] = index
        return key

    return check


def bulk_create(name: str, caller: Caller, items: Any) -> list[dict[str, Any]]:
    """All or nothing: every item is checked first, then all are written in one transaction."""
    etype = _entity(name, caller)
    unique = _first_time("record")

    def creatable(index: int, item: Any) -> dict[str, Any]:
        doc = _new_record(etype, caller, item)
        unique(index, doc["id"])  # natural ids: the same enrollment twice
        return doc

    created = _insert(etype, _checked_items(items, creatable), bulk=True)
    for record in created:
        policies.of(etype.name).after_write(record)
    return policies.of(etype.name).visible(caller, created)


def _allowed_changes(etype: EntityType, caller: Caller, existing: dict[str, Any], changes: Any) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise InvalidInputError(f"An update to {etype.name} must be a JSON object")
    _guard_protected(etype, caller, changes, existing)
    return policies.of(etype.name).check_update(
        caller, existing, {k: v for k, v in changes.items() if k not in BUILTIN_FIELDS}
    )


def update_record(name: str, caller: Caller, entity_id: str, changes: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    existing = _find_visible(etype, caller, entity_id)
    updated = store.update(etype.name, entity_id, _allowed_changes(etype, caller, existing, changes))
    policies.of(etype.name).after_write(updated)
    policies.of(etype.name).after_change(existing, updated)
    return _shown(etype, caller, updated)


def bulk_update(name: str, caller: Caller, items: Any) -> list[dict[str, Any]]:
    """All or nothing: every item is checked first, then all are written in one transaction."""
    etype = _entity(name, caller)
    scope = policies.of(etype.name).read_scope(caller)
    found = store.find_all(etype.name, [i["id"] for i in store.check_bulk(items) if _has_id(i)])
    unique = _first_time("id")

    def allowed(index: int, item: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise InvalidInputError("Each record of a bulk update is an object with an id")
        entity_id = unique(index, check_id(item["id"]))
        existing = found.get(entity_id)
        if existing is None or not _in_scope(existing, scope):
            raise NotFoundError(f"{etype.name} {entity_id} not found", details={"entity": etype.name, "id": entity_id})
        changes = _allowed_changes(etype, caller, existing, item)
        store.merged(etype.name, existing, changes)  # an invalid result is refused before anything is written
        return entity_id, changes

    updated = store.update_all(etype.name, _checked_items(items, allowed))
    for record in updated:
        policies.of(etype.name).after_write(record)
        policies.of(etype.name).after_change(found[record["id"]], record)
    return policies.of(etype.name).visible(caller, updated)


def _has_id(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str) and bool(ID_PATTERN.match(item["id"]))


def delete_record(name: str, caller: Caller, entity_id: str) -> dict[str, Any]:
    etype = _entity(name, caller)
    existing = _find_visible(etype, caller, entity_id)
    policies.of(etype.name).check_delete(caller, existing)
    store.delete(etype.name, entity_id)
    policies.of(etype.name).after_change(existing, None)
    return {"success": True}


def delete_many(name: str, caller: Caller, query: Any) -> dict[str, Any]:
    etype = _entity(name, caller)
    if not caller.is_admin:
        raise ForbiddenError("Only administrators delete by query")
    deleted = store.delete_matching(etype.name, query, scope=policies.of(etype.name).read_scope(caller), ad_hoc=True)
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
