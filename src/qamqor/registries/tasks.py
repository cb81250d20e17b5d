"""Background retries of registry queries (Django Tasks API, run by `qamqor worker`)."""

from __future__ import annotations

from django_tasks import task

from qamqor.registries import recovery, services
from qamqor.rules.retry import DRAIN_PRIORITY


@task()
def retry_registry_query(pending_id: int) -> dict:
    p = services.retry_pending(pending_id)
    return {"id": p.pk, "status": p.status, "attempts": p.attempts}


@task()
def sweep_registry_queries() -> dict:
    """Retry what is due and warn about terms at risk (safety net if an enqueued retry was lost)."""
    return services.sweep()


@task(priority=DRAIN_PRIORITY)
def drain_registry(kind: str) -> dict:
    """One batch of a registry's waiting queries after its return (decision 0032); the next batch is
    queued while due queries remain."""
    out = recovery.drain(kind)
    if out["more"]:
        drain_registry.enqueue(kind)
    return out
