"""Read-side helpers (queues, timelines). Access control lives in `cases.access`."""

from __future__ import annotations

from django.db.models import QuerySet

from qamqor.cases.access import cases_visible_to
from qamqor.cases.models import Application, CaseEvent
from qamqor.cases.transitions import TERMINAL, moves_from


def open_cases(user) -> QuerySet[Application]:
    return cases_visible_to(user).exclude(status__in=[s.value for s in TERMINAL])


def timeline(case: Application) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("seq")


def next_moves(case: Application, role: str) -> list[dict]:
    """The moves the table allows from the case's status for this role (for UIs)."""
    return [
        {"action": t.action, "to": t.target, "label": t.label}
        for t in moves_from(case.status, case.channel)
        if role in t.roles
    ]
