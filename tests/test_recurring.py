"""Recurring jobs: one chain per job however many workers start, and a run queues the next one."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qamqor.project.recurring import JOBS, ensure_recurring, interval, run_recurring

pytestmark = pytest.mark.django_db


def _queued(name):
    return DBTaskResult.objects.filter(task_path=run_recurring.module_path, status="READY", args_kwargs__args=[name])


def test_each_job_is_queued_once_however_many_workers_start():
    assert sorted(ensure_recurring()) == sorted(JOBS)
    assert ensure_recurring() == []  # a second worker starting finds the chains there
    for name in JOBS:
        assert _queued(name).count() == 1


def test_a_run_does_its_work_and_queues_the_next_run():
    before = timezone.now()
    result = run_recurring.call("duty_reminders")
    assert result == {"reminders_sent": 0}
    nxt = _queued("duty_reminders").get()
    assert nxt.run_after >= before + interval("duty_reminders") - dt.timedelta(seconds=1)


def test_the_chain_survives_a_failing_run(monkeypatch):
    def boom(now):
        raise RuntimeError("registry gateway down")

    monkeypatch.setitem(JOBS, "registry_sweep", (boom, dt.timedelta(minutes=5)))
    with pytest.raises(RuntimeError):
        run_recurring.call("registry_sweep")
    assert _queued("registry_sweep").count() == 1
