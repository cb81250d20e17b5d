"""Satisfying a complaint fully, and the reasoned answer.

`satisfy_complaint_fully`: the official complained about, within the forwarding term (`003` §13 para
5), or the provider's reviewing body, takes the decision the complaint asks for. A complaint about a
refusal is satisfied only by a grant that the case layer's gate allows over the recorded facts
(`cases.actions.grant_on_complaint`), with the reviewer's findings and their evidence recorded first;
if the gate refuses, nothing changes and the complaint is not "fully satisfied".

`answer_complaint`: the reviewing body's reasoned answer, as a signed document (`complaint_answer`).
A complaint about a refusal is rejected only while the refusal's grounds still hold over the recorded
facts (the gate's own verdict), and the answer states those grounds with their clauses; the court
follows the pre-trial complaint (`003` §13 para 8).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases import actions as case_actions
from qamqor.cases.actions import gate
from qamqor.cases.actions.common import version_of
from qamqor.cases.actions.issuing import base_context, grounds_context, language_of, owner_ref
from qamqor.cases.models import DecisionKind
from qamqor.complaints.actions.common import ComplaintError, local_date, now, preflight, rules_of, step
from qamqor.complaints.models import Complaint, Outcome, Route, Subject
from qamqor.complaints.transitions import ComplaintStatus

AUTHORISED_BODY_ORG = "quality-control-authority"  # the signing key of the authorised body (sandbox)
REFUSALS = (DecisionKind.FINAL_REFUSAL,)


def _ref(complaint: Complaint) -> str:
    return f"complaint:{complaint.pk}"


def _about_refusal(complaint: Complaint) -> bool:
    return complaint.subject == Subject.DECISION and complaint.decision.kind in REFUSALS


def _late(complaint: Complaint, day) -> bool:
    due = complaint.due
    return due is not None and day > due


def satisfy_complaint_fully(
    complaint: Complaint,
    *,
    actor,
    findings: Mapping | None = None,
    evidence: Mapping[str, str] | None = None,
    action_taken: str = "",
    at=None,
    expected_version=None,
):
    """Satisfy the complaint in full (see the module docstring). `findings`/`evidence`: the
    `officer.*` facts re-examined, each with its evidence; `action_taken`: for a complaint about an
    action or inaction, what was done."""
    at = now(at)
    rules = rules_of(complaint)
    r = rules.route(complaint.route)
    if complaint.status == ComplaintStatus.FILED:
        basis = r.unless_satisfied.basis if r.unless_satisfied else r.review.basis
    else:
        basis = r.review.basis
    case = complaint.application
    payload: dict = {"late": _late(complaint, local_date(at)), "due": complaint.due}
    preflight(complaint, "satisfy_complaint_fully", actor)  # the complaint's own checks first
    with transaction.atomic():
        if complaint.subject == Subject.DECISION:
            if not _about_refusal(complaint):
                raise ComplaintError(
                    _(
                        "Only a complaint about a refusal can be satisfied by a new decision; answer it instead."
                    ),
                    code="not_a_refusal",
                )
            if findings:
                case_actions.record_complaint_findings(
                    case,
                    actor=actor,
                    complaint_ref=_ref(complaint),
                    findings=findings,
                    evidence=evidence or {},
                    at=at,
                )
            # the gate decides: GateRefused rolls the findings back with everything else
            granted = case_actions.grant_on_complaint(case, actor=actor, complaint_ref=_ref(complaint), at=at)
            extra = {"case_event": granted.pk, "decision": granted.decision.pk}
        else:
            taken = str(action_taken or "").strip()
            if not taken:
                raise ComplaintError(_("Say what was done to satisfy the complaint."), code="required")
            extra = {"action_taken": taken}
        step(
            complaint,
            "satisfy_complaint_fully",
            actor=actor,
            at=at,
            basis=basis,
            expected_version=expected_version,
            changes={
                "outcome": Outcome.SATISFIED,
                "closed_at": at,
                "answer": {"outcome": Outcome.SATISFIED, **extra},
            },
            payload={**payload, **extra},
        )
    return complaint


def _refusal_grounds(complaint: Complaint, at, lang: str) -> list[dict]:
    """The refusal's grounds as they hold today over the recorded facts (the gate's verdict), or
    ComplaintError naming why they no longer hold."""
    case = complaint.application
    try:
        verdict = gate.verdict(case, "final_refusal", at=at)
    except gate.GateRefused as exc:
        raise ComplaintError(
            _(
                "The grounds of the refusal no longer hold over the recorded facts (%(why)s): "
                "the complaint is to be satisfied, not rejected."
            )
            % {"why": exc},
            code="grounds_do_not_hold",
            details={"gate": exc.code, **exc.details},
        ) from exc
    return grounds_context(version_of(case), verdict.grounds, lang)


def answer_complaint(
    complaint: Complaint,
    *,
    actor,
    reasoning: str,
    outcome: str = Outcome.REJECTED,
    at=None,
    expected_version=None,
) -> Complaint:
    """The reasoned answer of the reviewing body, issued as a signed document."""
    at = now(at)
    reasoning = str(reasoning or "").strip()
    if not reasoning:
        raise ComplaintError(_("A reasoned answer states its reasons."), code="required")
    if outcome not in (Outcome.REJECTED, Outcome.FOUNDED):
        raise ComplaintError(_("An answer rejects the complaint or finds it founded."), code="outcome")
    preflight(complaint, "answer_complaint", actor)
    rules = rules_of(complaint)
    case = complaint.application
    lang = language_of(case)
    grounds: list[dict] = []
    if _about_refusal(complaint):
        if outcome != Outcome.REJECTED:
            raise ComplaintError(
                _("A founded complaint about a refusal is satisfied by a new decision, not answered."),
                code="satisfy_instead",
            )
        grounds = _refusal_grounds(complaint, at, lang)
    with transaction.atomic():
        step(
            complaint,
            "answer_complaint",
            actor=actor,
            at=at,
            basis=rules.answer.basis + rules.route(complaint.route).review.basis,
            expected_version=expected_version,
            changes={"outcome": outcome, "closed_at": at},
            payload={"late": _late(complaint, local_date(at)), "due": complaint.due, "outcome": outcome},
        )
        document = _issue_answer(
            complaint, actor=actor, at=at, lang=lang, reasoning=reasoning, grounds=grounds
        )
        complaint.answer = {
            "outcome": outcome,
            "reasoning": reasoning,
            "grounds": grounds,
            "court": rules.court.as_dict(),
            "document": document,
        }
        Complaint.objects.filter(pk=complaint.pk).update(answer=complaint.answer)
    return complaint


def _organisation(complaint: Complaint, lang: str) -> tuple[str, str]:
    """(signing organisation's code, its name) of the reviewing body."""
    case = complaint.application
    if complaint.route in (Route.PROVIDER_HEAD, Route.AKIMAT_HEAD):
        return case.provider.code, case.provider.name(lang)
    if complaint.route == Route.STATE_CORP_HEAD and case.office_id:
        return case.office.code, case.office.name(lang)
    return AUTHORISED_BODY_ORG, str(Route(complaint.route).label)


def _issue_answer(complaint, *, actor, at, lang, reasoning, grounds) -> dict:
    from django.utils import translation

    from qamqor.documents import services

    case = complaint.application
    with translation.override(lang):
        org_code, org_name = _organisation(complaint, lang)
        context = base_context(case, lang, at, actor) | {
            "organisation": {"name": org_name},
            "complaint": {
                "number": complaint.number,
                "received_on": complaint.received_on,
                "text": complaint.text,
                "subject": str(Subject(complaint.subject).label),
                "outcome": str(Outcome(complaint.outcome).label),
            },
            "reasoning": reasoning,
            "grounds": grounds,
            "court": " ".join(f"{c.source} {c.clause}" for c in rules_of(complaint).court.basis.citations),
            "number": complaint.number,
        }
    doc = services.issue("complaint_answer", lang, context, org_code, owner_ref(case), now=at)
    return {"kind": doc.kind, "lang": doc.lang, "sha256": doc.sha256, "code": doc.display_code, "id": doc.pk}
