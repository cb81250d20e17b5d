"""Whole lives of applications, through the API only (issue 4 "Tests")."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from helpers import MEETING_FACTS, MON, package
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db

CHILD = {"iin": make_iin(dt.date(2016, 2, 17), "male", 31), "last_name": "Жұмабаев", "first_name": "Алихан"}
# What a recipient may declare for guardianship (fact_sources of 001 annex 1): the rest comes from
# the registries, the data bank or an official's finding.
GUARDIAN_DECLARED = {
    "applicant": {"relation_to_child": "none", "monthly_income": 300000, "household_size": 4, "owns_housing": True},
}


def person(user):
    return {"iin": user.iin, "last_name": user.last_name or "Тестов", "first_name": user.first_name or "Тест"}


def submit(
    client,
    *,
    service,
    channel,
    applicant,
    provider="astana-education",
    office=None,
    facts=None,
    key=None,
    **extra,
):
    body = {
        "service": service,
        "channel": channel,
        "provider": provider,
        "applicant": applicant,
        "children": [CHILD],
        "facts": facts or {},
        "consent": True,
        "documents": package(service, channel),
        **extra,
    }
    if office:
        body["office"] = office
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/applications/", body, format="json", **headers)


def act(client, app: dict, action: str, body: dict | None = None, *, version=None, expect=200) -> dict:
    v = app["version"] if version is None else version
    r = client.post(
        f"/api/v1/applications/{app['id']}/actions/{action}/",
        body or {},
        format="json",
        HTTP_IF_MATCH=f'"{v}"',
    )
    assert r.status_code == expect, (action, r.status_code, r.json())
    return r.json()


def statuses(app):
    return [e["to_status"] for e in app["timeline"]]


def test_meeting_permission_at_the_provider_granted(world, client_for):
    officer = client_for(world.officer)
    with time_machine.travel(MON, tick=False):
        r = submit(
            officer,
            service="parent-meeting-permission",
            channel="provider",
            applicant=person(world.marat),
            facts=MEETING_FACTS,
        )
        assert r.status_code == 201, r.json()
        app = r.json()
        assert r["ETag"] == '"1"' and app["status"] == "submitted"
        assert app["due_date"] and app["deadlines"]  # deadlines computed with explanations
        for action in ("register_at_provider", "check_completeness", "start_review"):
            app = act(officer, app, action)
        assert "decide" in app["allowed_actions"]
        app = act(officer, app, "decide")  # nothing found: the rules grant
        assert app["status"] == "granted" and app["outcome"] == "granted"
        sources = app["decisions"][-1]["evaluation"]["fact_sources"]
        assert sources["officer.false_documents"]["source"] == "officer"
        assert sources["consent_personal_data"]["source"] == "consent"
        assert app["decisions"][-1]["kind"] == "grant"
        app = act(officer, app, "issue_result")
        app = act(officer, app, "hand_over", {"on": "identity_document", "document_number": "N123"})
    assert app["status"] == "handed_over"
    assert statuses(app) == [
        "submitted",
        "registered",
        "completeness_checked",
        "in_review",
        "granted",
        "result_issued",
        "handed_over",
    ]
    assert all(
        e["legal_basis"]["citations"] or e["legal_basis"]["certainty"] == "unknown" for e in app["timeline"]
    )
    # every stage went to the monitoring outbox (003 §12-1)
    from qamqor.monitoring.models import StageOutbox

    assert StageOutbox.objects.filter(case_ref=str(app["id"])).count() == len(app["timeline"])


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_meeting_permission_steps_cite_its_own_rules(world, client_for):
    officer = client_for(world.officer)
    app = submit(
        officer,
        service="parent-meeting-permission",
        channel="provider",
        applicant=person(world.marat),
        facts=MEETING_FACTS,
    ).json()
    app = act(officer, app, "register_at_provider")
    sources = {c["source"] for e in app["timeline"] for c in e["legal_basis"]["citations"]}
    assert "003_4cf6e905af0d21d2.txt" in sources


def test_meeting_permission_at_the_state_corporation_refused_to_accept_with_the_receipt(world, client_for):
    operator = client_for(world.operator)
    with time_machine.travel(MON, tick=False):
        app = submit(
            operator,
            service="parent-meeting-permission",
            channel="state_corp",
            office="astana-con-1",
            applicant=person(world.marat),
            facts=MEETING_FACTS,
            documents=[{"code": "identity_document", "source": "paper"}],
        ).json()
        app = act(operator, app, "refuse_to_accept", {"reason": "brought one document of three"})
    assert app["status"] == "refused_to_accept"
    receipt = app["timeline"][-1]["payload"]
    assert receipt["receipt"] == "annex_3_refusal_to_accept" and receipt["office_number"] == "1"
    assert receipt["missing_documents"] == ["court_decision_deprivation", "police_character_reference"]
    assert app["allowed_actions"] == []  # terminal


def test_meeting_permission_at_the_state_corporation_preliminary_refusal_hearing_motivated_refusal(
    world, client_for
):
    operator, officer = client_for(world.operator), client_for(world.officer)
    with time_machine.travel(MON, tick=False):
        app = submit(
            operator,
            service="parent-meeting-permission",
            channel="state_corp",
            office="astana-con-1",
            applicant=person(world.marat),
            facts=MEETING_FACTS,
        ).json()
        app = act(operator, app, "accept_at_front_office")
        app = act(operator, app, "send_by_courier")
    with time_machine.travel(MON + dt.timedelta(days=1), tick=False):
        app = officer.get(f"/api/v1/applications/{app['id']}/").json()
        for action in ("receive_at_provider", "check_completeness", "start_review"):
            app = act(officer, app, action)
        hearing_at = (MON + dt.timedelta(days=2, hours=5)).isoformat()
        app = act(
            officer,
            app,
            "decide",
            {
                "findings": {"officer.false_documents": True, "officer.requirements_not_met": False},
                "evidence": {
                    "officer.false_documents": "The court decision copy does not match the court's records.",
                    "officer.requirements_not_met": "The reference from the police is in order.",
                },
                "hearing_at": hearing_at,
                "hearing_place": "Room 204",
            },
        )
        assert app["status"] == "preliminary_refusal"
        assert app["hearing_place"] == "Room 204"
        ground = app["decisions"][-1]["grounds"][0]
        assert ground["citation"]["source"] == "003_4cf6e905af0d21d2.txt" and ground["reason"]
    with time_machine.travel(MON + dt.timedelta(days=2, hours=6), tick=False):
        app = act(officer, app, "hold_hearing", {"position": "I disagree."})
        app = act(officer, app, "issue_final_refusal")
        assert app["outcome"] == "refused"
        app = act(officer, app, "issue_result")
        app = act(operator, app, "hold_at_state_corp")
        app = act(operator, app, "hand_over", {"on": "identity_document", "document_number": "N1"})
    assert statuses(app)[-6:] == [
        "preliminary_refusal",
        "hearing_held",
        "refused",
        "result_issued",
        "held_at_state_corp",
        "handed_over",
    ]


def test_camp_referral_through_the_portal_after_hours(world, client_for):
    aliya, officer = client_for(world.aliya), client_for(world.officer)
    evening = MON.replace(hour=20, minute=30)
    with time_machine.travel(evening, tick=False):
        r = submit(
            aliya,
            service="camp-referral",
            channel="portal",
            applicant=person(world.aliya),
            facts={"child": {"category": "low_income"}},
        )
        assert r.status_code == 201, r.json()
        app = r.json()
    # accepted by the portal at once; after hours it is registered on the next working day (002 annex 11 §7)
    assert app["status"] == "registered"
    assert app["registered_on"] == "2026-03-03"
    with time_machine.travel(MON + dt.timedelta(days=1), tick=False):
        app = act(officer, app, "check_completeness")
        app = act(officer, app, "start_review")
        app = act(officer, app, "decide")
        app = act(officer, app, "issue_result")
    assert app["status"] == "delivered_to_cabinet"  # the portal result goes straight to the cabinet
    assert app["timeline"][-1]["actor_role"] == "system"
    mine = aliya.get("/api/v1/applications/").json()
    assert [a["id"] for a in mine["results"]] == [app["id"]]


def test_guardianship_cannot_be_declared_into_a_grant(world, client_for):
    """Issue 10: the facts a registry gives cannot be declared, and an officer cannot grant while the
    rules lack them — every door to a decision answers the same, naming what is missing."""
    operator, officer = client_for(world.operator), client_for(world.officer)
    declared_registry_fact = {"applicant": {**GUARDIAN_DECLARED["applicant"], "convictions": []}}
    with time_machine.travel(MON, tick=False):
        refused = submit(
            operator,
            service="guardianship-establishment",
            channel="state_corp",
            office="astana-con-1",
            applicant=person(world.aliya),
            facts=declared_registry_fact,
        )
        assert refused.status_code == 400
        assert refused.json()["details"]["reason"] == "source_not_accepted", refused.json()
        assert "facts.applicant.convictions" in refused.json()["errors"]
        r = submit(
            operator,
            service="guardianship-establishment",
            channel="state_corp",
            office="astana-con-1",
            # the State Corporation receives at the applicant's registered address (001 annex 1 row 7)
            applicant={**person(world.aliya), "registered_region": "Astana"},
            facts=GUARDIAN_DECLARED,
        )
        assert r.status_code == 201, r.json()
        # the originals shown and given back are confirmed at acceptance (001 annex 1 row 8)
        refused = act(operator, r.json(), "accept_at_front_office", expect=400)
        assert refused["code"] == "originals_not_returned"
        app = act(operator, r.json(), "accept_at_front_office", {"originals_returned": True})
        assert app["timeline"][-1]["payload"]["originals"]["shown_and_returned"] is True
        app = act(operator, app, "send_by_courier")
    with time_machine.travel(MON + dt.timedelta(days=1), tick=False):
        for action in ("receive_at_provider", "check_completeness", "start_review"):
            app = act(officer, app, action)
        for action in ("decide", "grant"):
            err = act(officer, app, action, expect=400)
            assert err["code"] == "needs_facts"
            missing = {m["fact"]: m["accepted"] for m in err["details"]["missing_facts"]}
            assert missing["applicant.convictions"] == ["registry"]
        after = officer.get(f"/api/v1/applications/{app['id']}/").json()
        assert after["status"] == "in_review" and after["decisions"] == [] and after["version"] == app["version"]
        assert after["fact_sources"]["applicant.monthly_income"]["source"] == "declaration"


def test_custody_at_the_state_corporation_and_transfer_after_a_month(world, client_for):
    operator, officer = client_for(world.operator), client_for(world.officer)
    with time_machine.travel(MON, tick=False):
        r = submit(
            operator,
            service="parent-meeting-permission",
            channel="state_corp",
            office="astana-con-1",
            applicant=person(world.marat),
        )
        app = act(operator, r.json(), "accept_at_front_office")
        app = act(operator, app, "send_by_courier")
    with time_machine.travel(MON + dt.timedelta(days=1), tick=False):
        for action in ("receive_at_provider", "check_completeness", "start_review", "decide", "issue_result"):
            app = act(officer, officer.get(f"/api/v1/applications/{app['id']}/").json(), action)
        app = act(operator, app, "hold_at_state_corp")
        assert app["custody_started_at"]
        # the State Corporation keeps the result one month (003 §11): not before
        early = act(operator, app, "transfer_to_provider", expect=409)
        assert early["code"] == "too_early"
    with time_machine.travel(MON + dt.timedelta(days=33), tick=False):
        app = act(operator, app, "transfer_to_provider")
        assert app["status"] == "transferred_to_provider"
        app = act(operator, app, "request_return")
        app = act(officer, app, "resend_to_state_corp")
        app = act(operator, app, "hand_over", {"on": "identity_document", "document_number": "N7"})
    assert statuses(app)[-5:] == [
        "held_at_state_corp",
        "transferred_to_provider",
        "return_requested",
        "held_at_state_corp",
        "handed_over",
    ]


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_illegal_moves_change_nothing(world, client_for):
    officer, operator, marat = client_for(world.officer), client_for(world.operator), client_for(world.marat)
    app = submit(
        officer,
        service="parent-meeting-permission",
        channel="provider",
        applicant=person(world.marat),
        facts=MEETING_FACTS,
    ).json()
    # a move the table does not have from "submitted"
    err = act(officer, app, "grant", expect=409)
    assert err["code"] == "illegal_transition" and err["detail"]
    # the operator's move on a provider-channel case
    act(operator, app, "hold_at_state_corp", expect=404)  # not even visible to another office's operator
    # the recipient may see it but not act as the officer
    err = act(marat, app, "register_at_provider", expect=403)
    assert err["code"] == "role_not_allowed"
    act(officer, app, "no_such_action", expect=404)
    after = officer.get(f"/api/v1/applications/{app['id']}/").json()
    assert (
        after["version"] == app["version"] and after["status"] == "submitted" and len(after["timeline"]) == 1
    )


def test_an_idempotent_retry_returns_the_same_application(world, client_for):
    aliya = client_for(world.aliya)
    body = dict(
        service="camp-referral",
        channel="portal",
        applicant=person(world.aliya),
        key="retry-1",
    )
    first = submit(aliya, **body)
    second = submit(aliya, **body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and first.json()["number"] == second.json()["number"]
    assert second["Idempotent-Replayed"] == "true"
    from qamqor.cases.models import Application

    assert Application.objects.count() == 1
    other = submit(aliya, **{**body, "service": "parent-meeting-permission"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # the same key from another user is another request
    marat = client_for(world.marat)
    theirs = submit(marat, **{**body, "applicant": person(world.marat)})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_concurrent_decisions_the_loser_gets_409_and_nothing_changes(world, client_for):
    officer, head = client_for(world.officer), client_for(world.head)
    app = submit(
        officer,
        service="parent-meeting-permission",
        channel="provider",
        applicant=person(world.marat),
        facts=MEETING_FACTS,
    ).json()
    for action in ("register_at_provider", "check_completeness", "start_review"):
        app = act(officer, app, action)
    seen_by_head = head.get(f"/api/v1/applications/{app['id']}/")
    assert seen_by_head["ETag"] == f'"{app["version"]}"'
    won = act(officer, app, "decide")
    lost = act(head, seen_by_head.json(), "decide", expect=409)
    assert lost["code"] == "concurrent_update"
    now = officer.get(f"/api/v1/applications/{app['id']}/").json()
    assert (
        now["version"] == won["version"]
        and len(now["decisions"]) == 1
        and len(now["timeline"]) == len(won["timeline"])
    )
    # a state-changing action without If-Match is refused with 428
    r = officer.post(f"/api/v1/applications/{app['id']}/actions/issue_result/", {}, format="json")
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"


def test_access_is_denied_across_recipients_and_across_providers_and_reads_are_logged(world, client_for):
    from qamqor.audit.models import PersonalDataAccess

    aliya = client_for(world.aliya)
    app = submit(
        aliya,
        service="camp-referral",
        channel="portal",
        applicant=person(world.aliya),
    ).json()
    before = PersonalDataAccess.objects.count()
    assert client_for(world.marat).get(f"/api/v1/applications/{app['id']}/").status_code == 404
    assert client_for(world.almaty_officer).get(f"/api/v1/applications/{app['id']}/").status_code == 404
    assert client_for(world.marat).get("/api/v1/applications/").json()["count"] == 0
    assert client_for(world.almaty_officer).get("/api/v1/applications/").json()["count"] == 0
    assert PersonalDataAccess.objects.count() == before  # nothing was read
    assert client_for(world.officer).get(f"/api/v1/applications/{app['id']}/").status_code == 200
    reads = PersonalDataAccess.objects.filter(case_id=app["id"], actor=world.officer)
    assert {r.subject_kind for r in reads} == {"applicant", "child"}
    # anonymous: no access at all
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/applications/{app['id']}/").status_code in (401, 403)
