"""The delivery task (Django Tasks API, database backend; run by `qamqor worker`, whose heartbeat
takes back the task of a dead worker: monitoring.leases, decision 0017)."""

from __future__ import annotations

from django_tasks import task

from qamqor.notifications import services
from qamqor.rules.retry import DRAIN_PRIORITY


class NotificationDeliveryFailed(Exception):
    """Raised after a failed attempt (already rescheduled), so the task result shows the failure."""


@task(queue_name="notifications", takes_context=True)
def deliver_notification(context, delivery_id: int) -> dict:
    result = context.task_result
    worker = f"{(result.worker_ids or ['?'])[-1]}:{result.id}"  # the worker first: it survives the cut
    outcome = services.deliver(delivery_id, worker=worker)
    if outcome.status == "busy":  # another worker holds the lease: look again when it runs out
        services.enqueue(delivery_id, run_after=outcome.retry_at)
    if outcome.status == "failed":
        raise NotificationDeliveryFailed(
            f"delivery {delivery_id}: attempt {outcome.attempts} failed, retry at {outcome.retry_at}"
        )
    return outcome.as_dict()


@task(queue_name="notifications", takes_context=True, priority=DRAIN_PRIORITY)
def drain_channel(context, channel: str) -> dict:
    """One batch of a gateway's backlog after its return (decision 0032); the next is queued while
    due deliveries remain."""
    result = context.task_result
    worker = f"{(result.worker_ids or ['?'])[-1]}:{result.id}"
    out = services.drain(channel, worker=worker)
    if out["more"]:
        drain_channel.enqueue(channel)
    return out
