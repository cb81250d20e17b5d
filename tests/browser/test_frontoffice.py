"""The electronic queue in a real browser, with no JavaScript of ours: a recipient books a slot of
the State Corporation's queue on the portal; the front-office pages (booking, home visit, the
operator's console, the figures, the home visits) pass axe-core with no serious or critical
violation in kk, ru and en."""

from __future__ import annotations

import datetime as dt

import pytest

from browser.test_journeys import _axe, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
OFFICE, MEETING = "astana-con-1", "parent-meeting-permission"


def _bookable_day():
    """The first day from tomorrow on with a free slot at the demo office (the real clock: the live
    server's)."""
    from django.utils import timezone

    from qamqor.accounts.models import StateCorpOffice
    from qamqor.frontoffice import selectors

    office = StateCorpOffice.objects.get(code=OFFICE)
    now = timezone.now()
    day = timezone.localdate(now) + dt.timedelta(days=1)
    while not selectors.free_slots(office, MEETING, day, now):
        day += dt.timedelta(days=1)
    return day


def test_recipient_books_a_slot(open_page, shot):
    from qamqor.frontoffice.models import Ticket

    day = _bookable_day()
    page = open_page("kk")
    sign_in(page, "recipient-aliya")
    page.goto("/portal/queue/")
    page.select_option("#id_office", OFFICE)
    page.select_option("#id_service", MEETING)
    page.fill("#id_day", f"{day:%d.%m.%Y}")
    with page.expect_navigation():
        page.click("#slot-search button")
    assert page.locator("input[name='slot']").count() > 0
    assert not _axe(page, "booking: slots")
    page.check("#slot-1")
    with page.expect_navigation():
        page.click("#slot-booking button")
    ticket = Ticket.objects.get(recipient__username="recipient-aliya")
    assert ticket.number in page.locator("main").inner_text()
    assert "Брондалды" in page.locator("main").inner_text()
    shot(page, "queue-booked-kk")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_front_office_pages_pass_axe(open_page, shot, lang):
    found = []
    page = open_page(lang)
    sign_in(page, "recipient-aliya")
    for url in ("/portal/queue/", "/portal/home-visit/"):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang
        found += _axe(page, url)
    operator = open_page(lang)
    sign_in(operator, "astana-operator")
    for url in (
        "/backoffice/front-office/queue/",
        "/backoffice/front-office/figures/",
        "/backoffice/front-office/home-visits/",
    ):
        operator.goto(url)
        found += _axe(operator, url)
    shot(operator, f"queue-console-{lang}")
    assert not found, found
