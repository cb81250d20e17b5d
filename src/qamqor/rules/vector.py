"""Batch (vectorised) evaluation of refusal grounds over a columnar facts table.

The same expression trees that `logic.py` compiles to closures for one case are compiled here to
NumPy operations over many cases at once, with exactly the scalar semantics (three-valued logic,
missing facts reported only where they decide the outcome, `null` distinct from missing, `some`
over ragged lists with per-item exceptions, parameters and versions by each case's own date).

Layout (`FactsTable`): one `Column` per fact path, data-typed from the values (bool, number,
string = dictionary-encoded, date = int32 YYYYMMDD for facts read by `age`), with the rows whose key
is absent (sorted row numbers: absences are few) and a `null` mask; list facts are ragged
(`offsets` + per-item columns). Dates of evaluation are int32 YYYYMMDD per case, so that full years
of age are `(on - born) // 10000` (29 February counts its birthday on 1 March, as `full_years`), and
`age < k` is `born > on - 10000·k` (no division).

Two passes, per version in force:
- the hot pass runs over chunks of cases (slices, no gathers) reading every fact as present: where
  every fact a ground reads is present its result is exact, and the algebra is mostly two-valued
  (a `known` that is true for every case is a scalar, and the operations on it fold away);
- the exact pass takes the rows with an absent fact, an unknown ground or an unknown obligation,
  gathered across chunks, and evaluates again, with the absent facts and their names, only the
  grounds and obligations concerned on only the rows concerned.

Output per case (`VectorResult`): the version index, a decision code, bitmasks of fired and of
unknown grounds (bit `item - 1`), of the obligations that come with a grant, and of the missing
facts (bit = index in `Plan.names`).

Pure Python + NumPy: no Django, no clock (dates are arguments).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qamqor.rules.logic import MISSING, as_date, lookup, render_expr

# decision codes
GRANT, REFUSE, NEEDS_FACTS, NOT_IN_FORCE, INCOMPLETE_SOURCE, EDITION_NOT_IN_SOURCES = 0, 1, 2, 3, 4, 5
DECISIONS = ("grant", "refuse", "needs_facts", "not_in_force", "incomplete_source", "edition_not_in_sources")

DEFAULT_CHUNK = 196608  # 3 · 2^16 cases: ~7 B of working memory per case at 1M; smaller is slower
MAX_NAMES = 64  # missing-fact names per service (one uint64 bit each)
MAX_ITEM = 32  # ground items are bits of a uint32

_F = np.False_
_T = np.True_
_Z = np.uint64(0)


def _quotients(x, y):
    """x / y at the ends of ranges, as `intervals._quotient` (nan when ∞ / ∞)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.true_divide(x, y)
    return np.where(np.isinf(y), np.where(np.isinf(x), np.nan, 0.0), q)


def _div_bounds(a, b, missing, q, bits):
    """a / b where an operand is a missing number with a declared range (`intervals.div_bounds`): the
    hull of the quotients of the ends when the divisor's range holds no 0, else unbounded."""
    ia, ib = _interval(a), _interval(b)
    n = next((len(x) for x in (*ia, *ib, missing) if _arr(x)), 1)
    alo, ahi, bl, bh = (
        np.broadcast_to(np.asarray(x, np.float64), (n,)) for x in (ia[0], ia[1], ib[0], ib[1])
    )
    corners = np.stack([_quotients(p, r) for p in (alo, ahi) for r in (bl, bh)])
    ok = np.broadcast_to(_and(ia[2], ib[2]), (n,)) & ~((bl <= 0) & (bh >= 0)) & ~np.isnan(corners).any(axis=0)
    with np.errstate(invalid="ignore"):
        lo = np.where(ok, np.nanmin(np.where(np.isnan(corners), np.inf, corners), axis=0), -np.inf)
        hi = np.where(ok, np.nanmax(np.where(np.isnan(corners), -np.inf, corners), axis=0), np.inf)
    return _V("number", q, missing=missing, bits=bits, lo=lo, hi=hi)


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
    d = as_date(value)
    return None if d is None else date_to_int(d)
    return None


# --------------------------------------------------------------------------------------------------
# the columnar table


@dataclass(slots=True)
class Column:
    """One fact over all cases (or one item field over all list items).

    kind: "bool" (values bool), "number" (float64), "string" (int32 codes into the sorted
    `categories`, or int8/int16 codes when given so), "date" (int32 YYYYMMDD). `missing`: the rows whose key is absent, as sorted row
    numbers (absent facts are few: a chunk finds its own with two bisections instead of reading a
    mask of every row); a bool mask is accepted and converted. `null`: a bool mask. Either is None
    when there is none. For a date column `null` also covers values that are no date (`age` treats
    both alike). `integral` remembers that numbers were whole (to rebuild documents faithfully).
    """

    kind: str
    values: np.ndarray
    missing: np.ndarray | None = None
    null: np.ndarray | None = None
    categories: tuple[str, ...] = ()
    integral: bool = False

    def __post_init__(self):
        self.missing = _absent_rows(self.missing, len(self.values))

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
    all_ok: bool | None = None  # every item is a mapping (found on first use)

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


def _absent_rows(missing: Any, n: int) -> np.ndarray | None:
    """Sorted row numbers of absent values, from a bool mask or from row numbers."""
    if missing is None:
        return None
    a = np.asarray(missing)
    if a.dtype == bool:
        if a.shape != (n,):
            raise VectorError(f"a missing mask of shape {a.shape} for {n} rows")
        rows = np.flatnonzero(a)
    else:
        rows = a.astype(np.intp, copy=False).ravel()
        if len(rows) and (rows[0] < 0 or rows[-1] >= n or (len(rows) > 1 and not (np.diff(rows) > 0).all())):
            raise VectorError("missing rows must be sorted, distinct row numbers of the column")
    return rows if len(rows) else None


def _absent_at(rows: np.ndarray, sel) -> Any:
    """The mask of absent values under `sel` (a slice, or row numbers), _F when none."""
    if isinstance(sel, slice):
        return _rows_mask(rows, sel.start, sel.stop)
    if not len(sel):
        return np.zeros(0, bool)
    if len(rows) < len(sel):
        # fewer absent rows than rows asked (both sorted: the rows asked always are): look the absent
        # ones up among the asked
        pos = np.searchsorted(sel, rows)
        np.minimum(pos, len(sel) - 1, out=pos)
        out = np.zeros(len(sel), bool)
        out[pos[sel.take(pos) == rows]] = True
        return out
    pos = np.searchsorted(rows, sel)
    np.minimum(pos, len(rows) - 1, out=pos)
    return rows.take(pos) == sel


def _cell(col: Column, i: int) -> tuple[bool, Any]:
    if col.missing is not None and _absent_at(col.missing, np.array([i]))[0]:
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


def column_from_values(values: Sequence[Any], *, date: bool, where: str) -> Column:
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
    """A column from arrays (for synthetic tables): strings as int32 codes into sorted `categories`;
    `missing` as sorted row numbers or a bool mask, `null` as a bool mask."""
    cats = tuple(categories)
    if kind == "string" and list(cats) != sorted(cats):
        raise VectorError("categories must be sorted")
    dtype = {"bool": bool, "number": np.float64, "string": np.int32, "date": np.int32}[kind]
    values = np.asarray(values)
    if kind == "string" and values.dtype in (np.int8, np.int16) and len(cats) <= np.iinfo(values.dtype).max:
        dtype = values.dtype  # small codes are kept (a quarter of the bytes to read for int8)
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
    # where missing, the declared range of the unknown number (logic.Bounds); None: no range
    lo: Any = None
    hi: Any = None


@dataclass(slots=True)
class _B:
    """A three-valued condition over a chunk: t (true), k (known), bits (missing facts)."""

    t: Any
    k: Any
    bits: Any = _Z


class _Ctx:
    """One chunk (a slice or an index array of cases) of one table, for one version."""

    def __init__(
        self,
        plan: Plan,
        table: FactsTable,
        sel,
        on: np.ndarray,
        want_bits: bool,
        assume_present: bool = False,
        whole: dict | None = None,
        on_all: np.ndarray | None = None,
    ):
        self.plan = plan
        self.table = table
        self.sel = sel
        # the dates of the chunk's cases (or taken from `on_all` when first read)
        self._on = on
        self._on_all = on_all
        self.n = len(on) if on is not None else len(sel)
        self.want_bits = want_bits
        # hot pass: read every fact column as if present (rows with an absent fact are redone exactly)
        self.assume_present = assume_present
        # results computed once over the whole table, shared by its chunks ({"on": dates, …})
        self.whole = whole
        self.cache: dict[Any, Any] = {}

    @property
    def on(self) -> np.ndarray:
        if self._on is None:
            self._on = self._on_all.take(self.sel)
        return self._on

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
                v = _view(col, self.sel, self.assume_present)
                if self.want_bits and v.missing is not _F:
                    v.bits = _bits_where(v.missing, self.bit(path))
            self.cache[key] = v
        return v

    def param(self, code: str) -> _V:
        key = ("p", code)
        v = self.cache.get(key)
        if v is None:
            froms, values = self.plan.param_tables.get(code, (np.zeros(0, np.int32), np.zeros(0)))
            if len(values) == 0:
                v = _V("number", 0.0, missing=_T, bits=self.bit("param:" + code) if self.want_bits else _Z)
                self.cache[key] = v
                return v
            reached = _count_reached(froms, self.on)
            missing = reached == 0
            # a small table indexed by the number of breakpoints reached (take on intp is the
            # fast gather; 0 = before the first value, unknown)
            val = np.concatenate(([0.0], values)).take(reached.astype(np.intp))
            missing = missing if missing.any() else _F
            bits = _Z
            if self.want_bits and missing is not _F:
                bits = _bits_where(missing, self.bit("param:" + code))
            v = _V("number", val, missing=missing, bits=bits)
            self.cache[key] = v
        return v

    def item(self, name: str, has_default: bool, default: Any) -> _V:
        raise VectorError("'item' outside 'some'")


class _ItemCtx(_Ctx):
    """The items of one list fact under a chunk: person-level operands are repeated per item (the
    owner of each item and its date are built only when an item expression reads them)."""

    def __init__(self, parent: _Ctx, list_path: str, lc: ListColumn, item_sel, n_items: int, owner_fn):
        self.plan = parent.plan
        self.table = parent.table
        self.sel = parent.sel
        self.n = n_items
        self.want_bits = parent.want_bits
        self.assume_present = parent.assume_present
        self.whole = None
        self.cache = {}
        self.parent = parent
        self.list_path = list_path
        self.lc = lc
        self.item_sel = item_sel
        self._owner_fn = owner_fn
        self._owner = None
        self._on = None

    @property
    def owner(self) -> np.ndarray:  # chunk row of each item
        if self._owner is None:
            self._owner = self._owner_fn()
        return self._owner

    @property
    def on(self) -> np.ndarray:
        if self._on is None:
            self._on = self.parent.on[self.owner]
        return self._on

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
                    v.bits = _bits_where(missing, self.bit(f"{self.list_path}[].{name}"))
            self.cache[key] = v
        return v


def _view(col: Column, sel, assume_present: bool = False) -> _V:
    """The column under a chunk: views for a slice, `take` for rows (faster than fancy indexing)."""
    if isinstance(sel, slice):

        def pick(a):
            return a[sel]
    else:

        def pick(a):
            return a.take(sel)

    return _V(
        col.kind,
        pick(col.values),
        missing=_absent_at(col.missing, sel) if col.missing is not None and not assume_present else _F,
        null=pick(col.null) if col.null is not None else _F,
        cats=col.categories if col.kind == "string" else None,
    )


def _gather(v: _V, idx: np.ndarray) -> _V:
    def g(x):
        return x.take(idx) if _arr(x) else x

    lo = None if v.lo is None else g(v.lo)
    hi = None if v.hi is None else g(v.hi)
    return _V(v.kind, g(v.val), g(v.missing), g(v.null), g(v.bits), v.cats, lo, hi)


def _with_default(base: _V, missing, default: Any, n: int) -> _V:
    """An item field whose absence reads as a literal default (`{item: x, default: d}`)."""
    lit = _literal(default)
    if not isinstance(missing, np.ndarray):
        missing = np.broadcast_to(missing, (n,))
    base_null = _and(base.null, _not(missing))  # null where present and null
    if lit.kind == "null":
        return _V(base.kind, base.val, _F, _or(base.null, missing), _Z, base.cats)
    if base.kind == "null":  # no values at all: the default where absent, null elsewhere
        if lit.kind == "string":
            return _V("string", np.zeros(n, np.int32), _F, base_null, _Z, (lit.val,))
        return _V(
            lit.kind,
            np.full(n, lit.val, dtype=bool if lit.kind == "bool" else np.float64),
            _F,
            base_null,
            _Z,
        )
    if lit.kind == "string" and base.kind == "string":
        cats = tuple(sorted(set(base.cats) | {lit.val}))
        code = np.int32(cats.index(lit.val))
        if cats == base.cats:
            codes = base.val
        else:
            remap = np.array([bisect.bisect_left(cats, c) for c in base.cats], dtype=np.int32)
            codes = remap[np.maximum(base.val, 0)] if len(remap) else np.zeros(n, np.int32)
        # codes where present, the default's code where absent (arithmetic on small ints: np.where
        # on a random mask is branchy and slow)
        m32 = missing.astype(np.int32)
        blend = np.subtract(code, codes)
        np.multiply(blend, m32, out=blend)
        np.add(blend, codes, out=blend)
        return _V("string", blend, _F, base_null, _Z, cats)
    if lit.kind in ("number", "bool") and base.kind in ("number", "bool"):
        kind = base.kind if base.kind == lit.kind else "number"
        val = np.where(missing, lit.val, base.val).astype(bool if kind == "bool" else np.float64)
        return _V(kind, val, _F, base_null, _Z)
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


# An operand or a condition is an array over the chunk or a scalar that holds for every case. Bool
# arrays are combined only with arrays: `array | np.False_` and the like take NumPy's slow scalar path
# (~15x slower than array | array), so scalars are folded here.


def _arr(a) -> bool:
    return type(a) is np.ndarray and a.ndim > 0


def _or(a, b):
    if not _arr(a):
        return _T if a else b
    if not _arr(b):
        return _T if b else a
    return a | b


def _and(a, b):
    if not _arr(a):
        return b if a else _F
    if not _arr(b):
        return a if b else _F
    return a & b


def _not(a):
    if not _arr(a):
        return _F if a else _T
    return ~a


def _sure(k) -> bool:
    """Known for every case (a scalar true)."""
    return not _arr(k) and bool(k)


def _known_false(b: _B):
    """k ∧ ¬t (t ⊆ k, so k xor t)."""
    k, t = b.k, b.t
    if not _arr(k):
        return _not(t) if k else _F
    if not _arr(t):
        return _F if t else k
    return k ^ t


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
    """bits where mask, else 0 (a multiplication: np.where on a random mask is branchy and slow)."""
    if bits is _Z:
        return _Z
    if not _arr(mask):
        return bits if mask else _Z
    if _arr(bits):
        return bits * mask.view(np.uint8)
    return mask.astype(np.uint64) * bits


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
            return a.val, i  # a Python int keeps the codes' width (int8 stays int8)
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
        elif a.kind == "bool" and b.kind == "bool" and not _arr(b.val):
            eq_vals = a.val if b.val else _not(a.val)  # a flag against true/false: itself or not
        else:
            eq_vals = np.equal(a.val, b.val)
        eq = _or(_and(both, eq_vals), _and(a.null, b.null))
        if op == "ne":
            eq = _not(eq)
        return _bounded(op, a, b, _B(_and(eq, known_operands), known_operands, bits))
    if a.kind == "null" or b.kind == "null":
        return _bounded(op, a, b, _B(_F, _F, bits))
    if a.kind == "string" and b.kind == "string":
        ca, cb = _unify(a, b)
        res = _ORDER[op](ca, cb)
    elif a.kind == "string" or b.kind == "string":
        return _bounded(op, a, b, _B(_F, _F, bits))
    else:
        res = _ORDER[op](a.val, b.val)
    k = _and(known_operands, both)
    return _bounded(op, a, b, _B(_and(res, k), k, bits))


def _interval(v: _V):
    """(lo, hi, valid) of an operand as `intervals._as_interval`: a present number is [v, v], a missing one
    with a declared range is that range; anything else (null, a word, a flag, no range) is not valid."""
    number = v.kind == "number"
    valid = _and(_not(_or(v.missing, v.null)), _T if number else _F)
    lo = hi = v.val if number else 0.0
    if v.lo is not None and v.missing is not _F:
        valid = _or(valid, v.missing)
        lo = np.where(v.missing, v.lo, lo)
        hi = np.where(v.missing, v.hi, hi)
    return lo, hi, valid


_INTERVAL_V = {
    "lt": (lambda a, b: np.less(a[1], b[0]), lambda a, b: np.greater_equal(a[0], b[1])),
    "le": (lambda a, b: np.less_equal(a[1], b[0]), lambda a, b: np.greater(a[0], b[1])),
    "gt": (lambda a, b: np.greater(a[0], b[1]), lambda a, b: np.less_equal(a[1], b[0])),
    "ge": (lambda a, b: np.greater_equal(a[0], b[1]), lambda a, b: np.less(a[1], b[0])),
}


def _point_eq(a, b):
    return (a[0] == a[1]) & (b[0] == b[1]) & (a[0] == b[0])


def _apart(a, b):
    return np.less(a[1], b[0]) | np.less(b[1], a[0])


_INTERVAL_V["eq"] = (_point_eq, _apart)
_INTERVAL_V["ne"] = (_apart, _point_eq)


def _bounded(op: str, a: _V, b: _V, res: _B) -> _B:
    """Rows where an operand is a missing number with a declared range that the whole range decides
    (`intervals.compare_bounds`): known, and their missing facts forgotten."""
    if a.lo is None and b.lo is None:
        return res
    ia, ib = _interval(a), _interval(b)
    when_true, when_false = _INTERVAL_V[op]
    valid = _and(_and(ia[2], ib[2]), _or(a.missing, b.missing))
    if not _arr(valid) and not valid:
        return res
    tt = _and(when_true(ia, ib), valid)
    decided = _or(tt, _and(when_false(ia, ib), valid))
    k = _or(res.k, decided)
    return _B(_or(res.t, tt), k, _bits_where(_not(k), res.bits) if res.bits is not _Z else _Z)


# compiler -----------------------------------------------------------------------------------------

Fn = Callable[[_Ctx], Any]


@dataclass(frozen=True, slots=True)
class CompiledGround:
    item: int
    when: Fn
    unless: tuple[Fn, ...]
    # the one fact the ground reads, when its rule is unknown, naming only that fact, whenever the
    # fact is absent (a comparison of the fact with a literal, `in`, the fact as a condition, …)
    strict: str | None = None


@dataclass(frozen=True, slots=True)
class VersionPlan:
    index: int
    id: str
    start: int  # YYYYMMDD inclusive
    until: int  # YYYYMMDD exclusive (99991231 when open)
    incomplete: bool
    grounds: tuple[CompiledGround, ...]
    obligations: tuple[Fn, ...]
    columns: tuple[str, ...] = ()  # the scalar facts the version reads (bit j: columns[j], ≤ 63)
    gap_start: int = 0  # YYYYMMDD: before `start`, from here, editions not in the sources (0: none)
    ground_masks: tuple[int, ...] = ()  # per ground, the bits of the columns it reads
    obligation_masks: tuple[int, ...] = ()


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
    # per list fact, every `some` over it: (key, items(ctx, frame) -> _B), evaluated together over
    # the whole table in the hot pass
    somes: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)

    def name(self, bit: int) -> str:
        return self.names[bit]

    def missing_names(self, bits: int) -> tuple[str, ...]:
        bits = int(bits)
        return tuple(sorted(self.names[i] for i in range(len(self.names)) if bits >> i & 1))

    def table(self, documents: Sequence[Mapping[str, Any]]) -> FactsTable:
        """The columnar table of these facts documents (the paths this plan reads)."""
        return table_from_documents(documents, self)


def _strict_fact(node: Any) -> str | None:
    """The fact `node` is strict in: absent, it makes the condition unknown and is the only fact
    reported (logic: a comparison with MISSING is None; `all`/`any` are not strict)."""
    if not isinstance(node, Mapping) or len(node) != 1:
        return None
    ((op, arg),) = node.items()
    if op == "fact":
        return arg if isinstance(arg, str) else None
    if op == "not":
        return _strict_fact(arg)
    if op == "in" and isinstance(arg, list) and len(arg) == 2:
        return _operand_fact(arg[0])
    if op in ("eq", "ne", "lt", "le", "gt", "ge") and isinstance(arg, list) and len(arg) == 2:
        left, right = arg
        if not isinstance(right, Mapping | list):
            return _operand_fact(left)
        if not isinstance(left, Mapping | list):
            return _operand_fact(right)
    return None


def _operand_fact(node: Any) -> str | None:
    if isinstance(node, Mapping) and set(node) == {"fact"} and isinstance(node["fact"], str):
        return node["fact"]
    if isinstance(node, Mapping) and set(node) == {"age"}:
        return _operand_fact(node["age"])
    return None


def _condition_key(node: Any, list_path: str | None) -> str:
    return json.dumps([list_path, node], sort_keys=True, default=str)


def _count_conditions(node: Any, list_path: str | None, seen: dict[str, int]) -> None:
    if isinstance(node, Mapping):
        if node and not ({"fact", "param", "item"} & set(node)):
            key = _condition_key(node, list_path)
            seen[key] = seen.get(key, 0) + 1
        inner = list_path
        if "some" in node and isinstance(node["some"], Mapping):
            inner = node["some"].get("fact")
        for k, v in node.items():
            _count_conditions(v, inner if k in ("where", "unless") else list_path, seen)
    elif isinstance(node, list):
        for v in node:
            _count_conditions(v, list_path, seen)


def _shared(fn: Fn, key: tuple) -> Fn:
    def shared(ctx):
        hit = ctx.cache.get(key)
        if hit is None:
            hit = ctx.cache[key] = fn(ctx)
        return hit

    return shared


class _PlanCompiler:
    """Turns expression sources (the dicts of `Compiled.source`, or the YAML nodes) into chunk
    functions, registering every fact, parameter and item field whose absence can be reported."""

    def __init__(self, plan: Plan, sources: Sequence[Any] = (), bounds: Mapping[str, tuple] | None = None):
        self.plan = plan
        self.bounds = dict(bounds or {})  # declared ranges of numeric facts (logic.Bounds)
        self.uses: dict[str, set[str]] = {}
        self.reads: set[str] = set()  # the scalar facts read since the last reset
        # conditions that occur more than once in the version (the same `some` in two grounds, the
        # same comparison in a ground and an obligation) are evaluated once per chunk
        seen: dict[str, int] = {}
        for src in sources:
            _count_conditions(src, None, seen)
        self.shared = {key for key, count in seen.items() if count > 1}

    def name(self, name: str) -> None:
        if name not in self.plan.bit_index:
            if len(self.plan.names) >= MAX_NAMES:
                raise VectorError(f"more than {MAX_NAMES} fact names in one service")
            self.plan.bit_index[name] = len(self.plan.names)
            self.plan.names.append(name)

    def compile(self, node: Any, *, list_path: str | None = None, how: str = "value") -> tuple[str, Fn]:
        """(kind, fn): kind "bool" (fn gives _B) or "value" (fn gives _V)."""
        kind, fn = self._compile(node, list_path=list_path, how=how)
        if kind == "bool" and self.shared:
            key = _condition_key(node, list_path)
            if key in self.shared:
                fn = _shared(fn, ("cse", key))
        return kind, fn

    def _compile(self, node: Any, *, list_path: str | None = None, how: str = "value") -> tuple[str, Fn]:
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
        self.reads.add(path)
        self.name(path)
        self.plan.fact_paths.add(path)
        self._use(path, how)
        if path not in self.bounds or how == "date":
            return lambda ctx, p=path: ctx.column(p)
        lo, hi = (float(x) for x in self.bounds[path])

        def bounded(ctx, p=path):
            v = ctx.column(p)
            if v.missing is _F:
                return v
            if v.kind == "null":  # no value anywhere: a number of the range where absent
                return _V("number", 0.0, v.missing, v.null, v.bits, None, lo, hi)
            return _V(v.kind, v.val, v.missing, v.null, v.bits, v.cats, lo, hi)

        return bounded

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
        inner = self._born(arg, list_path)

        def age(ctx):
            v = inner(ctx)
            if v.kind == "null":
                return _V("number", 0.0, missing=_T, bits=v.bits)
            years = (ctx.on - v.val) // 10000
            return _V("number", years, missing=_or(v.missing, v.null), bits=v.bits)

        return age

    def _age_below(self, arg: Any, limit: int, list_path: str | None, negate: bool) -> Fn:
        """`age(x) < limit` (or its negation, `age(x) >= limit`) for a whole number `limit`, without
        computing ages: on YYYYMMDD integers (on − born) // 10000 < limit ⇔ born > on − 10000·limit,
        the same integers, so the same full years (29 February included)."""
        inner = self._born(arg, list_path)
        shift = 10000 * limit

        def age_below(ctx):
            v = inner(ctx)
            if v.kind == "null":
                return _B(_F, _F, v.bits)
            key = ("age<", limit)
            threshold = ctx.cache.get(key)
            if threshold is None:
                threshold = ctx.cache[key] = ctx.on - np.int32(shift)
            below = np.greater(v.val, threshold)
            k = _not(_or(v.missing, v.null))
            return _B(_and(_not(below) if negate else below, k), k, v.bits)

        return age_below

    def _born(self, arg: Any, list_path: str | None) -> Fn:
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
        return inner

    def _div(self, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or len(arg) != 2:
            raise VectorError("div takes [numerator, denominator]")
        fa = self._operand(arg[0], list_path, "number")
        fb = self._operand(arg[1], list_path, "number")
        # a zero denominator is reported as missing under its rendered name (logic._op_div)
        denominator = render_expr(arg[1])
        self.name(denominator)

        def div(ctx):
            a, b = fa(ctx), fb(ctx)
            bits = _bits_or(a.bits, b.bits)
            if a.kind in ("string", "date") or b.kind in ("string", "date"):
                raise VectorError("div of a value that is not a number")
            if a.kind == "null" or b.kind == "null":
                if a.lo is None and b.lo is None:
                    return _V("number", 0.0, missing=_T, bits=bits)
                return _div_bounds(a, b, _T, 0.0, bits)
            absent = _or(_or(a.missing, a.null), _or(b.missing, b.null))
            bz = b.val == 0
            if _arr(bz) and not bz.any():
                bz = _F
            zero = _and(bz, _not(absent))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                q = np.true_divide(a.val, b.val)  # rows with a zero denominator are masked
            if ctx.want_bits:
                bits = _bits_or(bits, _bits_where(zero, ctx.bit(denominator)))
            missing = _or(absent, zero)
            if (a.lo is not None or b.lo is not None) and (a.missing is not _F or b.missing is not _F):
                return _div_bounds(a, b, missing, q, bits)
            return _V("number", q, missing=missing, bits=bits)

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
        left, right = arg
        if (
            op in _ORDER
            and isinstance(left, Mapping)
            and set(left) == {"age"}
            and isinstance(right, int | float)
            and not isinstance(right, bool)
            and math.isfinite(right)
            and abs(right) < 1000
        ):
            # ages are whole: age < r ⇔ age < ⌈r⌉; age ≤ r ⇔ age < ⌊r⌋ + 1; ≥ and > negate those
            limit = math.ceil(right) if op in ("lt", "ge") else math.floor(right) + 1
            return self._age_below(left["age"], limit, list_path, negate=op in ("ge", "gt"))
        fa = self._operand(arg[0], list_path, how)
        fb = self._operand(arg[1], list_path, how)
        if op in _ORDER and isinstance(right, Mapping) and set(right) == {"param"}:
            return self._cmp_param(op, fa, fb, right["param"])
        return lambda ctx: _compare(op, fa(ctx), fb(ctx))

    def _cmp_param(self, op: str, fa: Fn, fb: Fn, code: str) -> Fn:
        """`x op param` in the hot pass without a per-case parameter value: the dates of a case select
        the parameter's period, so the result is, over the periods j, [date in period j] ∧
        [x op value_j] (the same comparisons of the same numbers as `_compare`)."""
        order = _ORDER[op]

        def cmp_param(ctx):
            a = fa(ctx)
            froms, values = self.plan.param_tables.get(code, ((), ()))
            if (
                ctx.want_bits
                or isinstance(ctx, _ItemCtx)
                or not len(values)
                or a.kind not in ("number", "bool")
            ):
                return _compare(op, a, fb(ctx))
            key = ("periods", code)
            reached = ctx.cache.get(key)
            if reached is None:
                reached = ctx.cache[key] = [ctx.on >= np.int32(f) for f in froms]
            t = _F
            last = len(values) - 1
            for j, v in enumerate(values):
                period = reached[j] if j == last else _and(reached[j], _not(reached[j + 1]))
                t = _or(t, _and(period, order(a.val, v)))
            k = _and(_not(_or(a.missing, a.null)), reached[0])
            return _B(_and(t, k), k, a.bits)

        return cmp_param

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
            known = _not(x.missing)
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
            t = _or(_and(hit, _not(x.null)), x.null if has_null else _F)
            return _B(_and(t, known), known, x.bits)

        return in_

    def _logic(self, op: str, arg: Any, list_path: str | None) -> Fn:
        if not isinstance(arg, list) or not arg:
            raise VectorError(f"{op} takes a non-empty list")
        parts = tuple(self.cond(x, list_path) for x in arg)
        is_all = op == "all"

        def logic(ctx):
            bs = [f(ctx) for f in parts]
            if all(_sure(b.k) for b in bs):  # two-valued (the hot pass, mostly): plain and / or
                t = bs[0].t
                for b in bs[1:]:
                    t = _and(t, b.t) if is_all else _or(t, b.t)
                return _B(t, _T, _Z)
            decided = _F  # some part false (all) / true (any)
            every = _T  # every part true (all) / false (any)
            bits = _Z
            for b in bs:
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
        key = ("some", _condition_key(node, None))

        def items(ctx, fr):
            r = where(fr.ictx)
            if exc_fns:
                r = _apply_exceptions(r, exc_fns, fr.ictx)
            return r

        somes = self.plan.somes.setdefault(path, [])
        if all(k != key for k, _ in somes):
            somes.append((key, items))

        def some(ctx):
            lc = ctx.table.lists.get(path)
            if lc is None:
                return _B(_F, _F, ctx.bit(path) if ctx.want_bits else _Z)
            if ctx.whole is not None and isinstance(ctx.sel, slice) and not ctx.want_bits:
                # hot pass: the items of the whole table at once (a chunk holds few items, so per
                # chunk the work is mostly call overhead); each chunk then takes its rows
                found = ctx.whole.get(key)
                if found is None:
                    _whole_somes(ctx, path, lc)
                    found = ctx.whole[key]
                fr = _list_frame(ctx, path, lc, items=False)
                lo, hi = ctx.sel.start, ctx.sel.stop
                any_t = _rows_mask(found[0], lo, hi)
                any_u = _rows_mask(found[1], lo, hi)
                t = _and(any_t, fr.is_list)
                k = (
                    fr.k0
                    if any_u is _F
                    else _or(_and(fr.is_list, _not(_and(any_u, _not(any_t)))), fr.is_null)
                )
                return _B(t, k, _Z)
            fr = _list_frame(ctx, path, lc)
            any_t = any_u = _F
            bits = _Z
            if fr.total:
                r = items(ctx, fr)
                # an item that is not a mapping is unknown
                any_t = fr.rows_of(_and(r.t, fr.ok))
                any_u = fr.rows_of(_not(_and(r.k, fr.ok)))
                if ctx.want_bits and r.bits is not _Z:
                    bits = fr.reduce_bits(_bits_where(fr.ok, r.bits))
            # absent list: unknown with the list reported; null: empty (false); not a list: unknown
            t = _and(any_t, fr.is_list)
            k = fr.k0 if any_u is _F else _or(_and(fr.is_list, _not(_and(any_u, _not(any_t)))), fr.is_null)
            out_bits = _Z
            if ctx.want_bits:
                out_bits = _bits_or(
                    _bits_where(_and(fr.is_list, _not(k)), bits),
                    _bits_where(fr.state == LIST_ABSENT, ctx.bit(path)),
                )
            return _B(t, k, out_bits)

        return some

    @staticmethod
    def _exception_when(path: str, e: Any) -> Any:
        """The `when` of an item exception: `logic._some` puts `{"code", "when"}` in the source."""
        if isinstance(e, Mapping) and "when" in e:
            return e["when"]
        raise VectorError(f"exception {e!r} inside 'some' of {path} carries no 'when' expression")


class _ListFrame:
    """The items of a list fact under a chunk (shared by every `some` over that list)."""

    def __init__(self, ctx: _Ctx, path: str, lc: ListColumn, items: bool = True, states: bool = True):
        self.n = ctx.n
        self.lc = lc
        if states:
            self.state = state = lc.state[ctx.sel]
            self.is_list = state == LIST_VALUE  # items of other rows (if any) are evaluated and ignored
            self.is_null = state == LIST_NULL
            self.k0 = self.is_list | self.is_null  # known when no item is unknown
        if not items:
            return
        if lc.all_ok is None:
            lc.all_ok = bool(lc.ok.all())
        self.owner: np.ndarray | None = None
        if isinstance(ctx.sel, slice):
            lo, hi = ctx.sel.start, ctx.sel.stop
            self.bounds = lc.offsets[lo : hi + 1]  # sorted: the chunk row of an item by bisection
            first, last = int(self.bounds[0]), int(self.bounds[-1])
            self.first = first
            item_sel: Any = slice(first, last)
            self.total = last - first
        else:
            starts = lc.offsets[ctx.sel]
            counts = lc.offsets[ctx.sel + 1] - starts
            self.total = int(counts.sum())
            ends = np.cumsum(counts)
            self.bounds = np.concatenate(([0], ends))
            self.first = 0
            item_sel = np.arange(self.total) + np.repeat(starts - (ends - counts), counts)
        self.ok = _T if lc.all_ok else lc.ok[item_sel]
        self.ictx = _ItemCtx(ctx, path, lc, item_sel, self.total, self._owner) if self.total else None

    def _owner(self) -> np.ndarray:
        """The chunk row of every item."""
        if self.owner is None:
            self.owner = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.bounds))
        return self.owner

    def rows_of(self, item_mask) -> Any:
        """The chunk rows with at least one item in `item_mask` (only those items are located)."""
        if not _arr(item_mask):
            if not item_mask:
                return _F
            item_mask = np.ones(self.total, bool)
        idx = np.flatnonzero(item_mask)
        if not len(idx):
            return _F
        rows = np.searchsorted(self.bounds, idx + self.first, side="right") - 1
        out = np.zeros(self.n, bool)
        out[rows] = True
        return out

    def reduce_bits(self, item_bits) -> Any:
        """OR of the items' missing-fact bits per chunk row."""
        if item_bits is _Z:
            return _Z
        item_bits = np.broadcast_to(item_bits, (self.total,))
        counts = np.diff(self.bounds)
        nonempty = counts > 0
        out = np.zeros(self.n, np.uint64)
        if nonempty.any():
            out[nonempty] = np.bitwise_or.reduceat(item_bits, (self.bounds[:-1] - self.first)[nonempty])
        return out


def _owners(bounds: np.ndarray, items: np.ndarray, step: int = 256) -> np.ndarray:
    """For sorted item indices, the row c with bounds[c] <= item < bounds[c + 1] (the last such c
    where rows are empty). A binary search per item in a large offsets array waits on a cache miss
    at every level; a search in every `step`-th offset (which stays in cache) then a few vectorised
    halvings inside the block load the offsets independently of one another."""
    if len(bounds) <= 4 * step or len(items) < 64:
        return np.searchsorted(bounds, items, side="right") - 1
    lo = np.searchsorted(bounds[::step], items, side="right") - 1
    lo *= step
    hi = np.minimum(lo + step, len(bounds) - 1)
    # invariant: bounds[lo] <= item, and the answer is in lo..hi (moved by arithmetic: np.where
    # on a random mask is branchy and slow)
    for _ in range(step.bit_length()):
        mid = (lo + hi + 1) >> 1
        go = (bounds.take(mid) <= items).astype(np.intp)
        lo += go * (mid - lo)
        hi = mid - 1 + go * (hi - mid + 1)
    return lo


def _list_frame(ctx: _Ctx, path: str, lc: ListColumn, items: bool = True) -> _ListFrame:
    key = ("list", path, items)
    frame = ctx.cache.get(key)
    if frame is None:
        frame = ctx.cache[key] = _ListFrame(ctx, path, lc, items)
    return frame


def _whole_somes(ctx: _Ctx, path: str, lc: ListColumn) -> None:
    """Every `some` over the list `path`, on the items of the whole table: per node, the (sorted)
    rows with a true item and with an unknown item, into `ctx.whole`. The rows of all the items
    found are located at once (one search in the offsets, which are read cold)."""
    wctx = _Ctx(ctx.plan, ctx.table, slice(0, ctx.table.n), ctx.whole["on"], False, ctx.assume_present)
    wfr = _ListFrame(wctx, path, lc, states=False)
    empty = np.zeros(0, np.intp)
    masks = []
    for key, items in ctx.plan.somes.get(path, ()):
        if not wfr.total:
            ctx.whole[key] = (empty, empty)
            continue
        r = items(wctx, wfr)
        masks.append((key, _and(r.t, wfr.ok), _not(_and(r.k, wfr.ok))))
    wctx.cache.clear()
    if not masks:
        return
    union = _F
    for _, t, u in masks:
        union = _or(union, _or(t, u))
    if not _arr(union):
        union = np.full(wfr.total, bool(union))
    found = np.flatnonzero(union)
    owners = _owners(wfr.bounds, found + wfr.first) if len(found) else empty
    for key, t, u in masks:
        out = []
        for m in (t, u):
            if not _arr(m):
                out.append(owners if m else empty)
            else:
                out.append(owners[m.take(found)])
        ctx.whole[key] = tuple(out)


def _rows_mask(rows: np.ndarray, lo: int, hi: int):
    """A chunk's mask of the sorted table rows `rows` that fall in lo:hi."""
    a, b = np.searchsorted(rows, (lo, hi))
    if a == b:
        return _F
    out = np.zeros(hi - lo, bool)
    out[rows[a:b] - lo] = True
    return out


def _apply_exceptions(r: _B, exc_fns: Sequence[Fn], ctx: _Ctx) -> _B:
    """rule ∧ ¬(exception₁ ∨ …) in three-valued logic, as `logic.apply_exceptions`: settled by a false
    rule or by an exception that holds (whatever the rule), true when the rule holds and every
    exception is false, else unknown with the missing facts of the rule and of the exceptions."""
    es = [f(ctx) for f in exc_fns]
    any_t = _F
    for e in es:
        any_t = _or(any_t, e.t)
    if all(_sure(e.k) for e in es):  # every exception known: the rule where none holds
        t = _and(r.t, _not(any_t))
        if r.bits is _Z or not _arr(any_t) and not any_t:
            return _B(t, _or(r.k, any_t), r.bits)
        return _B(t, _or(r.k, any_t), _bits_where(_not(any_t), r.bits))
    all_f = _T
    bits = r.bits
    for e in es:
        all_f = _and(all_f, _known_false(e))
        bits = _bits_or(bits, e.bits)
    t = _and(r.t, all_f)
    k = _or(_or(_known_false(r), any_t), t)
    return _B(t, k, _bits_where(_not(k), bits) if bits is not _Z else _Z)


# building a plan -------------------------------------------------------------------------------------


def compile_plan(versions: Sequence[Any], parameters: Mapping[str, Any]) -> Plan:
    """Compile a service's versions (objects with id, in_force_from, in_force_until, source_status,
    grounds, obligations — e.g. `catalog.model.ServiceVersion`) and the dated parameters, from the
    compiled sources alone (an exception inside `some` is `{"code", "when"}` there)."""
    if len(versions) > 120:
        raise VectorError("more than 120 versions of one service")  # int8 version numbers per chunk
    plan = Plan((), [], {}, {}, set(), set(), set(), set(), {})
    for code, p in parameters.items():
        froms = np.array([date_to_int(v.valid_from) for v in p.values], dtype=np.int32)
        vals = np.array([float(v.value) for v in p.values], dtype=np.float64)
        plan.param_tables[code] = (froms, vals)
    out = []
    for i, v in enumerate(versions):
        sources = []
        if v.source_status != "incomplete_source":
            for g in v.grounds:
                sources.append(g.when.source)
                sources.extend(e.when.source for e in g.unless)
            sources.extend(o.when.source for o in v.obligations)
        comp = _PlanCompiler(plan, sources, getattr(v, "bounds", None))
        grounds = []
        obligations = []
        ground_reads: list[set[str]] = []
        obligation_reads: list[set[str]] = []
        incomplete = v.source_status == "incomplete_source"
        if not incomplete:
            for g in v.grounds:
                if not 1 <= g.item <= MAX_ITEM:
                    raise VectorError(f"ground item {g.item} outside 1..{MAX_ITEM}")
                comp.reads = set()
                when = comp.cond(g.when.source, None)
                unless = tuple(comp.cond(e.when.source, None) for e in g.unless)
                strict = _strict_fact(g.when.source)
                # an exception can settle the ground while its one fact is absent, and a fact with a
                # declared range can settle a comparison: neither is strict
                if comp.reads != {strict} or g.unless or strict in comp.bounds:
                    strict = None
                grounds.append(CompiledGround(item=g.item, when=when, unless=unless, strict=strict))
                ground_reads.append(comp.reads)
            for o in v.obligations:
                comp.reads = set()
                obligations.append(comp.cond(o.when.source, None))
                obligation_reads.append(comp.reads)
            if len(obligations) > 32:
                raise VectorError("more than 32 obligations")
        for path, hows in comp.uses.items():
            if "date" in hows and hows != {"date"}:
                raise VectorError(f"{path} is read through 'age' and also directly")
        columns = tuple(sorted(p for p in comp.uses if "[]" not in p))
        # bit of each column in the per-case mask of absent facts (columns past 63 share bit 63:
        # more rows are redone, never fewer)
        col_bit = {path: min(j, 63) for j, path in enumerate(columns)}

        def mask_of(reads, col_bit=col_bit):
            return sum({1 << col_bit[p] for p in reads})

        out.append(
            VersionPlan(
                index=i,
                id=v.id,
                start=date_to_int(v.in_force_from),
                until=date_to_int(v.in_force_until) if v.in_force_until else 99991231,
                gap_start=date_to_int(v.edition_gap.start) if getattr(v, "edition_gap", None) else 0,
                incomplete=incomplete,
                grounds=tuple(grounds),
                obligations=tuple(obligations),
                columns=columns,
                ground_masks=tuple(mask_of(r) for r in ground_reads),
                obligation_masks=tuple(mask_of(r) for r in obligation_reads),
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
        table.columns[path] = column_from_values(values, date=path in plan.date_paths, where=path)
    for path in sorted(plan.list_paths):
        table.lists[path] = list_column([lookup(d, path) for d in documents], plan, path)
    return table


def list_column(values: Sequence[Any], plan: Plan, path: str) -> ListColumn:
    """The list fact `path` over all cases from its values (MISSING for an absent key)."""
    n = len(values)
    state = np.zeros(n, np.uint8)
    counts = np.zeros(n, np.int64)
    items: list[Any] = []
    for i, v in enumerate(values):
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
        field_values = [x.get(name, MISSING) if isinstance(x, Mapping) else MISSING for x in items]
        lc.fields[name] = column_from_values(
            field_values, date=(path, name) in plan.item_date_fields, where=f"{path}[].{name}"
        )
    return lc


# --------------------------------------------------------------------------------------------------
# evaluation


@dataclass(slots=True)
class VectorResult:
    """Per case. The bitmasks are of the narrowest unsigned type that holds the plan's bits (uint8
    to uint64): the output is written once per case, and its bytes are a good part of the work."""

    version: np.ndarray  # int16: index into the plan's versions, -1 when none is in force
    decision: np.ndarray  # uint8: GRANT REFUSE NEEDS_FACTS NOT_IN_FORCE INCOMPLETE_SOURCE
    fired: np.ndarray  # bit item-1 set when that ground fires
    unknown: np.ndarray  # bit item-1 set when that ground is unknown
    obligations: np.ndarray  # bit j set when obligation j comes with the grant
    missing: np.ndarray  # bit i set when plan.names[i] is a missing fact of the case

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
    items = _unsigned(max((g.item for v in plan.versions for g in v.grounds), default=0))
    res = VectorResult(
        version=np.empty(n, np.int16),
        decision=np.empty(n, np.uint8),
        fired=np.zeros(n, items),
        unknown=np.zeros(n, items),
        obligations=np.zeros(n, _unsigned(max((len(v.obligations) for v in plan.versions), default=0))),
        missing=np.zeros(n, _unsigned(len(plan.names))),
    )
    # the rows to redo exactly (an absent fact, an unknown ground or obligation), per version,
    # evaluated together once a chunk's worth has gathered: few rows, so fewer and larger calls
    pending: dict[int, list[np.ndarray]] = {}
    whole = {"on": on, "chunk": chunk}
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        _evaluate_chunk(plan, table, on, lo, hi, res, pending, whole)
        for vi, parts in pending.items():
            if sum(len(p[0]) for p in parts) >= chunk:
                _exact_pass(plan, plan.versions[vi], table, on, parts, res)
                parts.clear()
    for vi, parts in pending.items():
        if parts:
            _exact_pass(plan, plan.versions[vi], table, on, parts, res)
    return res


def _unsigned(bits: int):
    """The narrowest unsigned integer type with `bits` bits."""
    return next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if bits <= 8 * np.dtype(t).itemsize)


def _in_force(plan: Plan, on: np.ndarray) -> list[np.ndarray]:
    """Per version, the cases whose date falls in it: the latest version started on or before the
    date, provided the date is before its end (as the catalogue chooses)."""
    out = []
    versions = plan.versions
    for j, v in enumerate(versions):
        stop = v.until
        if j + 1 < len(versions):
            stop = min(stop, versions[j + 1].start)
        started = on >= np.int32(v.start)
        out.append(started if stop >= 99991231 else started & (on < np.int32(stop)))
    return out


def _evaluate_chunk(
    plan: Plan, table: FactsTable, on_all: np.ndarray, lo: int, hi: int, res: VectorResult, pending, whole
) -> None:
    on = on_all[lo:hi]
    n = hi - lo
    masks = _in_force(plan, on)
    counts = [int(np.count_nonzero(m)) for m in masks]
    vidx = res.version[lo:hi]
    if len(masks) == 1:
        np.subtract(masks[0].view(np.int8), np.int8(1), out=vidx, dtype=np.int16)
    else:
        acc = np.zeros(n, np.int8)
        for j, m in enumerate(masks):
            if counts[j]:
                acc += m.view(np.int8) * np.int8(j + 1)  # versions are disjoint: 1 + index, 0 for none
        np.subtract(acc, np.int8(1), out=vidx, dtype=np.int16)
    # the version of most cases runs on the whole chunk (slices, no gathers); the cases of other
    # versions are then evaluated on their own rows and overwrite those rows
    main = int(np.argmax(counts)) if counts else -1
    done = -2
    if main >= 0 and counts[main] and not plan.versions[main].incomplete:
        only = None if counts[main] == n else masks[main]
        _evaluate_version(plan, plan.versions[main], table, slice(lo, hi), on, res, pending, only, whole)
        done = main
    for vp in plan.versions:
        if vp.index == done or not counts[vp.index]:
            continue
        rows = np.flatnonzero(masks[vp.index])
        if vp.incomplete:
            _clear(res, rows + lo, INCOMPLETE_SOURCE)
            continue
        _evaluate_version(plan, vp, table, rows + lo, on[rows], res, pending, None, None)
    if sum(counts) < n:
        rows = np.flatnonzero(vidx < 0)
        _clear(res, rows + lo, NOT_IN_FORCE)
        for vp in plan.versions:  # in force under editions not in the sources (catalog EditionGap)
            if vp.gap_start:
                days = on.take(rows)
                gap = rows[(days >= np.int32(vp.gap_start)) & (days < np.int32(vp.start))]
                res.decision[gap + lo] = EDITION_NOT_IN_SOURCES


def _clear(res: VectorResult, rows: np.ndarray, decision: int) -> None:
    res.decision[rows] = decision
    res.fired[rows] = 0
    res.unknown[rows] = 0
    res.obligations[rows] = 0
    res.missing[rows] = 0


class _Bits:
    """A per-case bitmask built from bool masks (bit i = mask i), a byte at a time: a bool array
    is 0/1 bytes, so `mask · 2^(i mod 8)` and `|` on uint8 (NumPy's fast loops; shifts of uint8 and
    mixed-width operations are many times slower)."""

    def __init__(self, n: int):
        self.n = n
        self.bytes: dict[int, Any] = {}

    def add(self, mask, bit: int) -> None:
        if not _arr(mask):
            if not mask:
                return
            mask = np.ones(self.n, bool)
        byte, shift = divmod(bit, 8)
        part = np.multiply(mask.view(np.uint8), np.uint8(1 << shift))
        acc = self.bytes.get(byte)
        if acc is None:
            self.bytes[byte] = part
        else:
            np.bitwise_or(acc, part, out=acc)

    def any(self):
        out = _F
        for acc in self.bytes.values():
            out = acc if out is _F else out | acc
        return out if out is _F else out != 0

    def value(self, dtype=np.uint32, rows=None, out=None):
        """The mask as `dtype` (at `rows` only, when given; into `out` and its type, when given)."""
        if out is not None:
            dtype = out.dtype.type
        items = sorted(self.bytes.items())
        if not items:
            if out is not None:
                out[...] = 0
                return out
            return np.zeros(self.n if rows is None else len(rows), dtype)
        result = None
        for k, (byte, acc) in enumerate(items):
            last = k == len(items) - 1
            src = acc if rows is None else acc.take(rows)
            if result is None:
                if out is not None and last and not byte:
                    np.copyto(out, src)  # uint8 → dtype
                    return out
                result = src.astype(dtype)
                if byte:
                    np.multiply(result, dtype(1 << (8 * byte)), out=result)
                continue
            part = src.astype(dtype)
            target = out if (out is not None and last) else result
            np.multiply(part, dtype(1 << (8 * byte)), out=part)
            np.bitwise_or(result, part, out=target)
            result = target
        if out is not None and result is not out:
            np.copyto(out, result)
            return out
        return result


def _evaluate_version(
    plan: Plan,
    vp: VersionPlan,
    table: FactsTable,
    sel,
    on: np.ndarray,
    res: VectorResult,
    pending,
    only,
    whole,
) -> None:
    """The hot pass of one version over a chunk (`sel`: a slice, or the rows of that version).

    It reads every fact column as present (no `missing` masks: about half the operations of the
    three-valued algebra go), which is exact for a ground or obligation on every row where the facts
    it reads are present. The rows with an absent fact, or with an unknown ground or obligation, are
    left to `_exact_pass` with what it needs to redo only the grounds concerned."""
    n = len(on)
    ctx = _Ctx(plan, table, sel, on, want_bits=False, assume_present=True, whole=whole)
    fired = _Bits(n)
    unknown = _Bits(n)
    for g in vp.grounds:
        b = _ground(g, ctx)
        fired.add(b.t, g.item - 1)
        unknown.add(_not(b.k), g.item - 1)
    refused = fired.any()
    not_refused = _not(refused)
    duties = _Bits(n)
    ob_unknown = _Bits(n)
    for j, f in enumerate(vp.obligations):
        b = f(ctx)
        duties.add(b.t, j)
        ob_unknown.add(_not(b.k), j)
    ctx.cache.clear()  # item contexts refer back to their chunk: free the chunk's arrays now, not at gc
    # grounds.decide: refuse when a ground fires, else needs_facts when a ground or an obligation
    # is unknown (whether or not it names a missing fact), else grant
    any_unknown = unknown.any()
    ob_unknown_grant = _and(ob_unknown.any(), not_refused)
    asks = _and(_or(any_unknown, ob_unknown_grant), not_refused)
    # REFUSE = 1, NEEDS_FACTS = 2 (asks excludes refused), written in place for a slice
    direct = isinstance(sel, slice)
    decision = res.decision[sel] if direct else np.empty(n, np.uint8)
    if _arr(asks):
        np.multiply(asks.view(np.uint8), np.uint8(NEEDS_FACTS), out=decision)
    else:
        decision[...] = NEEDS_FACTS if asks else GRANT
    if _arr(refused):
        np.add(decision, refused.view(np.uint8), out=decision)
    elif refused:
        decision[...] = REFUSE
    if direct:
        fired.value(out=res.fired[sel])
    else:
        res.fired[sel] = fired.value()
        res.decision[sel] = decision
    if vp.obligations:
        granted = duties.value(out=res.obligations[sel] if direct else None)
        if _arr(refused):
            np.multiply(granted, not_refused, out=granted)  # obligations come with a grant only
        elif refused:
            granted[...] = 0
        if not direct:
            res.obligations[sel] = granted
    elif not direct:
        res.obligations[sel] = 0
    # rows with an absent fact among those the version reads (chunk positions, column bit)
    absent_at = []
    for j, path in enumerate(vp.columns):
        col = table.columns.get(path)
        if col is not None and col.missing is not None:
            if isinstance(sel, slice) and whole is not None:
                # where each chunk's absent rows begin, found once per table
                key = ("absent", path)
                starts = whole.get(key)
                if starts is None:
                    size = whole["chunk"]
                    starts = whole[key] = np.searchsorted(col.missing, np.arange(0, table.n + size, size))
                k = sel.start // whole["chunk"]
                where = col.missing[starts[k] : starts[k + 1]] - sel.start
            elif isinstance(sel, slice):
                a, b = np.searchsorted(col.missing, (sel.start, sel.stop))
                where = col.missing[a:b] - sel.start
            else:
                where = np.flatnonzero(_absent_at(col.missing, sel))
            if len(where):
                absent_at.append((min(j, 63), where))
    any_absent = _F
    absent_bits = None
    if absent_at:
        wide = np.uint64 if len(vp.columns) > 32 else np.uint32
        absent_bits = np.zeros(n, wide)  # bit j: columns[j] is absent
        for bit, where in absent_at:
            absent_bits[where] |= wide(1 << bit)
        any_absent = absent_bits != 0
    need = _or(_or(any_absent, any_unknown), ob_unknown_grant)
    if only is not None:  # a chunk of several versions: this version's rows only
        need = _and(need, only)
    if _arr(need):
        local = np.flatnonzero(need)
    elif need:
        local = np.arange(n)
    else:
        return
    if not len(local):
        return
    rows = local + sel.start if isinstance(sel, slice) else sel.take(local)
    if absent_bits is not None:
        absent = absent_bits.take(local)
    else:
        absent = np.zeros(len(local), np.uint64 if len(vp.columns) > 32 else np.uint32)
    pending.setdefault(vp.index, []).append(
        (
            rows,
            absent,
            unknown.value(np.uint32, local),
            fired.value(np.uint32, local),
            duties.value(np.uint32, local),  # as computed, before a refusal clears them
            ob_unknown.value(np.uint32, local),
        )
    )


def _exact_pass(plan: Plan, vp: VersionPlan, table: FactsTable, on_all: np.ndarray, parts, res) -> None:
    """The rows left by the hot pass, exactly: a ground (or obligation) is evaluated again, with
    absent facts and their names, on the rows where it reads an absent fact or was unknown; on the
    other rows its hot result stands. Then the decision, the unknown grounds and the missing facts
    (those of unknown grounds, and of unknown obligations unless refused), as `grounds.decide`."""
    rows, absent, unknown, fired, duties, ob_unknown = (np.concatenate(x) for x in zip(*parts, strict=True))
    m = len(rows)
    bits = np.zeros(m, np.uint64)
    # which columns are absent somewhere, which grounds / obligations were unknown somewhere: the
    # rows of a ground are looked for only where they can be
    wide = absent.dtype.type  # uint32 for ≤ 32 columns, else uint64
    cols_seen = int(np.bitwise_or.reduce(absent)) if m else 0
    unknown_seen = int(np.bitwise_or.reduce(unknown)) if m else 0
    ob_seen = int(np.bitwise_or.reduce(ob_unknown)) if m else 0

    hot_unknown = unknown.copy()

    def redo(fn, mask_bits, bit: int, col_mask: int, sel_extra=None):
        seen = unknown_seen if mask_bits is hot_unknown else ob_seen
        sel = _F
        if seen & bit:
            sel = (mask_bits & np.uint32(bit)) != 0
        if col_mask & cols_seen:
            sel = _or(sel, (absent & wide(col_mask & cols_seen)) != 0)
        if sel_extra is not None:
            sel = _and(sel, sel_extra)
        if not _arr(sel):
            return None
        idx = np.flatnonzero(sel)
        if not len(idx):
            return None
        sub = rows.take(idx)
        ctx = _Ctx(plan, table, sub, None, want_bits=True, on_all=on_all)
        b = fn(ctx)
        ctx.cache.clear()
        k = len(idx)
        t = np.broadcast_to(b.t, (k,)).astype(np.uint32) * np.uint32(bit)
        unk = np.broadcast_to(_not(b.k), (k,))
        if b.bits is not _Z:
            bits[idx] |= np.broadcast_to(_bits_where(unk, b.bits), (k,))
        return idx, t, unk.astype(np.uint32) * np.uint32(bit)

    # what the hot pass wrote for these rows (a row is written again only where it changes: the
    # writes land at scattered rows, one cache miss each)
    hot_fired = fired.copy()
    hot_decision = _decisions(fired, unknown, ob_unknown)
    hot_duties = duties * (fired == 0)
    keep = np.uint32(0xFFFFFFFF)
    for g, col_mask in zip(vp.grounds, vp.ground_masks, strict=True):
        bit = 1 << (g.item - 1)
        extra = None
        if g.strict is not None and col_mask & cols_seen:
            # the rows where its one fact is absent: unknown, naming that fact, without evaluating
            where = (absent & wide(col_mask)) != 0
            idx = np.flatnonzero(where)
            fired[idx] &= keep ^ np.uint32(bit)
            unknown[idx] |= np.uint32(bit)
            bits[idx] |= np.uint64(1 << plan.bit_index[g.strict])
            col_mask = 0  # the other rows: where it was unknown with its fact present
            extra = ~where
        done = redo(lambda ctx, g=g: _ground(g, ctx), hot_unknown, bit, col_mask, extra)
        if done is not None:
            idx, t, unk = done
            fired[idx] = (fired[idx] & (keep ^ np.uint32(bit))) | t
            unknown[idx] = (unknown[idx] & (keep ^ np.uint32(bit))) | unk
    refused = fired != 0
    granted = ~refused
    for j, (f, col_mask) in enumerate(zip(vp.obligations, vp.obligation_masks, strict=True)):
        bit = 1 << j
        done = redo(f, ob_unknown, bit, col_mask, granted)
        if done is not None:
            idx, t, unk = done
            duties[idx] = (duties[idx] & (keep ^ np.uint32(bit))) | t
            ob_unknown[idx] = (ob_unknown[idx] & (keep ^ np.uint32(bit))) | unk
    duties *= granted
    decision = _decisions(fired, unknown, ob_unknown)
    for out, new, old in (
        (res.fired, fired, hot_fired),
        (res.decision, decision, hot_decision),
        (res.obligations, duties, hot_duties),
        (res.unknown, unknown, 0),  # the hot pass leaves these at 0
        (res.missing, bits, 0),
    ):
        changed = np.flatnonzero(new != old)
        if len(changed):
            out[rows.take(changed)] = new.take(changed)


def _decisions(fired: np.ndarray, unknown: np.ndarray, ob_unknown: np.ndarray) -> np.ndarray:
    """grounds.decide from the masks: refuse when a ground fires, else needs_facts when a ground or
    an obligation is unknown, else grant."""
    granted = fired == 0
    asks = ((unknown != 0) | (ob_unknown != 0)) & granted
    return (~granted).view(np.uint8) + asks.view(np.uint8) * np.uint8(NEEDS_FACTS)


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
