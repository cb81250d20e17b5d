"""Home visits (`000_e53799d7e328390d.txt` §13): encoded only where the texts carry them (the meeting
permission's earlier standard); requested through the contact centre (the text) or the portal (an
interpretation), scheduled in the office's hours and assigned, the documents taken at home filed
through the counter's intake with the visit recorded on the `submitted` event, and the application
reaching the provider with the State Corporation's deadlines."""

from __future__ import annotations

import pytest

from helpers import MEETING_DOCUMENTS, at
from qamqor.backoffice.homevisits import accept_documents_at_home
from qamqor.cases import actions as sv
from qamqor.cases.models import Application, Person
from qamqor.catalog import active_catalog
from qamqor.frontoffice import actions as fo
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.models import HomeVisit

pytestmark = pytest.mark.django_db
MEETING = "parent-meeting-permission"
REQUESTED = at(2019, 4, 2, 10)  # under the earlier standard (000), in force 2018-2020 (estimated)


def test_the_catalogue_carries_home_visits_only_where_the_texts_do():
    catalog = active_catalog()
    carried = {
        (slug, v.id): v.home_visit.citation.as_dict()
        for slug, service in catalog.services.items()
        for v in service.versions
        if v.home_visit is not None
    }
    assert carried == {
        (MEETING, "standard-annex-13"): {"source": "000_e53799d7e328390d.txt", "clause": "§13"}
    }
    rule = catalog.service(MEETING).version_by_id("standard-annex-13").home_visit
    assert rule.request_channels == ("contact_centre",)
    assert rule.interpreted_request_channels == ("portal",)
    assert (rule.eligibility_sources, rule.eligibility_certainty) == (("declaration",), "interpretation")
    assert rule.intake_channel == "state_corp"
    # the versions in force today that take applications at the State Corporation say why there is none
    for slug in (MEETING, "guardianship-establishment", "camp-referral"):
        version = catalog.service(slug).versions[-1]
        assert version.home_visit is None
        assert any(u.field == "home_visit" and "no home visit" in u.reason for u in version.unknown)


def _request(world, via="contact_centre", by=None, when=REQUESTED, **kw):
    args = dict(
        service_slug=MEETING,
        via=via,
        requested_by=by or world.operator,
        recipient_iin=world.aliya.iin,
        recipient_name="Сейітова Әлия",
        address="Astana, Abai 10, flat 5",
        office=world.office,
        declared_impairment=True,
        at=when,
    )
    return fo.request_home_visit(**(args | kw))


def test_a_home_visit_intake_reaches_the_provider(world, akimat):
    visit = _request(world)
    assert visit.eligibility["certainty"] == "interpretation" and visit.citation["clause"] == "§13"
    visit = fo.schedule_home_visit(
        visit, operator=world.operator, assignee=world.operator, when=at(2019, 4, 4, 11), at=REQUESTED
    )
    applicant = Person.objects.create(iin=world.aliya.iin, last_name="Сейітова", first_name="Әлия")
    case = accept_documents_at_home(
        visit,
        operator=world.operator,
        at=at(2019, 4, 4, 11, 20),
        applicant=applicant,
        provider=akimat,
        documents=list(MEETING_DOCUMENTS) + [{"code": "police_character_reference", "source": "paper"}],
        consent=True,
    )
    assert case.channel == "state_corp" and case.catalogue_version == "standard-annex-13"
    submitted = case.events.get(action="submit")
    assert submitted.payload["home_visit"] == visit.reference
    assert {"source": "000_e53799d7e328390d.txt", "clause": "§13"} in submitted.legal_basis["citations"]
    visit.refresh_from_db()
    assert (visit.status, visit.application_id) == ("documents_accepted", case.pk)
    # then as from the counter: the receipt, the courier, the provider
    sv.accept_at_front_office(case, actor=world.operator, at=at(2019, 4, 4, 11, 25))
    sv.send_by_courier(case, actor=world.operator, at=at(2019, 4, 4, 16))
    officer = type(world.officer).objects.create(
        username="akimat-officer", role="provider_officer", provider=akimat
    )
    sv.receive_at_provider(case, actor=officer, at=at(2019, 4, 5, 9, 30))
    case.refresh_from_db()
    assert case.status == "at_provider"
    # the term counts as at the State Corporation (000 §4 item 1: 5 working days, the day of acceptance not counted)
    assert case.due_date.isoformat() == "2019-04-11"


def test_the_intake_refuses_a_home_visit_where_the_version_has_none(world):
    applicant = Person.objects.create(iin=world.aliya.iin, last_name="Сейітова", first_name="Әлия")
    with pytest.raises(Exception) as exc:
        sv.submit(
            service_slug=MEETING,
            channel="state_corp",
            applicant=applicant,
            provider=world.astana,
            office=world.office,
            actor=world.operator,
            at=at(2026, 3, 4, 10),
            documents=MEETING_DOCUMENTS,
            consent=True,
            home_visit="HV-X",
        )
    assert getattr(exc.value, "code", "") == "no_home_visit"
    assert not Application.objects.exists()


def test_requests_are_refused_where_the_text_does_not_allow_them(world):
    with pytest.raises(FrontOfficeError) as exc:  # today: 003 provides for no home visit
        _request(world, when=at(2026, 3, 4, 10))
    assert exc.value.code == "no_home_visit" and exc.value.details["unknown"]
    with pytest.raises(FrontOfficeError) as exc:
        _request(world, declared_impairment=False)
    assert exc.value.code == "not_eligible"
    with pytest.raises(FrontOfficeError) as exc:  # on the portal a recipient asks for themself only
        _request(world, via="portal", by=world.marat)
    assert exc.value.code == "portal_requester"
    with pytest.raises(FrontOfficeError) as exc:
        _request(world, via="letter")
    assert exc.value.code == "request_channel"
    mine = _request(world, via="portal", by=world.aliya)
    assert mine.eligibility["via_interpreted"] is True
    assert HomeVisit.objects.count() == 1


def test_scheduling_keeps_to_the_office_hours_and_the_assigned_operator_accepts(world, akimat):
    visit = _request(world)
    with pytest.raises(FrontOfficeError) as exc:  # Sunday: the State Corporation (000 §8 item 2) is closed
        fo.schedule_home_visit(
            visit, operator=world.operator, assignee=world.operator, when=at(2019, 4, 7, 11), at=REQUESTED
        )
    assert exc.value.code == "office_closed" and exc.value.details["next_opening"].startswith(
        "2019-04-08T09:00"
    )
    with pytest.raises(FrontOfficeError) as exc:
        fo.schedule_home_visit(
            visit, operator=world.operator, assignee=world.officer, when=at(2019, 4, 4, 11), at=REQUESTED
        )
    assert exc.value.code == "not_operator"
    applicant = Person.objects.create(iin=world.aliya.iin, last_name="Сейітова", first_name="Әлия")
    with pytest.raises(FrontOfficeError) as exc:
        accept_documents_at_home(
            visit, operator=world.operator, at=at(2019, 4, 4, 11), applicant=applicant, provider=akimat
        )
    assert exc.value.code == "visit_not_scheduled"
    assert not Application.objects.exists()
