"""Entity records in Firestore: one collection per entity, documents keyed by `id`.

Privileged: the functions call it directly and do their own authorization; the
entity HTTP API (`entities.api`) narrows reads with each entity's policy first.
Records carry the built-ins `id`, `created_date`, `updated_date`, `created_by`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from entities.base import BUILTIN_FIELDS, EntityType, check_id
from entities.query import Logic, Sort, matches, parse, parse_sort, pushdown, sort_key
from shared.errors import AppError, ConflictError, InvalidInputError, NotFoundError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, new_id, now_iso, run_transaction
from shared.http import load_json

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference, Query
    from google.cloud.firestore_v1.base_aggregation import AggregationResult

DEFAULT_LIMIT = 5000
MAX_LIMIT = 5000
MAX_BULK = 500  # one Firestore batch
MAX_SCAN = 20000  # documents a query may read to answer a filter Firestore cannot
MAX_SKIP = 2**31 - 1  # Firestore's query offset is a 32-bit integer
# Fields every record has, so Firestore can order by them without losing documents.
ORDERABLE = frozenset({"created_date", "updated_date", "id"})

# Complete records in, the records as one caller may see them out (see `Policy.visible`).
View = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def entity_type(name: str) -> EntityType:
    from entities.registry import ENTITIES

    try:
        return ENTITIES[name]
    except KeyError:
        raise NotFoundError(f"Unknown entity {name!r}", details={"entity": name}) from None


def collection(name: str) -> CollectionReference:
    return client().collection(entity_type(name).name)


# --- single records -------------------------------------------------------------


def find(name: str, entity_id: str) -> dict[str, Any] | None:
    snapshot = collection(name).document(check_id(entity_id)).get(**io())
    return snapshot.to_dict() if snapshot.exists else None


def get(name: str, entity_id: str) -> dict[str, Any]:
    found = find(name, entity_id)
    if found is None:
        raise NotFoundError(f"{name} {entity_id} not found", details={"entity": name, "id": entity_id})
    return found


def validated(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data as the entity's model accepts it, or a 400 naming each bad field."""
    model = entity_type(name).model
    if not isinstance(data, dict):
        raise InvalidInputError(f"A {name} must be a JSON object")
    try:
        clean = model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        from shared.http import validation_details

        raise InvalidInputError(f"Invalid {name}", details={"fields": validation_details(exc)}) from exc
    if nested := _arrays_in_arrays(clean):
        raise InvalidInputError(
            f"Invalid {name}: Firestore cannot store an array inside an array", details={"fields": nested}
        )
    return clean


def _arrays_in_arrays(value: Any, path: str = "") -> list[str]:
    """Fields holding an array directly inside an array (Firestore refuses those)."""
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in _arrays_in_arrays(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        if any(isinstance(item, list) for item in value):
            return [path or "body"]
        return [hit for index, item in enumerate(value) for hit in _arrays_in_arrays(item, f"{path}.{index}")]
    return []


def record(name: str, data: dict[str, Any], *, created_by: str | None, id: str | None = None) -> dict[str, Any]:
    """A complete, validated document ready to write (built-ins set by the server)."""
    etype = entity_type(name)
    clean = validated(name, {k: v for k, v in data.items() if k not in BUILTIN_FIELDS})
    now = now_iso()
    return {
        **clean,
        "id": check_id(id) if id else new_id(etype.id_prefix),
        "created_date": now,
        "updated_date": now,
        "created_by": created_by,
    }


def create(name: str, data: dict[str, Any], *, created_by: str | None, id: str | None = None) -> dict[str, Any]:
    """Write a new record; a record with the same id already there is a 409."""
    return insert(name, record(name, data, created_by=created_by, id=id))


def insert(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Write a complete record (from `record`); a record with the same id already there is a 409."""
    from google.api_core.exceptions import AlreadyExists

    try:
        collection(name).document(doc["id"]).create(doc, **io())
    except AlreadyExists as exc:
        raise ConflictError(f"{name} {doc['id']} already exists", details={"id": doc["id"]}) from exc
    return doc


def bulk_create(name: str, items: list[Any], *, created_by: str | None) -> list[dict[str, Any]]:
    """All or nothing: every item is validated, then all are written in one commit."""
    check_bulk(items)
    docs: list[dict[str, Any]] = []
    failures: list[tuple[int, AppError]] = []
    for index, item in enumerate(items):
        try:
            docs.append(record(name, item, created_by=created_by))
        except InvalidInputError as exc:
            failures.append((index, exc))
    if failures:
        raise bulk_error(failures)
    return create_all(name, docs)


def check_bulk(items: Any) -> list[Any]:
    if not isinstance(items, list) or not items:
        raise InvalidInputError("Expected a non-empty array of records")
    if len(items) > MAX_BULK:
        raise InvalidInputError(f"At most {MAX_BULK} records per bulk request")
    return items


def bulk_error(failures: list[tuple[int, AppError]]) -> AppError:
    """One error for a refused bulk request, naming every failing item by its index.

    The status is the items' own when they agree (all 403, all 404...), else 400.
    """
    failures = sorted(failures, key=lambda failure: failure[0])
    statuses = {exc.status for _, exc in failures}
    kind = type(failures[0][1]) if len(statuses) == 1 else InvalidInputError
    items = [{**exc.details, "index": index, "code": exc.code, "message": exc.message} for index, exc in failures]
    first_index, first = failures[0]
    message = (
        f"Record {first_index}: {first.message}; nothing was written"
        if len(failures) == 1
        else f"{len(failures)} records were refused; nothing was written"
    )
    return kind(message, details={"items": items})


def create_all(name: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write complete records (from `record`) in one transaction, each only if its id is free.

    An id already taken is a 409 naming every such record by its index; then nothing is written.
    """
    refs = [collection(name).document(doc["id"]) for doc in docs]

    def apply(transaction: Any) -> list[dict[str, Any]]:
        taken = {s.reference.path for s in transaction.get_all(refs, timeout=LOCK_WAIT_SECONDS) if s.exists}
        failures: list[tuple[int, AppError]] = [
            (index, ConflictError(f"{name} {ref.id} already exists", details={"id": ref.id}))
            for index, ref in enumerate(refs)
            if ref.path in taken
        ]
        if failures:
            raise bulk_error(failures)
        for ref, doc in zip(refs, docs, strict=True):
            transaction.create(ref, doc)
        return docs

    return run_transaction(apply)


def find_all(name: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The records of these ids that exist, by id, in one round trip."""
    refs = [collection(name).document(check_id(entity_id)) for entity_id in dict.fromkeys(ids)]
    return {s.id: existing_data(s) for s in client().get_all(refs, **io()) if s.exists}


def merged(name: str, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The record after `changes`, validated as a whole; built-ins stay the server's."""
    if not isinstance(changes, dict):
        raise InvalidInputError(f"An update to {name} must be a JSON object")
    body = {k: v for k, v in existing.items() if k not in BUILTIN_FIELDS}
    body.update({k: v for k, v in changes.items() if k not in BUILTIN_FIELDS})
    clean = validated(name, body)
    return {**clean, **{k: existing.get(k) for k in BUILTIN_FIELDS}, "updated_date": now_iso()}


def update(name: str, entity_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Read, merge, validate and write in one transaction, so concurrent updates never interleave."""
    ref = collection(name).document(check_id(entity_id))

    def apply(transaction: Any) -> dict[str, Any]:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if not snapshot.exists:
            raise NotFoundError(f"{name} {entity_id} not found", details={"entity": name, "id": entity_id})
        doc = merged(name, existing_data(snapshot), changes)
        transaction.set(ref, doc)
        return doc

    return run_transaction(apply)


def update_all(name: str, changes: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Apply `(id, changes)` pairs in one transaction (read, merge, validate, write): all or nothing."""
    refs = [collection(name).document(check_id(entity_id)) for entity_id, _ in changes]

    def apply(transaction: Any) -> list[dict[str, Any]]:
        current = {s.id: s.to_dict() for s in transaction.get_all(refs, timeout=LOCK_WAIT_SECONDS) if s.exists}
        docs: list[dict[str, Any]] = []
        failures: list[tuple[int, AppError]] = []
        for index, (entity_id, change) in enumerate(changes):
            try:
                if entity_id not in current:
                    raise NotFoundError(f"{name} {entity_id} not found", details={"entity": name, "id": entity_id})
                docs.append(merged(name, current[entity_id], change))
            except (InvalidInputError, NotFoundError) as exc:
                failures.append((index, exc))
        if failures:
            raise bulk_error(failures)
        for ref, doc in zip(refs, docs, strict=True):
            transaction.update(ref, _difference(current[ref.id], doc))
        return docs

    return run_transaction(apply)


def _difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields that change, as an update: a commit carries only what a request
    changed, not every whole record (one commit is limited in size)."""
    from google.cloud.firestore import DELETE_FIELD
    from google.cloud.firestore_v1.field_path import FieldPath

    changed: dict[str, Any] = {k: v for k, v in after.items() if k not in before or before[k] != v}
    changed.update({k: DELETE_FIELD for k in before if k not in after})
    return {FieldPath(k).to_api_repr(): v for k, v in changed.items()}


def delete(name: str, entity_id: str) -> None:
    collection(name).document(check_id(entity_id)).delete(**io())


# --- queries ---------------------------------------------------------------------


def combine(query: Any, scope: dict[str, Any] | None) -> Logic:
    """The caller's query narrowed by a policy scope."""
    tree = parse(query)
    if scope is None:
        return tree
    return Logic("$and", (*tree.children, *parse(scope).children))


def _base_query(name: str, tree: Logic) -> tuple[Query, bool]:
    from google.cloud.firestore import FieldFilter

    filters, exact = pushdown(tree)
    q: Any = collection(name)
    for field, op, value in filters:
        q = q.where(filter=FieldFilter(field, op, value))
    return q, exact


def _direction(sort: Sort) -> str:
    from google.cloud.firestore import Query as FsQuery

    return FsQuery.DESCENDING if sort.descending else FsQuery.ASCENDING


def _scan(q: Any) -> Iterator[dict[str, Any]]:
    for count, snapshot in enumerate(q.stream(**io()), start=1):
        if count > MAX_SCAN:
            raise InvalidInputError(
                f"Query too broad: it would read more than {MAX_SCAN} records; add an equality filter"
            )
        yield snapshot.to_dict()


def _ordered(name: str, tree: Logic, sort: Sort, after: list[Any] | None) -> Iterator[dict[str, Any]]:
    """Every matching record, in sort order, strictly after the cursor key if given."""
    q, _ = _base_query(name, tree)

    def is_after(doc: dict[str, Any]) -> bool:
        if after is None:
            return True
        key = list(sort_key(doc, sort.field))
        return key < after if sort.descending else key > after

    if sort.field in ORDERABLE:
        q = q.order_by(sort.field, direction=_direction(sort))
        if after is not None:
            from google.cloud.firestore import FieldFilter

            q = q.where(filter=FieldFilter(sort.field, "<=" if sort.descending else ">=", after[1]))
        for doc in _scan(q):
            if matches(doc, tree) and is_after(doc):
                yield doc
        return
    docs = [doc for doc in _scan(q) if matches(doc, tree)]
    docs.sort(key=lambda d: sort_key(d, sort.field), reverse=sort.descending)
    yield from (doc for doc in docs if is_after(doc))


def _bounded(limit: Any, default: int = DEFAULT_LIMIT) -> int:
    if limit in (None, ""):
        return default
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise InvalidInputError("limit must be a whole number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}")
    return value


def _skip(skip: Any) -> int:
    if skip in (None, ""):
        return 0
    try:
        value = int(skip)
    except (TypeError, ValueError):
        raise InvalidInputError("skip must be a whole number") from None
    if not 0 <= value <= MAX_SKIP:
        raise InvalidInputError(f"skip must be between 0 and {MAX_SKIP}")
    return value


def project(doc: dict[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    if not fields:
        return doc
    return {"id": doc.get("id"), **{f: doc[f] for f in fields if f in doc}}


def query(
    name: str,
    q: Any = None,
    *,
    sort: Any = None,
    limit: Any = None,
    skip: Any = None,
    fields: list[str] | None = None,
    scope: dict[str, Any] | None = None,
    view: View | None = None,
) -> list[dict[str, Any]]:
    """Records matching `q` (and `scope`), sorted, skipped and limited, seen through `view`."""
    tree = combine(q, scope)
    order = parse_sort(sort)
    count, offset = _bounded(limit), _skip(skip)
    base, exact = _base_query(name, tree)
    if exact and order.field in ORDERABLE:
        fast = base.order_by(order.field, direction=_direction(order)).offset(offset).limit(count)
        out = [existing_data(s) for s in fast.stream(**io())]
    else:
        out = []
        for index, doc in enumerate(_ordered(name, tree, order, None)):
            if index < offset:
                continue
            out.append(doc)
            if len(out) >= count:
                break
    return _shown(out, fields, view)


def _shown(docs: list[dict[str, Any]], fields: list[str] | None, view: View | None) -> list[dict[str, Any]]:
    # The view decides on complete records; projecting after it cannot bring a field back.
    return [project(doc, fields) for doc in (view(docs) if view else docs)]


def _fingerprint(q: Any) -> str:
    blob = json.dumps(q, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def page(
    name: str,
    q: Any = None,
    *,
    sort: Any = None,
    limit: Any = None,
    cursor: str | None = None,
    fields: list[str] | None = None,
    scope: dict[str, Any] | None = None,
    view: View | None = None,
) -> dict[str, Any]:
    """One cursor page: `{items, next_cursor, has_more}`; stable under inserts (keyset).

    The cursor carries its sort and field list, so the next page may omit them (the
    SDK sends only the query, limit and cursor); stating different ones is a 400.
    """
    tree = combine(q, scope)
    count = _bounded(limit, default=100)
    after: list[Any] | None = None
    if cursor:
        after, order, fields = _decode_cursor(cursor, _fingerprint(q), sort, fields)
    else:
        order = parse_sort(sort)
    items: list[dict[str, Any]] = []
    has_more = False
    last: dict[str, Any] | None = None
    for doc in _ordered(name, tree, order, after):
        if len(items) == count:
            has_more = True
            break
        items.append(doc)
        last = doc
    next_cursor = (
        _encode_cursor(list(sort_key(last, order.field)), _fingerprint(q), order, fields) if has_more and last else None
    )
    return {"items": _shown(items, fields, view), "next_cursor": next_cursor, "has_more": has_more}


def _encode_cursor(key: list[Any], fingerprint: str, order: Sort, fields: list[str] | None) -> str:
    state = {"k": key, "f": fingerprint, "s": order.text, "fl": fields or None}
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(
    cursor: str, fingerprint: str, sort: Any, fields: list[str] | None
) -> tuple[list[Any], Sort, list[str] | None]:
    """The cursor's key, sort and fields; a sort, field list or query other than its own is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = load_json(base64.urlsafe_b64decode(padded.encode()).decode("utf-8"), "cursor")
        key, seen, own_sort, own_fields = data["k"], data["f"], parse_sort(data["s"]), data["fl"]
        if not _is_sort_key(key):
            raise ValueError
        if own_fields is not None and not (
            isinstance(own_fields, list) and all(isinstance(f, str) for f in own_fields)
        ):
            raise ValueError
    except (ValueError, KeyError, TypeError, InvalidInputError):
        raise InvalidInputError("Invalid cursor") from None
    stated_sort = parse_sort(sort) if sort not in (None, "") else own_sort
    if seen != fingerprint or stated_sort != own_sort or (fields and fields != own_fields):
        raise InvalidInputError("The cursor belongs to a different query, sort or field list")
    return key, own_sort, own_fields


def _is_sort_key(key: Any) -> bool:
    """Shaped like `sort_key`'s result, so comparing it with a record's key cannot fail."""
    if not (isinstance(key, list) and len(key) == 3 and type(key[0]) is int and isinstance(key[2], str)):
        return False
    rank, value = key[0], key[1]
    kinds = {0: (int,), 1: (bool,), 2: (int, float), 3: (str,), 4: (str,), 5: (str,)}.get(rank)
    return kinds is not None and type(value) in kinds


def count(name: str, q: Any = None, *, scope: dict[str, Any] | None = None) -> int:
    tree = combine(q, scope)
    base, exact = _base_query(name, tree)
    if exact:
        # get() is annotated as one flat list; it answers one list of aggregations per response.
        result = cast("list[list[AggregationResult]]", base.count().get(**io()))
        return int(result[0][0].value)
    return sum(1 for doc in _scan(base) if matches(doc, tree))


def delete_matching(name: str, q: Any, *, scope: dict[str, Any] | None = None) -> int:
    """Delete what a query matches, in batches; returns how many went."""
    if not q:
        raise InvalidInputError("deleteMany needs a non-empty query")
    tree = combine(q, scope)
    base, _ = _base_query(name, tree)
    ids = [doc["id"] for doc in _scan(base) if matches(doc, tree)]
    db = client()
    for start in range(0, len(ids), MAX_BULK):
        batch = db.batch()
        for entity_id in ids[start : start + MAX_BULK]:
            batch.delete(collection(name).document(entity_id))
        batch.commit(**io())
    return len(ids)
