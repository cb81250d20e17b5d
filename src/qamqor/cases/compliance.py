"""Reads of the monitoring dashboard (issue 13): deadline compliance by service, provider and month,
and the overdue list, aggregated in SQL.

A case counts once its due date falls in the period. Its result is the first move into
`RESULT_STATUSES` (the result issued, or delivered to the personal cabinet); a case is
- on time: its result came by its due moment (`due_at` for a term in minutes, else the due date),
- late: after it,
- open, overdue: no result yet and the due moment has passed,
- open: no result yet and not yet due.
Withdrawn applications and refusals to accept have no result to be late with: they are not counted.
Who sees what: a provider's head their provider's cases, auditors and administrators all
(`DASHBOARD_ROLES`; the case layer's `cases_visible_to`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from qamqor.accounts.models import Role
from qamqor.cases.access import cases_visible_to
from qamqor.cases.models import RESULT_STATUSES, Application, CaseEvent
from qamqor.cases.transitions import TERMINAL, Status

DASHBOARD_ROLES = (Role.PROVIDER_HEAD, Role.AUDITOR, Role.ADMINISTRATOR)
NOT_COUNTED = (Status.WITHDRAWN, Status.REFUSED_TO_ACCEPT)
OUTCOMES = ("on_time", "late", "open_overdue", "open")
OVERDUE_LIMIT = 100


@dataclass(frozen=True)
class Row:
    service: str
    provider_id: int
    month: dt.date
    on_time: int
    late: int
    open_overdue: int
    open: int

    @property
    def due(self) -> int:
        """Cases whose due moment has passed (the share's denominator)."""
        return self.on_time + self.late + self.open_overdue

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


def _counted(user, start: dt.date, end: dt.date) -> QuerySet[Application]:
    return (
        cases_visible_to(user)
        .select_related(None)
        .filter(due_date__gte=start, due_date__lte=end)
        .exclude(status__in=[str(s) for s in NOT_COUNTED])
    )


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def compliance(
    user, *, start: dt.date, end: dt.date, now: dt.datetime, today: dt.date, service: str | None = None
) -> list[Row]:
    """One row per service, provider and month of the due date, in one query: the cases the user may
    see (the case layer's own visibility, as a subquery), each with the moment of its first result
    (looked up in the events' partial index `caseevent_result`), counted by outcome with GROUP BY."""
    qs = _counted(user, start, end)
    if service:
        qs = qs.filter(service_slug=service)
    columns = qs.order_by().values("id", "service_slug", "provider_id", "due_date", "due_at")
    inner, inner_params = columns.query.sql_with_params()  # unordered: no sort of every case
    ops, tz = connection.ops, timezone.get_current_timezone_name()
    month, month_params = ops.date_trunc_sql("month", "c.due_date", (), None)
    done_day, done_day_params = ops.datetime_cast_date_sql("c.done_at", (), tz)
    passed = "((c.due_at IS NOT NULL AND c.due_at < %s) OR (c.due_at IS NULL AND c.due_date < %s))"
    late = (
        f"((c.due_at IS NOT NULL AND c.done_at > c.due_at) OR (c.due_at IS NULL AND {done_day} > c.due_date))"
    )
    events = CaseEvent._meta.db_table
    # The first result of each case in scope, looked up case by case in the events' partial index
    # (`caseevent_result`): the cost follows the cases counted, not the whole history's events.
    # Our table names and the ORM's own SQL text; every value is bound (params below).
    sql = f"""
        WITH c AS (
            SELECT x.*, (
                SELECT MIN(e.at) FROM {events} e
                WHERE e.application_id = x.id AND e.to_status IN (%s, %s)
            ) AS done_at
            FROM ({inner}) x
        )
        SELECT c.service_slug, c.provider_id, {month} AS month,
            SUM(CASE WHEN c.done_at IS NOT NULL AND NOT {late} THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.done_at IS NOT NULL AND {late} THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.done_at IS NULL AND {passed} THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.done_at IS NULL AND NOT {passed} THEN 1 ELSE 0 END)
        FROM c
        GROUP BY 1, 2, 3
    """  # nosec B608
    params = [
        *(str(s) for s in RESULT_STATUSES),
        *inner_params,
        *month_params,
        *done_day_params,
        *done_day_params,
        now,
        today,
        now,
        today,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [
            Row(svc, prov, _as_date(m), *(int(x or 0) for x in counts))
            for svc, prov, m, *counts in cursor.fetchall()
        ]
    return sorted(rows, key=lambda r: (r.month, r.service, r.provider_id))


def totals(rows: list[Row], key) -> dict:
    """The rows summed by `key(row)` (a service, a month, a provider), keys in first-seen order."""
    out: dict = {}
    for r in rows:
        k = key(r)
        t = out.get(k)
        out[k] = (
            r
            if t is None
            else Row(r.service, r.provider_id, r.month, *(getattr(t, o) + getattr(r, o) for o in OUTCOMES))
        )
    return out


def overdue(user, *, now: dt.datetime, today: dt.date, service: str | None = None) -> list[Application]:
    """Open cases past their due moment, the longest overdue first (at most `OVERDUE_LIMIT`)."""
    qs = (
        cases_visible_to(user)
        .select_related(None)
        .select_related("provider")
        .exclude(status__in=[str(s) for s in TERMINAL])
        .filter(Q(due_at__isnull=False, due_at__lt=now) | Q(due_at__isnull=True, due_date__lt=today))
        .exclude(events__to_status__in=[str(s) for s in RESULT_STATUSES])
        .only(
            "id",
            "number",
            "service_slug",
            "status",
            "due_date",
            "due_at",
            "provider__code",
            "provider__name_kk",
            "provider__name_ru",
            "provider__name_en",
        )
        .order_by("due_date", "id")
    )
    if service:
        qs = qs.filter(service_slug=service)
    return list(qs[:OVERDUE_LIMIT])
