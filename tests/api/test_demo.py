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
