"""Complaint routes, channels and clocks per procedure text, from `complaints.yaml` (pure, no Django).

Strict like the service loader: an unknown key, a rule without citations (unless it is `unknown`
with its reason), an `analogy` without its note, a term without its anchor are errors. A text with no
complaint clause in the seeds (the standards of `001`, `004`) follows `analogy_order` and every rule
it gets says so (`certainty="analogy"` and the text followed). Due dates are counted with the
working-time calendar (`rules.calendar`); the clock is an argument, nothing here reads it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from qamqor.catalog.procedure import Basis
from qamqor.rules.calendar import Calendar, get_calendar
from qamqor.rules.types import Citation

COMPLAINTS_FILE = Path(__file__).resolve().parent / "complaints.yaml"
ROUTES = ("provider_head", "akimat_head", "state_corp_head", "authorised_body")
CHANNELS = ("portal", "provider", "state_corp", "akimat", "post")
CLOCKS = ("forward", "unless_satisfied", "review")
ANCHORS = ("received", "forwarded")
_RULE_KEYS = {"citations", "certainty", "note", "term", "from", "to"}
_TEXT_KEYS = {"note", "routes", "channels", "review_body", "answer", "escalate", "court"}
_ROUTE_KEYS = {"addressed", *CLOCKS}


class ComplaintCatalogError(ValueError):
    """complaints.yaml is malformed."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its basis (citations, certainty, note), and for a clock its term in working days
    and the day it counts from; for escalation the route it goes to."""

    basis: Basis
    term: int | None = None
    anchor: str | None = None
    to: str | None = None

    @property
    def known(self) -> bool:
        return self.basis.certainty != "unknown"

    def due(self, anchor_day: dt.date, calendar: Calendar | None = None) -> dt.date | None:
        """The last day of the term: the `term`-th working day after `anchor_day` (None: unknown)."""
        if self.term is None:
            return None
        return (calendar or get_calendar()).add_working_days(anchor_day, self.term)

    def as_dict(self) -> dict:
        d = self.basis.as_dict()
        if self.term is not None:
            d |= {"term": self.term, "unit": "working_days", "from": self.anchor}
        if self.to:
            d["to"] = self.to
        return d


@dataclass(frozen=True)
class RouteRules:
    addressed: Rule
    forward: Rule | None  # None: the text has no forwarding step (the complaint reaches the head directly)
    unless_satisfied: Rule | None
    review: Rule


@dataclass(frozen=True)
class TextRules:
    """What one procedure text says of complaints."""

    text: str
    routes: dict[str, RouteRules]
    channels: dict[str, Rule]
    review_body: Rule
    answer: Rule
    escalate: Rule
    court: Rule

    def route(self, route: str) -> RouteRules | None:
        return self.routes.get(route)


@dataclass(frozen=True)
class ComplaintRules:
    texts: dict[str, TextRules]
    analogy_order: tuple[str, ...]
    complainant_details: tuple[tuple[str, ...], Rule]
    contact_centre: Rule

    def for_text(self, text: str) -> TextRules:
        """The rules of procedure text `text`, or of the first analogy text, each rule marked so."""
        if text in self.texts:
            return self.texts[text]
        src = self.analogy_order[0]
        note = (
            f"the seeds hold no complaint clause of procedure text {text or 'unknown'}; "
            f"the complaint procedure of {src} is followed, unconfirmed for this service"
        )
        return _by_analogy(self.texts[src], note)


def _as_analogy(rule: Rule | None, note: str) -> Rule | None:
    if rule is None or rule.basis.certainty == "unknown":
        return rule
    b = rule.basis
    return replace(rule, basis=Basis(b.citations, "analogy", "; ".join(x for x in (note, b.note) if x)))


def _by_analogy(src: TextRules, note: str) -> TextRules:
    def route(r: RouteRules) -> RouteRules:
        return RouteRules(
            *(_as_analogy(x, note) for x in (r.addressed, r.forward, r.unless_satisfied, r.review))
        )

    return TextRules(
        text=src.text,
        routes={k: route(v) for k, v in src.routes.items()},
        channels={k: _as_analogy(v, note) for k, v in src.channels.items()},
        review_body=_as_analogy(src.review_body, note),
        answer=_as_analogy(src.answer, note),
        escalate=_as_analogy(src.escalate, note),
        court=_as_analogy(src.court, note),
    )


def _rule(m, where: str) -> Rule:
    if not isinstance(m, dict):
        raise ComplaintCatalogError(f"{where}: a rule is a mapping")
    extra = set(m) - _RULE_KEYS
    if extra:
        raise ComplaintCatalogError(f"{where}: unknown keys {sorted(extra)}")
    certainty = m.get("certainty", "exact")
    if certainty not in ("exact", "analogy", "unknown"):
        raise ComplaintCatalogError(f"{where}: certainty is exact, analogy or unknown")
    cits = tuple(Citation(str(c["source"]), str(c["clause"])) for c in m.get("citations") or ())
    note = str(m.get("note") or "")
    if certainty == "unknown":
        if not note or "term" in m:
            raise ComplaintCatalogError(f"{where}: an unknown rule gives its reason and no term")
    elif not cits:
        raise ComplaintCatalogError(f"{where}: every rule cites its clause")
    if certainty == "analogy" and not note:
        raise ComplaintCatalogError(f"{where}: an analogy says what it follows")
    term = m.get("term")
    anchor = m.get("from")
    if term is not None and (not isinstance(term, int) or term <= 0 or anchor not in ANCHORS):
        raise ComplaintCatalogError(
            f"{where}: a term is a positive number of working days with from: {ANCHORS}"
        )
    to = m.get("to")
    if to is not None and to not in ROUTES:
        raise ComplaintCatalogError(f"{where}: escalation goes to one of {ROUTES}")
    return Rule(Basis(cits, certainty, note), term, anchor, to)


def _route(name: str, m: dict, where: str) -> RouteRules:
    if name not in ROUTES:
        raise ComplaintCatalogError(f"{where}: unknown route {name!r}")
    extra = set(m) - _ROUTE_KEYS
    if extra or "addressed" not in m or "review" not in m:
        raise ComplaintCatalogError(f"{where}: a route has addressed, review (and forward, unless_satisfied)")
    rules = {k: _rule(m[k], f"{where}.{k}") if k in m else None for k in ("addressed", *CLOCKS)}
    if (rules["forward"] is None) != (rules["unless_satisfied"] is None):
        raise ComplaintCatalogError(f"{where}: forward and unless_satisfied go together")
    return RouteRules(rules["addressed"], rules["forward"], rules["unless_satisfied"], rules["review"])


def _text(name: str, m: dict) -> TextRules:
    extra = set(m) - _TEXT_KEYS
    if extra:
        raise ComplaintCatalogError(f"{name}: unknown keys {sorted(extra)}")
    channels = {str(k): _rule(v, f"{name}.channels.{k}") for k, v in (m.get("channels") or {}).items()}
    if set(channels) - set(CHANNELS):
        raise ComplaintCatalogError(f"{name}: unknown channels {sorted(set(channels) - set(CHANNELS))}")
    escalate = _rule(m["escalate"], f"{name}.escalate")
    if escalate.to is None:
        raise ComplaintCatalogError(f"{name}.escalate: names the route it goes to")
    return TextRules(
        text=name,
        routes={str(k): _route(str(k), v, f"{name}.routes.{k}") for k, v in m["routes"].items()},
        channels=channels,
        review_body=_rule(m["review_body"], f"{name}.review_body"),
        answer=_rule(m["answer"], f"{name}.answer"),
        escalate=escalate,
        court=_rule(m["court"], f"{name}.court"),
    )


def load_complaint_rules(path: Path = COMPLAINTS_FILE) -> ComplaintRules:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    extra = set(raw) - {"texts", "analogy_order", "complainant_details", "contact_centre"}
    if extra:
        raise ComplaintCatalogError(f"{path.name}: unknown keys {sorted(extra)}")
    texts = {str(k): _text(str(k), v) for k, v in raw["texts"].items()}
    order = tuple(str(x) for x in raw.get("analogy_order") or ())
    if not order or set(order) - set(texts):
        raise ComplaintCatalogError(f"{path.name}: analogy_order names texts of the file")
    details = raw["complainant_details"]
    fields = tuple(str(f) for f in details.get("fields") or ())
    return ComplaintRules(
        texts=texts,
        analogy_order=order,
        complainant_details=(fields, _rule({k: v for k, v in details.items() if k != "fields"}, "details")),
        contact_centre=_rule(raw["contact_centre"], "contact_centre"),
    )


@functools.cache
def complaint_rules() -> ComplaintRules:
    """The complaint rules shipped with the catalogue, loaded once per process."""
    return load_complaint_rules()
