"""The result: issued, delivered to the personal cabinet, or kept and handed over at the State
Corporation (custody for the definition's `custody` term, then to the provider, and back on request:
`003_4cf6e905af0d21d2.txt` §11, `002_eefeb2ec619131ea.txt` annex 11 §12, `000_e53799d7e328390d.txt` §9).
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.cases.actions.common import now, version_of
from qamqor.cases.actions.deadlines import lateness
from qamqor.cases.actions.issuing import document_guard
from qamqor.cases.actions.moves import move_case
from qamqor.cases.exceptions import DeadlinePassed
from qamqor.cases.models import CaseEvent, Channel
from qamqor.cases.transitions import Status
from qamqor.catalog.procedure import procedures
from qamqor.rules.calendar import ALMATY


def issue_result(
    case, *, actor, at=None, expected_version=None, idempotency_key=None, particulars=None
) -> CaseEvent:
    """The result is issued; on the portal the system delivers it to the personal cabinet at once
    (`002` annex 11 §7), in the same transaction. The result's document (the permission, the order,
    the referral, the decision, or the motivated refusal with its grounds and clauses) is issued with
    the move, signed with the provider's key (`issuing`); `particulars` are what the official fills
    on it that the case does not hold (`issuing.PARTICULARS`: a permission's or referral's `period`
    {from, until}, the `camp` {name, address}…)."""
    at = now(at)
    late = lateness("result_to_state_corp") if case.channel == Channel.STATE_CORP else None
    with transaction.atomic():
        event = move_case(
            case,
            Status.RESULT_ISSUED,
            actor=actor,
            at=at,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            payload={"outcome": case.outcome},
            guard=document_guard("issue_result", actor=actor, info={"particulars": particulars}, before=late),
        )
        if case.channel == Channel.PORTAL and case.status == Status.RESULT_ISSUED:
            deliver_to_cabinet(case, at=at)
    return event


def deliver_to_cabinet(case, *, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.DELIVERED_TO_CABINET,
        actor=None,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def hold_at_state_corp(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The result is kept at the State Corporation for the definition's custody term (`003` §11)."""
    at = now(at)
    return move_case(
        case,
        Status.HELD_AT_STATE_CORP,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        changes={"custody_started_at": at},
        recompute=True,
    )


def hand_over(
    case,
    *,
    actor,
    on: str,
    document_number: str = "",
    representative: str = "",
    at=None,
    expected_version=None,
    idempotency_key=None,
) -> CaseEvent:
    """The result handed over on an identity document, or to a representative on a notarised power
    of attorney (`003` §11)."""
    handover = procedures().handover
    if on not in handover.codes:
        raise ValidationError({"on": _("Hand over on an identity document or a notarised power of attorney.")})
    if on == handover.representative and not representative:
        raise ValidationError({"representative": _("Name the representative holding the power of attorney.")})
    return move_case(
        case,
        Status.HANDED_OVER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"on": on, "document_number": document_number, "representative": representative},
        changes={"handed_over_on": on},
    )


def transfer_to_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """After the custody term the State Corporation hands the result to the provider (`003` §11). The
    term is the pinned version's `custody` step; a version without one cannot say when custody ends,
    so the transfer is recorded with the term marked unknown, never counted from a default."""

    def guard(locked, at, t):
        step = version_of(locked).step("custody")
        if step is None or step.unit != "calendar_months":
            return {
                "custody_started_at": locked.custody_started_at,
                "custody_term_unknown": f"the catalogue version {locked.catalogue_version} gives no custody term in months",
            }
        ends = locked.custody_started_at + relativedelta(months=step.value)
        if at < ends:
            raise DeadlinePassed(
                ngettext(
                    "The State Corporation keeps the result for %(months)d month: not before %(day)s.",
                    "The State Corporation keeps the result for %(months)d months: not before %(day)s.",
                    step.value,
                )
                % {"months": step.value, "day": f"{ends.astimezone(ALMATY):%d.%m.%Y %H:%M}"},
                code="too_early",
                details={"custody_ends": ends.isoformat()},
            )
        return {"custody_started_at": locked.custody_started_at, "custody_months": step.value}

    return move_case(
        case,
        Status.TRANSFERRED_TO_PROVIDER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
    )


def request_return(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The recipient came after the custody term: the State Corporation asks the provider for it."""
    return move_case(
        case,
        Status.RETURN_REQUESTED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        recompute=True,
    )


def resend_to_state_corp(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The provider sends the result back within the definition's `resend_transferred_result` term
    (`002` annex 11 §12); where the definition gives none, the lateness is recorded as unknown."""
    at = now(at)
    return move_case(
        case,
        Status.HELD_AT_STATE_CORP,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        changes={"custody_started_at": at},
        guard=lateness("resend_transferred_result"),
        recompute=True,
    )
