"""Monitoring feed services: record a stage change, deliver it, reconcile a day.

The legal duty (003_4cf6e905af0d21d2.txt §12-1; 002_eefeb2ec619131ea.txt §13-1): the provider enters
data on every stage of the service into the monitoring information system; when that system fails,
the ICT officer draws up a technical-problem protocol signed by the provider.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, models, transaction
from django.dispatch import receiver
from django.utils import timezone

from qamqor.db.inserts import insert
from qamqor.monitoring.adapters import DeliveryFailed, get_adapter
from qamqor.monitoring.models import Reconciliation, StageOutbox, TechnicalProblemProtocol
from qamqor.rules import retry
from qamqor.rules.calendar import ALMATY

log = logging.getLogger("qamqor.monitoring")


def _conf(key: str):
    return settings.QAMQOR_MONITORING[key]


def _first_attr(obj, *names, default=None):
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _cached_relation(obj, name: str):
    """The related object if it is already loaded (no query), else None."""
    field = getattr(type(obj), name, None)
    is_cached = getattr(getattr(field, "field", None), "is_cached", None)
    if is_cached is None:
        return getattr(obj, name, None) if not hasattr(obj, "_state") else None
    return getattr(obj, name) if is_cached(obj) else None


def record_stage_change(
    event=None,
    *,
    case_id=None,
    event_id=None,
    stage: str | None = None,
    moment: dt.datetime | None = None,
    service: str = "",
    provider: str = "",
    details: dict | None = None,
) -> StageOutbox:
    """Write the outbox row of one stage change and deliver it after commit.

    Call it inside the transaction that records the stage change (the domain's `move_case`), so that
    the event and its outbox row commit or roll back together. Either pass the event object (its
    `application_id`, `pk`, `to_status` and `at` are read; service and provider from the event's
    `application` when it is already loaded) or the keyword fields.
    """
    if event is not None:
        case_id = case_id if case_id is not None else _first_attr(event, "application_id", "case_id")
        event_id = event_id if event_id is not None else _first_attr(event, "pk", "id")
        stage = stage or _first_attr(event, "to_status", "to_stage", "stage")
        moment = moment or _first_attr(event, "at", "created_at")
        case = _cached_relation(event, "application")
        if case is not None:
            service = service or getattr(case, "service_slug", "") or ""
            provider = provider or getattr(case, "provider_id", "") or ""
            details = details if details is not None else {"number": getattr(case, "number", "")}
    if case_id is None or event_id is None or not stage:
        raise ValueError("record_stage_change needs a case id, an event id and a stage")
    moment = moment or timezone.now()
    row = insert(
        StageOutbox(
            delivery_key=f"{case_id}:{event_id}",
            case_ref=str(case_id),
            event_ref=str(event_id),
            stage=str(stage),
            moment=moment,
            service=service or "",
            provider_ref=str(provider or ""),
            payload=details or {},
        )
    )  # StageOutbox.objects.create(...), its SQL compiled once (qamqor.db.inserts)
    if _queue_shares_the_transaction():
        # the task row is written in this transaction: the workers see it when (and only if) the
        # stage change commits, and no crash can fall between the commit and the enqueue
        enqueue_delivery(row.pk)
    else:
        transaction.on_commit(lambda: enqueue_delivery(row.pk))
    return row


@functools.cache  # cleared when TASKS or DATABASES change (tests)
def _queue_shares_the_transaction() -> bool:
    """Whether the delivery task is a row of the database the outbox row is in (django-tasks-db's
    backend on the same database): then enqueuing inside the transaction is enqueuing at commit."""
    from django.db import router
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from qamqor.monitoring.tasks import deliver_stage

    backend = task_backends[deliver_stage.backend]
    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == router.db_for_write(
        StageOutbox
    )


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting in ("TASKS", "DATABASES", "DATABASE_ROUTERS"):
        _queue_shares_the_transaction.cache_clear()


def enqueue_delivery(outbox_id: int, run_after: dt.datetime | None = None):
    from qamqor.monitoring.tasks import deliver_stage

    t = deliver_stage if run_after is None else deliver_stage.using(run_after=run_after)
    return t.enqueue(outbox_id)


def backoff_seconds(attempts: int) -> int:
    """Delay before the next try after `attempts` failures (`rules.retry`, with this feed's settings)."""
    base, cap = int(_conf("BACKOFF_BASE_SECONDS")), int(_conf("BACKOFF_MAX_SECONDS"))
    return retry.backoff_seconds(attempts, base, cap)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # delivered | already_delivered | not_due | failed | missing | busy
    receipt: str = ""
    attempts: int = 0
    retry_at: str | None = None
    protocol_id: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def deliver(
    outbox_id: int, *, now: dt.datetime | None = None, force: bool = False, skip_locked: bool = False
) -> DeliveryOutcome:
    """Deliver one outbox row; idempotent and safe to run in several workers at once.

    The row is locked (`SELECT … FOR UPDATE`; SQLite serialises writers) for the whole attempt, so
    two workers never send the same stage at once; a row already delivered is skipped; the delivery
    key goes with the record so a resend after a crash is recognised by the receiver. `force` sends a
    row still waiting out its back-off (the probe); `skip_locked` answers "busy" instead of waiting
    for a row another worker is sending (the drain).
    """
    now = now or timezone.now()
    retry_at = None
    with transaction.atomic():
        row = StageOutbox.objects.select_for_update(skip_locked=skip_locked).filter(pk=outbox_id).first()
        if row is None:
            if skip_locked and StageOutbox.objects.filter(pk=outbox_id).exists():
                return DeliveryOutcome("busy")
            return DeliveryOutcome("missing")
        if row.status == StageOutbox.Status.DELIVERED:
            return DeliveryOutcome("already_delivered", receipt=row.receipt, attempts=row.attempts)
        if not force and row.next_attempt_at is not None and row.next_attempt_at > now:
            return DeliveryOutcome("not_due", attempts=row.attempts, retry_at=row.next_attempt_at.isoformat())
        try:
            receipt = get_adapter().send(row.as_record())
        except DeliveryFailed as exc:
            row.attempts += 1
            row.last_error = str(exc)[:2000]
            retry_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts))
            row.next_attempt_at = retry_at
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            protocol = None
            if (
                row.attempts >= int(_conf("FAILURES_BEFORE_PROTOCOL"))
                or _unresolved(row.provider_ref).exists()
            ):
                protocol = open_technical_problem(row, str(exc), now)
            transaction.on_commit(lambda: enqueue_delivery(row.pk, run_after=retry_at))
            log.warning("monitoring delivery %s failed (attempt %d): %s", row.delivery_key, row.attempts, exc)
            return DeliveryOutcome(
                "failed",
                attempts=row.attempts,
                retry_at=retry_at.isoformat(),
                protocol_id=protocol.pk if protocol else None,
            )
        row.status = StageOutbox.Status.DELIVERED
        row.receipt = receipt
        row.delivered_at = now
        row.next_attempt_at = None
        row.attempts += 1
        row.save(update_fields=["status", "receipt", "delivered_at", "next_attempt_at", "attempts"])
        settle_technical_problem(row, now)
        return DeliveryOutcome("delivered", receipt=receipt, attempts=row.attempts)


def _unresolved(provider_ref: str):
    return TechnicalProblemProtocol.objects.filter(provider_ref=provider_ref, resolved_at__isnull=True)


def open_technical_problem(row: StageOutbox, error: str, now: dt.datetime) -> TechnicalProblemProtocol:
    """The technical-problem protocol of 003_4cf6e905af0d21d2.txt §12-1 for the outage this failure
    belongs to: the provider's unresolved one, else a new one opened now; the stage joins its list."""
    protocol = _unresolved(row.provider_ref).first()
    if protocol is None:
        try:
            with transaction.atomic():
                protocol = TechnicalProblemProtocol.objects.create(
                    outbox=row, provider_ref=row.provider_ref, detected_at=now, error=error[:2000]
                )
        except IntegrityError:  # opened concurrently by another worker: join it
            protocol = _unresolved(row.provider_ref).get()
        else:
            log.warning("monitoring outage: technical-problem protocol %s opened", protocol.pk)
    protocol.stages.add(row)  # a stage already listed is not added twice
    return protocol


def settle_technical_problem(row: StageOutbox, now: dt.datetime) -> None:
    """After a delivery: the provider's unresolved protocol notes the recovery, and resolves itself
    once every stage it held is delivered (the backlog is through)."""
    protocol = _unresolved(row.provider_ref).first()
    if protocol is None:
        return
    fields = []
    if protocol.recovered_at is None:
        protocol.recovered_at = now
        fields.append("recovered_at")
        _send_the_backlog_now(now)
    if not protocol.stages.filter(status=StageOutbox.Status.PENDING).exists():
        protocol.resolved_at = protocol.closed_at = now
        protocol.status = TechnicalProblemProtocol.Status.CLOSED
        fields += ["resolved_at", "closed_at", "status"]
        log.info("monitoring outage over: protocol %s resolved, its stages delivered", protocol.pk)
    protocol.save(update_fields=fields)


def _send_the_backlog_now(now: dt.datetime) -> None:
    """The system answers again: every stage waiting out its back-off goes now, not at its retry time
    (after a 10-minute outage the back-off has grown to ~8 minutes and would double the outage). The
    rows are made due and a few drain tasks send them in batches (decision 0032): one task per row
    would double the queue, each row's own retry task being already there."""
    waiting = list(
        StageOutbox.objects.filter(status=StageOutbox.Status.PENDING, next_attempt_at__gt=now).values_list(
            "pk", flat=True
        )
    )
    if not waiting:
        return
    for start in range(0, len(waiting), 1000):
        StageOutbox.objects.filter(pk__in=waiting[start : start + 1000]).update(next_attempt_at=now)
    log.info("monitoring system back: %d waiting stages sent now", len(waiting))
    transaction.on_commit(lambda: enqueue_drains(len(waiting)))


def enqueue_drains(backlog: int) -> int:
    """Queue enough drain tasks for `backlog` rows (each takes DRAIN_BATCH and queues the next while
    rows remain); at most DRAIN_TASKS run side by side, each skipping the rows another holds."""
    from qamqor.monitoring.tasks import drain_stages

    n = min(retry.drain_tasks(backlog, int(_conf("DRAIN_BATCH"))), int(_conf("DRAIN_TASKS")))
    for _ in range(n):
        drain_stages.enqueue()
    return n


def due_rows(now: dt.datetime):
    return StageOutbox.objects.filter(status=StageOutbox.Status.PENDING).filter(
        models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
    )


def drain(*, limit: int | None = None, now: dt.datetime | None = None) -> dict:
    """Send due stages oldest first, up to `limit` (DRAIN_BATCH) sent, skipping rows another worker
    is sending (the drains side by side leapfrog each other); stops at the first refusal (the system
    is down again: the rows keep their retries). Returns the counts and whether due rows remain (the
    task then queues its next batch)."""
    limit = limit or int(_conf("DRAIN_BATCH"))
    now = now or timezone.now()
    counts, refused = retry.drain_batch(
        list(due_rows(now).order_by("moment", "pk").values_list("pk", flat=True)[: limit * 2]),
        lambda pk: deliver(pk, now=now, skip_locked=True).status,
        limit=limit,
        sent="delivered",
    )
    return {"counts": counts, "more": not refused and due_rows(now).exists()}


def probe(*, now: dt.datetime | None = None) -> DeliveryOutcome | None:
    """While the system is down and nothing pending is due (every stage waits out its back-off, grown
    to minutes), send the oldest waiting stage now: its success is the return, and the backlog goes
    at once (`settle_technical_problem`). One call per run of the probe job, not one per row."""
    now = now or timezone.now()
    pending = StageOutbox.objects.filter(status=StageOutbox.Status.PENDING)
    if not pending.filter(attempts__gt=0).exists() or due_rows(now).exists():
        return None  # nothing failed, or a due row's own task is the probe
    first = pending.order_by("next_attempt_at", "pk").values_list("pk", flat=True).first()
    return deliver(first, now=now, force=True, skip_locked=True) if first else None


def catch_up(*, now: dt.datetime | None = None, older_than: int = 60, limit: int = 500) -> dict:
    """Deliver now every pending stage that is due (never tried, or its retry time passed) and was
    recorded more than `older_than` seconds ago: its delivery task was lost or is late. Runs every
    few minutes (project.recurring), so the nightly reconciliation only proves the day."""
    now = now or timezone.now()
    due = (
        due_rows(now)
        .filter(created_at__lt=now - dt.timedelta(seconds=older_than))
        .order_by("moment")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in list(due):
        status = deliver(pk, now=now).status
        counts[status] = counts.get(status, 0) + 1
    return counts


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=ALMATY)
    return start, start + dt.timedelta(days=1)


@dataclass(frozen=True)
class ReconciliationReport:
    day: dt.date
    total: int
    delivered: int
    reenqueued: int

    @property
    def complete(self) -> bool:
        return self.total == self.delivered

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "total": self.total,
            "delivered": self.delivered,
            "reenqueued": self.reenqueued,
            "complete": self.complete,
        }


def reconcile(day: dt.date, *, now: dt.datetime | None = None, requeue: bool = True) -> ReconciliationReport:
    """Prove that every stage of `day` (Almaty time) was delivered; re-enqueue the ones that were not
    (with `requeue`; without, only the day's record is brought up to date, as `catch_up` runs)."""
    now = now or timezone.now()
    start, end = local_day_bounds(day)
    rows = StageOutbox.objects.filter(moment__gte=start, moment__lt=end)
    total = rows.count()
    pending_rows = rows.filter(status=StageOutbox.Status.PENDING)
    if requeue:
        pending = list(pending_rows.values_list("pk", "next_attempt_at"))
        for pk, next_at in pending:
            enqueue_delivery(pk, run_after=next_at if next_at and next_at > now else None)
        n_pending, reenqueued = len(pending), len(pending)
    else:
        n_pending, reenqueued = pending_rows.count(), 0
    report = ReconciliationReport(day=day, total=total, delivered=total - n_pending, reenqueued=reenqueued)
    Reconciliation.objects.update_or_create(
        day=day,
        defaults={
            "ran_at": now,
            "total": report.total,
            "delivered": report.delivered,
            "reenqueued": report.reenqueued,
            "complete": report.complete,
        },
    )
    return report


def next_reconciliation_time(after: dt.datetime) -> dt.datetime:
    """01:00 Almaty time of the day after `after`'s local day."""
    local = after.astimezone(ALMATY)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(1, 0), tzinfo=ALMATY)


def ensure_daily_reconciliation(now: dt.datetime | None = None) -> bool:
    """Make sure a reconciliation of yesterday is queued (called when workers start). True if queued now."""
    from django_tasks_db.models import DBTaskResult

    from qamqor.monitoring.tasks import reconcile_monitoring

    now = now or timezone.now()
    queued = DBTaskResult.objects.filter(
        task_path=reconcile_monitoring.module_path, status__in=["READY", "RUNNING"]
    ).exists()
    if queued:
        return False
    yesterday = now.astimezone(ALMATY).date() - dt.timedelta(days=1)
    reconcile_monitoring.enqueue(yesterday.isoformat(), True)
    return True
