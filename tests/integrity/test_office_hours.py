"""Issue 11 item 6: an office takes applications in its hours only; a State Corporation duty office
under its own (`003` annex 2 row 7 item 2: Mon–Fri 9:00–20:00, Sat 9:00–13:00); the portal always."""

from __future__ import annotations

import pytest

from helpers import at, package
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import ServiceNotAvailable
from qamqor.cases.models import Application

KURBAN_AIT = at(2026, 5, 27, 11)  # Wednesday 27.05.2026, a public holiday


def _meeting(world, people, channel, when, office=None, actor=None):
    return sv.submit_application(
        service_slug="parent-meeting-permission",
        channel=channel,
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        office=office,
        actor=actor or world.officer,
        at=when,
        consent=True,
        documents=package("parent-meeting-permission", channel),
    )


@pytest.mark.parametrize(
    "when, opens",
    [
        (KURBAN_AIT, "28.05.2026 09:00"),  # the holiday: the next working day
        (at(2026, 3, 2, 19, 0), "03.03.2026 09:00"),  # after 18:30 (row 7 item 1)
        (at(2026, 3, 2, 13, 30), "02.03.2026 14:30"),  # the lunch break
        (at(2026, 3, 7, 10, 0), "10.03.2026 09:00"),  # Saturday; Monday 09.03 is 8 March moved
    ],
)
def test_the_provider_office_refuses_outside_its_hours_with_the_next_opening(world, people, when, opens):
    with pytest.raises(ServiceNotAvailable) as closed:
        _meeting(world, people, "provider", when)
    assert closed.value.code == "office_closed" and opens in str(closed.value)
    assert closed.value.details["citation"]["clause"].endswith("row 7 item 1")  # the provider's hours
    assert not Application.objects.exists()


def test_a_duty_office_takes_an_application_on_saturday_under_its_own_hours(world, people):
    from qamqor.accounts.models import StateCorpOffice, User

    duty = StateCorpOffice.objects.create(
        code="astana-con-duty",
        number="7",
        kind="duty",
        name_kk="Кезекші",
        name_ru="Дежурный",
        name_en="Duty office",
        region="Astana",
        address="Astana, Kabanbay batyr 2",
    )
    operator = User.objects.create_user("duty-op", role="front_office_operator", office=duty)
    saturday = at(2026, 3, 7, 10, 0)
    with pytest.raises(ServiceNotAvailable):  # an ordinary office is closed on Saturday
        _meeting(world, people, "state_corp", saturday, office=world.office, actor=world.operator)
    case = _meeting(world, people, "state_corp", saturday, office=duty, actor=operator)
    assert case.status == "submitted" and case.registered_on is not None
    with pytest.raises(ServiceNotAvailable):  # 13:00 on Saturday: the duty office has closed too
        _meeting(world, people, "state_corp", at(2026, 3, 7, 13, 30), office=duty, actor=operator)


def test_the_portal_takes_an_application_on_a_holiday(world, people):
    case = sv.submit_application(
        service_slug="camp-referral",
        channel="portal",
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        actor=people.adult_user,
        at=KURBAN_AIT,
        facts={"child": {"category": "low_income"}},
        consent=True,
        documents=package("camp-referral", "portal"),
    )
    assert case.status == "registered" and str(case.registered_on) == "2026-05-28"
