"""Access across recipients, providers and offices; every read of personal data is logged."""

from __future__ import annotations

import pytest

from helpers import MEETING_FACTS, at
from qamqor.audit.models import PersonalDataAccess
from qamqor.cases import actions as sv
from qamqor.cases.access import cases_visible_to, get_case_for
from qamqor.cases.exceptions import AccessDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(world):
    w = world
    mine = sv.submit_application(
        service_slug="camp-referral",
        channel="portal",
        applicant=w.parent,
        children=[w.child],
        provider=w.dept,
        actor=w.recipient,
        at=at(2026, 2, 2, 10),
        facts=MEETING_FACTS,
        consent=True,
    )
    theirs = sv.submit_application(
        service_slug="camp-referral",
        channel="state_corp",
        applicant=w.other_person,
        provider=w.other_dept,
        office=w.other_office,
        actor=w.other_operator,
        at=at(2026, 2, 2, 11),
        facts=MEETING_FACTS,
        consent=True,
    )
    return mine, theirs


def test_recipients_see_only_their_own(world, two_cases):
    w = world
    mine, theirs = two_cases
    assert list(cases_visible_to(w.recipient)) == [mine]
    assert list(cases_visible_to(w.other_recipient)) == [theirs]
    with pytest.raises(AccessDenied):
        get_case_for(w.recipient, theirs.pk)
    with pytest.raises(AccessDenied):
        get_case_for(w.recipient, theirs.number)
    assert not PersonalDataAccess.objects.exists()  # a refused read reads nothing


def test_officers_see_only_their_provider_and_operators_their_office(world, two_cases):
    w = world
    mine, theirs = two_cases
    assert list(cases_visible_to(w.officer)) == [mine]
    assert list(cases_visible_to(w.other_officer)) == [theirs]
    assert list(cases_visible_to(w.operator)) == []
    assert list(cases_visible_to(w.other_operator)) == [theirs]
    assert set(cases_visible_to(w.auditor)) == {mine, theirs}
    with pytest.raises(AccessDenied):
        get_case_for(w.other_officer, mine.pk)
    with pytest.raises(AccessDenied):
        get_case_for(w.operator, theirs.pk)
    from django.contrib.auth.models import AnonymousUser

    assert list(cases_visible_to(AnonymousUser())) == []


def test_each_read_of_personal_data_is_logged(world, two_cases):
    w = world
    mine, _ = two_cases
    got = get_case_for(w.officer, mine.pk, purpose="review", at=at(2026, 2, 3, 9))
    assert got == mine
    rows = list(PersonalDataAccess.objects.order_by("subject_kind"))
    assert [(r.subject_iin, r.subject_kind) for r in rows] == [
        (w.parent.iin, "applicant"),
        (w.child.iin, "child"),
    ]
    assert {r.actor_id for r in rows} == {w.officer.pk} and {r.purpose for r in rows} == {"review"}
    assert rows[0].case_id == mine.pk and rows[0].case_number == mine.number
