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
present and unexpired or supplied by a registry, and the consent where a rule reads it. A document a
state information system holds is never asked of the applicant while the registry's answer is awaited
(decision 0029): it is listed apart (`Completeness.from_registry`, with the registry's state), and a
decision waits for it (`registry_pending`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import catalog, local_date, version_of
from qamqor.cases.actions.facts import CONSENT_FACT, CurrentFacts, current_facts
from qamqor.cases.exceptions import CaseError
from qamqor.cases.models import Application, DocumentSource
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
    if package.registry_open:
        # the package rests on the registries' records too: no decision before they answered
        codes = [f"{d['code']} ({d['registry']})" for d in package.registry_open]
        raise GateRefused(
            _("Awaiting the state information systems' data for: %(docs)s") % {"docs": ", ".join(codes)},
            code="registry_pending",
            details={"from_registry": package.registry_open},
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
    missing: list[str]  # document codes required of the applicant and absent ("consent" when missing)
    expired: list[str]  # document codes present but past their validity
    undecided: list[str]  # facts a document condition needs (the document stays required meanwhile)
    # the documents a state information system holds, not asked of the applicant (`003` §8, `002`
    # annex 11 §9): [{code, registry, state}], state received | pending | not_asked | no_consent |
    # not_found (not found: the definition then asks the applicant, so it is in `missing` too)
    from_registry: list[dict] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.expired

    @property
    def registry_open(self) -> list[dict]:
        """The registry documents whose answer is still to come (asked and silent, or not asked)."""
        return [d for d in self.from_registry if d["state"] in REGISTRY_OPEN]


# states of a registry document (`registries.prefill.document_states`) whose answer is still to come
# (without consent nothing is asked: "no_consent" is the case's own missing consent, not awaited)
REGISTRY_OPEN = ("pending", "not_asked")


def _registry_states(case: Application, version, documents) -> dict[str, tuple[str, str]]:
    from qamqor.registries.prefill import document_states

    if not case.pk:
        return {}
    children = list(case.children.values_list("iin", flat=True))
    return document_states(
        case.pk,
        [(d.code, d.registry) for d in documents if d.registry],
        applicant=case.applicant.iin,
        child=children[0] if children else None,
    )


def missing_documents(case: Application, *, at: dt.datetime) -> Completeness:
    """What the package lacks for this applicant and channel on `at` (see the module docstring). A
    document the definition says a state information system holds (`registry:`) is satisfied by a copy
    held or by that registry's answer; it is asked of the applicant only when the registry answered
    that it holds no record (the requirements lists: "when the civil-registry IS has no record",
    `002_eefeb2ec619131ea.txt` annex 11 annex 2 row 8; `001_9090383b8961739a.txt` annex 1 row 8)."""
    from qamqor.rules.logic import Context, as_condition

    version = version_of(case)
    day = local_date(at)
    current = current_facts(case, version, on=day)
    ctx = Context(current.facts, day, catalog().params_on(day))
    held: dict[str, list] = {}
    for d in case.documents.all():
        held.setdefault(d.code, []).append(d)
    wanted = []
    undecided: set[str] = set()
    for doc in version.documents:
        if case.channel not in doc.channels or doc.code in APPLICATION_FORMS:
            continue  # not for this channel; the application itself
        if doc.condition is not None:
            needed = as_condition(doc.condition)(ctx)
            if needed is False:
                continue
            if needed is None:
                undecided.update(p for p, _h in doc.condition.facts if p not in current.sources)
        wanted.append(doc)
    states = _registry_states(case, version, wanted)
    missing, expired, from_registry = [], [], []
    for doc in wanted:
        copies = held.get(doc.code, [])
        registry, state = states.get(doc.code, (None, None))
        if any(c.source == DocumentSource.REGISTRY for c in copies):
            state = "received"  # the registry's record is on the case (`review.collect_registry_data`)
        lapsed = bool(copies) and all(c.valid_until is not None and c.valid_until < day for c in copies)
        if state is not None and (state == "received" or not copies or lapsed):
            from_registry.append({"code": doc.code, "registry": registry, "state": state})
        if state == "received":
            continue
        if lapsed:
            expired.append(doc.code)  # a copy past its validity is refused as such (`003` §7)
        elif not copies and state in (None, "not_found"):
            missing.append(doc.code)  # the applicant's to bring (or the registry holds no record)
    if version.needs_consent and not case.consent:
        missing.append("consent")
    return Completeness(missing, expired, sorted(undecided), from_registry)


__all__ = [
    "CONSENT_FACT",
    "Completeness",
    "GateRefused",
    "Verdict",
    "evaluate",
    "missing_documents",
    "verdict",
]
