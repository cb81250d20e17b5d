"""Withdrawal: the recipient withdraws the application before a decision."""

from __future__ import annotations

from qamqor.cases.actions.moves import move_case
from qamqor.cases.models import CaseEvent
from qamqor.cases.transitions import Status


def withdraw(
    case, *, actor, reason: str = "", at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The recipient withdraws the application before a decision (the seeds do not regulate it: the
    basis is recorded as unknown, catalog/procedures.yaml)."""
    return move_case(
        case,
        Status.WITHDRAWN,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"reason": reason},
    )
