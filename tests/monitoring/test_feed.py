"""The monitoring feed (003_4cf6e905af0d21d2.txt §12-1): outbox, delivery, retry, protocol, reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from qamqor.monitoring import services
from qamqor.monitoring.adapters import set_sandbox_failures
from qamqor.monitoring.models import (
    Reconciliation,
    SandboxStage,
    StageOutbox,
    TechnicalProblemProtocol,
)
from qamqor.monitoring.tasks import deliver_stage

ALMATY = services.ALMATY
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


def _record(case_id=1, event_id=1, stage="registered", moment=T0):
    return services.record_stage_change(
        case_id=case_id, event_id=event_id, stage=stage, moment=moment, service="camp-referral"
    )


def _deliver_tasks():
    return DBTaskResult.objects.filter(task_path=deliver_stage.module_path)


@pytest.mark.django_db
def test_outbox_row_and_its_delivery_task_are_written_in_the_stage_change_transaction(
    django_capture_on_commit_callbacks,
):
    # the task queue is a table of the same database: the task row commits with the stage change
    # (workers cannot see it before; a crash cannot fall between commit and enqueue)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = _record()
            task = _deliver_tasks().get()  # in this transaction already
    assert callbacks == []  # nothing left for after the commit
    assert task.args_kwargs["args"] == [row.pk] and task.queue_name == "monitoring"
    assert row.delivery_key == "1:1" and row.status == StageOutbox.Status.PENDING


@pytest.mark.django_db
def test_delivery_is_enqueued_after_commit_when_the_queue_is_not_in_the_database(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
    backend = task_backends["default"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            row = _record()
            assert backend.results == []  # not sent before the commit
    assert len(callbacks) == 1
    assert [r.args for r in backend.results] == [[row.pk]]


@pytest.mark.django_db
def test_rolled_back_stage_change_leaves_no_outbox_row_and_no_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _record()
                raise RuntimeError("the stage change failed")
    assert StageOutbox.objects.count() == 0 and _deliver_tasks().count() == 0


@pytest.mark.django_db
def test_record_reads_an_event_object():
    class Event:
        pk = 77
        application_id = 5
        to_status = "preliminary_refusal"
        at = T0

    row = services.record_stage_change(Event())
    assert (row.case_ref, row.event_ref, row.stage, row.moment) == ("5", "77", "preliminary_refusal", T0)


@pytest.mark.django_db
def test_delivery_is_idempotent():
    row = _record()
    first = services.deliver(row.pk)
    again = services.deliver(row.pk)
    assert first.status == "delivered" and first.receipt.startswith("SBX-")
    assert again.status == "already_delivered" and again.receipt == first.receipt
    stage = SandboxStage.objects.get()
    assert stage.received_count == 1 and stage.record["stage"] == "registered"
    row.refresh_from_db()
    assert row.status == "delivered" and row.receipt == first.receipt


@pytest.mark.django_db
def test_resend_after_a_crash_is_recognised_by_the_delivery_key():
    row = _record()
    # an earlier attempt reached the system but the process died before marking the row delivered
    earlier = services.get_adapter().send(row.as_record())
    outcome = services.deliver(row.pk)
    assert outcome.status == "delivered" and outcome.receipt == earlier
    stage = SandboxStage.objects.get()  # stored once
    assert stage.received_count == 2


@pytest.mark.django_db
def test_failures_back_off_then_open_a_technical_problem_protocol(
    settings, django_capture_on_commit_callbacks
):
    settings.QAMQOR_MONITORING = {
        **settings.QAMQOR_MONITORING,
        "FAILURES_BEFORE_PROTOCOL": 3,
        "BACKOFF_BASE_SECONDS": 30,
    }
    row = _record()
    set_sandbox_failures(fail_next=3)
    now = T0
    delays = []
    for attempt in (1, 2, 3):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.deliver(row.pk, now=now)
        assert outcome.status == "failed" and outcome.attempts == attempt
        retry_at = dt.datetime.fromisoformat(outcome.retry_at)
        delays.append((retry_at - now).total_seconds())
        # before the retry time the row is not sent again
        assert services.deliver(row.pk, now=retry_at - dt.timedelta(seconds=1)).status == "not_due"
        now = retry_at
        if attempt < 3:
            assert not TechnicalProblemProtocol.objects.exists()
    assert delays == [30, 60, 120]
    protocol = TechnicalProblemProtocol.objects.get()
    assert protocol.status == "open" and protocol.citation == "003_4cf6e905af0d21d2.txt §12-1"
    assert protocol.outbox_id == row.pk and "unavailable" in protocol.error
    # each failure re-queued the delivery for its retry time (besides the first task, queued at once)
    retries = _deliver_tasks().filter(run_after__gt=T0, run_after__lt=T0 + dt.timedelta(days=1))
    assert retries.count() == 3 and _deliver_tasks().count() == 4
    assert services.deliver(row.pk, now=now).status == "delivered"
    assert SandboxStage.objects.count() == 1
    assert TechnicalProblemProtocol.objects.count() == 1  # one protocol for the stage, not one per failure


def test_backoff_is_capped(settings):
    settings.QAMQOR_MONITORING = {
        **settings.QAMQOR_MONITORING,
        "BACKOFF_BASE_SECONDS": 30,
        "BACKOFF_MAX_SECONDS": 3600,
    }
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


@pytest.mark.django_db
def test_reconciliation_requeues_the_missing_and_proves_the_day(django_capture_on_commit_callbacks):
    day = T0.date()
    a = _record(event_id=1)
    b = _record(event_id=2, moment=T0.replace(hour=23, minute=59))
    _record(event_id=3, moment=T0 + dt.timedelta(days=1, hours=-9))  # 01:00 next day: not this day
    services.deliver(a.pk)
    before = _deliver_tasks().count()
    report = services.reconcile(day, now=T0 + dt.timedelta(days=1))
    assert (report.total, report.delivered, report.reenqueued, report.complete) == (2, 1, 1, False)
    assert _deliver_tasks().count() == before + 1
    assert _deliver_tasks().order_by("-enqueued_at").first().args_kwargs["args"] == [b.pk]
    services.deliver(b.pk)
    report = services.reconcile(day)
    assert report.complete and Reconciliation.objects.get(day=day).complete


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_queued_stages():
    with transaction.atomic():
        rows = [_record(event_id=i, stage=f"s{i}") for i in range(5)]
    call_command(
        "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload", verbosity=0
    )
    assert StageOutbox.objects.filter(status="delivered").count() == 5
    assert SandboxStage.objects.count() == 5
    assert {r.delivery_key for r in rows} == set(SandboxStage.objects.values_list("delivery_key", flat=True))
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_failed_task_is_marked_failed_and_rescheduled():
    set_sandbox_failures(fail_next=1)
    with transaction.atomic():
        row = _record()
    call_command(
        "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload", verbosity=0
    )
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after == row.next_attempt_at


@pytest.mark.django_db
def test_daily_reconciliation_is_queued_once():
    now = T0
    assert services.ensure_daily_reconciliation(now) is True
    assert services.ensure_daily_reconciliation(now) is False
    task = DBTaskResult.objects.get(task_path__endswith="reconcile_monitoring")
    assert task.args_kwargs["args"] == ["2026-03-01", True]


@pytest.mark.django_db(transaction=True)
def test_a_worker_sees_the_delivery_task_only_once_the_stage_change_commits():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a second connection to the test database needs PostgreSQL (SQLite's is in memory)")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as worker:

        def seen() -> int:
            sql = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = %s"
            return worker.execute(sql, [deliver_stage.module_path]).fetchone()[0]

        with transaction.atomic():
            _record()
            assert seen() == 0  # written, not committed: invisible to the workers
        assert seen() == 1
