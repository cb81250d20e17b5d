"""Windows calling at the same moment never take the same ticket (the call locks the row it takes,
skipping the locked ones), and none is left behind: eight operators in eight threads, each with its
own connection, on PostgreSQL (skipped on SQLite, which serialises every writer anyway)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from helpers import at
from qamqor.frontoffice import actions as fo
from qamqor.frontoffice.models import OfficeQueue, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
WINDOWS, TICKETS = 8, 60


def test_concurrent_calls_take_each_ticket_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL)")
    OfficeQueue.objects.create(office=world.office, windows=WINDOWS)
    t0 = at(2026, 3, 4, 9)
    for i in range(TICKETS):
        fo.issue_walk_in_ticket(
            office=world.office, service_slug="parent-meeting-permission", at=t0 + dt.timedelta(seconds=i)
        )
    User = get_user_model()
    operators = [
        User.objects.create(username=f"race-{w}", role="front_office_operator", office=world.office)
        for w in range(WINDOWS)
    ]
    taken: list[list[int]] = [[] for _ in range(WINDOWS)]
    barrier = threading.Barrier(WINDOWS)
    errors = []

    def work(w: int) -> None:
        try:
            barrier.wait()
            moment = t0 + dt.timedelta(minutes=5)
            while True:
                ticket = fo.call_next_ticket(
                    office=world.office, operator=operators[w], window=w + 1, at=moment
                )
                if ticket is None:
                    return
                taken[w].append(ticket.pk)
                fo.mark_no_show(ticket, operator=operators[w], at=moment)
        except Exception as exc:  # reported below, with the thread
            errors.append((w, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WINDOWS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    every = [pk for mine in taken for pk in mine]
    assert len(every) == len(set(every)) == TICKETS
    assert sum(1 for mine in taken if mine) > 1  # the windows really worked side by side
    assert not Ticket.objects.filter(status="waiting").exists()
