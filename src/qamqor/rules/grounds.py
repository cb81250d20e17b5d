"""Refusal grounds and obligations as pure functions of (facts, params, on).

A ground fires when its rule is true and none of its exceptions is (three-valued: a false rule or an
exception that holds settles it, whatever else is unknown); the decision is `refuse` when a ground fires, `needs_facts` when none fires but one is unknown, else `grant` (with the obligations
that come with a grant). Nothing here reads the clock or imports Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qamqor.rules.intervals import Bounds
from qamqor.rules.logic import Compiled, Context, Exception_, apply_exceptions, as_condition
from qamqor.rules.types import Citation, Interpretation, Text


@dataclass(frozen=True, slots=True)
class Ground:
    item: int
    code: str
    text: Text
    citation: Citation
    when: Compiled
    unless: tuple[Exception_, ...] = ()
    judgement: bool = False  # needs an officer's finding, recorded with a written reason
    interpretation: Interpretation | None = None  # the reading chosen where the text allows several
    # derived once: the rule as a condition, and the (shared, immutable) result of a clear ground
    test: Callable[[Context], bool | None] = field(init=False, repr=False, compare=False)
    clear: GroundResult = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "test", as_condition(self.when))
        object.__setattr__(
            self,
            "clear",
            GroundResult(
                self.item,
                self.code,
                "clear",
                self.citation,
                self.text,
                self.judgement,
                interpretation=self.interpretation,
            ),
        )


@dataclass(frozen=True, slots=True)
class Due:
    value: int
    unit: str  # calendar_years, calendar_months, working_days…
    anchor: str  # what the count runs from (e.g. "decision")

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "from": self.anchor}


@dataclass(frozen=True, slots=True)
class Obligation:
    code: str
    text: Text
    citation: Citation
    when: Compiled
    due: Due | None = None
    test: Callable[[Context], bool | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "test", as_condition(self.when))


@dataclass(frozen=True, slots=True)
class GroundResult:
    item: int
    code: str
    status: str  # fired | clear | unknown | excepted
    citation: Citation
    text: Text
    judgement: bool
    missing_facts: tuple[str, ...] = ()
    exception: Exception_ | None = None
    trace: tuple = ()
    interpretation: Interpretation | None = None

    def explanation(self) -> dict[str, str]:
        """kk / ru / en: the ground's wording, the clause, the facts that made it fire and the reading
        of the text it was applied under, when the text allows more than one."""
        detail = "; ".join(_trace_line(t) for t in self.trace if t[-1] is not None)
        out = {}
        for lang in ("kk", "ru", "en"):
            line = f"{self.text.get(lang)} ({self.citation})"
            if detail:
                line += f" [{detail}]"
            if self.interpretation is not None:
                line += f" — {self.interpretation.line(lang)}"
            out[lang] = line
        return out

    def as_dict(self) -> dict:
        d: dict[str, Any] = {
            "item": self.item,
            "code": self.code,
            "status": self.status,
            "citation": self.citation.as_dict(),
            "judgement": self.judgement,
            "explanation": self.explanation(),
        }
        if self.missing_facts:
            d["missing_facts"] = list(self.missing_facts)
        if self.interpretation is not None:
            d["interpretation"] = self.interpretation.as_dict()
        if self.exception is not None:
            d["exception"] = {
                "code": self.exception.code,
                "citation": self.exception.citation.as_dict(),
                "text": self.exception.text.as_dict(),
            }
        return d


@dataclass(frozen=True, slots=True)
class ObligationResult:
    code: str
    text: Text
    citation: Citation
    due: Due | None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "text": self.text.as_dict(),
            "citation": self.citation.as_dict(),
            "due": self.due.as_dict() if self.due else None,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: str  # grant | refuse | needs_facts
    grounds: tuple[GroundResult, ...]  # every ground, in item order
    missing_facts: tuple[str, ...]
    obligations: tuple[ObligationResult, ...]

    @property
    def fired(self) -> tuple[GroundResult, ...]:
        return tuple(g for g in self.grounds if g.status == "fired")


def _value_text(v) -> str:
    """`= value`, or for an unknown number in its declared range `∈ [lo, hi]` (decided all the same)."""
    if type(v) is Bounds:
        ends = ("∞" if math.isinf(x) and x > 0 else "-∞" if math.isinf(x) else f"{x:g}" for x in (v.lo, v.hi))
        return "∈ [{}, {}]".format(*ends)
    return f"= {v!r}"


def _trace_line(t) -> str:
    left_text, left, symbol, right_text, right, result = t
    if right_text == repr(right):
        return f"{left_text} {_value_text(left)} {symbol} {right!r}"
    return f"{left_text} {_value_text(left)} {symbol} {right_text} {_value_text(right)}"


def evaluate_ground(ground: Ground, ctx: Context, *, explain: bool = False) -> GroundResult:
    mark = len(ctx.missing)
    trace: tuple = ()
    if explain:
        ctx.trace = []
    value = ground.test(ctx)
    if value is False and not explain:
        return ground.clear
    exception = None
    if value is not False and ground.unless:
        # an exception that holds settles the ground even while the rule is unknown (rule ∧ ¬exception)
        value, exception = apply_exceptions(value, ground.unless, ctx, mark)
    if explain:
        trace = tuple(ctx.trace)
        ctx.trace = None
    if value is True:
        status = "fired"
    elif value is None:
        status = "unknown"
    else:
        status = "clear" if exception is None else "excepted"
    missing = tuple(dict.fromkeys(ctx.missing[mark:])) if value is None else ()
    if status == "clear" and not trace:
        return ground.clear
    return GroundResult(
        ground.item,
        ground.code,
        status,
        ground.citation,
        ground.text,
        ground.judgement,
        missing,
        exception,
        trace,
        ground.interpretation,
    )


def decide(
    grounds: tuple[Ground, ...],
    obligations: tuple[Obligation, ...],
    facts: Mapping[str, Any],
    on: dt.date,
    params: Mapping[str, Any],
    *,
    explain: bool = True,
) -> Outcome:
    """Evaluate every ground; then the obligations that come with a grant."""
    ctx = Context(facts, on, params)
    results = []
    for g in grounds:
        r = evaluate_ground(g, ctx)
        if explain and (r.status == "fired" or r.status == "excepted"):
            # the trace is recorded only for the grounds whose explanation is shown
            r = evaluate_ground(g, Context(facts, on, params), explain=True)
        results.append(r)
    missing = [m for r in results if r.status == "unknown" for m in r.missing_facts]
    fired = any(r.status == "fired" for r in results)
    duties: list[ObligationResult] = []
    duty_unknown = False  # a grant whose duties cannot be told is not a complete decision
    if not fired:
        for ob in obligations:
            octx = Context(facts=facts, on=on, params=params)
            v = ob.test(octx)
            if v is True:
                duties.append(ObligationResult(ob.code, ob.text, ob.citation, ob.due))
            elif v is None:
                duty_unknown = True
                missing.extend(octx.missing)
    if fired:
        decision = "refuse"
    elif missing or duty_unknown or any(r.status == "unknown" for r in results):
        decision = "needs_facts"
    else:
        decision = "grant"
    return Outcome(
        decision=decision,
        grounds=tuple(results),
        missing_facts=tuple(sorted(set(missing))),
        obligations=tuple(duties),
    )
