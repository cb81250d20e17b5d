"""Journey 4 of issue 13 in a real browser: an administrator adds a State Corporation office with its
schedule in the administration, and a case at that office counts its term by that schedule; the
administration's pages and the monitoring dashboard pass axe-core (no serious or critical violation)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from .test_journeys import _axe, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HOURS = {
    "mon": "09:00-20:00",
    "tue": "09:00-20:00",
    "wed": "09:00-20:00",
    "thu": "09:00-20:00",
    "fri": "09:00-20:00",
    "sat": "09:00-13:00",
    "sun": "",
}


def test_an_administrator_adds_an_office_and_a_case_there_counts_by_its_schedule(open_page, shot):
    from django.contrib.auth import get_user_model

    from helpers import at, package
    from qamqor.accounts.models import Provider, StateCorpOffice
    from qamqor.audit.models import AdminChange
    from qamqor.cases import actions as sv
    from qamqor.cases.models import Person
    from qamqor.rules.calendar import add_working_days

    page = open_page("ru")
    sign_in(page, "demo-admin")
    page.goto("/admin/accounts/statecorpoffice/add/")
    for name, value in {
        "code": "astana-con-7",
        "number": "7",
        "name_kk": "№7 ХҚКО",
        "name_ru": "ЦОН №7",
        "name_en": "PSC No. 7",
        "region": "Astana",
        "address": "Astana, Kabanbay batyr 7",
    }.items():
        page.fill(f"#id_{name}", value)
    page.fill("#id_schedules-0-valid_from", "2026-01-01")
    for day, hours in HOURS.items():
        page.fill(f"#id_schedules-0-{day}", hours)
    page.fill("#id_schedules-0-source", "Приказ Госкорпорации (тест)")
    shot(page, "admin-office-add-ru")
    with page.expect_navigation():
        page.click("input[name='_save']")
    assert "/admin/accounts/statecorpoffice/" in page.url and "add" not in page.url
    office = StateCorpOffice.objects.get(code="astana-con-7")
    assert office.schedules.get().sat == "09:00-13:00"
    assert {c.model for c in AdminChange.objects.all()} >= {
        "accounts.StateCorpOffice",
        "accounts.OfficeSchedule",
    }

    # a case at that office on a Monday at 19:00: the State Corporation's 9:00–18:00 would have
    # refused it; the office's own hours take it and count the term from that very day
    operator = get_user_model().objects.create(
        username="operator-7", role="front_office_operator", office=office
    )
    applicant = Person.objects.get_or_create(
        iin=get_user_model().objects.get(username="recipient-marat").iin,
        defaults={"last_name": "Жұмабаев", "first_name": "Марат"},
    )[0]
    evening = at(2026, 3, 2, 19)
    with time_machine.travel(evening, tick=False):
        case = sv.submit_application(
            service_slug="parent-meeting-permission",
            channel="state_corp",
            applicant=applicant,
            children=[],
            provider=Provider.objects.get(code="astana-education"),
            office=office,
            actor=operator,
            at=evening,
            facts={},
            consent=True,
            documents=package("parent-meeting-permission", "state_corp"),
        )
    assert case.registered_on == dt.date(2026, 3, 2)
    term = case.deadlines["term"]["value"]
    assert case.due_date == add_working_days(dt.date(2026, 3, 2), term)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_administration_and_the_dashboard_pass_axe(open_page, shot, lang):
    found = []
    admin = open_page(lang)
    sign_in(admin, "demo-admin")
    for url in (
        "/admin/",
        "/admin/accounts/statecorpoffice/",
        "/admin/accounts/statecorpoffice/add/",
        "/admin/accounts/calendarcorrection/add/",
        "/backoffice/monitoring/",
    ):
        admin.goto(url)
        assert admin.locator("html").get_attribute("lang") == lang
        found += _axe(admin, url)
    shot(admin, f"dashboard-{lang}")
    head = open_page(lang)
    sign_in(head, "astana-head")
    head.goto("/backoffice/monitoring/")
    assert head.locator("svg").count() >= 2
    found += _axe(head, "head's dashboard")
    assert not found, found
