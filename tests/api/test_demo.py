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
