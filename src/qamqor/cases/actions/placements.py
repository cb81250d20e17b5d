"""A gated placement grant records the carer and the ward in the Republican data bank.

`move_case` calls `record_placements_of_grant` for every grant it records, in the same transaction,
after the gate allowed it (`001_9090383b8961739a.txt` annex 1 row 5; `004_b3169fa141ba7fa6.txt` row 9
item 1 reads the data bank). The kind of placement is the pinned version's `procedure.placement`;
a service without one records nothing. `verify_gated_grant` is what the data bank asks before it
takes a placement from Qamqor (registered by `cases.wiring`): the decision exists, is a grant of a
placement version of that kind, and names that carer and child.
"""

from __future__ import annotations

from qamqor.cases.actions.common import local_date, version_of
from qamqor.cases.models import Application, Decision, DecisionKind


def record_placements_of_grant(case: Application, decision: Decision, *, at) -> list:
    """One data-bank placement per child of a granted placement case (nothing for other services)."""
    version = version_of(case)
    kind = version.procedure.placement if version.procedure else None
    if kind is None:
        return []
    from qamqor.databank.services import record_placement

    relation = ((case.facts or {}).get("applicant") or {}).get("relation_to_child", "")
    return [
        record_placement(
            kind=kind,
            carer_iin=case.applicant.iin,
            child_iin=child.iin,
            started_on=local_date(at),
            relation=relation if relation != "none" else "",
            provider_code=getattr(case.provider, "code", "") or "",
            case=case,
            decision_id=decision.pk,
            at=at,
        )
        for child in case.children.all()
    ]


def verify_gated_grant(decision_id: int, case_id: int, kind: str, carer_iin: str, child_iin: str) -> bool:
    decision = (
        Decision.objects.select_related("application__applicant")
        .filter(pk=decision_id, application_id=case_id, kind=DecisionKind.GRANT)
        .first()
    )
    if decision is None or decision.evaluation.get("decision") != "grant":
        return False
    # a Decision row is written only by `move_case` with its grant event (append-only); a row
    # written behind it has no such event
    if not decision.application.events.filter(action="grant", at=decision.decided_at).exists():
        return False
    case = decision.application
    version = version_of(case)
    return (
        version.procedure is not None
        and version.procedure.placement == kind
        and case.applicant.iin == carer_iin
        and case.children.filter(iin=child_iin).exists()
    )
