"""What the case does when the lower layers report, and what it tells them.

Registries sit below cases and never call it; they send signals, connected here (`CasesConfig.ready`):
a registry that does not answer parks the case ("awaiting registry data"); the last answer takes it
back to review, records the answers as facts, and a fully automated case is decided at once. The data
bank asks the case layer, through the verifier registered here, whether a placement follows a grant
that passed the gate. The notifications report the delivery of a preliminary-refusal notice; the case
records it (the objection term counts from it).
"""

from __future__ import annotations

from qamqor.cases.actions.automated import decide_automatically
from qamqor.cases.actions.common import version_of
from qamqor.cases.actions.moves import is_fully_automated
from qamqor.cases.actions.placements import verify_gated_grant
from qamqor.cases.actions.review import (
    await_registry_data,
    collect_registry_data,
    collecting,
    receive_registry_data,
    record_notice_delivery,
)
from qamqor.cases.models import Application, Channel
from qamqor.cases.transitions import BEFORE_REVIEW, Status


def _on_query_deferred(sender, pending, **kwargs):
    """A registry did not answer: the case waits for data (and the query is retried, never lost)."""
    if not pending.case_id or collecting():  # `collect_registry_data` parks the case itself, with its key
        return
    case = Application.objects.filter(pk=pending.case_id).first()
    if case is None or case.status != Status.IN_REVIEW:
        return
    await_registry_data(case, registries=[pending.registry])


def _on_query_answered(sender, pending, answer=None, **kwargs):
    """The last waiting query of a case answered: back to review with the data (recorded with their
    source); a fully automated case is decided with no human step (decision 0009). The collection
    that left the query waiting goes on from when it was asked: what the case received since is
    used, not asked again — the answer just retried included (once only, decision 0033)."""
    from qamqor.registries.services import waiting_for_case

    if not pending.case_id:
        return
    case = Application.objects.filter(pk=pending.case_id).first()
    if case is None or waiting_for_case(case.pk).exists():
        return
    if case.status in BEFORE_REVIEW or case.status == Status.IN_REVIEW:
        # asked at submission and silent then: the answers (documents and facts) are recorded now,
        # so that the completeness check and the gate see the registry's documents (decision 0029)
        collect_registry_data(case, at=pending.answered_at, announce=True, answered_since=pending.created_at)
        return
    if case.status != Status.AWAITING_REGISTRY_DATA:
        return
    receive_registry_data(case, at=pending.answered_at)
    collect_registry_data(case, at=pending.answered_at, answered_since=pending.created_at)
    if case.channel == Channel.PORTAL and is_fully_automated(version_of(case)):
        decide_automatically(case, at=pending.answered_at)


def _on_notice_delivered(sender, case_ref, message_id, channel, delivered_at, receipt, **kwargs):
    """The notifications recorded the first delivery of a preliminary-refusal notice: the case records
    its receipt (the objection term counts from it)."""
    case = Application.objects.filter(pk=int(case_ref)).first()
    if case is not None:
        record_notice_delivery(
            case, delivered_at=delivered_at, channel=channel, receipt=receipt, message_ref=message_id
        )


def connect() -> None:
    from qamqor.databank.services import set_grant_verifier
    from qamqor.notifications.services import notice_delivered
    from qamqor.registries.services import query_answered, query_deferred

    query_deferred.connect(_on_query_deferred, dispatch_uid="cases.query_deferred")
    query_answered.connect(_on_query_answered, dispatch_uid="cases.query_answered")
    notice_delivered.connect(_on_notice_delivered, dispatch_uid="cases.notice_delivered")
    set_grant_verifier(verify_gated_grant)
