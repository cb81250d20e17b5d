"""The decision: granted, a preliminary refusal with its hearing, or the motivated refusal.

Every function here ends in a decision move of `move_case`, which passes the gate
(`cases.actions.gate.verdict`): the rules of the case's version over its recorded facts. `decide` is
the official's one step: it records the findings they make (with evidence), takes the judgement
findings they did not assert as examined and not found, and makes the move the rules give — a
grant; from review a preliminary refusal with the hearing's time and place (`003_4cf6e905af0d21d2.txt`
§9, APC art. 73); after the hearing or the lapsed objection term the motivated refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions import gate
from qamqor.cases.actions.common import local_date, now, role_of, version_of
from qamqor.cases.actions.deadlines import lateness, term_of
from qamqor.cases.actions.facts import record_findings
from qamqor.cases.actions.issuing import issue_document
from qamqor.cases.actions.moves import move_case
from qamqor.cases.actions.review import record_official_findings
from qamqor.cases.exceptions import RoleNotAllowed
from qamqor.cases.models import Application, CaseEvent, Decision
from qamqor.cases.transitions import PROVIDER_STAFF, Status

JUDGEMENT_PREFIX = "officer."
NOT_FOUND = _("Examined by the deciding official: not found.")


def grant(case, *, actor, at=None, expected_version=None, idempotency_key=None, note=None) -> CaseEvent:
    """The positive decision, where the rules grant over the recorded facts (a placement grant also
    records the carer and the ward in the data bank, `cases.actions.placements`)."""
    return move_case(
        case,
        Status.GRANTED,
        action="grant",
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        note=note,
    )


def issue_preliminary_refusal(
    case,
    *,
    actor,
    hearing_at: dt.datetime,
    hearing_place: str,
    at=None,
    expected_version=None,
    idempotency_key=None,
    note=None,
) -> CaseEvent:
    """The preliminary decision of refusal on the grounds that fire, with the time and place of the
    hearing (`003` §9, APC art. 73), sent no later than its step's latest day (`preliminary_refusal`);
    a later notice is recorded as the provider's breach, it does not take the refusal away."""
    if not hearing_place or hearing_at is None:
        raise ValidationError({"hearing": _("The notice must give the time and the place of the hearing.")})
    if timezone.is_naive(hearing_at):
        raise ValidationError({"hearing_at": _("Give the hearing time with its time zone.")})

    def guard(locked, at, t):
        if hearing_at <= at:
            raise ValidationError({"hearing_at": _("The hearing must be after the notice is sent.")})
        term = term_of(locked, "preliminary_refusal")
        timing = (
            {"term_unknown": term.unknown}
            if term.due is None
            else {"latest": term.due, "late": local_date(at) > term.due}
        )
        # the notice states the grounds the gate finds (it runs again in `move_case`, on the same facts)
        grounds = gate.verdict(locked, "preliminary_refusal", at=at).grounds
        info = {"grounds": grounds, "hearing_at": hearing_at, "hearing_place": hearing_place}
        return {
            **timing,
            **issue_document("issue_preliminary_refusal", locked, at=at, actor=actor, info=info),
        }

    return move_case(
        case,
        Status.PRELIMINARY_REFUSAL,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"hearing_at": hearing_at, "hearing_place": hearing_place},
        changes={"hearing_at": hearing_at, "hearing_place": hearing_place},
        guard=guard,
        recompute=True,
        note=note,
    )


def issue_final_refusal(
    case, *, actor, at=None, expected_version=None, idempotency_key=None, note=None
) -> CaseEvent:
    """The motivated refusal on the grounds that still fire, after the hearing (`003` §9)."""
    return move_case(
        case,
        Status.REFUSED,
        action="issue_final_refusal",
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=lateness("final_decision"),
        note=note,
    )


def _judgement_paths(version) -> set[str]:
    """Every `officer.*` fact a judgement ground (or its exceptions) reads."""
    out: set[str] = set()
    for g in version.grounds:
        if g.judgement:
            out.update(p for p, _h in g.when.facts if p.startswith(JUDGEMENT_PREFIX))
            for e in g.unless:
                out.update(p for p, _h in e.when.facts if p.startswith(JUDGEMENT_PREFIX))
    return out


def _decided_with(idempotency_key: str | None, case: Application) -> Decision | None:
    """The decision a request with this key already made on this case (a client's retry after a lost
    answer), else None. Checked before the findings: replaying them alone would find the case moved on."""
    if not idempotency_key:
        return None
    done = CaseEvent.objects.filter(idempotency_key=idempotency_key, application_id=case.pk).first()
    if done is None:
        return None
    return Decision.objects.filter(application_id=case.pk, decided_at=done.at).first()


def decide(
    case: Application,
    *,
    actor,
    at: dt.datetime | None = None,
    findings: Mapping | None = None,
    evidence: Mapping[str, str] | None = None,
    hearing_at: dt.datetime | None = None,
    hearing_place: str = "",
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> Decision:
    """The official decides (see the module docstring). `findings` are `officer.*` facts (dotted
    keys, e.g. {"officer.false_documents": True}), each with its `evidence`. `GateRefused` when the
    rules do not decide over the recorded facts (the missing facts are named); nothing changes then."""
    at = now(at)
    if role_of(actor) not in PROVIDER_STAFF:
        raise RoleNotAllowed(_("Only the provider's officer or head decides."), code="decider")
    findings = {
        (k if str(k).startswith(JUDGEMENT_PREFIX) else JUDGEMENT_PREFIX + str(k)): v
        for k, v in (findings or {}).items()
    }
    evidence = {
        (k if str(k).startswith(JUDGEMENT_PREFIX) else JUDGEMENT_PREFIX + str(k)): v
        for k, v in (evidence or {}).items()
    }
    version = version_of(case)
    with transaction.atomic():
        done = _decided_with(idempotency_key, case)
        if done is not None:  # a retry of a decision already made (its findings went with it)
            return done
        if findings:
            record_official_findings(
                case,
                actor=actor,
                findings=findings,
                evidence=evidence,
                at=at,
                expected_version=expected_version,
                idempotency_key=f"{idempotency_key}:findings" if idempotency_key else None,
            )
            expected_version = None  # the lock is held from here to the decision
        # by deciding, the official takes the judgement findings they did not make as not found
        recorded = gate.evaluate(case, at=at)[1].sources
        rest = {
            p: False for p in sorted(_judgement_paths(version)) if p not in findings and p not in recorded
        }
        if rest:
            record_findings(case, rest, evidence={p: str(NOT_FOUND) for p in rest}, actor=actor, at=at)
        evaluation = gate.evaluate(case, at=at)[0]
        common = dict(actor=actor, at=at, expected_version=expected_version, idempotency_key=idempotency_key)
        if evaluation.decision == "grant":
            event = grant(case, **common)
        elif evaluation.decision == "refuse" and case.status in (
            Status.HEARING_HELD,
            Status.OBJECTION_TERM_LAPSED,
        ):
            event = issue_final_refusal(case, **common)
        elif evaluation.decision == "refuse":
            event = issue_preliminary_refusal(
                case, hearing_at=hearing_at, hearing_place=hearing_place, **common
            )
        else:  # needs facts, or the date's rules do not decide: the gate names what is missing
            gate.verdict(case, "grant", at=at)
            raise AssertionError("unreachable: the gate refuses an undecided case")
    return event.decision
