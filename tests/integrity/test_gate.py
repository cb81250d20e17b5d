"""Issue 10, bypass 2: an official cannot grant with facts missing, against a ground that fires, or
without the documents the definition requires; internal code cannot either (the gate is in
`move_case`); a decision of the gate is what the rules of the case's date give."""

from __future__ import annotations

import pytest

from helpers import at, package
from qamqor.cases import actions as sv
from qamqor.cases.actions.completeness import IncompletePackage
from qamqor.cases.actions.gate import GateRefused
from qamqor.cases.models import Application, Decision
from qamqor.cases.transitions import Status
from qamqor.databank.models import Placement

WHEN = at(2026, 3, 2, 11)
DECLARED = {
    "applicant": {
        "relation_to_child": "none",
        "monthly_income": 450000,
        "household_size": 3,
        "owns_housing": True,
        "psych_training_certificate": True,
    }
}


def _guardianship(world, people, *, facts=DECLARED, documents=None):
    case = sv.submit_application(
        service_slug="guardianship-establishment",
        channel="state_corp",
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        office=world.office,
        actor=world.operator,
        at=WHEN,
        facts=facts,
        consent=True,
        documents=package("guardianship-establishment", "state_corp") if documents is None else documents,
        registered_regions={people.adult.iin: world.office.region},  # 001 annex 1 row 7 item 2
    )
    sv.accept_at_front_office(case, actor=world.operator, at=WHEN, originals_returned=True)
    sv.send_by_courier(case, actor=world.operator, at=WHEN)
    sv.receive_at_provider(case, actor=world.officer, at=WHEN)
    return case


def _in_review(world, people, **kw):
    case = _guardianship(world, people, **kw)
    sv.check_completeness(case, actor=world.officer, at=WHEN)
    sv.start_review(case, actor=world.officer, at=WHEN)
    return case


def _unchanged(case, version):
    case.refresh_from_db()
    assert case.version == version and case.status == Status.IN_REVIEW
    assert not Decision.objects.filter(application=case).exists() and not Placement.objects.exists()


def test_no_grant_while_facts_are_missing_through_any_door(world, people, client_for):
    case = _in_review(world, people)  # nothing from the registries yet
    v = case.version
    for attempt in (
        lambda: sv.grant(case, actor=world.officer, at=WHEN),
        lambda: sv.decide(case, actor=world.head, at=WHEN),
        lambda: sv.move_case(case, Status.GRANTED, actor=world.officer, at=WHEN),  # internal code too
    ):
        with pytest.raises(GateRefused) as refused:
            attempt()
        assert refused.value.code == "needs_facts"
        missing = {m["fact"]: m["accepted"] for m in refused.value.details["missing_facts"]}
        assert missing["applicant.convictions"] == ["registry"]
        _unchanged(case, v)
    r = client_for(world.officer).post(
        f"/api/v1/applications/{case.pk}/actions/grant/", {}, format="json", HTTP_IF_MATCH=f'"{v}"'
    )
    assert r.status_code == 400 and r.json()["code"] == "needs_facts"
    _unchanged(case, v)


def test_no_grant_against_a_ground_that_fires(world, people, pop, client_for):
    case = _in_review(world, people, facts={"applicant": {**DECLARED["applicant"], "monthly_income": 1000}})
    sv.collect_registry_data(case, actor=world.officer, at=WHEN)  # every registry fact with its source
    sv.record_official_findings(
        case,
        actor=world.officer,
        findings={"applicant.legal_capacity": "incapable"},
        evidence={"applicant.legal_capacity": "Court decision 2-123/2025 of the Almaty district court"},
        at=WHEN,
    )
    case.refresh_from_db()
    v = case.version
    with pytest.raises(GateRefused) as refused:
        sv.grant(case, actor=world.officer, at=WHEN)
    assert refused.value.code == "grounds_fire"
    items = {g["item"] for g in refused.value.details["grounds"]}
    assert {2, 11} <= items  # incapacity (row 9 item 2), income below the minimum (item 11)
    _unchanged(case, v)
    # the rules' decision is a refusal, on those grounds, each cited
    decision = sv.decide(
        case, actor=world.head, at=WHEN, hearing_at=at(2026, 3, 5, 11), hearing_place="Room 1"
    )
    assert decision.kind == "preliminary_refusal"
    cited = {g["item"]: g["citation"] for g in decision.grounds}
    assert cited[2] == {"source": "001_9090383b8961739a.txt", "clause": "annex 1 row 9 item 2"}
    assert decision.evaluation["fact_sources"]["applicant.legal_capacity"]["source"] == "officer"
    assert decision.evaluation["fact_sources"]["applicant.monthly_income"]["source"] == "declaration"
    assert not Placement.objects.exists()


def test_no_refusal_without_a_ground(world, people):
    case = sv.submit_application(
        service_slug="parent-meeting-permission",
        channel="provider",
        applicant=people.adult,
        children=[people.child],
        provider=world.astana,
        actor=world.officer,
        at=WHEN,
        consent=True,
        documents=package("parent-meeting-permission", "provider"),
    )
    sv.register_at_provider(case, actor=world.officer, at=WHEN)
    sv.check_completeness(case, actor=world.officer, at=WHEN)
    sv.start_review(case, actor=world.officer, at=WHEN)
    sv.record_official_findings(
        case,
        actor=world.officer,
        findings={"officer.false_documents": False, "officer.requirements_not_met": False},
        evidence={"officer.false_documents": "checked", "officer.requirements_not_met": "checked"},
        at=WHEN,
    )
    with pytest.raises(GateRefused) as refused:
        sv.issue_preliminary_refusal(
            case, actor=world.officer, at=WHEN, hearing_at=at(2026, 3, 4, 10), hearing_place="Room 2"
        )
    assert refused.value.code == "no_ground"
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and not case.decisions.exists()


def test_no_completeness_and_no_decision_without_the_required_documents(world, people):
    case = _guardianship(world, people, documents=[{"code": "identity_document", "source": "paper"}])
    with pytest.raises(IncompletePackage) as incomplete:
        sv.check_completeness(case, actor=world.officer, at=WHEN)
    assert "income_information" in incomplete.value.details["missing_documents"]
    case.refresh_from_db()
    assert case.status == Status.AT_PROVIDER
    # even a case pushed into review behind the application's back cannot be decided
    Application.objects.filter(pk=case.pk).update(status=Status.IN_REVIEW)
    case.refresh_from_db()
    sv.collect_registry_data(case, actor=world.officer, at=WHEN)
    with pytest.raises(GateRefused) as refused:
        sv.decide(case, actor=world.head, at=WHEN)
    assert refused.value.code == "incomplete_package"
    assert not Decision.objects.exists() and not Placement.objects.exists()


def test_a_portal_application_without_consent_is_not_accepted(world, people, client_for):
    body = {
        "service": "camp-referral",
        "channel": "portal",
        "provider": "astana-education",
        "applicant": {"iin": people.adult.iin, "last_name": "A", "first_name": "B"},
        "children": [{"iin": people.child.iin, "last_name": "C", "first_name": "D"}],
        "facts": {"child": {"category": "low_income"}},
        "documents": package("camp-referral", "portal"),
    }
    r = client_for(people.adult_user).post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "consent_required"
    assert not Application.objects.exists()


@pytest.mark.parametrize("relation, required", [("none", True), ("relative", False), ("stepparent", False)])
def test_the_training_certificate_is_required_with_the_application_only_from_a_non_relative(
    world, people, relation, required
):
    """001 annex 1 row 8 (closing note): close relatives are exempt; relatives and step-parents may
    bring the certificate within one calendar year (§15-1), so it is not missing at acceptance."""
    documents = [
        d for d in package("guardianship-establishment", "state_corp") if d["code"] != "training_certificate"
    ]
    facts = {"applicant": {**DECLARED["applicant"], "relation_to_child": relation}}
    if relation != "none":
        facts["applicant"].pop("psych_training_certificate")
    case = _guardianship(world, people, facts=facts, documents=documents)
    if required:
        with pytest.raises(IncompletePackage) as incomplete:
            sv.check_completeness(case, actor=world.officer, at=WHEN)
        assert incomplete.value.details["missing_documents"] == ["training_certificate"]
    else:
        sv.check_completeness(case, actor=world.officer, at=WHEN)
        case.refresh_from_db()
        assert case.status == Status.COMPLETENESS_CHECKED


def test_a_fact_written_behind_the_application_from_an_unaccepted_source_counts_for_nothing(world, people):
    """Rows inserted around `check_facts` (a script, a bad migration): the gate reads only the
    sources the definition accepts, so a declared conviction record cannot clear ground 8."""
    from qamqor.cases.models import CaseFact

    case = _in_review(world, people)
    CaseFact.objects.create(
        application=case,
        path="applicant.convictions",
        value=[],
        source="declaration",
        actor_role="recipient",
        at=WHEN,
    )
    with pytest.raises(GateRefused) as refused:
        sv.grant(case, actor=world.officer, at=WHEN)
    missing = {m["fact"] for m in refused.value.details["missing_facts"]}
    assert "applicant.convictions" in missing
    assert not Decision.objects.exists() and not Placement.objects.exists()
