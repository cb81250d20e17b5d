"""Technical-problem protocols per outage (003_4cf6e905af0d21d2.txt §12-1; issue 15): one opens at the
first failure, lists the stages the outage held, and resolves itself once they are all delivered.
Before: one protocol per stage, never closed (69 open protocols for one 150-second outage)."""

from __future__ import annotations

import datetime as dt

import pytest

from qamqor.monitoring import services
from qamqor.monitoring.adapters import set_sandbox_failures
from qamqor.monitoring.models import SandboxStage, TechnicalProblemProtocol

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=services.ALMATY)


def _rows(n, provider="astana-education", start=1):
    return [
        services.record_stage_change(
            case_id=start + i, event_id=1, stage="registered", moment=T0, provider=provider
        )
        for i in range(n)
    ]


def test_one_outage_opens_one_protocol_that_lists_its_stages_and_closes_itself():
    rows = _rows(6)
    set_sandbox_failures(fail_always=True)
    now = T0
    for _round in range(3):  # every stage fails three times during the outage
        for row in rows:
            assert services.deliver(row.pk, now=now, force=True).status == "failed"
        now += dt.timedelta(seconds=30)
    protocol = TechnicalProblemProtocol.objects.get()
    assert protocol.status == "open" and protocol.resolved_at is None
    assert protocol.detected_at == T0 and protocol.outbox_id == rows[0].pk
    assert sorted(protocol.stages.values_list("pk", flat=True)) == sorted(r.pk for r in rows)

    set_sandbox_failures(fail_always=False)  # the receiver is back
    for row in rows[:-1]:
        assert services.deliver(row.pk, now=now, force=True).status == "delivered"
    protocol.refresh_from_db()
    assert protocol.recovered_at == now and protocol.resolved_at is None  # backlog not through yet
    last = now + dt.timedelta(seconds=5)
    assert services.deliver(rows[-1].pk, now=last, force=True).status == "delivered"
    protocol.refresh_from_db()
    assert protocol.status == "closed" and protocol.resolved_at == last and protocol.closed_at == last
    assert SandboxStage.objects.count() == 6 and TechnicalProblemProtocol.objects.count() == 1


def test_the_first_delivery_after_an_outage_sends_the_backlog_now(run_on_commit):
    """bench/crash.py R2: after a 10-minute outage the stages waited out back-offs of up to 8
    minutes more (592 of 2,264 undelivered 10 minutes after the receiver came back). The first
    delivery that succeeds brings every waiting stage's retry time to now and queues it."""
    from qamqor.monitoring.models import StageOutbox

    rows = _rows(4)
    set_sandbox_failures(fail_always=True)
    now = T0
    for _round in range(5):  # back-offs of 30, 60, 120, 240, 480 s
        for row in rows:
            services.deliver(row.pk, now=now, force=True)
        now += dt.timedelta(seconds=30)
    assert min(StageOutbox.objects.values_list("next_attempt_at", flat=True)) > now + dt.timedelta(minutes=5)

    set_sandbox_failures(fail_always=False)
    drains = []
    original = services.enqueue_drains
    services.enqueue_drains = drains.append  # the backlog's size, for the drain tasks to queue
    try:
        with run_on_commit():
            assert services.deliver(rows[0].pk, now=now, force=True).status == "delivered"
    finally:
        services.enqueue_drains = original
    waiting = StageOutbox.objects.filter(status="pending")
    assert waiting.count() == 3 and all(r.next_attempt_at == now for r in waiting)
    assert drains == [3]  # one drain for the backlog, not a second task per row (decision 0032)
    assert services.drain() == {"counts": {"delivered": 3}, "more": False}  # due: not "not_due"
    assert not StageOutbox.objects.filter(status="pending").exists() and SandboxStage.objects.count() == 4


def test_the_drain_goes_in_batches_and_stops_when_the_system_refuses_again(settings):
    from qamqor.monitoring.models import StageOutbox

    settings.QAMQOR_MONITORING = {**settings.QAMQOR_MONITORING, "DRAIN_BATCH": 2, "DRAIN_TASKS": 4}
    rows = _rows(5)
    assert services.drain() == {"counts": {"delivered": 2}, "more": True}  # the task queues the next
    set_sandbox_failures(fail_always=True)
    out = services.drain()
    assert out == {"counts": {"failed": 1}, "more": False}  # one refused call, not one per row
    assert StageOutbox.objects.filter(status="pending", attempts=0).count() == 2
    assert sorted(StageOutbox.objects.filter(status="delivered").values_list("pk", flat=True)) == [
        rows[0].pk,
        rows[1].pk,
    ]
    from qamqor.rules.retry import drain_tasks

    assert [drain_tasks(n, 200) for n in (0, 1, 200, 201, 5000)] == [0, 1, 1, 2, 25]


def test_the_probe_tries_one_waiting_stage_when_nothing_is_due():
    """After the load stops, nothing new is sent: without the probe the return of the system is noticed
    only when the oldest back-off (grown to 8 minutes) runs out (bench/crash.py R2 run 4: 346 s)."""
    from qamqor.monitoring.models import StageOutbox

    rows = _rows(3)
    set_sandbox_failures(fail_always=True)
    now = T0
    for _round in range(4):
        for row in rows:
            services.deliver(row.pk, now=now, force=True)
        now += dt.timedelta(seconds=30)
    assert services.probe(now=now).status == "failed"  # still down: one call, not three
    assert StageOutbox.objects.aggregate(n=__import__("django").db.models.Sum("attempts"))["n"] == 13
    set_sandbox_failures(fail_always=False)
    outcome = services.probe(now=now)
    assert outcome.status == "delivered"
    assert all(r.next_attempt_at == now for r in StageOutbox.objects.filter(status="pending"))
    # a due row is its own probe: the probe sends nothing more
    assert services.probe(now=now) is None and SandboxStage.objects.count() == 1
    # and with nothing ever refused there is nothing to probe
    StageOutbox.objects.all().update(status="delivered")
    assert services.probe(now=now) is None


def test_a_later_outage_opens_a_new_protocol():
    (first,) = _rows(1)
    set_sandbox_failures(fail_next=1)
    services.deliver(first.pk, now=T0, force=True)
    services.deliver(first.pk, now=T0, force=True)
    assert TechnicalProblemProtocol.objects.get().status == "closed"
    (second,) = _rows(1, start=50)
    set_sandbox_failures(fail_next=1)
    services.deliver(second.pk, now=T0 + dt.timedelta(hours=1), force=True)
    assert TechnicalProblemProtocol.objects.filter(resolved_at=None).count() == 1
    assert TechnicalProblemProtocol.objects.count() == 2


def test_each_provider_has_its_own_protocol_of_the_outage():
    """The provider signs its protocol (§12-1): an outage that held two providers' stages gives each
    provider one."""
    a = _rows(3, provider="astana-education")
    b = _rows(2, provider="almaty-education", start=100)
    set_sandbox_failures(fail_always=True)
    for row in a + b:
        services.deliver(row.pk, now=T0, force=True)
    by_provider = {p.provider_ref: p.stages.count() for p in TechnicalProblemProtocol.objects.all()}
    assert by_provider == {"astana-education": 3, "almaty-education": 2}


def test_a_stage_that_never_failed_does_not_hold_the_protocol_open():
    held, fresh = _rows(2)
    set_sandbox_failures(fail_next=1)
    services.deliver(held.pk, now=T0, force=True)
    assert services.deliver(held.pk, now=T0, force=True).status == "delivered"
    assert TechnicalProblemProtocol.objects.get().status == "closed"
    assert not fresh.held_by_protocols.exists()


def test_the_drain_goes_before_the_overdue_retries_of_the_outage():
    """The queue runs by priority, then by the time a task may run: a task queued to run at once
    sorts after every overdue retry (bench/crash.py R2 at 3,000 cases: the drains waited 4.5 minutes
    behind them). The drain after a return has its own priority (decision 0032)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    row = _rows(1)[0]
    for minutes in (1, 2, 3):
        services.enqueue_delivery(row.pk, run_after=timezone.now() - dt.timedelta(minutes=minutes))
    assert services.enqueue_drains(1) == 1
    assert DBTaskResult.objects.ready().first().task_path == "qamqor.monitoring.tasks.drain_stages"


def test_fresh_work_is_not_queued_behind_the_retries_due_after_it():
    """A task to run at once is due when it is queued: the queue (priority, then due time) no longer
    sorts it after every retry of an outage, as django-tasks-db's "no time" did (bench/crash.py R2 at
    10,000 cases: 4,523 cabinet messages waited out the drain window behind the feed's retries)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    row = _rows(1)[0]
    DBTaskResult.objects.all().delete()
    fresh = services.enqueue_delivery(row.pk)
    retry = services.enqueue_delivery(row.pk, run_after=timezone.now())  # due just after it
    assert [str(t.pk) for t in DBTaskResult.objects.ready()] == [fresh.id, retry.id]
    assert services.enqueue_delivery(row.pk, run_after=timezone.now() + dt.timedelta(hours=1)).id not in {
        str(t.pk) for t in DBTaskResult.objects.ready()
    }
