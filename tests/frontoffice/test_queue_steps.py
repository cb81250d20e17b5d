"""Each step of the electronic queue refused where it must be, changing nothing: a booking outside the
office's hours or on a holiday (with the next opening, in kk / ru / en), a slot not on the grid, a
past or full slot, a second booking; a walk-in ticket after hours; a call by another office's operator,
with a ticket still open, to a window that does not exist; steps out of order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from helpers import at
from qamqor.frontoffice import actions as fo
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.figures import Visit, figures, p90
from qamqor.frontoffice.models import OfficeQueue, Ticket

pytestmark = pytest.mark.django_db
MEETING = "parent-meeting-permission"
EVE = at(2026, 3, 3, 19)


def _refused(code, world, start, recipient=None, at=EVE, service=MEETING):
    """A booking refused with `code`, nothing written."""
    before = Ticket.objects.count()
    with pytest.raises(FrontOfficeError) as exc:
        fo.book_slot(
            office=world.office, service_slug=service, start=start, recipient=recipient or world.aliya, at=at
        )
    assert exc.value.code == code
    assert Ticket.objects.count() == before
    return exc.value


def test_a_booking_on_a_holiday_is_refused_with_the_next_opening_in_three_languages(world):
    # 23.03.2026: Nauryz (a holiday), 24-25.03 its transferred days off: the office next receives on 26.03 at 9:00
    with translation.override("en"):
        exc = _refused("office_closed", world, at(2026, 3, 23, 10))
    assert exc.details["next_opening"] == "2026-03-26T09:00:00+05:00"
    texts = exc.details["texts"]
    assert set(texts) == {"kk", "ru", "en"}
    assert all("26.03.2026 09:00" in t for t in texts.values())
    assert len(set(texts.values())) == 3  # really translated
    assert "next slot opens on 26.03.2026 09:00" in str(exc)
    assert exc.details["citation"] == {"source": "003_4cf6e905af0d21d2.txt", "clause": "annex 2 row 7 item 2"}


def test_a_booking_after_hours_or_off_the_grid_is_refused_with_the_next_slot(world):
    exc = _refused("office_closed", world, at(2026, 3, 4, 18, 0))
    assert exc.details["next_opening"] == "2026-03-05T09:00:00+05:00"
    # the last slot must end by 18:00: 17:50 is off the 15-minute grid
    exc = _refused("office_closed", world, at(2026, 3, 4, 17, 50))
    assert exc.details["next_opening"] == "2026-03-05T09:00:00+05:00"
    exc = _refused("office_closed", world, at(2026, 3, 4, 10, 7))
    assert exc.details["next_opening"] == "2026-03-04T10:15:00+05:00"
    # a Saturday at a regular office (003 annex 2 row 7 item 2: Monday to Friday)
    _refused("office_closed", world, at(2026, 3, 7, 10))


def test_a_duty_office_takes_saturday_bookings_under_its_own_hours(world):
    world.office.kind = "duty"
    world.office.save()
    ticket = fo.book_slot(
        office=world.office, service_slug=MEETING, start=at(2026, 3, 7, 12, 45), recipient=world.aliya, at=EVE
    )
    assert ticket.number == "B001" and ticket.day == dt.date(2026, 3, 7)
    # duty offices: Sat 9:00-13:00, so 13:00 is closed; Mon 09.03 is the 8 March day off moved: Tue 9:00
    exc = _refused("office_closed", world, at(2026, 3, 7, 13), recipient=world.marat)
    assert exc.details["next_opening"] == "2026-03-10T09:00:00+05:00"


def test_past_full_and_second_bookings_are_refused(world):
    OfficeQueue.objects.create(office=world.office, bookable_per_slot=1)
    slot = at(2026, 3, 4, 11)
    _refused("slot_past", world, slot, at=slot)
    fo.book_slot(office=world.office, service_slug=MEETING, start=slot, recipient=world.aliya, at=EVE)
    _refused("slot_full", world, slot, recipient=world.marat)
    _refused("booked_twice", world, at(2026, 3, 4, 12))
    _refused("not_recipient", world, at(2026, 3, 4, 12), recipient=world.operator)
    # not received at the State Corporation (foster family: provider and portal only)
    _refused(
        "not_at_state_corp",
        world,
        at(2026, 3, 4, 12),
        recipient=world.marat,
        service="foster-family-placement",
    )


def test_walk_in_after_hours_is_refused(world):
    with pytest.raises(FrontOfficeError) as exc:
        fo.issue_walk_in_ticket(office=world.office, service_slug=MEETING, at=at(2026, 3, 4, 18, 5))
    assert exc.value.code == "office_closed"
    assert exc.value.details["next_opening"] == "2026-03-05T09:00:00+05:00"
    assert not Ticket.objects.exists()


def test_calls_and_steps_keep_their_order(world):
    User = get_user_model()
    from qamqor.accounts.models import StateCorpOffice

    other = StateCorpOffice.objects.create(
        code="o2", number="2", name_kk="2", name_ru="2", name_en="2", region="A", address="A"
    )
    stranger = User.objects.create(username="op2", role="front_office_operator", office=other)
    first = fo.issue_walk_in_ticket(office=world.office, service_slug=MEETING, at=at(2026, 3, 4, 10))
    second = fo.issue_walk_in_ticket(office=world.office, service_slug=MEETING, at=at(2026, 3, 4, 10, 1))
    with pytest.raises(FrontOfficeError) as exc:
        fo.call_next_ticket(office=world.office, operator=stranger, window=1, at=at(2026, 3, 4, 10, 2))
    assert exc.value.code == "not_operator"
    with pytest.raises(FrontOfficeError) as exc:
        fo.call_next_ticket(office=world.office, operator=world.operator, window=99, at=at(2026, 3, 4, 10, 2))
    assert exc.value.code == "no_such_window"
    called = fo.call_next_ticket(
        office=world.office, operator=world.operator, window=1, at=at(2026, 3, 4, 10, 2)
    )
    assert called.pk == first.pk and called.window == 1
    with pytest.raises(FrontOfficeError) as exc:
        fo.call_next_ticket(office=world.office, operator=world.operator, window=1, at=at(2026, 3, 4, 10, 3))
    assert exc.value.code == "ticket_open"
    with pytest.raises(FrontOfficeError) as exc:
        fo.finish_service(called, operator=world.operator, at=at(2026, 3, 4, 10, 3))
    assert exc.value.code == "wrong_status"
    with pytest.raises(FrontOfficeError) as exc:
        fo.start_service(called, operator=world.operator, at=at(2026, 3, 4, 10, 1))
    assert exc.value.code == "time_order"
    fo.start_service(called, operator=world.operator, at=at(2026, 3, 4, 10, 3))
    done = fo.finish_service(called, operator=world.operator, at=at(2026, 3, 4, 10, 20))
    assert done.status == "served"
    nxt = fo.call_next_ticket(
        office=world.office, operator=world.operator, window=2, at=at(2026, 3, 4, 10, 21)
    )
    assert nxt.pk == second.pk
    assert fo.mark_no_show(nxt, operator=world.operator, at=at(2026, 3, 4, 10, 25)).status == "no_show"
    assert (
        fo.call_next_ticket(office=world.office, operator=world.operator, window=2, at=at(2026, 3, 4, 10, 26))
        is None
    )


def test_figures_of_a_small_day_by_hand():
    t0 = at(2026, 3, 4, 10)
    m = dt.timedelta(minutes=1)
    visits = [  # waits 5, 16, 0; services 10, 20
        Visit("s", "walk_in", "served", t0, t0 + 5 * m, t0 + 6 * m, t0 + 16 * m, 15, 15),
        Visit("s", "booked", "served", t0, t0 + 16 * m, t0 + 16 * m, t0 + 36 * m, 15, 15),
        Visit("s", "walk_in", "no_show", t0, t0 + 40 * m, None, None, 15, 15),
        Visit("s", "walk_in", "waiting", t0, None, None, None, 15, 15),
        Visit("t", "walk_in", "in_service", t0 + 20 * m, t0 + 19 * m, t0 + 21 * m, None, None, None),
    ]
    f = figures(visits, t0 + 30 * m)
    assert (f["count"], f["served"], f["no_show"], f["waiting"], f["open"]) == (5, 2, 1, 1, 1)
    assert f["overdue_waiting"] == 1  # waiting 30 minutes against 15
    assert f["wait"]["measured"] == 3 and f["wait"]["mean"] == pytest.approx(7)
    assert (f["wait"]["within_limit"], f["wait"]["with_limit"], f["wait"]["no_limit"]) == (1, 2, 1)
    assert f["service"]["share_within_limit"] == 0.5
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9 and p90([3]) == 3 and p90([]) is None
