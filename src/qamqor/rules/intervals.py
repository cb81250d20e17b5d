"""Unknown numbers known to lie in a range: how a missing fact whose definition declares its range
(e.g. a household of at least one person) can still decide a comparison (docs/decisions/0013).

Interval arithmetic on closed hulls: `x / y` with y's range excluding 0 spans the quotients of the
ends; `x op y` is decided when every pair of values of the two ranges gives the same answer. The
hull may be larger than the set of possible values (an open end), which can only leave a comparison
undecided, never decide it wrongly: the engine stays sound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Bounds:
    """An unknown number known to lie in [lo, hi]: a missing fact whose definition declares its range
    (e.g. a household counts at least 1 person), or arithmetic on one. Its missing facts are already in
    `Context.missing`; a comparison that the whole interval decides forgets them (docs/decisions/0013).
    The interval is a closed hull of the possible values, so a comparison it decides is decided for
    every value the fact can take (sound), while an open end only costs a decision, never a wrong one."""

    lo: float
    hi: float


UNBOUNDED = Bounds(-math.inf, math.inf)


# comparisons an interval can decide: (true when, false when) on the hulls [a.lo, a.hi] and [b.lo, b.hi]
INTERVAL_OPS = {
    "lt": (lambda a, b: a.hi < b.lo, lambda a, b: a.lo >= b.hi),
    "le": (lambda a, b: a.hi <= b.lo, lambda a, b: a.lo > b.hi),
    "gt": (lambda a, b: a.lo > b.hi, lambda a, b: a.hi <= b.lo),
    "ge": (lambda a, b: a.lo >= b.hi, lambda a, b: a.hi < b.lo),
    "eq": (lambda a, b: a.lo == a.hi == b.lo == b.hi, lambda a, b: a.hi < b.lo or b.hi < a.lo),
    "ne": (lambda a, b: a.hi < b.lo or b.hi < a.lo, lambda a, b: a.lo == a.hi == b.lo == b.hi),
}


def _as_interval(v: Any) -> Bounds | None:
    if type(v) is Bounds:
        return v
    if isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v):
        return Bounds(v, v)
    return None  # null, a word, a flag, a missing value without a range: nothing to decide with


def compare_bounds(op: str | None, x: Any, y: Any) -> bool | None:
    """`x op y` where an operand is an unknown number in a range: true or false when every value of
    the range gives that answer, else None."""
    if op is None:
        return None
    a, b = _as_interval(x), _as_interval(y)
    if a is None or b is None:
        return None
    when_true, when_false = INTERVAL_OPS[op]
    if when_true(a, b):
        return True
    if when_false(a, b):
        return False
    return None


def _quotient(x: float, y: float) -> float:
    """x / y at the ends of ranges (y ≠ 0, y may be infinite): nan when undefined (∞ / ∞)."""
    if math.isinf(y):
        return math.nan if math.isinf(x) else 0.0
    return x / y


def div_bounds(x: Any, y: Any) -> Any:
    """x / y when an operand is an unknown number in a range. The quotient's hull is spanned by the
    quotients of the ends, provided the divisor's range does not hold 0 (then the quotient is
    unbounded): e.g. an income of 0 over a household of at least 1 person is exactly 0, and an income
    x ≥ 0 over such a household lies in [0, x] (docs/decisions/0013)."""
    a, b = _as_interval(x), _as_interval(y)
    if a is None or b is None:
        return None  # the caller's "unknown, no range"
    if b.lo <= 0 <= b.hi:
        return UNBOUNDED
    corners = [_quotient(p, q) for p in (a.lo, a.hi) for q in (b.lo, b.hi)]
    if any(math.isnan(c) for c in corners):
        return UNBOUNDED
    return Bounds(min(corners), max(corners))
