"""The demo data go through the case layer's own steps: every life of a case the demo shows is made,
none skipped (a demo that silently drops a case would hide a broken step)."""

import pytest


@pytest.mark.django_db
def test_every_demo_application_is_made_through_the_case_layer():
    from qamqor.cases.models import Application, Decision
    from qamqor.demo import load_demo_data

    result = load_demo_data()
    assert result.skipped == [] and result.applications == Application.objects.count() >= 20
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"granted", "refused", "preliminary_refusal", "delivered_to_cabinet", "handed_over"} <= statuses
    # every decision of the demo passed the gate: its evaluation records each fact with its source
    assert all(d.evaluation.get("fact_sources") for d in Decision.objects.all())


@pytest.mark.django_db
def test_the_demo_results_receipts_and_notices_carry_their_signed_documents():
    from qamqor.cases.models import CaseEvent
    from qamqor.demo import load_demo_data
    from qamqor.documents.models import IssuedDocument

    load_demo_data()
    kinds = set(IssuedDocument.objects.values_list("kind", flat=True))
    assert {
        "meeting_permission",
        "camp_referral",
        "motivated_refusal",
        "preliminary_refusal_notice",
        "hearing_record",
        "acceptance_receipt",
        "meeting_refusal_receipt",
        "guardianship_decision",
        "foster_family_decision",
        "guardianship_certificate",
    } <= kinds
    assert set(IssuedDocument.objects.values_list("lang", flat=True)) == {"kk", "ru"}
    # every result issued in the demo has its document, named by its hash in the move's event
    results = CaseEvent.objects.filter(action="issue_result")
    assert results.count() >= 6
    for event in results:
        ref = event.payload["document"]
        assert IssuedDocument.objects.filter(
            sha256=ref["sha256"], owner_ref=f"application:{event.application_id}"
        ).exists(), ref


@pytest.mark.django_db
def test_the_demo_holds_granted_placements_with_their_documents_for_a_recipient_who_can_sign_in():
    from django.contrib.auth import get_user_model

    from qamqor.cases.models import Application
    from qamqor.databank.documents import documents_of
    from qamqor.databank.models import CertificateRequest, Placement
    from qamqor.demo import load_demo_data
    from qamqor.demo.placements import USERNAME
    from qamqor.documents import verification
    from qamqor.documents.models import IssuedDocument

    load_demo_data()
    gulnar = get_user_model().objects.get(username=USERNAME)
    mine = Application.objects.filter(applicant__iin=gulnar.iin)
    assert {(c.service_slug, c.status, c.outcome) for c in mine} == {
        ("guardianship-establishment", "result_issued", "granted"),
        ("foster-family-placement", "result_issued", "granted"),
    }
    for case in mine:  # the gate allowed each grant over facts with their sources
        assert (
            case.decisions.get().evaluation["fact_sources"]["applicant.convictions"]["source"] == "registry"
        )
        event = case.events.get(action="issue_result")
        doc = IssuedDocument.objects.get(
            owner_ref=f"application:{case.pk}", pk=event.payload["document"]["id"]
        )
        assert doc.kind in ("guardianship_decision", "foster_family_decision")
        assert verification.verify_code(doc.code).status == "valid"
    assert Placement.objects.filter(carer_iin=gulnar.iin).count() == 2
    request = CertificateRequest.objects.get(recipient=gulnar)
    assert request.decision == "grant" and [d.kind for d in documents_of(request)] == [
        "guardianship_certificate"
    ]
