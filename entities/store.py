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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from entities import indexes
from entities.base import BUILTIN_FIELDS, EntityType, check_id
from entities.query import (
    MISSING,
    Clause,
    Filter,
    Logic,
    Plan,
    Sort,
    compile_plan,
    lookup,
    matches,
    parse,
    parse_sort,
    sort_key,
)
from entities.registry import ENTITIES
from shared.errors import AppError, ConflictError, InvalidInputError, NotFoundError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, new_id, now_iso, run_transaction
from shared.http import load_json, validation_details
from shared.models import ID_PATTERN

if TYPE_CHECKING:
    from google.cloud.firestore import CollectionReference, Query
    from google.cloud.firestore_v1.base_aggregation import AggregationResult

DEFAULT_LIMIT = 5000
MAX_LIMIT = 5000
MAX_BULK = 500  # one Firestore batch
MAX_SCAN = 20000  # records a query may read to evaluate what Firestore cannot (or sort in memory)
MAX_SKIP = 2**31 - 1  # Firestore's query offset is a 32-bit integer

# Complete records in, the records as one caller may see them out (see `Policy.visible`).
View = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def entity_type(name: str) -> EntityType:
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
#
# `entities.query` compiles each read once into a plan; the functions below run it.
# Everything Firestore can answer runs there (and, ordered natively, reads only the page
# asked for); a residual it cannot express reads at most MAX_SCAN records.


class UndeclaredIndexError(RuntimeError):
    """A query of the product's own code needs a composite index no entity declares
    (production Firestore would refuse it; the emulator does not check)."""


def combine(query: Any, scope: dict[str, Any] | None) -> Logic:
    """The caller's query narrowed by a policy scope."""
    tree = parse(query)
    if scope is None:
        return tree
    return Logic("$and", (*tree.children, *parse(scope).children))


def plan(name: str, tree: Logic, sort: Sort, *, ad_hoc: bool = False, ordered: bool = True) -> Plan:
    """The plan for `tree`, checked against the declared indexes.

    A combination no declared index serves is, for the product's code, an error (its test
    fails, not production); for a client's ad hoc query it runs on what the declared
    indexes serve: sorted in memory, or with only its equalities native.
    """
    etype = entity_type(name)
    compiled = compile_plan(tree, sort, indexes.schema(etype.name))
    declared = indexes.declared(etype.name)
    missing = [need for need in compiled.needs(ordered) if not need.served_by(declared)]
    if not missing:
        return compiled
    if not ad_hoc:
        raise UndeclaredIndexError(
            f"A {name} query needs a composite index that is not declared: "
            + "; ".join(", ".join(f"{f.field} {f.mode}" for f in need.index) for need in missing)
        )
    in_memory = Plan(compiled.clauses, compiled.residual, sort, ())
    if all(need.served_by(declared) for need in in_memory.needs(ordered)):
        return in_memory
    return compile_plan(tree, sort, indexes.schema(etype.name), equality_only=True)


def _firestore_filter(clause: Clause) -> Any:
    from google.cloud.firestore import And, FieldFilter, Or

    if isinstance(clause, Filter):
        return FieldFilter(clause.field, clause.op, clause.value)
    return Or(
        [
            _firestore_filter(branch[0]) if len(branch) == 1 else And([_firestore_filter(f) for f in branch])
            for branch in clause.branches
        ]
    )


def _direction(sort: Sort) -> str:
    from google.cloud.firestore import Query as FsQuery

    return FsQuery.DESCENDING if sort.descending else FsQuery.ASCENDING


def _native(name: str, compiled: Plan, *, ordered: bool = True) -> Query:
    """The Firestore query of a plan: its filters, and its order then the id when native."""
    q: Any = collection(name)
    for clause in compiled.clauses:
        q = q.where(filter=_firestore_filter(clause))
    if ordered and compiled.native_sort:
        direction = _direction(compiled.sort)
        for field in compiled.order:
            q = q.order_by(field, direction=direction)
        q = q.order_by("__name__", direction=direction)
    return cast("Query", q)


def _too_broad() -> InvalidInputError:
    return InvalidInputError(
        f"Query too broad: the part Firestore cannot answer ($regex, $not, ...) would be checked on "
        f"more than {MAX_SCAN} records; add a filter Firestore answers (equality, range, $in)",
        details={"max_scan": MAX_SCAN},
    )


def _bounded_scan(q: Any) -> Iterator[dict[str, Any]]:
    """The records of a native query, refusing to read more than MAX_SCAN of them."""
    for read, snapshot in enumerate(q.limit(MAX_SCAN + 1).stream(**io()), start=1):
        if read > MAX_SCAN:
            raise _too_broad()
        yield existing_data(snapshot)


@dataclass(frozen=True)
class _After:
    """Where a keyset page starts: the last record's sort value, order values and id."""

    sort_value: list[Any]  # [] when the record lacks the sort field
    order: list[list[Any]]  # [[field, value], ...] of the native order it was read in
    id: str


def _selected(q: Any, compiled: Plan, fields: list[str] | None, view: View | None) -> Any:
    """Only the fields answered (and those the order needs) come back from Firestore, when
    the plan is exact and no policy view needs the complete records."""
    if not fields or view is not None or not compiled.exact:
        return q
    return q.select(sorted({*fields, "id", compiled.sort.field, *compiled.order}))


def _walk(
    name: str, compiled: Plan, after: _After | None, want: int, select: Callable[[Any], Any] = lambda q: q
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `want` matching records in the plan's order after `after`; and whether more follow."""
    if compiled.empty:
        return [], False
    q: Any = select(_native(name, compiled))
    if compiled.native_sort:
        if after is not None:
            if [field for field, _ in after.order] != list(compiled.order):
                raise InvalidInputError("The cursor belongs to a different query, sort or field list")
            q = q.start_after([*(value for _, value in after.order), after.id])
        if compiled.exact:
            docs = [existing_data(s) for s in q.limit(want + 1).stream(**io())]
            return docs[:want], len(docs) > want
        found: list[dict[str, Any]] = []
        for doc in _bounded_scan(q):
            if compiled.residual is None or matches(doc, compiled.residual):
                found.append(doc)
                if len(found) > want:
                    break
        return found[:want], len(found) > want
    # Sorted in memory: every match is read (at most MAX_SCAN), then ordered here.
    field = compiled.sort.field
    docs = [d for d in _bounded_scan(q) if compiled.residual is None or matches(d, compiled.residual)]
    docs.sort(key=lambda d: sort_key(d, field), reverse=compiled.sort.descending)
    if after is not None:
        mark = sort_key(_holding(field, after.sort_value, after.id), field)
        docs = [
            d for d in docs if (sort_key(d, field) < mark if compiled.sort.descending else sort_key(d, field) > mark)
        ]
    return docs[:want], len(docs) > want


def _holding(field: str, value: list[Any], record_id: str) -> dict[str, Any]:
    """A record with `value[0]` at the (dotted) field, or without it when `value` is empty."""
    record: dict[str, Any] = {}
    if value:
        *parents, last = field.split(".")
        node = record
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value[0]
    return {**record, "id": record_id}


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
    ad_hoc: bool = False,
) -> list[dict[str, Any]]:
    """Records matching `q` (and `scope`), sorted, skipped and limited, seen through `view`.

    `ad_hoc`: a client's query (any combination of fields; see `plan`).
    """
    tree = combine(q, scope)
    count, offset = _bounded(limit), _skip(skip)
    compiled = plan(name, tree, parse_sort(sort), ad_hoc=ad_hoc)
    if compiled.empty:
        return []
    if compiled.exact and compiled.native_sort:
        native = _selected(_native(name, compiled), compiled, fields, view).offset(offset).limit(count)
        out = [existing_data(s) for s in native.stream(**io())]
    else:
        if offset > MAX_SCAN:
            raise _too_broad()
        out = _walk(name, compiled, None, offset + count)[0][offset:]
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
    ad_hoc: bool = False,
) -> dict[str, Any]:
    """One cursor page: `{items, next_cursor, has_more}`; stable under inserts (keyset).

    Firestore is asked for `limit + 1` records after the cursor's key (ties broken by id).
    The cursor carries its sort and field list, so the next page may omit them (the
    SDK sends only the query, limit and cursor); stating different ones is a 400.
    """
    tree = combine(q, scope)
    count = _bounded(limit, default=100)
    after: _After | None = None
    if cursor:
        after, order, fields = _decode_cursor(cursor, _fingerprint(q), sort, fields)
    else:
        order = parse_sort(sort)
    compiled = plan(name, tree, order, ad_hoc=ad_hoc)
    items, has_more = _walk(name, compiled, after, count, lambda q: _selected(q, compiled, fields, view))
    next_cursor = _encode_cursor(items[-1], _fingerprint(q), compiled, fields) if has_more and items else None
    return {"items": _shown(items, fields, view), "next_cursor": next_cursor, "has_more": has_more}


def _encode_cursor(last: dict[str, Any], fingerprint: str, compiled: Plan, fields: list[str] | None) -> str:
    value = lookup(last, compiled.sort.field)
    state = {
        "v": [] if value is MISSING else [value],
        "o": [[f, lookup(last, f)] for f in compiled.order],
        "id": last["id"],
        "f": fingerprint,
        "s": compiled.sort.text,
        "fl": fields or None,
    }
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(
    cursor: str, fingerprint: str, sort: Any, fields: list[str] | None
) -> tuple[_After, Sort, list[str] | None]:
    """The cursor's position, sort and fields; a sort, field list or query other than its own is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = load_json(base64.urlsafe_b64decode(padded.encode()).decode("utf-8"), "cursor")
        seen, own_sort, own_fields = data["f"], parse_sort(data["s"]), data["fl"]
        after = _After(data["v"], data["o"], data["id"])
        if not _is_position(after):
            raise ValueError
        if own_fields is not None and not (
            isinstance(own_fields, list) and all(isinstance(f, str) for f in own_fields)
        ):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, InvalidInputError):
        raise InvalidInputError("Invalid cursor") from None
    stated_sort = parse_sort(sort) if sort not in (None, "") else own_sort
    if seen != fingerprint or stated_sort != own_sort or (fields and fields != own_fields):
        raise InvalidInputError("The cursor belongs to a different query, sort or field list")
    return after, own_sort, own_fields


def _is_position(after: _After) -> bool:
    """Shaped as `_encode_cursor` writes it, with values Firestore accepts as a cursor."""
    values = [*after.sort_value, *(pair[1] for pair in after.order if isinstance(pair, list) and len(pair) == 2)]
    return (
        isinstance(after.sort_value, list)
        and len(after.sort_value) <= 1
        and isinstance(after.order, list)
        and len(values) == len(after.sort_value) + len(after.order)
        and all(isinstance(pair[0], str) for pair in after.order)
        and isinstance(after.id, str)
        and bool(ID_PATTERN.match(after.id))
        and not any(_arrays_in_arrays(value) for value in values)
    )


def count(name: str, q: Any = None, *, scope: dict[str, Any] | None = None, ad_hoc: bool = False) -> int:
    """How many records match: Firestore's count() aggregation when Firestore answers the
    whole query, else a bounded read of only the fields the residual needs."""
    tree = combine(q, scope)
    compiled = plan(name, tree, parse_sort(None), ad_hoc=ad_hoc, ordered=False)
    if compiled.empty:
        return 0
    base: Any = _native(name, compiled, ordered=False)
    if compiled.exact:
        # get() is annotated as one flat list; it answers one list of aggregations per response.
        result = cast("list[list[AggregationResult]]", base.count().get(**io()))
        return int(result[0][0].value)
    needed = sorted({f.partition(".")[0] for f in compiled.residual_fields()})
    return sum(1 for doc in _bounded_scan(base.select(needed)) if compiled.residual and matches(doc, compiled.residual))


def totals(
    name: str,
    q: Any = None,
    *,
    sums: tuple[str, ...] = (),
    averages: tuple[str, ...] = (),
    scope: dict[str, Any] | None = None,
) -> dict[str, float | int | None]:
    """`count`, `sum_<field>` and `avg_<field>` of the matching records, by one Firestore
    aggregation query (never a read of the records). Firestore answers the whole query or
    this is a 400; averages over no record are None."""
    from google.cloud.firestore_v1.aggregation import AggregationQuery

    compiled = plan(name, combine(q, scope), parse_sort(None), ordered=False)
    if not compiled.exact:
        raise InvalidInputError("Totals need a query Firestore answers whole (no $regex, $not, ...)")
    if compiled.empty:
        return {"count": 0, **{f"sum_{f}": 0 for f in sums}, **{f"avg_{f}": None for f in averages}}
    aggregation = AggregationQuery(_native(name, compiled, ordered=False))
    aggregation.count(alias="count")
    for field in sums:
        aggregation.sum(field, alias=f"sum_{field}")
    for field in averages:
        aggregation.avg(field, alias=f"avg_{field}")
    rows = cast("list[list[AggregationResult]]", aggregation.get(**io()))
    return {result.alias: result.value for result in rows[0]}


def delete_matching(name: str, q: Any, *, scope: dict[str, Any] | None = None, ad_hoc: bool = False) -> int:
    """Delete what a query matches, in batches; returns how many went."""
    if not q:
        raise InvalidInputError("deleteMany needs a non-empty query")
    compiled = plan(name, combine(q, scope), parse_sort(None), ad_hoc=ad_hoc, ordered=False)
    if compiled.empty:
        return 0
    base: Any = _native(name, compiled, ordered=False)
    ids = [doc["id"] for doc in _bounded_scan(base) if compiled.residual is None or matches(doc, compiled.residual)]
    db = client()
    for start in range(0, len(ids), MAX_BULK):
        batch = db.batch()
        for entity_id in ids[start : start + MAX_BULK]:
            batch.delete(collection(name).document(entity_id))
        batch.commit(**io())
    return len(ids)
