"""What the sandbox history is made of, read from the catalogue: which service could be applied for
through which channel on which day (a version in force with that channel), the facts a case of it
carries (the catalogue's own scenarios, each judged by the rules engine), and the steps of its life
(rows of the transition table, each with its legal basis from the procedure text).

The demand figures below — how many applications a service gets relative to another, how they
swell before summer or September, how often a case is refused, withdrawn or late — are assumptions of
the synthetic data set, not law; nothing here decides a case (the rules engine judged each profile).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from qamqor.cases.transitions import TABLE, Transition, basis_for
from qamqor.catalog import evaluate_version
from qamqor.catalog.model import Catalog, ServiceVersion
from qamqor.catalog.procedure import Basis, procedures
from qamqor.catalog.provenance import split_facts

SCENARIOS = Path(__file__).resolve().parents[2] / "catalog" / "scenarios"
CONSENT = "consent_personal_data"

# Relative yearly demand per service (synthetic): a camp referral is asked for most often, a placement
# in a family rarely. Services the catalogue gives no channel for get no cases whatever the weight.
DEMAND = {
    "camp-referral": 40.0,
    "school-meals": 40.0,
    "rural-school-transport": 8.0,
    "parent-meeting-permission": 8.0,
    "guardianship-establishment": 12.0,
    "foster-family-placement": 4.0,
    "patronage-placement": 2.0,
    "minor-property-certificate": 3.0,
    "child-opinion-decision": 2.0,
}
# Monthly factor (January … December), synthetic: camps before the summer holidays, school meals and
# transport before 1 September, placements a little higher when the school year starts.
SEASON = {
    "camp-referral": (0.3, 0.3, 0.6, 1.8, 2.6, 2.0, 0.7, 0.3, 0.2, 0.2, 0.2, 0.3),
    "school-meals": (0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1.5, 3.5, 3.0, 0.6, 0.3, 0.2),
    "rural-school-transport": (0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1.5, 3.5, 3.0, 0.6, 0.3, 0.2),
}
FLAT = (0.8, 0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.9, 1.3, 1.2, 1.1, 1.0)
CHANNEL_SHARE = {"portal": 0.6, "state_corp": 0.25, "provider": 0.15}  # of the channels a version has
GROWTH = 0.08  # yearly growth of demand
REFUSED_TO_ACCEPT = 0.02  # of office submissions: the package is incomplete at the counter
WITHDRAWN = 0.01
REFUSED = 0.06  # of examined cases: a refusal profile is drawn
LATE = 0.07  # cases decided after their term
AWAITING_REGISTRY = 0.1  # cases that wait for a state registry's answer during review
STUCK_OPEN = 0.25  # of the cases of the last half year: still open at their review
STUCK_WINDOW = 180  # days


@dataclass(frozen=True)
class Profile:
    """The facts of a case and the rules' answer over them (grounds as the gate records them)."""

    name: str
    facts: dict[str, Any]  # {fact path: value}, the consent left out (it is the application's own)
    consent: bool
    decision: str  # grant | refuse
    valid_from: dt.date  # the rules give this answer from this day on (`_valid_from`)


@dataclass(frozen=True)
class Step:
    transition: Transition
    basis: Basis

    @property
    def action(self) -> str:
        return self.transition.action


@dataclass
class VersionPlan:
    version: ServiceVersion
    channels: tuple[str, ...]
    automated: bool
    grants: list[Profile] = field(default_factory=list)
    refusals: list[Profile] = field(default_factory=list)
    submit_basis: dict[str, Basis] = field(default_factory=dict)  # by channel

    @property
    def open_from(self) -> dt.date:
        """The first day a case can be drawn: one of its first grant profiles is decided by then."""
        return min(p.valid_from for p in self.grants)

    @property
    def usable(self) -> bool:
        return bool(self.channels and self.grants and self.version.term is not None)


def _scenarios(slug: str) -> list[dict]:
    path = SCENARIOS / f"{slug}.yaml"
    if not path.exists():
        return []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return (yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}).get("scenarios") or []  # nosec B506  # a safe loader


def _profiles(catalog: Catalog, version: ServiceVersion) -> tuple[list[Profile], list[Profile]]:
    """The service's scenarios whose facts the rules decide under this version (judged here, on the
    version's first day; a case's own evaluation is recomputed on its decision day)."""
    grants: list[Profile] = []
    refusals: list[Profile] = []
    for sc in _scenarios(version.slug):
        facts = dict(sc.get("facts") or {})
        consent = facts.pop(CONSENT, None)
        if consent is None and version.needs_consent:
            continue
        flat = split_facts(facts, version.facts_read)
        if flat.pop(None, None):
            continue  # a scenario of another version's facts
        on = max(version.in_force_from, dt.date.fromisoformat(str(sc.get("on") or version.in_force_from)))
        if not version.in_force_on(on):
            on = version.in_force_from
        full = {**facts, CONSENT: bool(consent)} if version.needs_consent else facts
        result = evaluate_version(catalog, version, full, on)
        if result.decision not in ("grant", "refuse"):
            continue
        if len(grants if result.decision == "grant" else refusals) >= KEEP[result.decision]:
            continue
        valid_from = _valid_from(catalog, version, full, result.decision)
        if valid_from is None:
            continue
        if any(_source_kind(version, p)[0] is None for p in flat):
            continue
        profile = Profile(str(sc.get("name", "")), flat, bool(consent), result.decision, valid_from)
        (grants if result.decision == "grant" else refusals).append(profile)
    return grants, refusals


STABLE_UNTIL = dt.date(2036, 1, 1)
KEEP = {"grant": 3, "refuse": 6}  # profiles drawn from, per version


def _valid_from(catalog: Catalog, version: ServiceVersion, facts: dict, decision: str) -> dt.date | None:
    """The first day from which the rules give this answer on every month to the window's end (a
    parameter the catalogue lacks for a year, an age, a time since, give another answer before), or
    None: a case with these facts decided on an earlier day would have a decision its facts do not
    support, so the history draws the profile only for cases submitted from then on."""
    day, last = version.in_force_from, min(version.in_force_until or STABLE_UNTIL, STABLE_UNTIL)
    valid = None
    while day < last:
        if evaluate_version(catalog, version, facts, day).decision == decision:
            valid = valid or day
        else:
            valid = None
        day += dt.timedelta(days=30)
    return valid


SOURCE_ORDER = ("declaration", "registry", "databank", "officer")


def _source_kind(version: ServiceVersion, path: str) -> tuple[str | None, str]:
    """How a fact reaches a case of the history: the first source the law accepts for it."""
    rule = version.fact_source(path)
    if rule is None:
        return None, ""
    for kind in SOURCE_ORDER:
        if kind in rule.accept:
            return kind, (rule.registries[0] if kind == "registry" and rule.registries else "")
    return None, ""


_SOURCES: dict[tuple[str, str, str], tuple[str | None, str]] = {}


def source_kind(version: ServiceVersion, path: str) -> tuple[str | None, str]:
    key = (version.slug, version.id, path)
    if key not in _SOURCES:
        _SOURCES[key] = _source_kind(version, path)
    return _SOURCES[key]


def plan_catalogue(catalog: Catalog) -> dict[str, list[VersionPlan]]:
    """Every service's versions, each with what a case of it can be (unusable ones kept for the report)."""
    out: dict[str, list[VersionPlan]] = {}
    intake = {"provider": "intake_provider", "state_corp": "intake_state_corp", "portal": "intake_portal"}
    for slug, service in sorted(catalog.services.items()):
        plans = []
        for v in service.versions:
            channels = tuple(c for c in v.channel_codes if c in CHANNEL_SHARE)
            automated = "electronic_full" in v.form
            vp = VersionPlan(v, channels, automated)
            vp.grants, vp.refusals = _profiles(catalog, v)
            text = v.procedure.text if v.procedure else ""
            for ch in channels:
                basis = procedures().resolve(intake[ch], text)
                if v.legal_basis:
                    basis = basis + Basis((v.legal_basis.citation,))
                vp.submit_basis[ch] = basis
            plans.append(vp)
        out[slug] = plans
    return out


def why_not(vp: VersionPlan) -> str:
    if not vp.channels:
        return "the definition names no channel (its text is not in the sources)"
    if vp.version.term is None:
        return "the definition gives no term"
    if not vp.grants:
        return "no scenario of the catalogue is granted under this version"
    return ""


@cache
def step(action: str, target: str, channel: str, role: str, procedure_text: str) -> Step:
    """The row of the transition table for this move (as `move_case` picks it) with its basis."""
    for t in TABLE:
        if (
            t.action == action
            and t.target == target
            and role in t.roles
            and (t.channels is None or channel in t.channels)
        ):
            return Step(t, basis_for(t, procedure_text))
    raise LookupError(f"no transition {action} → {target} on {channel} for {role}")


_EVALUATIONS: dict[tuple, tuple[dict, list[dict]]] = {}


def evaluation_of(catalog: Catalog, version: ServiceVersion, profile: Profile, on: dt.date):
    """The rules' evaluation of a profile on a day as a decision stores it (`Verdict.record`, without
    the per-case fact sources) and its grounds (`Verdict.grounds`, without the evidence)."""
    key = (version.slug, version.id, profile.name, on)
    if key not in _EVALUATIONS:
        facts = _nested(profile.facts)
        if version.needs_consent:
            facts[CONSENT] = profile.consent
        result = evaluate_version(catalog, version, facts, on)
        if result.decision != profile.decision:  # the rules of that day do not give the answer
            _EVALUATIONS[key] = None
            return None
        grounds = [g.as_dict() for g in result.grounds]
        _EVALUATIONS[key] = (result.as_dict(full=True), grounds)
    return _EVALUATIONS[key]


def _nested(flat: dict[str, Any]) -> dict:
    out: dict = {}
    for path, value in flat.items():
        node = out
        *head, last = path.split(".")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = value
    return out
