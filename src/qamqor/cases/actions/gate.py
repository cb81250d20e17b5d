"""The one gate before every decision, and the completeness check.

No grant, preliminary refusal or final refusal — by an official or by the system — is recorded
unless the catalogue version pinned on the case (the one in force on its submission date) allows it
over the case's recorded facts (`cases.actions.facts.current_facts`: each fact with a source the
definition accepts), and the package it rests on is complete (`missing_documents`). `move_case` calls `verdict` inside the case's lock for every move whose
transition `decides`, and writes the `Decision` from what it returns; there is no other way to a
decision. An official's judgement (false documents, requirements not met) enters only as a finding
recorded as a fact with its evidence (`record_findings`), never as an override of the rules.

`missing_documents` is the completeness check of `003_4cf6e905af0d21d2.txt` §7 (and its
counterparts): every document the definition requires for this applicant and channel (conditions
applied over the recorded facts; a condition that cannot be decided yet keeps the document required),
present and unexpired or supplied by a registry, and the consent where a rule reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import catalog, local_date, version_of
from qamqor.cases.actions.facts import CONSENT_FACT, CurrentFacts, current_facts
from qamqor.cases.exceptions import CaseError
from qamqor.cases.models import Application
from qamqor.catalog.procedure import Basis

# a document whose code is the application itself is satisfied by the submission (catalog-format.md)
APPLICATION_FORMS = ("application", "application_electronic")


class GateRefused(CaseError):
    """The rules of the case's date do not allow this decision over its recorded facts (400)."""

    code = "gate_refused"


@dataclass(frozen=True)
class Verdict:
    """What the gate found: the evaluation, the decision it allows, the fired grounds (each with the
    evidence of the findings it rests on), their citations, and every fact with its source."""

    evaluation: object
    decision: str  # grant | refuse
    grounds: list[dict]
    basis: Basis
    current: CurrentFacts

    def record(self) -> dict:
        """The evaluation as stored on the decision, with the facts and their sources."""
        d = self.evaluation.as_dict(full=True)
        d["fact_sources"] = self.current.sources
        return d


def evaluate(case: Application, *, at: dt.datetime, current: CurrentFacts | None = None):
    """(evaluation, current facts) of the case's pinned version over its recorded facts on `at`."""
    from qamqor.catalog import evaluate_version

    version = version_of(case)
    day = local_date(at)
    current = current if current is not None else current_facts(case, version, on=day)
    return evaluate_version(catalog(), version, current.facts, day), current


def _missing_detail(version, evaluation) -> list[dict]:
    """Each missing fact with the sources the law accepts it from (what to do about it)."""
    out = []
    for path in evaluation.missing_facts:
        rule = version.fact_source(path) if not path.startswith("param:") else None
        out.append({"fact": path, "accepted": list(rule.accept) if rule else []})
    return out


def verdict(case: Application, decides: str, *, at: dt.datetime) -> Verdict:
    """The gate: `decides` (grant | preliminary_refusal | final_refusal) only where the rules allow
    it over the recorded facts; `GateRefused` naming the missing facts or the grounds otherwise."""
    version = version_of(case)
    package = missing_documents(case, at=at)
    absent = [d for d in package.missing if d != "consent"]  # a missing consent is a refusal ground
    if absent:
        raise GateRefused(
            _("The package is incomplete: %(docs)s") % {"docs": ", ".join(absent)},
            code="incomplete_package",
            details={"missing_documents": absent},
        )
    evaluation, current = evaluate(case, at=at)
    wanted = "grant" if decides == "grant" else "refuse"
    if evaluation.decision == "needs_facts":
        missing = _missing_detail(version, evaluation)
        raise GateRefused(
            _("Facts are missing: %(facts)s") % {"facts": ", ".join(m["fact"] for m in missing)},
            code="needs_facts",
            details={"missing_facts": missing},
        )
    if evaluation.decision not in ("grant", "refuse"):
        raise GateRefused(
            _("The rules of this date do not decide: %(state)s") % {"state": evaluation.decision},
            code=evaluation.decision,
        )
    if evaluation.decision != wanted:
        if wanted == "grant":
            raise GateRefused(
                _("A refusal ground applies; the application cannot be granted: %(grounds)s")
                % {"grounds": ", ".join(f"{g.code} ({g.citation})" for g in evaluation.grounds)},
                code="grounds_fire",
                details={"grounds": [g.as_dict() for g in evaluation.grounds]},
            )
        raise GateRefused(
            _("No refusal ground applies to the recorded facts: the application is to be granted."),
            code="no_ground",
        )
    grounds = []
    for g in evaluation.grounds:
        d = g.as_dict()
        if g.judgement:
            # the evidence of the official's findings this ground rests on (`officer.*` facts)
            d["reason"] = "; ".join(
                s["evidence"]
                for p, s in sorted(current.sources.items())
                if p.startswith("officer.") and s.get("value") is True and s.get("evidence")
            )
        grounds.append(d)
    return Verdict(evaluation, wanted, grounds, Basis(tuple(g.citation for g in evaluation.grounds)), current)


@dataclass(frozen=True)
class Completeness:
    missing: list[str]  # document codes required and absent (and "consent" when it is missing)
    expired: list[str]  # document codes present but past their validity
    undecided: list[str]  # facts a document condition needs (the document stays required meanwhile)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.expired


def missing_documents(case: Application, *, at: dt.datetime) -> Completeness:
    """What the package lacks for this applicant and channel on `at` (see the module docstring)."""
    from qamqor.rules.logic import Context, as_condition

    version = version_of(case)
    day = local_date(at)
    current = current_facts(case, version, on=day)
    ctx = Context(current.facts, day, catalog().params_on(day))
    from qamqor.registries.services import waiting_for_case

    awaited = set(waiting_for_case(case.pk).values_list("registry", flat=True)) if case.pk else set()
    held: dict[str, list] = {}
    for d in case.documents.all():
        held.setdefault(d.code, []).append(d)
    missing, expired, undecided = [], [], set()
    for doc in version.documents:
        if case.channel not in doc.channels or doc.code in APPLICATION_FORMS or doc.registry in awaited:
            continue  # not for this channel; the application itself; a silent registry's, awaited
        if doc.condition is not None:
            needed = as_condition(doc.condition)(ctx)
            if needed is False:
                continue
            if needed is None:
                undecided.update(p for p, _h in doc.condition.facts if p not in current.sources)
        copies = held.get(doc.code, [])
        if not copies:
            missing.append(doc.code)
        elif all(c.valid_until is not None and c.valid_until < day for c in copies):
            expired.append(doc.code)
    if version.needs_consent and not case.consent:
        missing.append("consent")
    return Completeness(missing, expired, sorted(undecided))


__all__ = [
    "CONSENT_FACT",
    "Completeness",
    "GateRefused",
    "Verdict",
    "evaluate",
    "missing_documents",
    "verdict",
]
