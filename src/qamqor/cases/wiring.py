"""What the case does when the lower layers report: registry answers, and placements on a grant.

Registries and the data bank sit below cases and never call it; they send signals, connected here
(`CasesConfig.ready`). A grant of a placement service records the carer and the ward in the
Republican data bank in the same transaction (`001` annex 1 row 5, `004` row 9 item 1).
"""

from __future__ import annotations

from qamqor.cases.models import Application
from qamqor.cases.transitions import Status

# The placement services and the kind of placement their grant records (databank.PlacementKind).
PLACEMENT_OF_SERVICE = {
    "guardianship-establishment": "guardianship",
    "foster-family-placement": "foster_family",
    "patronage-placement": "patronage",
}


def record_placements_of_grant(case: Application, *, at) -> list:
    """One data-bank placement per child of a granted placement case (nothing for other services)."""
    kind = PLACEMENT_OF_SERVICE.get(case.service_slug)
    if kind is None:
        return []
    from qamqor.databank.models import Placement
    from qamqor.databank.services import record_placement
    from qamqor.rules.calendar import local

    if Placement.objects.filter(case_id=case.pk).exists():
        return []  # a retried grant (same idempotency key) records nothing twice

    relation = ((case.facts or {}).get("applicant") or {}).get("relation_to_child", "")
    return [
        record_placement(
            kind=kind,
            carer_iin=case.applicant.iin,
            child_iin=child.iin,
            started_on=local(at).date(),
            relation=relation if relation != "none" else "",
            provider_code=getattr(case.provider, "code", "") or "",
            case=case,
            at=at,
        )
        for child in case.children.all()
    ]


def _on_query_deferred(sender, pending, **kwargs):
    """A registry did not answer: the case waits for data (and the query is retried, never lost)."""
    if not pending.case_id:
        return
    from qamqor.cases.services import await_registry_data

    case = Application.objects.filter(pk=pending.case_id).first()
    if case is None or case.status != Status.IN_REVIEW:
        return
    await_registry_data(case, registries=[pending.registry])


def _on_query_answered(sender, pending, answer=None, **kwargs):
    """The last waiting query of a case answered: the case goes back to review with the data."""
    if not pending.case_id:
        return
    from qamqor.cases.services import receive_registry_data
    from qamqor.registries.services import waiting_for_case

    case = Application.objects.filter(pk=pending.case_id).first()
    if case is None or case.status != Status.AWAITING_REGISTRY_DATA:
        return
    if waiting_for_case(case.pk).exists():
        return
    # the answer is kept with its source; prefill (registries.prefill) maps it to facts
    data = {"registry_answers": {f"{answer.registry}.{answer.method}": answer.as_dict()}} if answer else {}
    receive_registry_data(case, data=data, at=pending.answered_at)
    _resume_if_fully_automated(case, at=pending.answered_at)


def _resume_if_fully_automated(case: Application, *, at) -> None:
    """A fully automated case parked for a silent registry is decided as soon as the data are in:
    no human step waits for it (decision 0009)."""
    from qamqor.cases.automated import decide_automatically, is_fully_automated_case

    if is_fully_automated_case(case):
        decide_automatically(case, at=at)


def connect() -> None:
    from qamqor.registries.services import query_answered, query_deferred

    query_deferred.connect(_on_query_deferred, dispatch_uid="cases.query_deferred")
    query_answered.connect(_on_query_answered, dispatch_uid="cases.query_answered")
