"""Leases for background tasks: a task held by a dead worker is run again (issue 15).

django-tasks-db (0.13) claims a task by setting it RUNNING with the worker's id; nothing takes it
back when that worker dies (`kill -9`, a lost host): upstream issue RealOrangeOne/django-tasks-db#5.
The smallest mechanism on top (docs/decisions/0017-task-leases.md):

- every worker (`qamqor worker`, the `qamqor_worker` command) beats: it writes `WorkerHeartbeat`
  every HEARTBEAT_SECONDS from a thread of its own, so a long task does not stop the beat;
- every beat also reclaims: a RUNNING task started more than LEASE_SECONDS ago whose worker has not
  beaten within LEASE_SECONDS is put back to READY (a conditional UPDATE, so two workers reclaiming
  at once reclaim it once), and a live worker runs it again.

Running a task again is safe for the tasks we queue: a monitoring delivery locks its outbox row,
skips a delivered one and carries a delivery key the receiver recognises (services.deliver); a
recurring job queues its next run only if none is queued (project.recurring).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger("qamqor.tasks")


def _conf(key: str) -> float:
    return float(settings.QAMQOR_TASK_LEASE[key])


def incarnation(worker_id: str) -> str:
    """The id this worker *process* claims tasks and beats under: the configured id (a readable slot
    name, e.g. `host-1`) with a suffix of its own. A worker restarted under the same `--worker-id`
    after a SIGKILL is another process: under the bare id its beats would keep the dead one's
    RUNNING tasks "alive" and they would never be reclaimed (bench/crash.py R2 at 10,000 cases: the
    drain chains stopped, each at a task of a killed worker)."""
    return f"{worker_id[:48]}~{os.getpid()}.{secrets.token_hex(3)}"


def beat(worker_id: str, now: dt.datetime | None = None, *, started_at: dt.datetime | None = None) -> None:
    from qamqor.monitoring.models import WorkerHeartbeat

    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "beat_at": now,
                "started_at": started_at or now,
                "pid": os.getpid(),
                "host": socket.gethostname()[:255],
            },
        )


def reclaim_orphans(now: dt.datetime | None = None) -> list[str]:
    """Put back to READY every RUNNING task whose worker's lease ran out; returns their ids."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from qamqor.monitoring.models import WorkerHeartbeat

    now = now or timezone.now()
    expired = now - dt.timedelta(seconds=_conf("LEASE_SECONDS"))
    candidates = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=expired).values_list(
            "pk", "worker_ids", "started_at"
        )[:500]
    )
    if not candidates:
        return []
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=expired).values_list("worker_id", flat=True))
    reclaimed = []
    for pk, worker_ids, started_at in candidates:
        holder = worker_ids[-1] if worker_ids else None
        if holder in alive:
            continue  # a long task on a live worker
        n = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at).update(
            status=TaskResultStatus.READY, started_at=None
        )
        if n:
            reclaimed.append(str(pk))
            log.warning("task %s of worker %s reclaimed: no heartbeat within the lease", pk, holder)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()  # long-gone workers
    return reclaimed


class Heartbeat(threading.Thread):
    """The beating (and reclaiming) thread of one worker process."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def tick(self) -> None:
        close_old_connections()
        try:
            beat(self.worker_id, started_at=self.started_at)
            reclaim_orphans()
        except Exception:  # noqa: BLE001 - a locked or lost database: try again at the next beat
            log.exception("heartbeat of worker %s failed", self.worker_id)

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.tick()
                self.stopping.wait(_conf("HEARTBEAT_SECONDS"))
        finally:
            connection.close()

    def stop(self) -> None:
        from qamqor.monitoring.models import WorkerHeartbeat

        self.stopping.set()
        self.join(timeout=5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()  # a clean exit
        except Exception:  # noqa: BLE001  # nosec B110  # the lease then runs out instead
            pass
