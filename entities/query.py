"""The Base44 (MongoDB-style) query language: parsing, matching and sorting.

A query is checked once into a small tree. The store pushes the parts Firestore
answers exactly (equality on scalars, one `$in`) into the Firestore query and
evaluates the whole tree on what comes back, so results never depend on what
was pushed down. Unsupported operators are refused with a 400 naming them.
"""

from __future__ import annotations

import math
import re
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

_MISSING = object()


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
        return 5
    return 4


def _compare(a: Any, b: Any) -> int | None:
    """Order of two values of the same kind; None when they are of different kinds."""
    if _rank(a) != _rank(b) or _rank(a) in (0, 4, 5):
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
        return (value is _MISSING or value is None) if operand is None else _same(value, operand)
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


def pushdown(tree: Logic) -> tuple[list[tuple[str, str, Any]], bool]:
    """Filters Firestore can answer exactly, and whether they cover the whole tree."""
    filters: list[tuple[str, str, Any]] = []
    exact = tree.op == "$and"
    used_in = False
    if tree.op != "$and":
        return [], False
    for node in tree.children:
        if isinstance(node, Cond) and node.op == "$eq" and _scalar(node.value):
            filters.append((node.field, "==", node.value))
        elif (
            isinstance(node, Cond)
            and node.op == "$in"
            and not used_in
            and 0 < len(node.value) <= FIRESTORE_IN_LIMIT
            and all(_scalar(v) for v in node.value)
        ):
            filters.append((node.field, "in", list(node.value)))
            used_in = True
        else:
            exact = False
    return filters, exact


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and not (isinstance(value, float) and math.isnan(value))


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
    comparable = value if rank in (1, 2, 3) else (str(value) if rank in (4, 5) else 0)
    return (rank, comparable, str(doc.get("id", "")))
