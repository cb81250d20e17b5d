"""`db_worker` of django-tasks-db with a heartbeat: tasks of a dead worker are reclaimed (leases)."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from qamqor.monitoring.leases import Heartbeat, incarnation


class Command(DbWorkerCommand):
    help = "Run a database background worker that beats, and reclaims the tasks of dead workers"

    def handle(self, *args, **options):
        options["worker_id"] = incarnation(options["worker_id"])  # this process, not its slot
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.tick()  # reclaim at start: a restarted worker takes up what its predecessor held
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
