"""Batch (vectorised) evaluation of refusal grounds over a columnar facts table.

The same expression trees that `logic.py` compiles to closures for one case are compiled here to
NumPy operations over many cases at once, with exactly the scalar semantics (three-valued logic,
missing facts reported only where they decide the outcome, `null` distinct from missing, `some`
over ragged lists with per-item exceptions, parameters and versions by each case's own date).

Layout (`FactsTable`): one `Column` per fact path, data-typed from the values (bool, number,
string = dictionary-encoded, date = int32 YYYYMMDD for facts read by `age`), each with a `missing`
mask (the key is absent) and a `null` mask (the value is `null`); list facts are ragged
(`offsets` + per-item columns). Dates of evaluation are int32 YYYYMMDD per case, so that full years
of age are `(on - born) // 10000` (29 February counts its birthday on 1 March, as `full_years`).

Output per case (`VectorResult`): the version index, a decision code, bitmasks of fired and of
unknown grounds (bit `item - 1`), of the obligations that come with a grant, and of the missing
facts (bit = index in `Plan.names`). The missing-facts masks are computed in a second pass only
on the cases that have an unknown ground or obligation, so the hot path carries two boolean arrays
per node. Cases are processed in chunks so temporaries stay bounded.

Pure Python + NumPy: no Django, no clock (dates are arguments).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qamqor.rules.logic import MISSING, _render, lookup

# decision codes
GRANT, REFUSE, NEEDS_FACTS, NOT_IN_FORCE, INCOMPLETE_SOURCE = 0, 1, 2, 3, 4
DECISIONS = ("grant", "refuse", "needs_facts", "not_in_force", "incomplete_source")

DEFAULT_CHUNK = 131072
MAX_NAMES = 64  # missing-fact names per service (one uint64 bit each)
MAX_ITEM = 32  # ground items are bits of a uint32

_F = np.False_
_T = np.True_
_Z = np.uint64(0)


class VectorError(ValueError):
    """An expression or a table the vectorised path cannot take (raised before evaluating)."""


# --------------------------------------------------------------------------------------------------
# dates


def date_to_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def int_to_date(value: int) -> dt.date:
    value = int(value)
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def dates_to_int(days: Iterable[dt.date]) -> np.ndarray:
    return np.fromiter((date_to_int(d) for d in days), dtype=np.int32)


def _parse_date(value: Any) -> int | None:
    """As `logic.as_date`: a date, or an ISO string; anything else is no date."""
    if isinstance(value, dt.date):
        return date_to_int(value)
    if isinstance(value, str):
        try:
            return date_to_int(dt.date.fromisoformat(value))
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------------------------------
# the columnar table


@dataclass(slots=True)
class Column:
    """One fact over all cases (or one item field over all list items).

    kind: "bool" (values bool), "number" (float64), "string" (int32 codes into the sorted
    `categories`), "date" (int32 YYYYMMDD). `missing`/`null` are bool masks or None (= none).
    For a date column `null` also covers values that are no date (`age` treats both alike).
    `integral` remembers that numbers were whole (to rebuild documents faithfully).
    """

    kind: str
    values: np.ndarray
    missing: np.ndarray | None = None
    null: np.ndarray | None = None
    categories: tuple[str, ...] = ()
    integral: bool = False

    def __len__(self) -> int:
        return len(self.values)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.values, self.missing, self.null) if a is not None)


@dataclass(slots=True)
class ListColumn:
    """A list fact: per case `state` (0 absent, 1 null, 2 a list, 3 something else) and `offsets`
    (case i's items are offsets[i]:offsets[i+1]); per item `ok` (the item is a mapping) and the
    item fields as `Column`s over all items."""

    state: np.ndarray  # uint8 per case
    offsets: np.ndarray  # int64, n + 1
    ok: np.ndarray  # bool per item
    fields: dict[str, Column] = field(default_factory=dict)
    owner: np.ndarray | None = None  # int32 case of each item (built on first use)

    @property
    def nbytes(self) -> int:
        return (
            self.state.nbytes
            + self.offsets.nbytes
            + self.ok.nbytes
            + sum(c.nbytes for c in self.fields.values())
        )


LIST_ABSENT, LIST_NULL, LIST_VALUE, LIST_OTHER = 0, 1, 2, 3


@dataclass(slots=True)
class FactsTable:
    n: int
    columns: dict[str, Column] = field(default_factory=dict)
    lists: dict[str, ListColumn] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.columns.values()) + sum(c.nbytes for c in self.lists.values())

    def document(self, i: int) -> dict[str, Any]:
        """Case i as a facts document (the paths the table holds)."""
        doc: dict[str, Any] = {}
        for path, col in self.columns.items():
            present, value = _cell(col, i)
            if present:
                _put(doc, path, value)
        for path, lc in self.lists.items():
            state = int(lc.state[i])
            if state == LIST_ABSENT:
                continue
            if state == LIST_NULL:
                _put(doc, path, None)
                continue
            if state == LIST_OTHER:
                _put(doc, path, "?")
                continue
            items = []
            for j in range(int(lc.offsets[i]), int(lc.offsets[i + 1])):
                if not lc.ok[j]:
                    items.append("?")
                    continue
                item = {}
                for name, col in lc.fields.items():
                    present, value = _cell(col, j)
                    if present:
                        item[name] = value
                items.append(item)
            _put(doc, path, items)
        return doc


def _cell(col: Column, i: int) -> tuple[bool, Any]:
    if col.missing is not None and col.missing[i]:
        return False, None
    if col.null is not None and col.null[i]:
        return True, None
    v = col.values[i]
    if col.kind == "bool":
        return True, bool(v)
    if col.kind == "number":
        return True, int(v) if col.integral and float(v).is_integer() else float(v)
    if col.kind == "string":
        return True, col.categories[int(v)]
    if col.kind == "null":
        return True, None
    return True, int_to_date(int(v)).isoformat()


def _put(doc: dict, path: str, value: Any) -> None:
    keys = path.split(".")
    node = doc
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value


def _column_from_values(values: Sequence[Any], *, date: bool, where: str) -> Column:
    """A typed column from Python values (MISSING for an absent key)."""
    n = len(values)
    missing = np.fromiter((v is MISSING for v in values), dtype=bool, count=n)
    if date:
        parsed = [None if v is MISSING else _parse_date(v) for v in values]
        null = np.fromiter((p is None for p in parsed), dtype=bool, count=n) & ~missing
        arr = np.fromiter((p or 0 for p in parsed), dtype=np.int32, count=n)
        return Column("date", arr, missing if missing.any() else None, null if null.any() else None)
    null = np.fromiter((v is None for v in values), dtype=bool, count=n)
    present = [v for v in values if v is not MISSING and v is not None]
    kinds = {_kind_of(v, where) for v in present}
    if len(kinds) > 1:
        raise VectorError(f"{where}: values of different types {sorted(kinds)}")
    m = missing if missing.any() else None
    nl = null if null.any() else None
    if not kinds:  # no values, only absent keys and nulls
        return Column("null", np.zeros(n, np.int8), m, nl)
    kind = kinds.pop()
    if kind == "bool":
        arr = np.fromiter((v is True for v in values), dtype=bool, count=n)
        return Column("bool", arr, m, nl)
    if kind == "number":
        arr = np.fromiter(
            (float(v) if isinstance(v, int | float) and v is not MISSING else 0.0 for v in values),
            dtype=np.float64,
            count=n,
        )
        integral = all(isinstance(v, int) for v in present)
        return Column("number", arr, m, nl, integral=integral)
    cats = tuple(sorted(set(present)))
    index = {c: i for i, c in enumerate(cats)}
    arr = np.fromiter(
        (index.get(v, -1) if isinstance(v, str) else -1 for v in values), dtype=np.int32, count=n
    )
    return Column("string", arr, m, nl, categories=cats)


def _kind_of(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    raise VectorError(f"{where}: a value of type {type(v).__name__} is not a fact the batch path takes")


def column(
    kind: str,
    values: np.ndarray,
    missing: np.ndarray | None = None,
    null: np.ndarray | None = None,
    categories: Sequence[str] = (),
) -> Column:
    """A column from arrays (for synthetic tables): strings as int32 codes into sorted `categories`."""
    cats = tuple(categories)
    if kind == "string" and list(cats) != sorted(cats):
        raise VectorError("categories must be sorted")
    dtype = {"bool": bool, "number": np.float64, "string": np.int32, "date": np.int32}[kind]
    return Column(kind, np.asarray(values, dtype=dtype), missing, null, cats, integral=kind == "number")


# --------------------------------------------------------------------------------------------------
# the plan: expressions compiled to chunk functions


@dataclass(slots=True)
class _V:
    """An operand over a chunk: kind, values, MISSING mask, null mask, missing-fact bits."""

    kind: str  # number | bool | string | date | null
    val: Any
    missing: Any = _F
    null: Any = _F
    bits: Any = _Z
    cats: tuple[str, ...] | None = None  # string arrays: codes into cats; literal strings: None


@dataclass(slots=True)
class _B:
    """A three-valued condition over a chunk: t (true), k (known), bits (missing facts)."""

    t: Any
    k: Any
    bits: Any = _Z


class _Ctx:
    """One chunk (a slice or an index array of cases) of one table, for one version."""

    def __init__(self, plan: Plan, table: FactsTable, sel, on: np.ndarray, want_bits: bool):
        self.plan = plan
        self.table = table
        self.sel = sel
        self.on = on
        self.n = len(on)
        self.want_bits = want_bits
        self.cache: dict[Any, Any] = {}

    def bit(self, name: str):
        return np.uint64(1 << self.plan.bit_index[name])

    def column(self, path: str) -> _V:
        key = ("c", path)
        v = self.cache.get(key)
        if v is None:
            col = self.table.columns.get(path)
            if col is None:
                v = _V("null", 0, missing=_T, bits=self.bit(path) if self.want_bits else _Z)
            else:
                v = _view(col, self.sel)
                if self.want_bits and v.missing is not _F:
                    v.bits = np.where(v.missing, self.bit(path), _Z)
            self.cache[key] = v
        return v

    def param(self, code: str) -> _V:
        key = ("p", code)
        v = self.cache.get(key)
        if v is None:
            froms, values = self.plan.param_tables.get(code, (np.zeros(0, np.int32), np.zeros(0)))
            reached = _count_reached(froms, self.on)
            missing = reached == 0
            if len(values) == 0:
                val = np.zeros(self.n)
            elif len(values) <= 8:  # reached ∈ 0..len: a small table indexed by int8
                val = np.concatenate(([0.0], values))[reached]
            else:
                val = values[np.maximum(reached.astype(np.intp) - 1, 0)]
            bits = _Z
            if self.want_bits and missing.any():
                bits = np.where(missing, self.bit("param:" + code), _Z)
            v = _V("number", val, missing=missing if missing.any() else _F, bits=bits)
            self.cache[key] = v
        return v

    def item(self, name: str, has_default: bool, default: Any) -> _V:
        raise VectorError("'item' outside 'some'")


class _ItemCtx(_Ctx):
    """The items of one list fact under a chunk: person-level operands are repeated per item."""

    def __init__(self, parent: _Ctx, list_path: str, lc: ListColumn, item_sel, owner: np.ndarray):
        super().__init__(parent.plan, parent.table, parent.sel, parent.on[owner], parent.want_bits)
        self.parent = parent
        self.list_path = list_path
        self.lc = lc
        self.item_sel = item_sel
        self.owner = owner  # chunk row of each item

    def column(self, path: str) -> _V:
        key = ("c", path)
        v = self.cache.get(key)
        if v is None:
            v = _gather(self.parent.column(path), self.owner)
            self.cache[key] = v
        return v

    def param(self, code: str) -> _V:
        key = ("p", code)
        v = self.cache.get(key)
        if v is None:
            v = _gather(self.parent.param(code), self.owner)
            self.cache[key] = v
        return v

    def item(self, name: str, has_default: bool, default: Any) -> _V:
        key = ("i", name, has_default, repr(default))
        v = self.cache.get(key)
        if v is None:
            col = self.lc.fields.get(name)
            if col is None:
                missing = np.ones(self.n, bool)
                base = _V("null", 0, missing=_T)
            else:
                base = _view(col, self.item_sel)
                missing = base.missing
            if has_default and missing is not _F:
                v = _with_default(base, missing, default, self.n)
            else:
                v = base
                if self.want_bits and missing is not _F:
                    v.bits = np.where(missing, self.bit(f"{self.list_path}[].{name}"), _Z)
            self.cache[key] = v
        return v


def _view(col: Column, sel) -> _V:
    return _V(
        col.kind,
        col.values[sel],
        missing=col.missing[sel] if col.missing is not None else _F,
        null=col.null[sel] if col.null is not None else _F,
        cats=col.categories if col.kind == "string" else None,
    )


def _gather(v: _V, idx: np.ndarray) -> _V:
    def g(x):
        return x[idx] if isinstance(x, np.ndarray) and x.ndim else x

    return _V(v.kind, g(v.val), g(v.missing), g(v.null), g(v.bits), v.cats)


def _with_default(base: _V, missing, default: Any, n: int) -> _V:
    """An item field whose absence reads as a literal default (`{item: x, default: d}`)."""
    lit = _literal(default)
    if not isinstance(missing, np.ndarray):
        missing = np.broadcast_to(missing, (n,))
    base_null = base.null if base.null is not _F else np.zeros(n, bool)
    if lit.kind == "null":
        return _V(base.kind, base.val, _F, base_null | missing, _Z, base.cats)
    if base.kind == "null":  # no values at all: the default where absent, null elsewhere
        if lit.kind == "string":
            return _V("string", np.zeros(n, np.int32), _F, base_null & ~missing, _Z, (lit.val,))
        return _V(
            lit.kind,
            np.full(n, lit.val, dtype=bool if lit.kind == "bool" else np.float64),
            _F,
            base_null & ~missing,
            _Z,
        )
    if lit.kind == "string" and base.kind == "string":
        cats = tuple(sorted(set(base.cats) | {lit.val}))
        remap = np.array([bisect.bisect_left(cats, c) for c in base.cats], dtype=np.int32)
        codes = remap[np.maximum(base.val, 0)] if len(remap) else np.zeros(n, np.int32)
        codes = np.where(missing, np.int32(cats.index(lit.val)), codes)
        return _V("string", codes, _F, base_null & ~missing, _Z, cats)
    if lit.kind in ("number", "bool") and base.kind in ("number", "bool"):
        kind = base.kind if base.kind == lit.kind else "number"
        val = np.where(missing, lit.val, base.val).astype(bool if kind == "bool" else np.float64)
        return _V(kind, val, _F, base_null & ~missing, _Z)
    raise VectorError(f"a default of type {lit.kind} for an item field of type {base.kind}")


def _literal(value: Any) -> _V:
    if value is None:
        return _V("null", 0, _F, _T)
    if isinstance(value, bool):
        return _V("bool", value)
    if isinstance(value, int):  # a Python int keeps the array's dtype (int32 ages, float64 amounts)
        return _V("number", value)
    if isinstance(value, float):
        return _V("number", value)
    if isinstance(value, str):
        return _V("string", value)
    raise VectorError(f"literal {value!r} is not supported by the batch path")


# three-valued helpers ------------------------------------------------------------------------------


def _count_reached(breaks: np.ndarray, on: np.ndarray) -> np.ndarray:
    """How many of the sorted `breaks` are <= each date (searchsorted 'right', faster for a few)."""
    if len(breaks) > 8:
        return np.searchsorted(breaks, on, side="right")
    idx = np.zeros(on.shape, np.int8)
    for b in breaks:
        idx += (on >= b).view(np.int8)  # a bool→int8 view: mixed-type adds take numpy's slow path
    return idx


def _isin(codes, wanted) -> Any:
    """codes ∈ wanted for a handful of values (np.isin sorts; a chain of == is much faster)."""
    if len(wanted) == 0:
        return _F
    if len(wanted) > 8:
        return np.isin(codes, wanted)
    hit = codes == wanted[0]
    for w in wanted[1:]:
        hit |= codes == w
    return hit


def _or(a, b):
    if a is _F or b is _T:
        return b
    if b is _F or a is _T:
        return a
    return a | b


def _and(a, b):
    if a is _T or b is _F:
        return b
    if b is _T or a is _F:
        return a
    return a & b


def _not(a):
    if a is _F:
        return _T
    if a is _T:
        return _F
    return ~a


def _known_false(b: _B):
    """k ∧ ¬t (t ⊆ k, so k xor t)."""
    if b.k is _T:
        return _not(b.t)
    if b.t is _F:
        return b.k
    if b.k is _F:
        return _F
    return b.k ^ b.t


def _present(v: _V):
    return _not(_or(v.missing, v.null))


def _as_b(v: _V | _B) -> _B:
    """`logic._as_bool`: a boolean is itself, any other value (or missing, or null) is unknown."""
    if isinstance(v, _B):
        return v
    if v.kind == "bool":
        p = _present(v)
        return _B(_and(v.val, p), p, v.bits)
    return _B(_F, _F, v.bits)


def _bits_or(a, b):
    if a is _Z:
        return b
    if b is _Z:
        return a
    return a | b


def _bits_where(mask, bits):
    if bits is _Z:
        return _Z
    return np.where(mask, bits, _Z)


_ORDER = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}


def _strings(v: _V) -> tuple[Any, tuple[str, ...]]:
    """Codes and categories of a string operand (a literal is a one-word dictionary)."""
    if v.cats is None:
        return np.int32(0), (v.val,)
    return v.val, v.cats


def _unify(a: _V, b: _V):
    """Codes of both string operands into one sorted dictionary (order-preserving)."""
    if b.cats is None and a.cats is not None:  # a column against a literal: place the literal
        cats = a.cats
        i = bisect.bisect_left(cats, b.val)
        if i < len(cats) and cats[i] == b.val:
            return a.val, np.int32(i)
        # absent from the dictionary: a half-step code keeps the order and equals no code
        return a.val, i - 0.5
    if a.cats is None and b.cats is not None:
        cb, ca = _unify(b, a)
        return ca, cb
    (ca, ka), (cb, kb) = _strings(a), _strings(b)
    if ka == kb:
        return ca, cb
    cats = sorted(set(ka) | set(kb))
    ma = np.array([bisect.bisect_left(cats, s) for s in ka], dtype=np.int32)
    mb = np.array([bisect.bisect_left(cats, s) for s in kb], dtype=np.int32)
    return ma[ca], mb[cb]


def _compare(op: str, a: _V, b: _V) -> _B:
    """`logic._comparison` over arrays: MISSING → unknown; null only equals null (eq/ne) and makes an
    order comparison unknown; values of types Python cannot order give unknown, unequal types are
    unequal."""
    bits = _bits_or(a.bits, b.bits)
    known_operands = _not(_or(a.missing, b.missing))
    both = _not(_or(a.null, b.null))
    if a.kind == "date" or b.kind == "date":
        raise VectorError("a date fact can only be read through 'age'")
    if op in ("eq", "ne"):
        if a.kind == "null" or b.kind == "null":
            eq_vals = _F
        elif a.kind == "string" and b.kind == "string":
            ca, cb = _unify(a, b)
            eq_vals = ca == cb
        elif a.kind == "string" or b.kind == "string":
            eq_vals = _F
        else:
            eq_vals = np.equal(a.val, b.val)
        eq = _or(_and(both, eq_vals), _and(a.null, b.null))
        if op == "ne":
            eq = _not(eq)
        return _B(_and(eq, known_operands), known_operands, bits)
    if a.kind == "null" or b.kind == "null":
        return _B(_F, _F, bits)
    if a.kind == "string" and b.kind == "string":
        ca, cb = _unify(a, b)
        res = _ORDER[op](ca, cb)
    elif a.kind == "string" or b.kind == "string":
        return _B(_F, _F, bits)
    else:
        res = _ORDER[op](a.val, b.val)
    k = _and(known_operands, both)
    return _B(_and(res, k), k, bits)


# compiler -----------------------------------------------------------------------------------------

Fn = Callable[[_Ctx], Any]


@dataclass(frozen=True, slots=True)
class CompiledGround:
    item: int
    when: Fn
    unless: tuple[Fn, ...]


@dataclass(frozen=True, slots=True)
class VersionPlan:
    index: int
    id: str
    start: int  # YYYYMMDD inclusive
    until: int  # YYYYMMDD exclusive (99991231 when open)
    incomplete: bool
    grounds: tuple[CompiledGround, ...]
    obligations: tuple[Fn, ...]


@dataclass(slots=True)
class Plan:
    """A service's versions compiled for batch evaluation."""

    versions: tuple[VersionPlan, ...]
    names: list[str]  # missing-fact names, bit i = names[i]
    bit_index: dict[str, int]
    param_tables: dict[str, tuple[np.ndarray, np.ndarray]]
    date_paths: set[str]  # facts read through `age` (parsed as dates)
    item_date_fields: set[tuple[str, str]]
    list_paths: set[str]
    fact_paths: set[str]
    item_fields: dict[str, set[str]]

    def name(self, bit: int) -> str:
        return self.names[bit]

    def missing_names(self, bits: int) -> tuple[str, ...]:
        bits = int(bits)
        return tuple(sorted(self.names[i] for i in range(len(self.names)) if bits >> i & 1))

    def table(self, documents: Sequence[Mapping[str, Any]]) -> FactsTable:
        """The columnar table of these facts documents (the paths this plan reads)."""
        return table_from_documents(documents, self)


class _PlanCompiler:
    """Turns expression sources (the dicts of `Compiled.source`, or the YAML nodes) into chunk
    functions, registering every fact, parameter and item field whose absence can be reported."""

    def __init__(self, plan: Plan, some_unless: Mapping[Any, Any] | None):
        self.plan = plan
        self.some_unless = some_unless or {}
        self.uses: dict[str, set[str]] = {}

    def name(self, name: str) -> None:
        if name not in self.plan.bit_index:
            if len(self.plan.names) >= MAX_NAMES:
                raise VectorError(f"more than {MAX_NAMES} fact names in one service")
            self.plan.bit_index[name] = len(self.plan.names)
            self.plan.names.append(name)

    def compile(self, node: Any, *, list_path: str | None = None, how: str = "value") -> tuple[str, Fn]:
        """(kind, fn): kind "bool" (fn gives _B) or "value" (fn gives _V)."""
        if isinstance(node, Mapping):
            keys = set(node)
            if "some" in keys:
                if list_path is not None:
                    raise VectorError("'some' inside 'some' is not supported by the batch path")
                return "bool", self._some(node)
            if "item" in keys:
                if list_path is None:
                    raise VectorError("'item' outside 'some'")
                return "value", self._item(node, list_path, how)
            if len(keys) != 1:
                raise VectorError(f"bad expression node {sorted(keys)}")
            (op,) = keys
            arg = node[op]
            if op == "fact":
                return "value", self._fact(arg, how)
            if op == "param":
                self.name("param:" + arg)
                return "value", lambda ctx, c=arg: ctx.param(c)
            if op == "age":
                return "value", self._age(arg, list_path)
            if op == "div":
                return "value", self._div(arg, list_path)
            if op in ("eq", "ne", "lt", "le", "gt", "ge"):
                return "bool", self._cmp(op, arg, list_path)
            if op == "in":
                return "bool", self._in(arg, list_path)
            if op in ("all", "any"):
                return "bool", self._logic(op, arg, list_path)
            if op == "not":
                inner = self.cond(arg, list_path)

                def not_(ctx, inner=inner):
                    b = inner(ctx)
                    return _B(_known_false(b), b.k, b.bits)

                return "bool", not_
            raise VectorError(f"unknown operator {op!r}")
        if isinstance(node, list):
            raise VectorError("a bare list is only allowed as the right side of 'in'")
        lit = _literal(node)
        return "value", lambda ctx, lit=lit: lit

    def cond(self, node: Any, list_path: str | None) -> Fn:
        kind, fn = self.compile(node, list_path=list_path, how="condition")
        if kind == "bool":
            return fn
        return lambda ctx, fn=fn: _as_b(fn(ctx))

    def _use(self, path: str, how: str) -> None:
        self.uses.setdefault(path, set()).add(how)

    def _fact(self, path: str, how: str) -> Fn:
        self.name(path)
        self.plan.fact_paths.add(path)
        self._use(path, how)
        return lambda ctx, p=path: ctx.column(p)

    def _item(self, node: Mapping, list_path: str, how: str) -> Fn:
        name = node["item"]
        has_default = "default" in node
        default = node.get("default")
        if not has_default:
            self.name(f"{list_path}[].{name}")
        self.plan.item_fields.setdefault(list_path, set()).add(name)
        self._use(f"{list_path}[].{name}", how)
        return lambda ctx: ctx.item(name, has_default, default)

    def _age(self, arg: Any, list_path: str | None) -> Fn:
        if isinstance(arg, Mapping) and set(arg) == {"fact"}:
            self.plan.date_paths.add(arg["fact"])
            inner = self._fact(arg["fact"], "date")
        elif isinstance(arg, Mapping) and "item" in arg and list_path is not None:
            if "default" in arg:
                raise VectorError("'age' of an item field with a default is not supported by the batch path")
            self.plan.item_date_fields.add((list_path, arg["item"]))
            inner = self._item(arg, list_path, "date")
        elif isinstance(arg, str | dt.date):
            born = _parse_date(arg)

            def inner(ctx, born=born):
                if born is None:
                    return _V("null", 0, missing=_T)
                return _V("date", np.int32(born))
        else:
            raise VectorError("'age' takes a fact, an item field or a date literal in the batch path")

        def age(ctx):
            v = inner(ctx)
            if v.kind == "null":
                return _V("number", 0.0, missing=_T, bits=v.bits)
            years = (ctx.on - v.val) // 10000
            return _V("number", years, missing=_or(v.missing, v.null), bits=v.bits)

        return age

    def _div(self, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2:
            raise VectorError("div takes [numerator, denominator]")
        fa = self._operand(arg[0], list_path, "number")
        fb = self._operand(arg[1], list_path, "number")
        # a zero denominator is reported as missing under its rendered name (logic._op_div)
        denominator = _render(arg[1])
        self.name(denominator)

        def div(ctx):
            a, b = fa(ctx), fb(ctx)
            bits = _bits_or(a.bits, b.bits)
            if a.kind == "null" or b.kind == "null":
                return _V("number", 0.0, missing=_T, bits=bits)
            if a.kind in ("string", "date") or b.kind in ("string", "date"):
                raise VectorError("div of a value that is not a number")
            absent = _or(_or(a.missing, a.null), _or(b.missing, b.null))
            bz = b.val == 0
            zero = _and(bz if isinstance(bz, np.ndarray) else np.bool_(bz), _not(absent))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                q = np.true_divide(a.val, b.val)  # rows with a zero denominator are masked
            if ctx.want_bits:
                bits = _bits_or(bits, _bits_where(zero, ctx.bit(denominator)))
            return _V("number", q, missing=absent | zero, bits=bits)

        return div

    def _operand(self, node: Any, list_path: str | None, how: str) -> Fn:
        kind, fn = self.compile(node, list_path=list_path, how=how)
        if kind == "bool":
            raise VectorError("a condition used as a compared value is not supported by the batch path")
        return fn

    def _cmp(self, op: str, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2:
            raise VectorError(f"{op} takes [left, right]")
        how = "order" if op in _ORDER else "equality"
        fa = self._operand(arg[0], list_path, how)
        fb = self._operand(arg[1], list_path, how)
        return lambda ctx: _compare(op, fa(ctx), fb(ctx))

    def _in(self, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
            raise VectorError("in takes [operand, [values…]]")
        fx = self._operand(arg[0], list_path, "equality")
        allowed = [v for v in arg[1] if v is None or isinstance(v, str | int | float | bool)]
        has_null = any(v is None for v in allowed)
        strings = sorted({v for v in allowed if isinstance(v, str)})
        numbers = np.array(
            sorted({float(v) for v in allowed if isinstance(v, int | float)}), dtype=np.float64
        )

        def in_(ctx):
            x = fx(ctx)
            known = ~x.missing
            if x.kind == "null":
                hit = _F
            elif x.kind == "string":
                cats = x.cats if x.cats is not None else (x.val,)
                codes = x.val if x.cats is not None else np.int32(0)
                wanted = [i for i, c in enumerate(cats) if c in strings]
                hit = _isin(codes, wanted)
            elif x.kind == "date":
                raise VectorError("a date fact can only be read through 'age'")
            else:
                hit = _isin(x.val, list(numbers))
            t = (hit & ~x.null) | (x.null if has_null else _F)
            return _B(t & known, known, x.bits)

        return in_

    def _logic(self, op: str, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or not arg:
            raise VectorError(f"{op} takes a non-empty list")
        parts = tuple(self.cond(x, list_path) for x in arg)
        is_all = op == "all"

        def logic(ctx):
            decided = _F  # some part false (all) / true (any)
            every = _T  # every part true (all) / false (any)
            bits = _Z
            for f in parts:
                b = f(ctx)
                if is_all:
                    decided = _or(decided, _known_false(b))
                    every = _and(every, b.t)
                else:
                    decided = _or(decided, b.t)
                    every = _and(every, _known_false(b))
                bits = _bits_or(bits, b.bits)
            k = _or(decided, every)
            t = every if is_all else decided
            return _B(t, k, _bits_where(_not(k), bits) if bits is not _Z else _Z)

        return logic

    def _some(self, node: Mapping) -> Fn:
        list_expr = node["some"]
        if not (isinstance(list_expr, Mapping) and set(list_expr) == {"fact"}):
            raise VectorError("some takes {fact: path}")
        path = list_expr["fact"]
        self.name(path)
        self.plan.list_paths.add(path)
        self.plan.fact_paths.add(path)
        where = self.cond(node["where"], path)
        exc_fns = tuple(self.cond(self._exception_when(path, e), path) for e in node.get("unless") or ())

        def some(ctx):
            lc = ctx.table.lists.get(path)
            n = ctx.n
            if lc is None:
                return _B(_F, _F, ctx.bit(path) if ctx.want_bits else _Z)
            frame = _list_frame(ctx, path, lc)
            state, is_list, total, owner, counts, begins, ictx = frame
            if total:
                r = where(ictx)
                if exc_fns:
                    r = _apply_exceptions(r, exc_fns, ictx)
                ok = lc.ok[ictx.item_sel]
                it_t = np.broadcast_to(_and(r.t, ok), (total,))
                it_u = np.broadcast_to(_not(_and(r.k, ok)), (total,))  # unknown items (incl. non-mappings)
                any_t = np.zeros(n, bool)
                any_t[owner[it_t]] = True
                any_u = np.zeros(n, bool)
                any_u[owner[it_u]] = True
                bits = _Z
                if ctx.want_bits and r.bits is not _Z:
                    ib = np.broadcast_to(np.where(ok, r.bits, _Z), (total,))
                    nonempty = counts > 0
                    bits = np.zeros(n, np.uint64)
                    if nonempty.any():
                        bits[nonempty] = np.bitwise_or.reduceat(ib, begins[nonempty])
            else:
                any_t = np.zeros(n, bool)
                any_u = any_t
                bits = _Z
            # absent list: unknown with the list reported; null: empty (false); not a list: unknown
            t = any_t & is_list
            k = (is_list & ~(any_u & ~any_t)) | (state == LIST_NULL)
            out_bits = _Z
            if ctx.want_bits:
                out_bits = _bits_or(
                    _bits_where(is_list & ~k, bits), np.where(state == LIST_ABSENT, ctx.bit(path), _Z)
                )
            return _B(t, k, out_bits)

        return some

    def _exception_when(self, path: str, e: Any) -> Any:
        if isinstance(e, Mapping):
            return e["when"]
        found = self.some_unless.get((path, e), self.some_unless.get(e, MISSING))
        if found is MISSING:
            raise VectorError(f"the expression of exception {e!r} inside 'some' of {path} is not available")
        return found


def _list_frame(ctx: _Ctx, path: str, lc: ListColumn):
    """The items of a list fact under a chunk (shared by every `some` over that list)."""
    key = ("list", path)
    frame = ctx.cache.get(key)
    if frame is not None:
        return frame
    n = ctx.n
    state = lc.state[ctx.sel]
    if isinstance(ctx.sel, slice):
        lo, hi = ctx.sel.start, ctx.sel.stop
        first, last = int(lc.offsets[lo]), int(lc.offsets[hi])
        counts = np.diff(lc.offsets[lo : hi + 1])
        item_sel: Any = slice(first, last)
        total = last - first
        if lc.owner is None:  # the case of every item, once per table
            lc.owner = np.repeat(np.arange(len(lc.state), dtype=np.int32), np.diff(lc.offsets))
        owner = lc.owner[first:last] - np.int32(lo) if total else None
    else:
        starts = lc.offsets[ctx.sel]
        counts = lc.offsets[ctx.sel + 1] - starts
        total = int(counts.sum())
        item_sel = np.arange(total) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
        owner = np.repeat(np.arange(n, dtype=np.int32), counts) if total else None
    is_list = state == LIST_VALUE  # items of other rows (if any) are evaluated and ignored
    begins = np.cumsum(counts) - counts if ctx.want_bits else None
    ictx = _ItemCtx(ctx, path, lc, item_sel, owner) if total else None
    frame = (state, is_list, total, owner, counts, begins, ictx)
    ctx.cache[key] = frame
    return frame


def _apply_exceptions(r: _B, exc_fns: Sequence[Fn], ctx: _Ctx) -> _B:
    """rule ∧ ¬(exception₁ ∨ …), as `logic._apply_exceptions`: exceptions matter only where the rule holds."""
    any_t = _F
    all_f = _T
    bits = _Z
    for f in exc_fns:
        e = f(ctx)
        any_t = _or(any_t, e.t)
        all_f = _and(all_f, _known_false(e))
        bits = _bits_or(bits, e.bits)
    rt = r.t
    t = _and(rt, all_f)
    decided = _or(any_t, all_f)  # every exception known false, or one true
    k = _and(r.k, _or(_not(rt), decided))
    if bits is _Z:
        return _B(t, k, r.bits)
    return _B(t, k, _bits_or(r.bits, _bits_where(_and(rt, _not(decided)), bits)))


# building a plan -------------------------------------------------------------------------------------


def compile_plan(
    versions: Sequence[Any],
    parameters: Mapping[str, Any],
    *,
    some_unless: Mapping[str, Mapping[Any, Any]] | None = None,
) -> Plan:
    """Compile a service's versions (objects with id, in_force_from, in_force_until, source_status,
    grounds, obligations — e.g. `catalog.model.ServiceVersion`) and the dated parameters.

    `some_unless[version_id]` maps an exception code inside a `some` (or `(list path, code)`) to its
    `when` expression, for sources that name exceptions by code only."""
    plan = Plan((), [], {}, {}, set(), set(), set(), set(), {})
    for code, p in parameters.items():
        froms = np.array([date_to_int(v.valid_from) for v in p.values], dtype=np.int32)
        vals = np.array([float(v.value) for v in p.values], dtype=np.float64)
        plan.param_tables[code] = (froms, vals)
    out = []
    for i, v in enumerate(versions):
        comp = _PlanCompiler(plan, (some_unless or {}).get(v.id))
        grounds = []
        obligations = []
        incomplete = v.source_status == "incomplete_source"
        if not incomplete:
            for g in v.grounds:
                if not 1 <= g.item <= MAX_ITEM:
                    raise VectorError(f"ground item {g.item} outside 1..{MAX_ITEM}")
                grounds.append(
                    CompiledGround(
                        item=g.item,
                        when=comp.cond(g.when.source, None),
                        unless=tuple(comp.cond(e.when.source, None) for e in g.unless),
                    )
                )
            obligations = [comp.cond(o.when.source, None) for o in v.obligations]
            if len(obligations) > 32:
                raise VectorError("more than 32 obligations")
        for path, hows in comp.uses.items():
            if "date" in hows and hows != {"date"}:
                raise VectorError(f"{path} is read through 'age' and also directly")
        out.append(
            VersionPlan(
                index=i,
                id=v.id,
                start=date_to_int(v.in_force_from),
                until=date_to_int(v.in_force_until) if v.in_force_until else 99991231,
                incomplete=incomplete,
                grounds=tuple(grounds),
                obligations=tuple(obligations),
            )
        )
    plan.versions = tuple(out)
    return plan


def table_from_documents(documents: Sequence[Mapping[str, Any]], plan: Plan) -> FactsTable:
    """Columns of the paths `plan` reads, from facts documents (missing keys and nulls kept apart)."""
    n = len(documents)
    table = FactsTable(n)
    for path in sorted(plan.fact_paths - plan.list_paths):
        values = [lookup(d, path) for d in documents]
        table.columns[path] = _column_from_values(values, date=path in plan.date_paths, where=path)
    for path in sorted(plan.list_paths):
        state = np.zeros(n, np.uint8)
        counts = np.zeros(n, np.int64)
        items: list[Any] = []
        for i, d in enumerate(documents):
            v = lookup(d, path)
            if v is MISSING:
                state[i] = LIST_ABSENT
            elif v is None:
                state[i] = LIST_NULL
            elif isinstance(v, list | tuple):
                state[i] = LIST_VALUE
                counts[i] = len(v)
                items.extend(v)
            else:
                state[i] = LIST_OTHER
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        ok = np.fromiter((isinstance(x, Mapping) for x in items), dtype=bool, count=len(items))
        lc = ListColumn(state, offsets, ok)
        for name in sorted(plan.item_fields.get(path, ())):
            values = [x.get(name, MISSING) if isinstance(x, Mapping) else MISSING for x in items]
            lc.fields[name] = _column_from_values(
                values, date=(path, name) in plan.item_date_fields, where=f"{path}[].{name}"
            )
        table.lists[path] = lc
    return table


# --------------------------------------------------------------------------------------------------
# evaluation


@dataclass(slots=True)
class VectorResult:
    version: np.ndarray  # int16: index into the plan's versions, -1 when none is in force
    decision: np.ndarray  # uint8: GRANT REFUSE NEEDS_FACTS NOT_IN_FORCE INCOMPLETE_SOURCE
    fired: np.ndarray  # uint32: bit item-1 set when that ground fires
    unknown: np.ndarray  # uint32: bit item-1 set when that ground is unknown
    obligations: np.ndarray  # uint32: bit j set when obligation j comes with the grant
    missing: np.ndarray  # uint64: bit i set when plan.names[i] is a missing fact of the case

    @property
    def nbytes(self) -> int:
        return sum(
            a.nbytes
            for a in (self.version, self.decision, self.fired, self.unknown, self.obligations, self.missing)
        )


def evaluate(plan: Plan, table: FactsTable, on: np.ndarray, *, chunk: int = DEFAULT_CHUNK) -> VectorResult:
    """Evaluate every case of `table` on its own date `on[i]` (int32 YYYYMMDD) under the version in
    force on that date."""
    n = table.n
    on = np.asarray(on, dtype=np.int32)
    if on.shape != (n,):
        raise VectorError(f"expected {n} dates, got {on.shape}")
    res = VectorResult(
        version=np.empty(n, np.int16),
        decision=np.empty(n, np.uint8),
        fired=np.zeros(n, np.uint32),
        unknown=np.zeros(n, np.uint32),
        obligations=np.zeros(n, np.uint32),
        missing=np.zeros(n, np.uint64),
    )
    starts = np.array([v.start for v in plan.versions], dtype=np.int32)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        _evaluate_chunk(plan, table, on, lo, hi, starts, res)
    return res


def _version_of(plan: Plan, starts: np.ndarray, on: np.ndarray) -> np.ndarray:
    idx = _count_reached(starts, on).astype(np.int16) - 1
    if len(plan.versions):
        untils = np.array([v.until for v in plan.versions], dtype=np.int32)
        idx = np.where((idx >= 0) & (on < untils[np.maximum(idx, 0)]), idx, -1)
    return idx.astype(np.int16)


def _evaluate_chunk(
    plan: Plan, table: FactsTable, on_all: np.ndarray, lo: int, hi: int, starts: np.ndarray, res: VectorResult
) -> None:
    on = on_all[lo:hi]
    n = hi - lo
    vidx = _version_of(plan, starts, on) if len(plan.versions) else np.full(n, -1, np.int16)
    res.version[lo:hi] = vidx
    per_version = np.bincount(vidx.astype(np.intp) + 1, minlength=len(plan.versions) + 1)
    # the version of most cases runs on the whole chunk (slices, no gathers); the cases of other
    # versions are then evaluated on their own rows and overwrite those rows
    main = int(np.argmax(per_version[1:])) if len(plan.versions) else -1
    if main >= 0 and per_version[main + 1] and not plan.versions[main].incomplete:
        _evaluate_version(plan, plan.versions[main], table, slice(lo, hi), slice(lo, hi), on, res)
        done = main
    else:
        done = -2
    for vp in plan.versions:
        if vp.index == done or not per_version[vp.index + 1]:
            continue
        rows = np.flatnonzero(vidx == vp.index)
        if vp.incomplete:
            _clear(res, rows + lo, INCOMPLETE_SOURCE)
            continue
        _evaluate_version(plan, vp, table, rows + lo, rows + lo, on[rows], res)
    if per_version[0]:
        _clear(res, np.flatnonzero(vidx < 0) + lo, NOT_IN_FORCE)


def _clear(res: VectorResult, rows: np.ndarray, decision: int) -> None:
    res.decision[rows] = decision
    res.fired[rows] = 0
    res.unknown[rows] = 0
    res.obligations[rows] = 0
    res.missing[rows] = 0


def _accumulate(acc: np.ndarray, mask, shift: int) -> None:
    """acc |= mask << shift, in place (a bool array is viewed as 0/1 bytes)."""
    if mask is _F:
        return
    if mask is _T or not isinstance(mask, np.ndarray) or mask.ndim == 0:
        if bool(mask):
            acc |= acc.dtype.type(1 << shift)
        return
    np.bitwise_or(acc, np.left_shift(mask.view(np.uint8), shift, dtype=acc.dtype), out=acc)


def _evaluate_version(
    plan: Plan, vp: VersionPlan, table: FactsTable, sel, out, on: np.ndarray, res: VectorResult
) -> None:
    n = len(on)
    ctx = _Ctx(plan, table, sel, on, want_bits=False)
    narrow = all(g.item <= 16 for g in vp.grounds)
    fired = np.zeros(n, np.uint16 if narrow else np.uint32)
    any_unknown = _F
    for g in vp.grounds:
        b = _ground(g, ctx)
        _accumulate(fired, b.t, g.item - 1)
        any_unknown = _or(any_unknown, _not(b.k))
    refused = fired != 0
    duties = np.zeros(n, np.uint32)
    ob_unknown = _F
    for j, f in enumerate(vp.obligations):
        b = f(ctx)
        _accumulate(duties, b.t, j)
        ob_unknown = _or(ob_unknown, _not(b.k))
    ctx.cache.clear()  # item contexts refer back to their chunk: free the chunk's arrays now, not at gc
    if vp.obligations:
        duties[refused] = 0
    decision = refused.view(np.uint8) * np.uint8(REFUSE)
    res.fired[out] = fired
    res.obligations[out] = duties
    res.decision[out] = decision
    res.unknown[out] = 0
    res.missing[out] = 0
    # second pass, only where some ground or obligation is unknown: which grounds are unknown, which
    # facts are missing, and whether that asks for facts
    need_mask = np.broadcast_to(_or(any_unknown, _and(ob_unknown, _not(refused))), (n,))
    need = np.flatnonzero(need_mask)
    if not len(need):
        return
    m = len(need)
    sub = sel.start + need if isinstance(sel, slice) else sel[need]
    bctx = _Ctx(plan, table, sub, on[need], want_bits=True)
    bits = np.zeros(m, np.uint64)
    unknown = np.zeros(m, np.uint32)
    for g in vp.grounds:
        b = _ground(g, bctx)
        unk = np.broadcast_to(_not(b.k), (m,))
        _accumulate(unknown, np.ascontiguousarray(unk), g.item - 1)
        bits |= _bits_where(unk, b.bits)
    sub_refused = refused[need]
    for f in vp.obligations:
        b = f(bctx)
        bits |= _bits_where(np.broadcast_to(_not(b.k), (m,)) & ~sub_refused, b.bits)
    # grounds.decide: refuse when one fires, else needs_facts when a ground is unknown or an
    # obligation's missing facts are reported, else grant
    bctx.cache.clear()
    asks = (unknown != 0) | (bits != 0)
    rows = need + out.start if isinstance(out, slice) else out[need]
    res.unknown[rows] = unknown
    res.missing[rows] = bits
    res.decision[rows] = np.where(
        sub_refused, np.uint8(REFUSE), np.where(asks, np.uint8(NEEDS_FACTS), np.uint8(GRANT))
    )


def _ground(g: CompiledGround, ctx: _Ctx) -> _B:
    b = g.when(ctx)
    if g.unless:
        b = _apply_exceptions(b, g.unless, ctx)
    return b


def decisions(codes: np.ndarray) -> list[str]:
    return [DECISIONS[int(c)] for c in codes]


def items_of(mask: int) -> tuple[int, ...]:
    mask = int(mask)
    return tuple(i + 1 for i in range(32) if mask >> i & 1)
