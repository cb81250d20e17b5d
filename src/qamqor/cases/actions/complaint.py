"""The case's side of a complaint's review (`003` §13, `002` annex 11 §14): the steps the complaints
app calls with the complaint's reference. A case layer of its own never offers them
(`Transition.on_complaint`), and each names the complaint on its event.

- `record_complaint_findings`: the reviewer's findings with evidence on a decided case (the refusal's
  ground re-examined), as `record_official_findings` does before a decision;
- `grant_on_complaint`: the decision that fully satisfies a complaint about a refusal, through the
  gate like every decision: made only where the rules of the case's date grant over the recorded
  facts (`GateRefused` otherwise, and nothing changes).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.moves import move_case
from qamqor.cases.actions.review import record_official_findings
from qamqor.cases.exceptions import IllegalTransition
from qamqor.cases.models import CaseEvent, Outcome
from qamqor.cases.transitions import Status


def _reference(complaint_ref: str) -> str:
    if not isinstance(complaint_ref, str) or not complaint_ref.startswith("complaint:"):
        raise IllegalTransition(_("This step is taken only on a complaint."), code="no_complaint")
    return complaint_ref


def record_complaint_findings(
    case,
    *,
    actor,
    complaint_ref: str,
    findings: Mapping,
    evidence: Mapping[str, str],
    at=None,
    expected_version=None,
    idempotency_key=None,
) -> CaseEvent:
    """Findings (`officer.*` facts), each with its evidence, recorded on the review of a complaint;
    the case stays where it is."""
    return record_official_findings(
        case,
        actor=actor,
        findings=findings,
        evidence=evidence,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        action="record_complaint_findings",
        payload={"complaint": _reference(complaint_ref)},
    )


def grant_on_complaint(
    case, *, actor, complaint_ref: str, at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The refusal redone as a grant on a complaint fully satisfied, where the gate allows it."""
    ref = _reference(complaint_ref)

    def guard(locked, at, transition):
        if locked.outcome != Outcome.REFUSED:
            raise IllegalTransition(
                _("Only a refusal can be changed into a grant on a complaint."),
                code="not_a_refusal",
                details={"outcome": locked.outcome},
            )
        return {"complaint": ref}

    return move_case(
        case,
        Status.GRANTED,
        action="grant_on_complaint",
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
    )
