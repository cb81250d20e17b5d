"""A worker killed with SIGKILL in the middle of a delivery, then restarted: every stage reaches the
monitoring system exactly once, well within two minutes (issue 15; docs/decisions/0017-task-leases.md).

Before: the task stayed RUNNING under the dead worker and no worker took it up again; the stage
waited for the next night's reconciliation. Real processes on a SQLite file (the embedded set-up);
the lease is shortened to keep the test short (the mechanism is the same at the default 30 s).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from helpers import stop

pytestmark = pytest.mark.slow

STAGES = 6
DEADLINE = 120  # seconds: the bound for every stage delivered

RECORD = f"""
import django
django.setup()
from django.db import transaction
from qamqor.monitoring import services
with transaction.atomic():
    for i in range({STAGES}):
        services.record_stage_change(
            case_id=i + 1, event_id=1, stage="registered", service="camp-referral", provider="astana-education"
        )
"""
CLI = "import sys; from qamqor.cli import main; sys.exit(main(sys.argv[1:]))"


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_") and k != "DATABASE_URL"}
    env.update(
        QAMQOR_DATA_DIR=str(tmp_path),
        QAMQOR_MODE="demo",
        DJANGO_SETTINGS_MODULE="qamqor.project.settings",
        QAMQOR_SANDBOX_MONITORING_DELAY="1.5",  # each delivery takes 1.5 s: room to kill one mid-way
        QAMQOR_TASK_HEARTBEAT_SECONDS="1",
        QAMQOR_TASK_LEASE_SECONDS="4",
    )
    return env


def _query(db, sql):
    with sqlite3.connect(db, timeout=30) as c:
        return c.execute(sql).fetchall()


def _worker(env, worker_id):
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "worker", "--interval", "0.2", "--worker-id", worker_id],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.mark.parametrize("restarted_as", ["worker-restarted", "worker-to-kill"])
def test_a_killed_worker_s_delivery_is_taken_up_and_every_stage_delivered_once(tmp_path, restarted_as):
    """Restarted under another id or under the same one (a service manager restarts the same unit):
    the same id once kept the dead process's task "alive" by its beats, never reclaimed."""
    env = _env(tmp_path)
    db = str(tmp_path / "qamqor.sqlite3")
    subprocess.run(
        [sys.executable, "-c", CLI, "manage", "migrate", "-v", "0"], env=env, check=True, timeout=120
    )
    subprocess.run([sys.executable, "-c", RECORD], env=env, check=True, timeout=60)
    started = time.monotonic()
    running_delivery = (
        "SELECT id, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE status = 'RUNNING' AND task_path LIKE '%deliver_stage'"
    )
    first = _worker(env, "worker-to-kill")
    try:
        assert _wait(lambda: _query(db, running_delivery), 60), "no delivery started"
        time.sleep(0.5)  # inside the receiver's 1.5 s: mid-delivery
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    orphans = _query(db, running_delivery)
    assert orphans and "worker-to-kill" in orphans[0][1]  # left RUNNING by the dead worker
    orphan_id = orphans[0][0]

    second = _worker(env, restarted_as)
    try:
        delivered = "SELECT count(*) FROM monitoring_stageoutbox WHERE status = 'delivered'"
        assert _wait(
            lambda: _query(db, delivered)[0][0] == STAGES, DEADLINE - (time.monotonic() - started), 0.25
        )
        elapsed = time.monotonic() - started
    finally:
        stop(second)
    assert elapsed < DEADLINE
    # exactly once at the receiver: one record per stage, none resent
    assert _query(db, "SELECT count(*), max(received_count) FROM monitoring_sandboxstage") == [(STAGES, 1)]
    status, workers = _query(
        db, f"SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = '{orphan_id}'"
    )[0]
    workers = json.loads(workers) if isinstance(workers, str) else workers
    assert status == "SUCCESSFUL" and len(set(workers)) == 2  # two processes, each its own incarnation
    assert workers[0].startswith("worker-to-kill~") and workers[-1].startswith(f"{restarted_as}~")
