"""What the recipient is told of their case (issue 14): each stage change that concerns them becomes
a message of `qamqor.notifications`, which sits below the case layer and gets plain data only (the
number, the service's names, the dates the message states). The preliminary-refusal notice is marked
for proof of delivery: the hearing's objection term counts from its receipt (catalog-format.md
"Steps": `hearing_objection` counts from the receipt of the preliminary decision, APC art. 73), and
its first recorded delivery comes back as `review.record_notice_delivery` (`cases.wiring`).
"""

from __future__ import annotations

from qamqor.cases.actions.common import catalog
from qamqor.cases.models import Application, CaseEvent
from qamqor.cases.transitions import Status
from qamqor.notifications import services as notifications
from qamqor.notifications.texts import concerns_recipient


def _service_names(case: Application) -> dict:
    from qamqor.catalog import UnknownService

    try:
        return catalog().service(case.service_slug).names.as_dict()
    except UnknownService:
        return {}


def notify_recipient(event: CaseEvent, case: Application) -> None:
    """The message of the stage `event` moved `case` to (inside the move's transaction: it is sent
    after commit, never for a rolled-back move)."""
    stage = str(case.status)
    if not concerns_recipient(stage):
        return
    data = {"number": case.number, "service": _service_names(case), "service_slug": case.service_slug}
    if stage == Status.REGISTERED and case.due_date:
        data["due"] = case.due_date.isoformat()
    if stage == Status.PRELIMINARY_REFUSAL:
        data["hearing_at"] = case.hearing_at.isoformat() if case.hearing_at else ""
        data["hearing_place"] = case.hearing_place
    applicant = case.applicant
    notifications.record_stage(
        recipient_iin=applicant.iin,
        phone=applicant.phone,
        case_ref=case.pk,
        event_ref=event.pk,
        stage=stage,
        at=event.at,
        data=data,
        proof_required=stage == Status.PRELIMINARY_REFUSAL,
    )
