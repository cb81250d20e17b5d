"""Whole lives of cases at the service level (the API-level versions are in tests/api)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from helpers import MEETING_FACTS, at, receive_notices, submit_meeting, to_review_at_state_corp
from qamqor.cases import actions as sv
from qamqor.cases.actions.facts import FactRefused
from qamqor.cases.exceptions import CaseError, DeadlinePassed
from qamqor.cases.models import Application, Decision
from qamqor.cases.transitions import Status

pytestmark = pytest.mark.django_db

S003 = "003_4cf6e905af0d21d2.txt"


def statuses(case):
    return [e.to_status for e in case.events.order_by("seq")]


def meeting(w, channel, when, **kw):
    """The meeting permission for `w.child`."""
    return submit_meeting(w, channel, when, children=[w.child], **kw)


def test_meeting_permission_at_the_provider_granted(world):
    w = world
    case = meeting(w, "provider", at(2026, 2, 2, 10))
    assert case.catalogue_version == "order-158-2023"
    assert case.registered_on == dt.date(2026, 2, 2)
    assert case.due_date == dt.date(2026, 2, 9)  # 5 WD counted from the day after (003 annex 2 row 3)
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 9))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 3, 9, 30))
    decision = sv.decide(case, actor=w.head, at=at(2026, 2, 4, 11))
    assert decision.kind == "grant" and decision.grounds == []
    assert decision.evaluation["decision"] == "grant"
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 4, 12))
    ev = sv.hand_over(
        case, actor=w.officer, on="identity_document", document_number="N123", at=at(2026, 2, 5, 10)
    )
    assert case.status == Status.HANDED_OVER and case.outcome == "granted"
    assert statuses(case) == [
        "submitted",
        "registered",
        "completeness_checked",
        "in_review",
        "granted",
        "result_issued",
        "handed_over",
    ]
    assert [e.seq for e in case.events.order_by("seq")] == list(range(1, 8)) and case.version == 7
    grant_ev = case.events.get(to_status="granted")
    assert grant_ev.legal_basis_source == S003 and grant_ev.legal_basis_clause == "§9"
    assert grant_ev.legal_basis["certainty"] == "exact"
    assert ev.payload["on"] == "identity_document"
    completeness = case.events.get(to_status="completeness_checked")
    assert completeness.payload == {
        "missing_documents": [],
        "expired_documents": [],
        "due_by": "2026-02-03",
        "late": False,
    }


def test_meeting_permission_at_the_state_corp_refused_to_accept_with_receipt(world):
    """The receipt lists what the definition requires and the package lacks (003 §7, annex 3): the
    operator types no list, so a package can be neither refused when complete nor passed when not."""
    w = world
    expired_id = {"code": "identity_document", "source": "paper", "valid_until": dt.date(2026, 1, 31)}
    case = meeting(w, "state_corp", at(2026, 2, 2, 10), documents=[expired_id])
    ev = sv.refuse_to_accept(case, actor=w.operator, at=at(2026, 2, 2, 10, 10))
    assert case.status == Status.REFUSED_TO_ACCEPT
    assert ev.payload["receipt"] == "annex_3_refusal_to_accept"
    assert ev.payload["office_number"] == "5"
    assert ev.payload["missing_documents"] == ["court_decision_deprivation"]
    assert ev.payload["expired_documents"] == ["identity_document"]
    cits = {(c["source"], c["clause"]) for c in ev.legal_basis["citations"]}
    assert {(S003, "§7"), (S003, "annex 3")} <= cits
    # a complete package cannot be refused for incompleteness, nothing changes
    case2 = meeting(w, "state_corp", at(2026, 2, 2, 11))
    with pytest.raises(CaseError) as refused:
        sv.refuse_to_accept(case2, actor=w.operator, at=at(2026, 2, 2, 11, 5))
    assert refused.value.code == "package_complete"
    case2.refresh_from_db()
    assert case2.status == Status.SUBMITTED and case2.version == 1


def test_an_incomplete_package_does_not_pass_the_completeness_check(world):
    w = world
    case = meeting(w, "provider", at(2026, 2, 2, 10), documents=[{"code": "identity_document"}])
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    with pytest.raises(CaseError) as incomplete:
        sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 9))
    assert incomplete.value.code == "incomplete_package"
    assert incomplete.value.details["missing_documents"] == ["court_decision_deprivation"]
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.version == 2


def test_meeting_permission_at_the_state_corp_preliminary_refusal_hearing_motivated_refusal(world):
    w = world
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    assert sv.step_due(case, "preliminary_refusal") == dt.date(2026, 2, 4)  # 3 WD before 09.02
    with pytest.raises(FactRefused):  # a judgement finding needs its evidence
        sv.decide(
            case,
            actor=w.officer,
            at=at(2026, 2, 3, 16),
            findings={"officer.false_documents": True},
            hearing_at=at(2026, 2, 5, 11),
            hearing_place="Room 12",
        )
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and not Decision.objects.exists()
    d1 = sv.decide(
        case,
        actor=w.officer,
        at=at(2026, 2, 3, 16),
        findings={"officer.false_documents": True},
        evidence={
            "officer.false_documents": "The court decision's number does not exist in the court registry."
        },
        hearing_at=at(2026, 2, 5, 11),
        hearing_place="Almaty, Bostandyk education department, room 12",
    )
    assert d1.kind == "preliminary_refusal" and case.status == Status.PRELIMINARY_REFUSAL
    [g] = d1.grounds
    assert g["code"] == "false_documents" and g["citation"] == {
        "source": S003,
        "clause": "annex 2 row 9 item 1",
    }
    assert g["reason"].startswith("The court decision") and set(g["explanation"]) == {"kk", "ru", "en"}
    ev = case.events.get(to_status="preliminary_refusal")
    assert ev.payload["hearing_place"].startswith("Almaty") and ev.payload["latest"] == "2026-02-04"
    cits = {(c["source"], c["clause"]) for c in ev.legal_basis["citations"]}
    assert (S003, "annex 2 row 9 item 1") in cits and (
        "Administrative Procedural Code No. 350-VI of 29.06.2020",
        "art. 73",
    ) in cits
    sv.hold_hearing(case, actor=w.officer, position="I object", at=at(2026, 2, 5, 11, 30))
    d2 = sv.decide(case, actor=w.head, at=at(2026, 2, 6, 10))
    assert d2.kind == "final_refusal" and case.status == Status.REFUSED and case.outcome == "refused"
    final = case.events.get(to_status="refused")
    assert final.payload["late"] is False  # within 1 WD after the hearing (003 §9)
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 6, 11))
    sv.hold_at_state_corp(case, actor=w.operator, at=at(2026, 2, 6, 15))
    with pytest.raises(ValidationError):
        sv.hand_over(case, actor=w.operator, on="notarised_power_of_attorney", at=at(2026, 2, 10))
    sv.hand_over(
        case,
        actor=w.operator,
        on="notarised_power_of_attorney",
        representative="Сейітов Е.",
        document_number="POA-77",
        at=at(2026, 2, 10),
    )
    assert case.status == Status.HANDED_OVER and case.handed_over_on == "notarised_power_of_attorney"
    assert statuses(case)[-4:] == ["refused", "result_issued", "held_at_state_corp", "handed_over"]


def test_late_preliminary_refusal_is_recorded_as_a_breach_not_blocked(world):
    """`003` §9: the notice is due 3 WD before the term ends. Missing that day is the provider's
    breach, recorded on the event; the grounds still require the refusal, so it goes ahead."""
    w = world
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    latest = sv.step_due(case, "preliminary_refusal")
    sv.decide(
        case,
        actor=w.officer,
        at=at(2026, 2, 5, 9),
        findings={"officer.non_compliance": True},
        evidence={"officer.non_compliance": "The character reference is missing its seal."},
        hearing_at=at(2026, 2, 6, 11),
        hearing_place="Room 12",
    )
    case.refresh_from_db()
    assert case.status == Status.PRELIMINARY_REFUSAL
    event = case.events.order_by("-seq").first()
    assert latest < dt.date(2026, 2, 5)
    assert event.payload["late"] is True and event.payload["latest"] == latest.isoformat()
    from qamqor.monitoring.models import StageOutbox

    assert StageOutbox.objects.get(event_ref=str(event.pk)).payload["late"] is True
    on_time = case.events.get(action="start_review")
    assert "late" not in StageOutbox.objects.get(event_ref=str(on_time.pk)).payload


def test_objection_term_lapses_only_after_two_working_days(world):
    w = world
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    sv.decide(
        case,
        actor=w.officer,
        at=at(2026, 2, 3, 16),
        findings={"officer.false_documents": True},
        evidence={"officer.false_documents": "forged stamp"},
        hearing_at=at(2026, 2, 6, 11),
        hearing_place="Room 1",
    )
    with pytest.raises(DeadlinePassed) as no_proof:  # the term counts from the notice's receipt
        sv.lapse_objection_term(case, at=at(2026, 2, 6, 9))
    assert no_proof.value.code == "notice_not_delivered"
    receive_notices(case, at(2026, 2, 3, 16, 5))  # opened in the cabinet on the day it was sent
    with pytest.raises(DeadlinePassed):  # notice 03.02 (Tue): the term runs through 05.02 (Thu)
        sv.lapse_objection_term(case, at=at(2026, 2, 5, 17))
    sv.lapse_objection_term(case, at=at(2026, 2, 6, 9))
    assert case.status == Status.OBJECTION_TERM_LAPSED
    d = sv.decide(case, actor=w.officer, at=at(2026, 2, 6, 12))
    assert d.kind == "final_refusal" and d.grounds[0]["reason"] == "forged stamp"


def test_camp_referral_through_the_portal_after_hours(world):
    w = world
    case = sv.submit_application(
        service_slug="camp-referral",
        channel="portal",
        applicant=w.parent,
        children=[w.child],
        provider=w.dept,
        actor=w.recipient,
        at=at(2026, 2, 6, 20),
        facts=MEETING_FACTS,
        consent=True,
        documents=[{"code": "birth_certificate", "source": "registry", "registry": "civil_registry"}],
    )
    # Friday 20:00 on the portal: registered on the next working day, Monday 09.02 (002 annex 11 §7);
    # the portal accepts it at once, by the system, in the submission's transaction
    assert case.registered_on == dt.date(2026, 2, 9) and case.due_date == dt.date(2026, 2, 16)
    assert case.status == Status.REGISTERED
    ev = case.events.get(action="register_on_portal")
    assert ev.actor is None and ev.actor_role == "system"
    assert ev.payload["expected_result_date"] == "2026-02-16"
    assert ev.legal_basis_clause == "annex 11 §7"
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 9, 10))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 9, 11))
    sv.await_registry_data(case, registries=["education"], at=at(2026, 2, 9, 11, 1))
    sv.receive_registry_data(case, at=at(2026, 2, 9, 11, 2))
    decision = sv.decide(case, actor=w.officer, at=at(2026, 2, 10, 10))
    # the consent is the application's own, recorded with that source
    assert decision.evaluation["fact_sources"]["consent_personal_data"]["source"] == "consent"
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 10, 11))  # delivered to the cabinet with it
    assert case.status == Status.DELIVERED_TO_CABINET
    assert case.documents.get().source == "registry"


def test_custody_at_the_state_corp_and_transfer_after_the_month(world):
    w = world
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    sv.decide(case, actor=w.officer, at=at(2026, 2, 4))
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 4, 12))
    sv.hold_at_state_corp(case, actor=w.operator, at=at(2026, 2, 24, 10))
    v = case.version
    with pytest.raises(DeadlinePassed):  # the definition's custody step: one calendar month (003 §11)
        sv.transfer_to_provider(case, actor=w.operator, at=at(2026, 3, 23, 10))
    case.refresh_from_db()
    assert case.version == v and case.status == Status.HELD_AT_STATE_CORP
    ev = sv.transfer_to_provider(case, actor=w.operator, at=at(2026, 3, 24, 10))
    assert ev.payload["custody_months"] == 1
    assert ev.legal_basis["certainty"] == "exact" and ev.legal_basis_clause == "§11"
    sv.request_return(case, actor=w.operator, at=at(2026, 4, 10, 10))  # Friday
    back = sv.resend_to_state_corp(case, actor=w.officer, at=at(2026, 4, 13, 15))
    # the fixture's meeting permission gives no resend term: lateness is unknown, never a default
    assert "late" not in back.payload and "resend_transferred_result" in back.payload["term_unknown"]
    sv.hand_over(case, actor=w.operator, on="identity_document", document_number="043", at=at(2026, 4, 14))
    assert statuses(case)[-5:] == [
        "held_at_state_corp",
        "transferred_to_provider",
        "return_requested",
        "held_at_state_corp",
        "handed_over",
    ]


def test_withdrawal_by_the_recipient_only(world):
    w = world
    case = meeting(w, "provider", at(2026, 2, 2, 10))
    from qamqor.cases.exceptions import RoleNotAllowed

    with pytest.raises(RoleNotAllowed):
        sv.withdraw(case, actor=w.other_recipient, at=at(2026, 2, 2, 11))
    ev = sv.withdraw(case, actor=w.recipient, reason="changed my mind", at=at(2026, 2, 2, 11))
    assert case.status == Status.WITHDRAWN and ev.legal_basis["certainty"] == "unknown"
    assert Application.objects.get(pk=case.pk).status == "withdrawn"
