"""Leases (issue 15; docs/decisions/0017-task-leases.md): a task left RUNNING by a dead worker is put
back to READY once the lease runs out; a live worker's long task is not; the feed catches up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qamqor.monitoring import leases, services
from qamqor.monitoring.models import SandboxStage, StageOutbox
from qamqor.project.recurring import run_recurring

pytestmark = pytest.mark.django_db


def _running(worker_id, started_ago):
    row = services.record_stage_change(case_id=1, event_id=1, stage="registered", service="camp-referral")
    task = DBTaskResult.objects.get()
    task.claim(worker_id)
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=started_ago)
    )
    return row, task


def test_a_task_of_a_dead_worker_is_reclaimed_after_the_lease(settings):
    settings.QAMQOR_TASK_LEASE = {"HEARTBEAT_SECONDS": 1, "LEASE_SECONDS": 30}
    now = timezone.now()
    _row, task = _running("dead-worker", started_ago=10)
    leases.beat("dead-worker", now - dt.timedelta(seconds=40))
    assert leases.reclaim_orphans(now) == []  # started 10 s ago: within the lease
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=now - dt.timedelta(seconds=31))
    assert leases.reclaim_orphans(now) == [str(task.pk)]
    task.refresh_from_db()
    assert task.status == "READY" and task.started_at is None and task.worker_ids == ["dead-worker"]
    assert leases.reclaim_orphans(now) == []  # once


def test_a_long_task_of_a_live_worker_is_left_alone(settings):
    settings.QAMQOR_TASK_LEASE = {"HEARTBEAT_SECONDS": 1, "LEASE_SECONDS": 30}
    _row, task = _running("live-worker", started_ago=600)
    leases.beat("live-worker")
    assert leases.reclaim_orphans() == []
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_worker_that_never_beat_is_dead_once_the_lease_is_over(settings):
    settings.QAMQOR_TASK_LEASE = {"HEARTBEAT_SECONDS": 1, "LEASE_SECONDS": 30}
    _row, task = _running("old-style-worker", started_ago=31)
    assert leases.reclaim_orphans() == [str(task.pk)]


def test_the_reclaimed_delivery_runs_again_without_a_second_stage(settings):
    settings.QAMQOR_TASK_LEASE = {"HEARTBEAT_SECONDS": 1, "LEASE_SECONDS": 30}
    row, task = _running("dead-worker", started_ago=31)
    services.deliver(row.pk)  # the dead worker had in fact delivered before it died
    leases.reclaim_orphans()
    from qamqor.monitoring.tasks import deliver_stage

    assert deliver_stage.call(row.pk)["status"] == "already_delivered"
    assert SandboxStage.objects.get().received_count == 1


def test_catch_up_delivers_the_pending_stages_that_are_due():
    row = services.record_stage_change(case_id=1, event_id=1, stage="registered", service="camp-referral")
    later = timezone.now() + dt.timedelta(minutes=2)
    assert services.catch_up(now=timezone.now()) == {}  # just recorded: its own task will deliver it
    assert services.catch_up(now=later) == {"delivered": 1}
    assert StageOutbox.objects.get(pk=row.pk).status == "delivered"


def test_the_catch_up_job_keeps_today_s_reconciliation_current():
    from qamqor.monitoring.models import Reconciliation

    services.record_stage_change(case_id=1, event_id=1, stage="registered", service="camp-referral")
    result = run_recurring.call("monitoring_catch_up")
    assert result["today"]["total"] == 1 and result["today"]["reenqueued"] == 0
    day = Reconciliation.objects.get()
    assert day.total == 1 and day.delivered == 0 and not day.complete  # recorded just now: not yet due


def test_a_repeated_recurring_run_queues_no_second_chain():
    run_recurring.call("monitoring_catch_up")
    run_recurring.call("monitoring_catch_up")  # the same run again (reclaimed after a crash)
    queued = DBTaskResult.objects.filter(
        task_path=run_recurring.module_path, status="READY", args_kwargs__args=["monitoring_catch_up"]
    )
    assert queued.count() == 1


def test_each_worker_process_beats_under_its_own_id():
    """A worker restarted under the same `--worker-id` is another process: were it to beat under the
    same id, the dead one's RUNNING tasks would look alive and never be reclaimed."""
    first, second = leases.incarnation("crash-1"), leases.incarnation("crash-1")
    assert first != second and first.startswith("crash-1~") and second.startswith("crash-1~")
    assert len(leases.incarnation("w" * 64)) <= 64  # django-tasks-db's limit, and WorkerHeartbeat's
