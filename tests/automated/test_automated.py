"""The fully automated path of `patronage-placement` (001 annex 2: portal only, 10 WD, row 4
"Электрондық (толық автоматтандырылған)", 17 grounds), decided with no human step."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import at
from qamqor.cases import actions as sv
from qamqor.cases.actions import automated
from qamqor.cases.actions.facts import FactRefused
from qamqor.cases.actions.moves import NotFullyAutomated
from qamqor.cases.exceptions import CaseError, IllegalTransition, RoleNotAllowed, ServiceNotAvailable
from qamqor.cases.models import Application, CaseEvent, Decision, Person
from qamqor.cases.selectors import cabinet_result
from qamqor.cases.transitions import Status
from qamqor.databank.models import Obligation, Placement
from qamqor.registries.models import Consent, Outcome, RegistryQuery
from qamqor.registries.sandbox import failures

from .conftest import AFTER_REPEAL, BEFORE_REPEAL, DOCUMENTS, RELATIVE_FACTS, SLUG

LAW_88 = 'Law No. 88-V of 15.04.2013 "On public services"'
S001 = "001_9090383b8961739a.txt"

AUTOMATED_STEPS = [
    "submit",
    "register_on_portal",
    "check_completeness",
    "start_review",
]


def apply(
    w,
    user=None,
    *,
    facts=RELATIVE_FACTS,
    consent=True,
    when=BEFORE_REPEAL,
    child=None,
    key=None,
    slug=SLUG,
    documents=DOCUMENTS,
):
    return automated.apply_automated(
        slug,
        applicant=user or w.recipient,
        children=[child or w.child_iin],
        provider=w.dept,
        facts=facts,
        consent=consent,
        documents=documents,
        at=when,
        idempotency_key=key,
    )


def _nothing_written():
    return (
        Application.objects.count(),
        CaseEvent.objects.count(),
        Decision.objects.count(),
        RegistryQuery.objects.count(),
        Consent.objects.count(),
        Placement.objects.count(),
    ) == (0, 0, 0, 0, 0, 0)


def _every_event_has_its_basis(case):
    for e in case.events.order_by("seq"):
        basis = e.legal_basis
        assert basis["citations"], (e.action, basis)
        assert basis["certainty"] in ("exact", "analogy"), (e.action, basis)
        if basis["certainty"] != "exact":
            assert basis["note"]
        assert e.legal_basis_source and e.legal_basis_clause
        assert e.actor_role == ("recipient" if e.action == "submit" else "system")


def test_a_granted_request_records_the_placement_opens_the_duty_and_lands_in_the_cabinet(world):
    w = world
    out = apply(w)
    case = out.case
    assert out.result == "grant" and case.status == Status.DELIVERED_TO_CABINET and case.outcome == "granted"
    assert case.catalogue_version == "order-343-2022" and case.channel == "portal"
    assert [e.action for e in case.events.order_by("seq")] == [
        *AUTOMATED_STEPS,
        "grant",
        "issue_result",
        "deliver_to_cabinet",
    ]
    _every_event_has_its_basis(case)
    bases = {e.action: e.legal_basis["citations"] for e in case.events.all()}
    assert {"source": S001, "clause": "annex 2 row 4"} in bases["grant"]  # the form: fully automated
    assert bases["deliver_to_cabinet"] == [{"source": S001, "clause": "annex 2 row 5"}]
    assert case.events.get(action="register_on_portal").payload["expected_result_date"] == "2023-04-03"

    d = out.decision
    assert d.kind == "grant" and d.decided_by is None and d.grounds == []
    assert d.evaluation["automated"] is True and d.evaluation["decision"] == "grant"
    assert set(d.reasons["decided_automatically"]) == {"kk", "ru", "en"}
    # the judgement grounds (items 15, 16) were not examined by a machine, and the decision says so
    assert {(j["item"], j["fact"]) for j in d.evaluation["judgement_not_examined"]} == {
        (15, "officer.false_documents"),
        (16, "officer.requirements_not_met"),
    }
    assert "officer.false_documents" in d.reasons
    # registry facts carry their source; declared facts are marked as declared
    sources = d.evaluation["fact_sources"]
    assert (sources["applicant.birth_date"]["source"], sources["applicant.birth_date"]["registry"]) == (
        "registry",
        "population",
    )
    assert sources["applicant.convictions"]["value"] == [] and sources["applicant.convictions"]["consent"]
    assert sources["applicant.monthly_income"]["source"] == "declaration"
    assert sources["officer.false_documents"]["source"] == "automation"
    assert sources["consent_personal_data"] == {**sources["consent_personal_data"], "value": True, "source": "consent"}

    # the data bank: the carer and the ward, and the relative's one-year duty (new §12)
    placement = Placement.objects.get(case_id=case.pk)
    assert (placement.kind, placement.carer_iin, placement.child_iin, placement.relation) == (
        "patronage",
        w.clean_iin,
        w.child_iin,
        "relative",
    )
    duty = Obligation.objects.get(placement=placement)
    assert duty.code == "relatives_training_certificate" and duty.due_on == dt.date(2024, 3, 15)
    assert (duty.citation_source, duty.citation_clause) == (S001, "new §12 (patronage rules)")

    # the registries were asked with the consent, each query in the ledger
    rows = RegistryQuery.objects.filter(case_id=case.pk)
    assert rows.filter(outcome__in=[Outcome.ANSWERED, Outcome.NOT_FOUND]).count() >= 5
    assert not rows.filter(outcome=Outcome.NO_CONSENT).exists()
    assert set(rows.values_list("consent__recipient_iin", flat=True)) == {w.clean_iin}

    cabinet = cabinet_result(case, "ru")
    assert cabinet["kind"] == "grant" and cabinet["date"] == "15.03.2023"
    assert cabinet["result"]["code"] == "patronage_contract_and_payment_decision"
    assert cabinet["duties"] == [
        {
            "code": "relatives_training_certificate",
            "due_on": "15.03.2024",
            "citation": {"source": S001, "clause": "new §12 (patronage rules)"},
        }
    ]


def test_a_training_certificate_in_the_data_bank_outweighs_the_declaration_and_no_duty_opens(world):
    from qamqor.databank.services import record_training_certificate

    w = world
    record_training_certificate(person_iin=w.clean_iin, number="TC-7", issued_on=dt.date(2022, 11, 1))
    out = apply(w)
    assert out.result == "grant"
    src = out.decision.evaluation["fact_sources"]["applicant.psych_training_certificate"]
    assert src["value"] is True and src["source"] == "databank" and "TC-7" in src["reference"]
    assert not Obligation.objects.filter(placement__case_id=out.case.pk).exists()


def test_a_refused_request_lists_the_grounds_with_citations_and_records_no_placement(world):
    w = world
    out = apply(w, w.convicted, child=w.child2_iin)
    case, d = out.case, out.decision
    assert out.result == "refuse" and case.status == Status.DELIVERED_TO_CABINET and case.outcome == "refused"
    assert [e.action for e in case.events.order_by("seq")] == [
        *AUTOMATED_STEPS,
        "issue_automated_refusal",
        "issue_result",
        "deliver_to_cabinet",
    ]
    _every_event_has_its_basis(case)
    assert d.kind == "final_refusal" and d.decided_by is None
    codes = {g["code"]: g for g in d.grounds}
    assert "serious_crime_conviction_or_prosecution" in codes
    assert codes["serious_crime_conviction_or_prosecution"]["citation"] == {
        "source": S001,
        "clause": "annex 2 row 9 item 13",
    }
    assert all(set(g["explanation"]) == {"kk", "ru", "en"} for g in d.grounds)
    # refused directly, without a hearing: recorded as an analogy, with the reason
    refusal = case.events.get(action="issue_automated_refusal")
    assert refusal.legal_basis["certainty"] == "analogy" and "APC art. 73" in refusal.legal_basis["note"]
    assert {"source": S001, "clause": "annex 2 row 9 item 13"} in refusal.legal_basis["citations"]
    assert {g["code"] for g in refusal.payload["grounds"]} == set(codes)
    assert not case.events.filter(action__in=["issue_preliminary_refusal", "hold_hearing"]).exists()
    assert not Placement.objects.filter(case_id=case.pk).exists()
    cabinet = cabinet_result(case, "kk")
    assert cabinet["kind"] == "motivated_refusal" and cabinet["result"]["code"] == "motivated_refusal"
    assert cabinet["no_hearing"] and {g["item"] for g in cabinet["grounds"]} >= {13}


def test_an_incomplete_application_is_refused_to_accept_with_the_missing_facts(world):
    w = world
    facts = {"applicant": {"relation_to_child": "relative"}}
    out = apply(w, facts=facts)
    case = out.case
    assert (
        case.status == Status.REFUSED_TO_ACCEPT and out.decision is None and out.result == "refused_to_accept"
    )
    assert {"applicant.monthly_income", "applicant.household_size"} <= set(out.missing_facts)
    assert "applicant.resides_in_kazakhstan" not in out.missing_facts  # the population register gave it
    assert not any(f.startswith("officer.") for f in out.missing_facts)  # not the recipient's to give
    events = list(case.events.order_by("seq"))
    assert [e.action for e in events] == ["submit", "register_on_portal", "refuse_incomplete_automated"]
    refusal = events[-1]
    assert refusal.actor_role == "system" and refusal.payload["missing_facts"] == out.missing_facts
    assert refusal.legal_basis["citations"][0] == {"source": LAW_88, "clause": "art. 20 p.2"}
    assert not Decision.objects.exists() and not Placement.objects.exists()
    cabinet = cabinet_result(case, "ru")
    assert cabinet["kind"] == "refusal_to_accept" and "applicant.monthly_income" in cabinet["text"]


def test_without_consent_the_portal_does_not_accept_the_request_and_nothing_is_written(world):
    """The consent is part of the electronic application (row 9 item 17 makes its absence a ground):
    the portal refuses the request itself, no registry is asked, nothing is written."""
    w = world
    with pytest.raises(CaseError) as exc:
        apply(w, consent=False)
    assert exc.value.code == "consent_required"
    assert _nothing_written()


def test_a_request_after_the_repeal_is_not_in_force_and_writes_nothing(world):
    w = world
    with pytest.raises(ServiceNotAvailable) as exc:
        apply(w, when=AFTER_REPEAL)
    assert exc.value.code == "not_in_force" and "14.09.2023" in str(exc.value)
    assert _nothing_written()
    # the last day before the estimated repeal still works
    assert apply(w, when=at(2023, 7, 10, 12)).result == "grant"


def test_a_service_that_is_not_fully_automated_is_refused_by_the_automated_path(world):
    w = world
    with pytest.raises(ServiceNotAvailable) as exc:
        apply(w, slug="guardianship-establishment")
    assert exc.value.code == "not_fully_automated"
    with pytest.raises(ServiceNotAvailable) as exc:
        apply(w, slug="no-such-service")
    assert exc.value.code == "unknown_service"
    assert _nothing_written()


def test_malformed_facts_and_facts_reserved_to_the_system_are_refused_before_anything_is_written(world):
    w = world
    with pytest.raises(FactRefused) as exc:
        apply(w, facts={"applicant": {"monthly_income": "a lot", "relation_to_child": 7}})
    assert exc.value.code == "invalid_facts"
    assert set(exc.value.details["errors"]) == {"applicant.monthly_income", "applicant.relation_to_child"}
    # facts only a registry, an official or the consent may give are never the recipient's
    for facts, fact in (
        ({"officer": {"false_documents": False}}, "officer.false_documents"),
        ({"applicant": {"convictions": []}}, "applicant.convictions"),
        ({"applicant": {"permanent_residence": True}}, "applicant.permanent_residence"),
        ({"consent_personal_data": True}, "consent_personal_data"),
    ):
        with pytest.raises(FactRefused) as exc:
            apply(w, facts={**RELATIVE_FACTS, **facts})
        assert exc.value.code == "source_not_accepted" and exc.value.details["fact"] == fact
    with pytest.raises(FactRefused) as exc:
        apply(w, facts={"applicant": {"shoe_size": 42}})
    assert exc.value.code == "unknown_fact"
    with pytest.raises(RoleNotAllowed):
        apply(w, w.officer)  # only a recipient applies on the portal
    assert _nothing_written()


def test_an_idempotent_retry_returns_the_first_result_and_writes_nothing_more(world):
    w = world
    first = apply(w, key="k-1")
    counts = (CaseEvent.objects.count(), RegistryQuery.objects.count(), Placement.objects.count())
    again = apply(w, key="k-1", when=at(2023, 3, 15, 11, 5))
    assert again.replayed and again.case.pk == first.case.pk and again.decision.pk == first.decision.pk
    assert (CaseEvent.objects.count(), RegistryQuery.objects.count(), Placement.objects.count()) == counts
    incomplete = apply(w, w.recipient2, facts={}, key="k-2", child=w.child2_iin)
    replay = apply(w, w.recipient2, facts={}, key="k-2", child=w.child2_iin)
    assert replay.replayed and replay.missing_facts == incomplete.missing_facts
    with pytest.raises(IllegalTransition) as exc:
        apply(w, w.recipient2, key="k-1")
    assert exc.value.code == "idempotency_key_reused"


def test_the_system_moves_are_refused_for_a_version_that_is_not_fully_automated(world):
    w = world
    applicant = Person.objects.create(iin=w.clean_iin, last_name="A", first_name="B", birth_date=dt.date(2000, 1, 1))
    child = Person.objects.create(iin=w.child_iin, last_name="C", first_name="D", birth_date=dt.date(2015, 1, 1))
    case = sv.submit_application(
        service_slug="guardianship-establishment",  # form: partly automated / paper (001 annex 1 row 4)
        channel="portal",
        applicant=applicant,
        children=[child],
        provider=w.dept,
        actor=w.recipient,
        at=BEFORE_REPEAL,
        consent=True,
    )
    assert case.status == Status.REGISTERED  # accepted by the portal
    with pytest.raises(NotFullyAutomated):
        automated.refuse_incomplete(case, missing=["applicant.monthly_income"], at=BEFORE_REPEAL)
    with pytest.raises(NotFullyAutomated) as exc:  # the system's completeness check
        sv.move_case(case, Status.COMPLETENESS_CHECKED, actor=None, at=BEFORE_REPEAL)
    assert exc.value.code == "not_fully_automated"
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.version == 2 and not case.decisions.exists()
    # the table itself: an officer's case cannot be refused without a hearing by the officer
    case = Application.objects.get(pk=case.pk)
    Application.objects.filter(pk=case.pk).update(status=Status.IN_REVIEW)
    case.refresh_from_db()
    with pytest.raises(IllegalTransition):
        sv.move_case(case, Status.REFUSED, actor=w.officer, action="issue_automated_refusal")
    # nor by internal code acting as the system straight through move_case: the door itself checks the form
    for action, target in (("issue_automated_refusal", Status.REFUSED), ("grant", Status.GRANTED)):
        with pytest.raises(NotFullyAutomated):
            sv.move_case(case, target, actor=None, action=action)
    with pytest.raises(NotFullyAutomated):
        automated.decide_automatically(case, at=BEFORE_REPEAL)
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and not case.decisions.exists()


def test_a_silent_registry_keeps_the_request_waiting_and_the_answer_lets_the_system_decide(world):
    from qamqor.registries.models import PendingQuery
    from qamqor.registries.services import retry_pending

    w = world
    failures.fail("criminal_records", "timeout")
    out = apply(w)
    case = out.case
    assert case.status == Status.AWAITING_REGISTRY_DATA and out.decision is None
    assert case.events.get(action="await_registry_data").payload["registries"] == ["criminal_records"]
    failures.restore()
    pending = PendingQuery.objects.get(case_id=case.pk)
    # the answer moves the case back to review, and the system decides at once (cases.wiring)
    retry_pending(pending.pk, at=at(2023, 3, 15, 11, 10))
    case.refresh_from_db()
    assert case.status == Status.DELIVERED_TO_CABINET
    assert [(e.action, e.to_status) for e in case.events.order_by("seq")][-6:] == [
        ("await_registry_data", "awaiting_registry_data"),
        ("receive_registry_data", "in_review"),
        ("collect_registry_data", "in_review"),  # the answers recorded as facts with their source
        ("grant", "granted"),
        ("issue_result", "result_issued"),
        ("deliver_to_cabinet", "delivered_to_cabinet"),
    ]
    assert [e.to_status for e in case.events.order_by("seq")][-3:] == [
        "granted",
        "result_issued",
        "delivered_to_cabinet",
    ]
    decision = case.decisions.get()
    assert decision.kind == "grant" and decision.decided_by is None
    assert decision.decided_at == at(2023, 3, 15, 11, 10)
    assert decision.evaluation["fact_sources"]["applicant.convictions"]["value"] == []
    assert Placement.objects.filter(case_id=case.pk).count() == 1
