"""A registry's return after an outage (decision 0032): its waiting queries, made due at once by
`services.retry_the_rest_now`, are asked by a few batch drain tasks; while it is silent and none of
its queries is due, `probe` asks the oldest one every run of the probe job (`project.recurring`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qamqor.registries import services
from qamqor.registries.models import PendingQuery
from qamqor.rules import retry


def enqueue_drains(kind: str, backlog: int) -> int:
    """Queue the drain tasks of `backlog` waiting queries of `kind`; if the queue is unavailable the
    sweep still finds them (they are due)."""
    from qamqor.registries.tasks import drain_registry

    n = min(
        retry.drain_tasks(backlog, services.retry_setting("DRAIN_BATCH")),
        services.retry_setting("DRAIN_TASKS"),
    )
    try:
        for _ in range(n):
            drain_registry.enqueue(kind)
    except Exception:  # noqa: BLE001 - the rows are the source of truth; `sweep` retries them
        services.log.exception("could not enqueue the drain of registry %s", kind)
    return n


def _due_for(kind: str, at: dt.datetime):
    return PendingQuery.objects.filter(
        registry=kind, status=PendingQuery.Status.WAITING, next_attempt_at__lte=at
    )


def drain(kind: str, *, limit: int | None = None, at: dt.datetime | None = None) -> dict:
    """Ask the registry's due waiting queries, oldest first, up to `limit` (DRAIN_BATCH) answered,
    skipping those another worker is asking; stops at the first that fails (the registry is down again: the
    rest keep their retries). Returns the counts and whether due queries remain."""
    limit = limit or services.retry_setting("DRAIN_BATCH")
    at = at or timezone.now()
    due = _due_for(kind, at).order_by("next_attempt_at", "pk").values_list("pk", flat=True)

    def ask(pk) -> str:
        p = services.retry_pending(pk, at=at, skip_locked=True)
        failed = p.status == PendingQuery.Status.WAITING and p.next_attempt_at > at  # down again
        return "failed" if failed else str(p.status)

    counts, refused = retry.drain_batch(
        list(due[: limit * 2]), ask, limit=limit, sent=PendingQuery.Status.ANSWERED
    )
    return {"counts": counts, "more": not refused and _due_for(kind, at).exists()}


def probe(*, at: dt.datetime | None = None) -> dict[str, str]:
    """For each registry with waiting queries none of which is due (each waits out a back-off grown
    to minutes), ask the oldest now: its answer is the registry's return, and the rest are asked at
    once (`retry_the_rest_now`). One query per registry per run of the probe job (decision 0032)."""
    at = at or timezone.now()
    waiting = PendingQuery.objects.filter(status=PendingQuery.Status.WAITING)
    out = {}
    for kind in waiting.order_by().values_list("registry", flat=True).distinct():
        if _due_for(kind, at).exists():
            continue  # the due query's own retry is the probe
        first = (
            waiting.filter(registry=kind)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if first is not None:
            out[kind] = services.retry_pending(first, at=at, skip_locked=True).status
    return out
