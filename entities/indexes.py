"""What the store knows of each entity's fields, and the composite indexes its queries use.

Both come from the entity declarations. The model says which fields every record holds
(the store writes the whole model) and of what kind. The indexes are: every field that
names another record or person (`*_id`, `*_email`, `created_by`) or takes one of a few
values (a bool, a Literal) with the default sort, newest first (`-created_date`); plus
the groups the entity declares in `EntityType.indexes` (equality fields, then the sort
field, or a tuple of the sort field and the fields filtered by range beside it), each in
both directions. Only these: Firestore caps a database's composite indexes (200 by
default), and a client's query that none serves runs on the equalities alone, sorted in
memory. A query of the product's code that needs an undeclared index fails its test.
`firestore.indexes.json` is `document()`, written by `scripts/deploy.py --write` and
compared by a test.
"""

from __future__ import annotations

import re
import types
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from entities.base import BUILTIN_FIELDS, EntityType
from entities.query import FieldKind, Index, IndexField, Schema
from entities.registry import ENTITIES

INDEX_FILE = Path(__file__).resolve().parent.parent / "firestore.indexes.json"
DEFAULT_SORT_FIELD = "created_date"
# Fields that name another record: what records are looked up by.
REFERENCE = re.compile(r"(?:^|_)(?:id|email)\Z")
_BUILTIN_KINDS = {
    "id": FieldKind(nullable=False, array=False, scalar=True),
    "created_date": FieldKind(nullable=False, array=False, scalar=True),
    "updated_date": FieldKind(nullable=False, array=False, scalar=True),
    "created_by": FieldKind(nullable=True, array=False, scalar=True),
}
assert set(_BUILTIN_KINDS) == set(BUILTIN_FIELDS)


def _is_scalar_type(kind: Any) -> bool:
    if get_origin(kind) is Literal:
        return all(isinstance(v, str | int | float | bool) for v in get_args(kind))
    return isinstance(kind, type) and (kind in (str, int, float, bool) or issubclass(kind, Enum))


def field_kind(annotation: Any) -> FieldKind:
    parts = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    rest = [p for p in parts if p is not type(None)]
    return FieldKind(
        nullable=annotation is Any or len(rest) < len(parts),
        array=bool(rest) and all(get_origin(p) in (list, tuple, set) for p in rest),
        scalar=bool(rest) and all(_is_scalar_type(p) for p in rest),
    )


def schema_of(etype: EntityType) -> Schema:
    fields = {name: field_kind(info.annotation) for name, info in etype.model.model_fields.items()}
    return {**fields, **_BUILTIN_KINDS}


def _enumerated(annotation: Any) -> bool:
    """A bool or a Literal (optionally nullable): a field records are grouped by."""
    parts = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    rest = [p for p in parts if p is not type(None)]
    return bool(rest) and all(p is bool or get_origin(p) is Literal for p in rest)


Group = tuple[str | tuple[str, ...], ...]


def _automatic(etype: EntityType) -> list[Group]:
    """Every reference or enumerated field, newest first: the default listing by that field."""
    kinds = schema_of(etype)
    annotations = {name: info.annotation for name, info in etype.model.model_fields.items()}
    return [
        (name, DEFAULT_SORT_FIELD)
        for name, kind in kinds.items()
        if name != "id"
        and (kind.scalar or kind.array)
        and (REFERENCE.search(name) or name == "created_by" or _enumerated(annotations.get(name)))
    ]


def groups(etype: EntityType) -> list[Group]:
    return list(dict.fromkeys([*_automatic(etype), *etype.indexes]))


def indexes_of(etype: EntityType) -> list[Index]:
    kinds = schema_of(etype)
    automatic = set(_automatic(etype)) - set(etype.indexes)
    out: list[Index] = []
    for group in groups(etype):
        *equal, last = group
        ordered = (last,) if isinstance(last, str) else last
        unknown = [f for f in (*equal, *ordered) if not isinstance(f, str) or f.partition(".")[0] not in kinds]
        if unknown:
            raise ValueError(f"{etype.name} declares an index on unknown fields {unknown}")
        prefix = tuple(
            IndexField(f, "CONTAINS" if kinds.get(f, FieldKind(True, False, False)).array else "ASCENDING")
            for f in sorted(str(f) for f in equal)
        )
        modes = ("DESCENDING",) if group in automatic else ("ASCENDING", "DESCENDING")
        out.extend((*prefix, *(IndexField(f, mode) for f in ordered)) for mode in modes)
    return list(dict.fromkeys(out))


@cache
def schema(name: str) -> Schema:
    return schema_of(ENTITIES[name])


@cache
def declared(name: str) -> frozenset[Index]:
    return frozenset(indexes_of(ENTITIES[name]))


def document() -> dict[str, Any]:
    """The composite indexes of every entity, in the Firebase CLI's `firestore.indexes.json` form."""

    def field(f: IndexField) -> dict[str, str]:
        return {"fieldPath": f.field, "arrayConfig" if f.mode == "CONTAINS" else "order": f.mode}

    return {
        "indexes": [
            {"collectionGroup": etype.name, "queryScope": "COLLECTION", "fields": [field(f) for f in index]}
            for etype in sorted(ENTITIES.values(), key=lambda e: e.name)
            for index in indexes_of(etype)
        ],
        "fieldOverrides": [],
    }
