"""Issue 11 item 8: `001_9090383b8961739a.txt` annex 1 rows 7, 8 and 4 (guardianship).

- Row 7 item 2: the State Corporation receives the application "көрсетілетін қызметті алушының
  тіркелген жері бойынша немесе қорғаншылыққа мұқтаж кәмелетке толмаған баланың тіркелген жері
  бойынша" — at the registered address of the recipient *or* of the child. Either one will do;
  neither is refused with the clause and nothing is written.
- Row 8 (closing sentence of the State Corporation's list): "Құжаттар тексеру үшін түпнұсқада
  ұсынылады, содан кейін түпнұсқалар көрсетілетін қызметті алушыға қайтарылады" — the operator
  confirms at acceptance that the originals were checked and given back; the event records it.
- Row 4: the "one application" principle is not defined in the seeds: recorded as unknown, and no
  refusal is invented for a second application.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from helpers import at, package
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import CaseError, ServiceNotAvailable
from qamqor.cases.models import Application, CaseEvent
from qamqor.cases.transitions import Status
from qamqor.catalog import load_catalog
from qamqor.catalog.loader import CatalogError, load_service

WHEN = at(2026, 3, 2, 11)
ROW_7 = {"source": "001_9090383b8961739a.txt", "clause": "annex 1 row 7 item 2"}


def _submit(world, people, regions, *, channel="state_corp", service="guardianship-establishment", **kw):
    at_office = channel == "state_corp"
    return sv.submit_application(
        service_slug=service,
        channel=channel,
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        office=world.office if at_office else None,
        actor=world.operator if at_office else kw.pop("actor"),
        at=kw.pop("at", WHEN),
        consent=True,
        documents=package(service, channel),
        registered_regions=regions,
        **kw,
    )


def _submitted_event(case) -> CaseEvent:
    return case.events.get(action="submit")


def test_the_office_receives_at_the_applicants_registered_address(world, people):
    case = _submit(world, people, {people.adult.iin: "Astana"})
    reception = _submitted_event(case).payload["reception"]
    assert reception["registered_address_of"] == "applicant" and reception["iin"] == people.adult.iin
    assert reception["citation"] == ROW_7


def test_the_office_receives_at_the_childs_registered_address_when_the_applicant_lives_elsewhere(
    world, people
):
    """Row 7 says "or": an applicant registered in another region files where the child is registered."""
    case = _submit(world, people, {people.adult.iin: "Almaty", people.child.iin: "astana "})
    reception = _submitted_event(case).payload["reception"]
    assert reception["registered_address_of"] == "child" and reception["iin"] == people.child.iin


def test_neither_registered_address_in_the_offices_region_is_refused_and_nothing_is_written(world, people):
    with pytest.raises(ServiceNotAvailable) as exc:
        _submit(world, people, {people.adult.iin: "Almaty", people.child.iin: "Shymkent"})
    assert exc.value.code == "not_at_registered_address"
    assert exc.value.details["citation"] == ROW_7
    assert "row 7 item 2" in str(exc.value)
    assert not Application.objects.exists() and not CaseEvent.objects.exists()


def test_an_unknown_registered_address_is_asked_for_and_nothing_is_written(world, people):
    with pytest.raises(ValidationError) as exc:
        _submit(world, people, None)
    [error] = exc.value.error_dict["registered_region"]
    assert error.code == "registered_address_required" and "row 7 item 2" in error.message
    assert not Application.objects.exists()


def test_the_address_rule_is_the_state_corporations_only(world, people):
    """Row 7 item 2 is about the State Corporation; the portal (item 3) has no territorial rule, nor has
    the meeting permission's requirement list (`003` annex 2 row 7)."""
    portal = _submit(world, people, None, channel="portal", actor=people.adult_user)
    assert "reception" not in _submitted_event(portal).payload
    meeting = _submit(world, people, None, service="parent-meeting-permission")
    assert "reception" not in _submitted_event(meeting).payload


def test_acceptance_records_the_originals_shown_and_given_back(world, people):
    case = _submit(world, people, {people.adult.iin: "Astana"})
    with pytest.raises(CaseError) as exc:
        sv.accept_at_front_office(case, actor=world.operator, at=WHEN)
    assert exc.value.code == "originals_not_returned"
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.events.count() == 1  # nothing moved
    event = sv.accept_at_front_office(case, actor=world.operator, at=WHEN, originals_returned=True)
    assert event.payload["originals"] == {
        "shown_and_returned": True,
        "citation": {
            "source": "001_9090383b8961739a.txt",
            "clause": "annex 1 row 8 (State Corporation, closing sentence)",
        },
    }
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_a_service_without_the_originals_sentence_asks_no_confirmation(world, people):
    """`003` annex 2 row 8 has no such sentence: the meeting permission is accepted without it."""
    case = _submit(world, people, None, service="parent-meeting-permission")
    event = sv.accept_at_front_office(case, actor=world.operator, at=WHEN)
    assert "originals" not in event.payload


@pytest.mark.parametrize("lang, word", [("kk", "түпнұсқ"), ("ru", "оригинал")])
def test_the_refusals_speak_the_users_language(world, people, lang, word):
    case = _submit(world, people, {people.adult.iin: "Astana"})
    with translation.override(lang), pytest.raises(CaseError) as exc:
        sv.accept_at_front_office(case, actor=world.operator, at=WHEN)
    assert word in str(exc.value).lower()


def test_the_catalogue_carries_rows_7_8_and_4_with_their_clauses():
    version = load_catalog().service("guardianship-establishment").version_on(WHEN.date())
    office = version.channel("state_corp")
    assert office.reception_at_registration_of == ("applicant", "child")
    assert office.reception_citation.clause == "annex 1 row 7 item 2"
    assert office.originals_returned and office.originals_citation.clause.startswith("annex 1 row 8")
    portal = version.channel("portal")
    assert not portal.reception_at_registration_of and not portal.originals_returned
    unknown = {u.field: u.reason for u in version.unknown}
    assert "бір өтініш" in unknown["form.one_application"]
    assert version.form_citation.clause == "annex 1 row 4"


@pytest.mark.parametrize(
    "channel_extra, message",
    [
        ({"reception_at_registration_of": ["uncle"]}, "reception_at_registration_of must list"),
        ({"reception_at_registration_of": ["child"]}, "a rule without a citation"),
        ({"originals_returned": True}, "a rule without a citation"),
        ({"originals_returned": "yes"}, "originals_returned must be true or false"),
    ],
)
def test_the_loader_refuses_an_office_duty_without_its_clause_or_with_an_unknown_subject(
    tmp_path, channel_extra, message
):
    import yaml

    from qamqor.catalog.loader import DEFINITIONS_DIR

    data = yaml.safe_load((DEFINITIONS_DIR / "guardianship-establishment.yaml").read_text())
    channel = data["versions"][0]["channels"][0]
    for key in (
        "reception_at_registration_of",
        "reception_citation",
        "originals_returned",
        "originals_citation",
    ):
        channel.pop(key, None)
    channel.update(channel_extra)
    path = tmp_path / "guardianship-establishment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CatalogError, match=message):
        load_service(path)
