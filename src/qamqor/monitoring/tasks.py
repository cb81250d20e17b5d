"""Background tasks of the monitoring feed (Django Tasks API, run by `qamqor worker`)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from qamqor.monitoring import services
from qamqor.rules.retry import DRAIN_PRIORITY


class MonitoringDeliveryFailed(Exception):
    """Raised after a failed attempt (already rescheduled), so the task result shows the failure."""


@task(queue_name="monitoring")
def deliver_stage(outbox_id: int) -> dict:
    outcome = services.deliver(outbox_id)
    if outcome.status == "failed":
        raise MonitoringDeliveryFailed(
            f"outbox {outbox_id}: attempt {outcome.attempts} failed, retry at {outcome.retry_at}"
        )
    return outcome.as_dict()


@task(queue_name="monitoring", priority=DRAIN_PRIORITY)
def drain_stages() -> dict:
    """One batch of the backlog after an outage (decision 0032); the next batch is queued while due
    rows remain."""
    result = services.drain()
    if result["more"]:
        drain_stages.enqueue()
    return result


@task(queue_name="monitoring")
def reconcile_monitoring(day: str, chain: bool = False) -> dict:
    """Reconcile one day; with `chain`, queue tomorrow's run (a daily schedule that lives in the queue)."""
    report = services.reconcile(dt.date.fromisoformat(day))
    if chain:
        from django.utils import timezone

        now = timezone.now()
        next_day = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        reconcile_monitoring.using(run_after=services.next_reconciliation_time(now)).enqueue(
            next_day.isoformat(), True
        )
    if not report.complete:  # look again in an hour: the re-enqueued deliveries should have gone
        from django.utils import timezone

        reconcile_monitoring.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue(day, False)
    return report.as_dict()
