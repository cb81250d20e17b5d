"""Issue 10, bypass 1: no endpoint lets a recipient (or an official) supply a fact from a source the
service definition does not accept; one way in per fully automated service."""

from __future__ import annotations

import pytest
import time_machine

from helpers import at, package
from qamqor.cases import actions as sv
from qamqor.cases.actions.facts import FactRefused
from qamqor.cases.models import Application, CaseFact, Decision
from qamqor.databank.models import CertificateRequest, Placement

WHEN = at(2026, 3, 2, 11)
# each service with a fact only a registry, the data bank or the consent may give
REGISTRY_FACTS = [
    ("guardianship-establishment", "state_corp", {"applicant": {"convictions": []}}, "applicant.convictions"),
    (
        "guardianship-establishment",
        "portal",
        {"applicant": {"birth_date": "1980-01-01"}},
        "applicant.birth_date",
    ),
    ("foster-family-placement", "portal", {"applicant": {"legal_capacity": "full"}}, None),
    ("parent-meeting-permission", "provider", {"consent_personal_data": True}, "consent_personal_data"),
    ("camp-referral", "portal", {"officer": {"false_documents": False}}, "officer.false_documents"),
]


def _body(service, channel, applicant, child, facts, **extra):
    body = {
        "service": service,
        "channel": channel,
        "provider": "astana-education",
        "applicant": {"iin": applicant.iin, "last_name": "A", "first_name": "B"},
        # the child registered where the office is (001 annex 1 row 7 item 2: the applicant's or the child's)
        "children": [{"iin": child.iin, "last_name": "C", "first_name": "D", "registered_region": "Astana"}],
        "facts": facts,
        "consent": True,
        "documents": package(service, channel),
        **extra,
    }
    if channel == "state_corp":
        body["office"] = "astana-con-1"
    return body


@pytest.mark.parametrize("service, channel, facts, fact", REGISTRY_FACTS)
def test_the_submission_endpoint_refuses_a_fact_from_a_source_the_law_does_not_accept(
    world, people, client_for, service, channel, facts, fact
):
    submitter = {"portal": people.adult_user, "state_corp": world.operator}.get(channel, world.officer)
    with time_machine.travel(WHEN, tick=False):
        r = client_for(submitter).post(
            "/api/v1/applications/", _body(service, channel, people.adult, people.child, facts), format="json"
        )
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["details"]["reason"] == "source_not_accepted"
    if fact:
        assert body["details"]["fact"] == fact and f"facts.{fact}" in body["errors"]
    assert not Application.objects.exists() and not CaseFact.objects.exists()


def test_the_recipient_cannot_declare_the_data_bank_record_on_any_door(world, people, client_for):
    """The stranger of issue 10: not a guardian, claiming the data bank's record."""
    stranger = client_for(people.stranger_user)
    claim = {"databank": {"guardian_record_found": True}}
    with time_machine.travel(WHEN, tick=False):
        generic = stranger.post(
            "/api/v1/services/guardianship-certificate/automated-requests",
            {"child_iin": people.child.iin, "consent": True, "facts": claim, "provider": "astana-education"},
            format="json",
        )
        submission = stranger.post(
            "/api/v1/applications/",
            _body("guardianship-certificate", "portal", people.stranger, people.child, claim),
            format="json",
        )
        dedicated = stranger.post(
            "/api/v1/services/guardianship-certificate/requests",
            {"child_iin": people.child.iin, "consent": True, "facts": claim},
            format="json",
        )
    # the certificate has one way in: the data bank's own request, which reads the bank itself
    assert generic.status_code == 400 and generic.json()["code"] == "own_request"
    assert submission.status_code == 400 and submission.json()["code"] == "own_request"
    assert dedicated.status_code == 201 and dedicated.json()["decision"] == "refuse"
    assert dedicated.json()["grounds"][0]["citation"]["clause"] == "row 9 item 1"
    assert not Application.objects.exists() and not Decision.objects.exists()
    assert CertificateRequest.objects.get().decision == "refuse"


def test_the_automated_door_refuses_registry_facts_from_the_recipient(world, people, client_for):
    """Patronage (in force until 2023, fully automated): the recipient cannot declare a clean record."""
    with time_machine.travel(at(2023, 3, 15, 11), tick=False):
        r = client_for(people.adult_user).post(
            "/api/v1/services/patronage-placement/automated-requests",
            {
                "child_iin": people.child.iin,
                "consent": True,
                "provider": "astana-education",
                "facts": {"applicant": {"convictions": []}},
            },
            format="json",
        )
    assert r.status_code == 400 and r.json()["details"]["reason"] == "source_not_accepted"
    assert not Application.objects.exists() and not Placement.objects.exists()


def test_an_official_cannot_record_a_registry_fact_as_a_finding_nor_a_recipient_any_finding(
    world, people, client_for
):
    case = sv.submit_application(
        service_slug="guardianship-establishment",
        channel="state_corp",
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        office=world.office,
        actor=world.operator,
        at=WHEN,
        consent=True,
        documents=package("guardianship-establishment", "state_corp"),
        registered_regions={people.adult.iin: world.office.region},  # 001 annex 1 row 7 item 2
    )
    sv.accept_at_front_office(case, actor=world.operator, at=WHEN, originals_returned=True)
    sv.send_by_courier(case, actor=world.operator, at=WHEN)
    sv.receive_at_provider(case, actor=world.officer, at=WHEN)
    sv.check_completeness(case, actor=world.officer, at=WHEN)
    sv.start_review(case, actor=world.officer, at=WHEN)
    with pytest.raises(FactRefused) as refused:  # convictions: the criminal-records system only
        sv.record_official_findings(
            case,
            actor=world.officer,
            findings={"applicant.convictions": []},
            evidence={"applicant.convictions": "asked"},
            at=WHEN,
        )
    assert refused.value.details["accepted"] == ["registry"]
    with pytest.raises(FactRefused) as bare:  # a finding without its evidence
        sv.record_official_findings(
            case, actor=world.officer, findings={"applicant.legal_capacity": "full"}, evidence={}, at=WHEN
        )
    assert bare.value.code == "evidence_required"
    case.refresh_from_db()
    version = case.version
    r = client_for(world.aliya).post(
        f"/api/v1/applications/{case.pk}/actions/record_findings/",
        {"findings": {"officer.false_documents": False}, "evidence": {"officer.false_documents": "mine"}},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )
    assert r.status_code == 404  # not even visible to another recipient
    r = client_for(people.adult_user).post(
        f"/api/v1/applications/{case.pk}/actions/record_findings/",
        {"findings": {"officer.false_documents": False}, "evidence": {"officer.false_documents": "mine"}},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )
    assert r.status_code == 403  # the applicant sees the case but makes no findings
    case.refresh_from_db()
    assert case.version == version and not case.fact_rows.exists()
