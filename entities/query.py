"""The Base44 (MongoDB-style) query language: parsing, matching and sorting.

A query is checked once into a small tree, then compiled once into a `Plan`: the
Firestore filters that answer it exactly, the residual the store evaluates in
memory (only what Firestore cannot express), the native order with its keyset
fields, and the composite indexes the native query needs. Unsupported operators
are refused with a 400 naming them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from shared.errors import UnsupportedQueryError

# Dotted field paths; a segment like `__name__` (starting and ending with __) is Firestore's own.
FIELD_PATTERN = re.compile(r"^(?!__\w*__(?:\.|\Z))[A-Za-z_]\w*(?:\.(?!__\w*__(?:\.|\Z))\w+)*\Z", re.ASCII)
COMPARISONS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex", "$not"}
LOGICAL = {"$and", "$or", "$nor"}
MAX_IN_VALUES = 500
MAX_REGEX_LENGTH = 200
REGEX_FLAGS = frozenset("ims")
REGEX_MAX_MEMORY = 1 << 20  # bytes RE2 may spend on one compiled pattern
FIRESTORE_IN_LIMIT = 30

MISSING = _MISSING = object()  # what `lookup` answers for an absent field


@dataclass(frozen=True)
class Cond:
    field: str
    op: str  # one of COMPARISONS
    value: Any


@dataclass(frozen=True)
class Logic:
    op: str  # $and, $or, $nor
    children: tuple[Node, ...]


Node = Cond | Logic


def parse(query: Any) -> Logic:
    """Check a query and return its tree (an implicit `$and` at the root)."""
    if query is None:
        return Logic("$and", ())
    if not isinstance(query, dict):
        raise UnsupportedQueryError("Query must be a JSON object")
    children: list[Node] = []
    for key, value in query.items():
        if key in LOGICAL:
            if not isinstance(value, list) or not value:
                raise UnsupportedQueryError(f"{key} takes a non-empty array of queries")
            children.append(Logic(key, tuple(parse(sub) for sub in value)))
        elif key.startswith("$"):
            raise UnsupportedQueryError(
                f"Unsupported query operator {key}", details={"operator": key, "supported": sorted(LOGICAL)}
            )
        else:
            children.extend(_field_conditions(key, value))
    return Logic("$and", tuple(children))


def _field_conditions(field: str, value: Any) -> list[Cond]:
    if not FIELD_PATTERN.match(field):
        raise UnsupportedQueryError(f"Invalid field name {field!r}", details={"field": field})
    if isinstance(value, list):
        return [Cond(field, "$in", _check_in(field, value))]
    if isinstance(value, dict) and value and all(k.startswith("$") for k in value):
        options = value.get("$options")
        conds = []
        for op, operand in value.items():
            if op == "$options":
                continue
            conds.append(_operator(field, op, operand, options))
        return conds
    if isinstance(value, dict):
        raise UnsupportedQueryError(
            f"Matching {field!r} against an object is not supported; use dotted field names",
            details={"field": field},
        )
    return [Cond(field, "$eq", value)]


def _operator(field: str, op: str, operand: Any, options: Any) -> Cond:
    if op not in COMPARISONS:
        raise UnsupportedQueryError(
            f"Unsupported query operator {op}",
            details={"field": field, "operator": op, "supported": sorted(COMPARISONS)},
        )
    if op in {"$in", "$nin"}:
        return Cond(field, op, _check_in(field, operand))
    if op == "$exists":
        if not isinstance(operand, bool):
            raise UnsupportedQueryError(f"$exists on {field!r} takes true or false")
        return Cond(field, op, operand)
    if op == "$regex":
        return Cond(field, op, _compile_regex(field, operand, options))
    if op == "$not":
        if not isinstance(operand, dict) or not operand:
            raise UnsupportedQueryError(f"$not on {field!r} takes an operator object")
        return Cond(field, op, tuple(_field_conditions(field, operand)))
    if isinstance(operand, dict | list) and op not in {"$eq", "$ne"}:
        raise UnsupportedQueryError(f"{op} on {field!r} takes a single value")
    return Cond(field, op, operand)


def _check_in(field: str, values: Any) -> tuple[Any, ...]:
    if not isinstance(values, list):
        raise UnsupportedQueryError(f"$in/$nin on {field!r} takes an array")
    if len(values) > MAX_IN_VALUES:
        raise UnsupportedQueryError(f"At most {MAX_IN_VALUES} values in $in/$nin")
    return tuple(values)


def _compile_regex(field: str, pattern: Any, options: Any) -> Regex:
    """RE2 matches in time linear in the text, so no pattern can stall the server.

    RE2 has no backreferences or lookaround; such patterns are refused as unsupported.
    """
    import re2

    if not isinstance(pattern, str) or len(pattern) > MAX_REGEX_LENGTH:
        raise UnsupportedQueryError(f"$regex on {field!r} takes a pattern of at most {MAX_REGEX_LENGTH} characters")
    if options is not None and not isinstance(options, str):
        raise UnsupportedQueryError(f"$options on {field!r} takes a string of flags i, m, s")
    unsupported = sorted(set(options or "") - REGEX_FLAGS)
    if unsupported:
        raise UnsupportedQueryError(f"Unsupported $options flag {unsupported[0]!r}", details={"supported": "ims"})
    settings = re2.Options()
    settings.log_errors = False
    settings.max_mem = REGEX_MAX_MEMORY
    flags = "".join(sorted(set(options or "")))
    source = f"(?{flags}){pattern}" if flags else pattern
    try:
        re2.compile(source, settings)  # names what is wrong; a Set only says it failed
        matcher = re2.Set.SearchSet(settings)
        matcher.Add(source)
    except re2.error as exc:
        raise UnsupportedQueryError(
            f"Invalid $regex on {field!r}",
            details={"field": field, "syntax": "RE2: no backreferences or lookaround"},
        ) from exc
    matcher.Compile()
    return Regex(source, matcher)


@dataclass(frozen=True)
class Regex:
    """A compiled `$regex`. Matched through an RE2 Set, which answers only whether the text
    matches: several times cheaper per record than a search that reports positions."""

    source: str
    matcher: Any

    def search(self, text: str) -> bool:
        return self.matcher.Match(text.encode("utf-8", "surrogatepass")) is not None


# --- evaluation -----------------------------------------------------------------


def lookup(doc: dict[str, Any], field: str) -> Any:
    value: Any = doc
    for part in field.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python, not in Firestore or MongoDB.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _rank(value: Any) -> int:
    if value is None or value is _MISSING:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, int | float):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, list):
        return 4  # Firestore orders arrays before maps
    return 5


def _compare(a: Any, b: Any) -> int | None:
    """Order of two values of the same kind; None when they are of different kinds."""
    if _rank(a) != _rank(b) or _rank(a) in (0, 4, 5) or _nan(a) or _nan(b):
        return None
    return int(a > b) - int(a < b)


def matches(doc: dict[str, Any], node: Node) -> bool:
    if isinstance(node, Logic):
        if node.op == "$and":
            return all(matches(doc, c) for c in node.children)
        if node.op == "$or":
            return any(matches(doc, c) for c in node.children)
        return not any(matches(doc, c) for c in node.children)
    value = lookup(doc, node.field)
    op, operand = node.op, node.value
    if op == "$eq":
        if operand is None:
            return value is _MISSING or value is None
        if isinstance(value, list) and not isinstance(operand, list):
            return any(_same(item, operand) for item in value)  # array membership, as in MongoDB
        return _same(value, operand)
    if op == "$ne":
        return not matches(doc, Cond(node.field, "$eq", operand))
    if op == "$in":
        return any(matches(doc, Cond(node.field, "$eq", v)) for v in operand)
    if op == "$nin":
        return not matches(doc, Cond(node.field, "$in", operand))
    if op == "$exists":
        return (value is not _MISSING) == bool(operand)  # parse admits only true or false
    if op == "$regex":
        return isinstance(value, str) and operand.search(value)
    if op == "$not":
        return not all(matches(doc, c) for c in operand)
    order = _compare(value, operand)
    if order is None:
        return False
    return {"$gt": order > 0, "$gte": order >= 0, "$lt": order < 0, "$lte": order <= 0}[op]


# --- sorting ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    @property
    def text(self) -> str:
        return ("-" if self.descending else "") + self.field


def parse_sort(sort: Any, default: str = "-created_date") -> Sort:
    text = default if sort in (None, "") else sort
    if not isinstance(text, str):
        raise UnsupportedQueryError("sort must be a field name, optionally prefixed with - or +")
    descending = text.startswith("-")
    field = text.lstrip("+-").strip()
    if not FIELD_PATTERN.match(field):
        raise UnsupportedQueryError(f"Invalid sort field {field!r}")
    return Sort(field, descending)


def sort_key(doc: dict[str, Any], field: str) -> tuple[int, Any, str]:
    value = lookup(doc, field)
    rank = _rank(value)
    comparable = -math.inf if _nan(value) else value if rank in (1, 2, 3) else (str(value) if rank in (4, 5) else 0)
    return (rank, comparable, str(doc.get("id", "")))


# --- compiling a plan -------------------------------------------------------------
#
# Firestore's own limits, which decide what a single native query may hold.
FIRESTORE_NOT_IN_LIMIT = 10
FIRESTORE_DISJUNCTIONS = 30  # terms of a query's disjunctive normal form (each `in` value counts)
FIRESTORE_INEQUALITY_FIELDS = 10  # fields one query may filter by range or `!=`
FIRESTORE_MAX_INDEXED_BYTES = 1500  # a longer string cannot be a filter value
INEQUALITIES = frozenset({"<", "<=", ">", ">=", "!=", "not-in"})
ARRAY_OPS = frozenset({"array_contains", "array_contains_any"})
_RANGE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


@dataclass(frozen=True)
class FieldKind:
    """A declared top-level field: every stored record holds it (the store writes the whole
    model), so Firestore filters on it never lose records that lack it."""

    nullable: bool
    array: bool  # a list of values: equality means membership
    scalar: bool  # never a list or a map


Schema = dict[str, FieldKind]


@dataclass(frozen=True)
class Filter:
    """One Firestore field filter (`op` in Firestore's spelling)."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class AnyOf:
    """A Firestore OR of conjunctions."""

    branches: tuple[tuple[Filter, ...], ...]


Clause = Filter | AnyOf


@dataclass(frozen=True)
class IndexField:
    field: str
    mode: str  # ASCENDING, DESCENDING or CONTAINS


Index = tuple[IndexField, ...]


@dataclass(frozen=True)
class Need:
    """A composite index one disjunct needs: its equality fields, then its ordered fields."""

    prefix: Index
    suffix: Index

    @property
    def index(self) -> Index:
        return (*self.prefix, *self.suffix)

    def served_by(self, declared: AbstractSet[Index]) -> bool:
        """Declared as it is, or answered by merging one declared index per equality field."""
        return self.index in declared or (
            bool(self.prefix) and all((field, *self.suffix) in declared for field in self.prefix)
        )


@dataclass(frozen=True)
class Plan:
    """How one query runs: `clauses` in Firestore, `residual` in memory on what they return,
    ordered natively by `order` (then the document id) or, when `order` is empty, in memory."""

    clauses: tuple[Clause, ...]
    residual: Logic | None
    sort: Sort
    order: tuple[str, ...]
    empty: bool = False

    @property
    def exact(self) -> bool:
        return self.residual is None

    @property
    def native_sort(self) -> bool:
        return bool(self.order) or self.sort_is_constant

    @property
    def sort_is_constant(self) -> bool:
        """The sort field is fixed by an equality filter (the id alone orders the records),
        or the id is (one record at most)."""
        return any(isinstance(c, Filter) and c.field in (self.sort.field, "id") and c.op == "==" for c in self.clauses)

    def needs(self, ordered: bool = True) -> list[Need]:
        """The composite indexes the native query needs (one per disjunct), [] when single-field
        indexes or index merging answer it."""
        return [index for index in (_index(branch, self, ordered) for branch in _dnf(self.clauses)) if index]

    def residual_fields(self) -> set[str]:
        return set(named_fields(self.residual)) if self.residual else set()


def named_fields(node: Node) -> list[str]:
    if isinstance(node, Logic):
        return [f for child in node.children for f in named_fields(child)]
    return [node.field]


def _dnf(clauses: tuple[Clause, ...]) -> list[tuple[Filter, ...]]:
    branches: list[tuple[Filter, ...]] = [()]
    for clause in clauses:
        options = clause.branches if isinstance(clause, AnyOf) else ((clause,),)
        branches = [branch + option for branch in branches for option in options]
    return branches


def _index(branch: tuple[Filter, ...], plan: Plan, ordered: bool) -> Need | None:
    equal = sorted({f.field: f.op for f in branch if f.op not in INEQUALITIES}.items())
    unequal = sorted({f.field for f in branch if f.op in INEQUALITIES})
    direction = "DESCENDING" if plan.sort.descending else "ASCENDING"
    suffix = [IndexField(f, direction) for f in plan.order] if ordered and plan.order else []
    if not suffix:
        suffix = [IndexField(f, "ASCENDING") for f in unequal]
    prefix = [IndexField(f, "CONTAINS" if op in ARRAY_OPS else "ASCENDING") for f, op in equal]
    prefix = [p for p in prefix if p.field not in {s.field for s in suffix}]
    if not suffix or len(prefix) + len(suffix) < 2:
        return None  # equalities alone merge single-field indexes; one field needs no composite
    return Need(tuple(prefix), tuple(suffix))


def _scalar_value(value: Any) -> bool:
    """A value Firestore can filter on: a scalar, not NaN, a string short enough to be indexed."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass")) <= FIRESTORE_MAX_INDEXED_BYTES
    return isinstance(value, int | float | bool) and not _nan(value)


class _Budget:
    """What one Firestore query may still take: one `!=`/`not-in`, no `not-in` beside an
    `in` or OR, one array filter, at most FIRESTORE_DISJUNCTIONS disjuncts."""

    def __init__(self) -> None:
        self.unequal_fields: set[str] = set()
        self.not_equal = False
        self.not_in = False
        self.disjunctive = False
        self.array = False
        self.terms = 1

    def admit(self, clause: Clause) -> bool:
        filters = [f for b in clause.branches for f in b] if isinstance(clause, AnyOf) else [clause]
        not_equal = sum(f.op in ("!=", "not-in") for f in filters)
        not_in = any(f.op == "not-in" for f in filters)
        disjunctive = isinstance(clause, AnyOf) or any(f.op in ("in", "array_contains_any") for f in filters)
        array = sum(f.op in ARRAY_OPS for f in filters)
        terms = self.terms * _terms(clause)
        unequal_fields = self.unequal_fields | {f.field for f in filters if f.op in INEQUALITIES}
        if (
            len(unequal_fields) > FIRESTORE_INEQUALITY_FIELDS
            or not_equal + self.not_equal > 1
            or ((not_in or self.not_in) and (disjunctive or self.disjunctive))
            or array + self.array > 1
            or terms > FIRESTORE_DISJUNCTIONS
        ):
            return False
        self.unequal_fields = unequal_fields
        self.not_equal |= bool(not_equal)
        self.not_in |= not_in
        self.disjunctive |= disjunctive
        self.array |= bool(array)
        self.terms = terms
        return True


def _terms(clause: Clause) -> int:
    if isinstance(clause, AnyOf):
        return sum(_product(_terms(f) for f in branch) for branch in clause.branches)
    return len(clause.value) if clause.op in ("in", "array_contains_any") else 1


def _product(values: Any) -> int:
    total = 1
    for value in values:
        total *= value
    return total


class _Nothing(Exception):
    """The condition matches no record (an empty `$in`)."""


def _native(node: Node, schema: Schema) -> Clause | None:
    """The Firestore clause answering `node` exactly, or None when Firestore cannot."""
    if isinstance(node, Logic):
        if node.op != "$or":
            return None
        branches: list[tuple[Filter, ...]] = []
        for child in node.children:
            conjuncts = list(_conjuncts(child))
            clauses = [_native(c, schema) for c in conjuncts]
            if not all(isinstance(c, Filter) for c in clauses):
                return None  # an OR of ORs, or a branch Firestore cannot answer
            branches.append(tuple(c for c in clauses if isinstance(c, Filter)))
        return AnyOf(tuple(branches)) if all(branches) else None
    kind = schema.get(node.field)
    op, value = node.op, node.value
    if op == "$eq":
        return _equal(node.field, value, kind)
    if op == "$in":
        values = list(value)
        if not values:
            raise _Nothing
        if None in values or not all(_scalar_value(v) for v in values if v is not None):
            return None
        if kind is None or (not kind.scalar and not kind.array) or len(values) > FIRESTORE_IN_LIMIT:
            return None
        return Filter(node.field, "array_contains_any" if kind.array else "in", values)
    if op == "$ne":
        if value is None:
            return Filter(node.field, "!=", None)  # present and not null, in both languages
        if kind is None or not kind.scalar or not _scalar_value(value):
            return None
        if kind.nullable:
            return AnyOf(((Filter(node.field, "!=", value),), (Filter(node.field, "==", None),)))
        return Filter(node.field, "!=", value)
    if op == "$nin":
        values = list(value)
        if not values:
            return None
        if kind is None or not kind.scalar or kind.nullable or len(values) > FIRESTORE_NOT_IN_LIMIT:
            return None
        return Filter(node.field, "not-in", values) if all(_scalar_value(v) for v in values) else None
    if op in _RANGE:
        return Filter(node.field, _RANGE[op], value) if _scalar_value(value) else None
    if op == "$exists" and value is True:  # present: null or not
        return AnyOf(((Filter(node.field, "!=", None),), (Filter(node.field, "==", None),)))
    return None  # $regex, $not, `$exists: false` (Firestore cannot ask for a missing field)


def _equal(field: str, value: Any, kind: FieldKind | None) -> Filter | None:
    if value is None:
        return Filter(field, "==", None) if kind is not None else None
    if not _scalar_value(value) or kind is None or not (kind.scalar or kind.array):
        return None  # an undeclared field may hold a list: equality there is membership too
    return Filter(field, "array_contains" if kind.array else "==", value)


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Logic) and node.op == "$and":
        return [c for child in node.children for c in _conjuncts(child)]
    return [node]


def compile_plan(tree: Logic, sort: Sort, schema: Schema, *, equality_only: bool = False) -> Plan:
    """The native query, the residual and the order for `tree` sorted by `sort`.

    `equality_only` keeps only equalities native (they need no composite index): the
    fallback for an ad hoc combination whose composite index is not declared.
    """
    budget = _Budget()
    clauses: list[Clause] = []
    residual: list[Node] = []
    try:
        for node in _conjuncts(tree):
            clause = _native(node, schema)
            if clause is not None and equality_only and not _is_equality(clause):
                clause = None
            if clause is not None and budget.admit(clause):
                clauses.append(clause)
            else:
                residual.append(node)
    except _Nothing:
        return Plan((), None, sort, (), empty=True)
    plan = Plan(tuple(clauses), Logic("$and", tuple(residual)) if residual else None, sort, ())
    if equality_only:
        return plan
    return Plan(plan.clauses, plan.residual, sort, _native_order(plan, schema))


def _is_equality(clause: Clause) -> bool:
    filters = [f for b in clause.branches for f in b] if isinstance(clause, AnyOf) else [clause]
    return all(f.op not in INEQUALITIES for f in filters)


def _native_order(plan: Plan, schema: Schema) -> tuple[str, ...]:
    """Order fields for Firestore: the sort field, then every other inequality field (Firestore
    orders by those too), all in the sort's direction; () when the sort must be done in memory."""
    field = plan.sort.field
    filtered = {f.field for c in plan.clauses if isinstance(c, Filter) for f in (c,)}
    if field not in schema and field not in filtered:
        return ()  # Firestore would drop the records that lack the field
    unequal = sorted({f.field for branch in _dnf(plan.clauses) for f in branch if f.op in INEQUALITIES} - {field})
    if plan.sort_is_constant:
        return tuple(unequal)
    return (field, *unequal)
