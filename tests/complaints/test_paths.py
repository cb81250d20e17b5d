"""Each complaint path with its clocks (003 §13 as the fixture's meeting permission follows it),
across Nauryz (21–25.03.2026 off) and Independence Day (16.12.2026)."""

from __future__ import annotations

import pytest

from complaints.conftest import D, details
from helpers import at
from qamqor.audit.models import AppendOnlyError
from qamqor.cases.actions.gate import GateRefused
from qamqor.cases.exceptions import IllegalTransition, RoleNotAllowed
from qamqor.cases.models import Decision
from qamqor.cases.transitions import Status
from qamqor.complaints import actions as ca
from qamqor.complaints.models import ComplaintEvent

pytestmark = pytest.mark.django_db
S003 = "003_4cf6e905af0d21d2.txt"


def clauses(basis: dict) -> set[tuple[str, str]]:
    return {(c["source"], c["clause"]) for c in basis["citations"]}


def file(w, route="provider_head", when=None, **kw):
    return ca.file_complaint(
        w.case,
        actor=w.recipient,
        route=route,
        channel="portal",
        text="The court decision exists: the registry was down that day.",
        decision=w.refusal,
        at=when or at(2026, 3, 19, 15),
        **details(),
        **kw,
    )


def test_provider_head_route_forwarding_and_review_across_nauryz(refused):
    w = refused
    c = file(w)  # Thursday 19.03.2026; 21–25.03 are Nauryz and its transfers
    assert c.status == "filed" and c.number == f"{w.case.number}-C1"
    assert c.forward_due == D(2026, 3, 27)  # 3 WD: 20, 26, 27 (003 §13 para 4)
    assert c.review_due == D(2026, 3, 31)  # 5 WD from registration: 20, 26, 27, 30, 31 (para 6)
    assert (S003, "§13 para 4") in clauses(c.clocks["forward"])
    assert (S003, "§13 para 6") in clauses(c.clocks["review"])
    assert c.clocks["channel"]["certainty"] == "unknown"  # §13 names no portal channel: said so
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 26, 10))
    c.refresh_from_db()
    assert c.status == "in_review" and c.forwarded_on == D(2026, 3, 26)
    ev = c.events.get(action="forward_complaint")
    assert ev.payload["late"] is False and (S003, "§13 para 4") in clauses(ev.legal_basis)


def test_authorised_body_counts_fifteen_working_days_from_forwarding(refused):
    w = refused
    c = file(w, route="authorised_body")
    assert c.review_due is None and c.clocks["review"]["from"] == "forwarded"
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 30, 9))  # late: due 27.03
    c.refresh_from_db()
    assert c.review_due == D(2026, 4, 20)  # 15 WD after 30.03 (003 §13 para 7)
    assert (S003, "§13 para 7") in clauses(c.clocks["review"])
    assert c.events.get(action="forward_complaint").payload["late"] is True


def test_clocks_across_independence_day(refused):
    w = refused
    c = file(w, when=at(2026, 12, 15, 11))
    assert c.forward_due == D(2026, 12, 21)  # 16.12 off, 19–20 weekend: 17, 18, 21
    assert c.review_due == D(2026, 12, 23)


def test_satisfied_complaint_changes_the_decision_through_the_gate(refused):
    w = refused
    c = file(w)
    ca.satisfy_complaint_fully(
        c,
        actor=w.head,
        findings={"officer.false_documents": False},
        evidence={"officer.false_documents": "Court registry extract of 20.03.2026: the decision exists."},
        at=at(2026, 3, 20, 12),
    )
    c.refresh_from_db()
    w.case.refresh_from_db()
    assert c.status == "satisfied" and c.outcome == "satisfied"
    assert w.case.status == Status.GRANTED and w.case.outcome == "granted"
    grant = Decision.objects.get(application=w.case, kind="grant")
    ev = w.case.events.get(action="grant_on_complaint")
    assert ev.payload["complaint"] == f"complaint:{c.pk}" and (S003, "§13 para 5") in clauses(ev.legal_basis)
    sat = c.events.get(action="satisfy_complaint_fully")
    assert sat.payload["decision"] == grant.pk and sat.payload["late"] is False
    assert (S003, "§13 para 5") in clauses(sat.legal_basis)
    finding = w.case.events.get(action="record_complaint_findings")
    assert finding.payload["complaint"] == f"complaint:{c.pk}"


def test_the_gate_refuses_an_illegal_satisfaction_and_nothing_changes(refused):
    w = refused
    c = file(w)
    before = (w.case.version, Decision.objects.count(), ComplaintEvent.objects.count())
    with pytest.raises(GateRefused) as exc:  # the false-documents finding still stands
        ca.satisfy_complaint_fully(c, actor=w.head, at=at(2026, 3, 20, 12))
    assert exc.value.code == "grounds_fire"
    with pytest.raises(GateRefused):  # a finding that changes nothing does not open the gate either
        ca.satisfy_complaint_fully(
            c,
            actor=w.head,
            findings={"officer.non_compliance": False},
            evidence={"officer.non_compliance": "checked"},
            at=at(2026, 3, 20, 12),
        )
    c.refresh_from_db()
    w.case.refresh_from_db()
    assert c.status == "filed" and c.outcome == ""
    assert (w.case.version, Decision.objects.count(), ComplaintEvent.objects.count()) == before
    assert w.case.status == Status.RESULT_ISSUED and w.case.outcome == "refused"


def test_refusal_whose_grounds_hold_is_answered_with_them(refused):
    w = refused
    c = file(w)
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 20, 9))
    ca.answer_complaint(
        c, actor=w.reviewer, reasoning="The registry holds no such decision.", at=at(2026, 3, 27, 16)
    )
    c.refresh_from_db()
    assert c.status == "answered" and c.outcome == "rejected"
    [g] = c.answer["grounds"]
    assert g["citation"] == f"{S003} annex 2 row 9 item 1"
    assert (S003, "§13 para 8") in clauses(c.answer["court"])
    from qamqor.documents.models import IssuedDocument

    doc = IssuedDocument.objects.get(pk=c.answer["document"]["id"])
    assert doc.kind == "complaint_answer" and doc.lang == "ru" and doc.owner_ref == f"application:{w.case.pk}"
    ev = c.events.get(action="answer_complaint")
    assert ev.payload["late"] is False and (S003, "§13 para 6") in clauses(ev.legal_basis)


def test_a_refusal_whose_grounds_fell_cannot_be_rejected(refused):
    from qamqor.cases import actions as sv

    w = refused
    c = file(w)
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 20, 9))
    sv.record_complaint_findings(
        w.case,
        actor=w.reviewer,
        complaint_ref=f"complaint:{c.pk}",
        findings={"officer.false_documents": False},
        evidence={"officer.false_documents": "registry extract"},
        at=at(2026, 3, 23, 10),
    )
    with pytest.raises(ca.ComplaintError) as exc:
        ca.answer_complaint(c, actor=w.reviewer, reasoning="No.", at=at(2026, 3, 26, 10))
    assert exc.value.code == "grounds_do_not_hold"
    c.refresh_from_db()
    assert c.status == "in_review"


def test_escalation_to_the_authorised_body(refused):
    w = refused
    c = file(w)
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 20, 9))
    ca.answer_complaint(c, actor=w.head, reasoning="The ground holds.", at=at(2026, 3, 26, 10))
    new = ca.escalate_complaint(c, actor=w.recipient, text="I disagree.", at=at(2026, 3, 27, 10))
    c.refresh_from_db()
    assert c.status == "escalated" and new.escalated_from == c and new.route == "authorised_body"
    assert new.status == "filed" and new.forward_due == D(2026, 4, 1)
    ca.forward_complaint(new, actor=w.officer, at=at(2026, 3, 30, 9))
    new.refresh_from_db()
    assert new.review_due == D(2026, 4, 20)
    for someone in (w.reviewer, w.head):  # the provider's people do not answer for the authorised body
        with pytest.raises(RoleNotAllowed):
            ca.answer_complaint(new, actor=someone, reasoning="x", at=at(2026, 3, 31, 9))
    with pytest.raises(RoleNotAllowed):  # nor does a stranger's reviewer answer the provider's
        ca.answer_complaint(c, actor=w.other_reviewer, reasoning="x", at=at(2026, 3, 31, 9))
    ca.answer_complaint(new, actor=w.authority, reasoning="The ground holds.", at=at(2026, 4, 2, 10))
    new.refresh_from_db()
    assert new.status == "answered" and new.answer["grounds"]


def test_complaint_events_are_in_the_case_chain(refused):
    from qamqor.audit.verify import verify

    w = refused
    c = file(w)
    ca.forward_complaint(c, actor=w.officer, at=at(2026, 3, 20, 9))
    report = verify(case_id=w.case.pk)
    assert report.intact and report.rows > 0
    with pytest.raises(AppendOnlyError):
        ComplaintEvent.objects.filter(complaint=c).update(payload={})


def test_wrong_people_and_wrong_steps_change_nothing(refused):
    w = refused
    with pytest.raises(RoleNotAllowed):  # another recipient cannot complain about this case
        ca.file_complaint(
            w.case, actor=w.other_recipient, route="provider_head", channel="portal", text="x",
            decision=w.refusal, at=at(2026, 3, 19, 15), **details(),
        )  # fmt: skip
    with pytest.raises(ca.ComplaintError):  # the 003 rules name no akimat route
        file(w, route="akimat_head")
    with pytest.raises(ca.ComplaintError):  # the details 000 §11 para 3 asks for
        ca.file_complaint(
            w.case, actor=w.recipient, route="provider_head", channel="portal", text="x",
            complainant_name="", postal_address="", phone="", at=at(2026, 3, 19, 15),
        )  # fmt: skip
    c = file(w)
    with pytest.raises(RoleNotAllowed):
        ca.forward_complaint(c, actor=w.other_officer, at=at(2026, 3, 20, 9))
    with pytest.raises(IllegalTransition):  # not in review yet: no answer
        ca.answer_complaint(c, actor=w.head, reasoning="x", at=at(2026, 3, 20, 9))
    c.refresh_from_db()
    assert c.status == "filed" and c.events.count() == 1


def test_the_earlier_standard_000_routes_without_forwarding(refused):
    """`000` §11: to the akimat's head directly (5 WD, by analogy: §3 makes the akimats the
    providers), to the State Corporation's head (no term in the text: unknown, no due date)."""
    from qamqor.cases.models import Application

    w = refused
    Application.objects.filter(pk=w.case.pk).update(procedure_source="000")
    w.case.refresh_from_db()
    akimat = ca.file_complaint(
        w.case, actor=w.reviewer, route="akimat_head", channel="akimat", text="x", decision=w.refusal,
        at=at(2026, 3, 19, 15), **details(),
    )  # fmt: skip
    assert akimat.status == "in_review" and akimat.forward_due is None
    assert akimat.review_due == D(2026, 3, 31) and akimat.clocks["review"]["certainty"] == "analogy"
    assert akimat.clocks["forward"] == {"applies": False}
    with pytest.raises(IllegalTransition):  # nothing to forward under 000
        ca.forward_complaint(akimat, actor=w.officer, at=at(2026, 3, 20, 9))
    sc = ca.file_complaint(
        w.case, actor=w.reviewer, route="state_corp_head", channel="post", text="x",
        at=at(2026, 3, 19, 15), **details(),
    )  # fmt: skip
    assert sc.subject == "inaction" and sc.review_due is None and sc.clocks["review"]["certainty"] == "unknown"
    assert "no term" in sc.clocks["review"]["note"]


def test_a_satisfaction_cannot_bring_in_a_fact_from_a_source_the_definition_refuses(refused):
    """The reviewer's findings go through the same source check as every fact: the consent is the
    application's own (never an official's finding), so it is refused and nothing changes."""
    from qamqor.cases.actions.facts import FactRefused

    w = refused
    c = file(w)
    before = (w.case.version, Decision.objects.count(), ComplaintEvent.objects.count())
    with pytest.raises(FactRefused):
        ca.satisfy_complaint_fully(
            c,
            actor=w.head,
            findings={"officer.false_documents": False, "consent_personal_data": True},
            evidence={"officer.false_documents": "checked", "consent_personal_data": "said so"},
            at=at(2026, 3, 20, 12),
        )
    w.case.refresh_from_db()
    assert (w.case.version, Decision.objects.count(), ComplaintEvent.objects.count()) == before
    assert w.case.status == Status.RESULT_ISSUED and w.case.outcome == "refused"
