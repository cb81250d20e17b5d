"""The electronic queue through its steps: a simulated day of 500 visitors at one office (bookings and
walk-ins, a fixed seed) and the office-day figures computed from it, checked against a recomputation;
the invariants each step keeps (first come first called, one open ticket per window, limits from the
catalogue with their clause)."""

from __future__ import annotations

import datetime as dt
import heapq
import random

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from helpers import at
from qamqor.frontoffice import actions as fo
from qamqor.frontoffice import selectors
from qamqor.frontoffice.models import OfficeQueue, Ticket
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 4)  # a Wednesday, a working day
SERVICES = ("parent-meeting-permission", "guardianship-establishment", "camp-referral")
WINDOWS = 12
BOOKINGS, WALK_INS = 140, 360


def _recipients(n: int):
    User = get_user_model()
    users = [
        User(
            username=f"sim-{i}",
            role="recipient",
            iin=make_iin(dt.date(1980, 1, 1) + dt.timedelta(days=i), "female", 7),
        )
        for i in range(n)
    ]
    User.objects.bulk_create(users)
    return list(User.objects.filter(username__startswith="sim-").order_by("username"))


def _operators(office, n: int):
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"sim-op-{i:02d}", role="front_office_operator", office=office) for i in range(n)]
    )
    return list(User.objects.filter(username__startswith="sim-op-").order_by("username"))


def simulate_day(office, seed: int = 14):
    """500 visitors through the actions; returns (the tickets, the end of the day)."""
    rng = random.Random(seed)
    OfficeQueue.objects.create(office=office, windows=WINDOWS, slot_minutes=15, bookable_per_slot=4)
    people = _recipients(BOOKINGS)
    evening_before = at(2026, 3, 3, 19)
    booked = 0
    for person in people:  # each books a free slot of the day the evening before
        service = rng.choice(SERVICES)
        slots = selectors.free_slots(office, service, DAY, evening_before)
        start = rng.choice(slots)
        fo.book_slot(office=office, service_slug=service, start=start, recipient=person, at=evening_before)
        booked += 1
    assert booked == BOOKINGS
    arrivals = sorted(
        at(2026, 3, 4, 9) + dt.timedelta(seconds=rng.randrange(0, 8 * 3600 + 1800)) for _ in range(WALK_INS)
    )
    arrivals = [(t, rng.choice(SERVICES)) for t in arrivals]
    operators = _operators(office, WINDOWS)
    windows = [(at(2026, 3, 4, 9), w) for w in range(1, WINDOWS + 1)]
    heapq.heapify(windows)
    pending = list(arrivals)
    while windows:
        t, w = heapq.heappop(windows)
        while pending and pending[0][0] <= t:
            when, service = pending.pop(0)
            fo.issue_walk_in_ticket(office=office, service_slug=service, at=when)
        ticket = fo.call_next_ticket(office=office, operator=operators[w - 1], window=w, at=t)
        if ticket is None:
            later = [p[0] for p in pending[:1]] + list(
                Ticket.objects.filter(office=office, status="waiting", waiting_since__gt=t)
                .order_by("waiting_since")
                .values_list("waiting_since", flat=True)[:1]
            )
            if later:
                heapq.heappush(windows, (max(min(later), t + dt.timedelta(seconds=30)), w))
            continue
        op = operators[w - 1]
        if rng.random() < 0.03:
            fo.mark_no_show(ticket, operator=op, at=t + dt.timedelta(minutes=2))
            heapq.heappush(windows, (t + dt.timedelta(minutes=2), w))
            continue
        start = t + dt.timedelta(seconds=rng.randrange(20, 120))
        end = start + dt.timedelta(seconds=rng.randrange(5 * 60, 20 * 60))
        fo.start_service(ticket, operator=op, at=start)
        fo.finish_service(ticket, operator=op, at=end)
        heapq.heappush(windows, (end, w))
    return list(Ticket.objects.filter(office=office, day=DAY)), at(2026, 3, 4, 23)


def test_a_simulated_day_of_500_visitors(world):
    """One simulated day (12 s on SQLite), every check over it."""
    day = (world, *simulate_day(world.office))
    check_it_adds_up(day)
    check_the_figures_match_a_recomputation(day)
    check_first_come_first_called_and_one_ticket_per_window(day)
    check_each_ticket_carries_the_limits_of_its_service(day)


def check_it_adds_up(day):
    world, tickets, end = day
    figures = selectors.office_day_figures(world.office, DAY, end)
    total = figures["total"]
    assert total["count"] == len(tickets) == 500
    assert (total["booked"], total["walk_in"]) == (BOOKINGS, WALK_INS)
    assert total["served"] + total["no_show"] == 500  # everybody in line was called by the end
    assert total["waiting"] == total["open"] == 0
    assert 0 < total["no_show"] < 40
    per_service = figures["by_service"]
    assert set(per_service) <= set(SERVICES)
    for key in ("count", "booked", "walk_in", "served", "no_show"):
        assert sum(f[key] for f in per_service.values()) == total[key]
    assert (
        sum(f["wait"]["measured"] for f in per_service.values())
        == total["wait"]["measured"]
        == total["served"]
    )


def _recomputed(tickets):
    waits = [
        max(0.0, (t.called_at - t.waiting_since).total_seconds() / 60)
        for t in tickets
        if t.status == "served"
    ]
    limits = [t.max_wait_minutes for t in tickets if t.status == "served"]
    services = [(t.finished_at - t.started_at).total_seconds() / 60 for t in tickets if t.status == "served"]
    service_limits = [t.max_service_minutes for t in tickets if t.status == "served"]
    return waits, limits, services, service_limits


def check_the_figures_match_a_recomputation(day):
    world, tickets, end = day
    figures = selectors.office_day_figures(world.office, DAY, end)
    waits, limits, services, service_limits = _recomputed(tickets)
    wait = figures["total"]["wait"]
    assert wait["mean"] == pytest.approx(float(np.mean(waits)))
    assert wait["p90"] == pytest.approx(float(np.percentile(waits, 90, method="inverted_cdf")))
    assert wait["within_limit"] == sum(1 for w, lim in zip(waits, limits, strict=True) if w <= lim)
    assert wait["share_within_limit"] == pytest.approx(wait["within_limit"] / len(waits))
    service = figures["total"]["service"]
    assert service["mean"] == pytest.approx(float(np.mean(services)))
    assert service["within_limit"] == sum(
        1 for s, lim in zip(services, service_limits, strict=True) if s <= lim
    )
    # the day was busy enough that the 15-minute limit was both kept and broken: the share measures something
    assert 0 < wait["share_within_limit"] < 1
    assert 0 < service["share_within_limit"] < 1
    for slug, f in figures["by_service"].items():
        mine = [t for t in tickets if t.service_slug == slug]
        w, lim, _s, _sl = _recomputed(mine)
        assert f["wait"]["within_limit"] == sum(1 for a, b in zip(w, lim, strict=True) if a <= b)


def check_first_come_first_called_and_one_ticket_per_window(day):
    world, tickets, _end = day
    called = sorted((t for t in tickets if t.called_at), key=lambda t: (t.called_at, t.pk))
    for i, a in enumerate(called):
        for b in called[i + 1 :]:
            if b.called_at > a.called_at:
                # nobody who had been waiting longer (and was already due) was passed over
                assert not (b.waiting_since < a.waiting_since), (a.number, b.number)
                break
    by_window: dict[int, list] = {}
    for t in called:
        by_window.setdefault(t.window, []).append(t)
    for rows in by_window.values():
        for a, b in zip(rows, rows[1:], strict=False):
            assert (a.finished_at or a.no_show_at) <= b.called_at
    # a booked ticket is never called before its slot begins
    assert all(t.called_at >= t.slot_start for t in called if t.kind == "booked")


def check_each_ticket_carries_the_limits_of_its_service(day):
    _world, tickets, _end = day
    by_service = {t.service_slug: t for t in tickets}
    meeting = by_service["parent-meeting-permission"]
    assert (meeting.max_wait_minutes, meeting.max_service_minutes) == (15, 15)
    assert meeting.limits_citation["citation"] == {
        "source": "003_4cf6e905af0d21d2.txt",
        "clause": "annex 2 row 2 item 2, row 3 items 2-3",
    }
    guardianship = by_service["guardianship-establishment"]
    assert guardianship.limits_citation["citation"]["source"] == "001_9090383b8961739a.txt"
    assert (guardianship.max_wait_minutes, guardianship.max_service_minutes) == (15, 15)
