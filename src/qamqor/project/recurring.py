"""Recurring background work on the Django Tasks API: one task that runs a named job and queues its
own next run. `ensure_recurring()` (called when workers start) queues each job that is not queued
yet, so several workers on several hosts keep exactly one chain per job.

Jobs (the intervals are operational settings, not law):
- `registry_sweep`: retry registry queries that are due, warn about terms at risk (issue 5).
- `duty_reminders`: the relatives' one-year training-certificate duty (`001` §15-1 and new §12):
  reminders that fall due, and so the provider's overdue list stays current.
- `monitoring_catch_up`: every stage of the monitoring feed that is due and still pending is
  delivered now (a lost delivery task waits minutes, not until the nightly reconciliation; issue 15),
  and today's reconciliation record is brought up to date.
- `notifications_catch_up`: every notification delivery that is due and unclaimed is sent now (its
  task was lost or is late; issue 14).
- `outage_probe`: for the monitoring system, each gateway and each registry that refused and has
  nothing due (every item waits out its back-off), one item is tried now: the return is noticed
  within the probe's interval, not after a back-off grown to minutes (decision 0032).

A run that is repeated (its worker died and the task was reclaimed, monitoring.leases) queues no
second chain: the next run is queued only if none is queued yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django_tasks import task


def _registry_sweep(now: dt.datetime) -> dict:
    from qamqor.registries.services import sweep

    return sweep(at=now)


def _duty_reminders(now: dt.datetime) -> dict:
    from qamqor.databank.services import send_due_reminders
    from qamqor.rules.calendar import local

    sent = send_due_reminders(on=local(now).date(), at=now)
    return {"reminders_sent": len(sent)}


def _monitoring_catch_up(now: dt.datetime) -> dict:
    from qamqor.monitoring.services import ALMATY, catch_up, reconcile

    delivered = catch_up(now=now)
    today = reconcile(now.astimezone(ALMATY).date(), now=now, requeue=False)  # the day's record, current
    return {"catch_up": delivered, "today": today.as_dict()}


def _notifications_catch_up(now: dt.datetime) -> dict:
    from qamqor.notifications.services import catch_up

    return {"catch_up": catch_up(now=now)}


def _outage_probe(now: dt.datetime) -> dict:
    from qamqor.monitoring.services import probe as probe_monitoring
    from qamqor.notifications.services import probe as probe_gateways
    from qamqor.registries.recovery import probe as probe_registries

    monitoring = probe_monitoring(now=now)
    return {
        "monitoring": monitoring.status if monitoring else None,
        "gateways": probe_gateways(now=now),
        "registries": probe_registries(at=now),
    }


JOBS: dict[str, tuple[Callable[[dt.datetime], dict], dt.timedelta]] = {
    "registry_sweep": (_registry_sweep, dt.timedelta(minutes=5)),
    "duty_reminders": (_duty_reminders, dt.timedelta(hours=6)),
    "monitoring_catch_up": (_monitoring_catch_up, dt.timedelta(minutes=2)),
    "notifications_catch_up": (_notifications_catch_up, dt.timedelta(minutes=2)),
    "outage_probe": (_outage_probe, dt.timedelta(seconds=30)),
}


def interval(name: str) -> dt.timedelta:
    minutes = getattr(settings, "QAMQOR_RECURRING_MINUTES", {}).get(name)
    return dt.timedelta(minutes=minutes) if minutes else JOBS[name][1]


@task()
def run_recurring(name: str) -> dict:
    job, _ = JOBS[name]
    try:
        return job(timezone.now())
    finally:  # the next run is queued even when this one fails: a failure must not stop the chain
        if not _queued(name):
            run_recurring.using(run_after=timezone.now() + interval(name)).enqueue(name)


def _queued(name: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=run_recurring.module_path, status="READY", args_kwargs__args=[name]
    ).exists()


def ensure_recurring() -> list[str]:
    """Queue every job that has no queued or running chain; returns the names queued now."""
    from django_tasks_db.models import DBTaskResult

    queued_now = []
    for name in JOBS:
        pending = DBTaskResult.objects.filter(
            task_path=run_recurring.module_path, status__in=["READY", "RUNNING"], args_kwargs__args=[name]
        ).exists()
        if not pending:
            run_recurring.enqueue(name)
            queued_now.append(name)
    return queued_now
