"""Two worker processes on one PostgreSQL database deliver the monitoring feed with no duplicate.

django-tasks-db claims a task with `SELECT … FOR UPDATE SKIP LOCKED`; our delivery locks the outbox
row and skips rows already delivered. Every delivery is queued twice here (as a reconciliation
racing a retry would), so both layers are exercised. Skipped when no PostgreSQL answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import psycopg
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

N = 60

SEED = textwrap.dedent(
    f"""
    import datetime as dt
    from qamqor.project import setup
    setup()
    from django.db import transaction
    from qamqor.monitoring import services
    from qamqor.monitoring.tasks import deliver_stage
    t0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=services.ALMATY)
    with transaction.atomic():
        for i in range({N}):
            row = services.record_stage_change(case_id=i // 3, event_id=i, stage="s%d" % (i % 3),
                                               moment=t0 + dt.timedelta(minutes=i))
            transaction.on_commit(lambda pk=row.pk: deliver_stage.enqueue(pk))  # a second, racing task
    """
)


def _env(url: str, tmp_path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        QAMQOR_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="qamqor.project.settings",
        QAMQOR_MODE="demo",
    )
    return env


def test_two_workers_deliver_every_stage_exactly_once(scratch_postgres, tmp_path):
    env = _env(scratch_postgres, tmp_path)
    py = sys.executable
    subprocess.run(
        [py, "-m", "qamqor", "manage", "migrate", "--verbosity", "0"], env=env, check=True, timeout=180
    )
    subprocess.run([py, "-c", SEED], env=env, check=True, timeout=120)
    workers = [
        subprocess.Popen(
            [py, "-m", "qamqor", "worker", "--batch", "--interval", "0", "--worker-id", f"w{i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in (1, 2)
    ]
    outputs = [w.communicate(timeout=240)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    with psycopg.connect(scratch_postgres) as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        assert q(
            "SELECT count(*), count(DISTINCT delivery_key), sum(received_count) FROM monitoring_sandboxstage"
        ) == [(N, N, N)]
        assert q("SELECT status, count(*) FROM monitoring_stageoutbox GROUP BY status") == [("delivered", N)]
        tasks = q(
            "SELECT status, worker_ids, return_value FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%deliver_stage'"
        )
        assert len(tasks) == 2 * N
        assert {t[0] for t in tasks} == {"SUCCESSFUL"}
        assert all(len(t[1]) == 1 for t in tasks)  # no task was claimed twice
        outcomes = sorted(t[2]["status"] for t in tasks)
        assert outcomes.count("delivered") == N and outcomes.count("already_delivered") == N
        ran_by = {t[1][0].split("~")[0] for t in tasks}  # each process's incarnation of its id
        assert ran_by <= {"w1", "w2"}
