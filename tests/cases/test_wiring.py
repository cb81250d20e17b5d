"""Case ↔ data bank ↔ registries: what a grant records and what a registry answer moves."""

from __future__ import annotations

from helpers import at, to_review_at_state_corp
from qamqor.cases import services as sv
from qamqor.cases.transitions import Status
from qamqor.databank.models import Placement
from qamqor.databank.services import request_guardianship_certificate


def _guardianship(w, facts):
    case = sv.submit_application(
        service_slug="guardianship-establishment",
        channel="state_corp",
        applicant=w.parent,
        children=[w.child],
        provider=w.dept,
        office=w.office,
        actor=w.operator,
        at=at(2026, 2, 2, 10),
        facts=facts,
        consent=True,
    )
    to_review_at_state_corp(w, case)
    return case


def test_a_guardianship_grant_records_the_placement_and_the_certificate_finds_it(world):
    w = world
    # before: no record in the Republican data bank, so the automated certificate is refused (004 row 9 item 1)
    before = request_guardianship_certificate(w.parent.iin, w.child.iin, True, at(2026, 2, 3, 12))
    assert before.decision == "refuse"

    case = _guardianship(
        w,
        {
            "applicant": {"birth_date": "1985-08-08", "relation_to_child": "relative"},
            "consent_personal_data": True,
        },
    )
    sv.decide(case, actor=w.officer, at=at(2026, 2, 20))
    case.refresh_from_db()
    assert case.status == Status.GRANTED

    placement = Placement.objects.get(case_id=case.pk)
    assert (placement.kind, placement.carer_iin, placement.child_iin) == (
        "guardianship",
        w.parent.iin,
        w.child.iin,
    )
    assert placement.relation == "relative" and str(placement.started_on) == "2026-02-20"

    after = request_guardianship_certificate(w.parent.iin, w.child.iin, True, at(2026, 2, 23, 12))
    assert after.decision == "grant"
    # the data bank decided with the case tests' catalogue (its copy of 004), not the shipped one
    assert before.catalogue_version == after.catalogue_version == "requirements-list-2023"


def test_a_refused_guardianship_records_nothing(world):
    w = world
    case = _guardianship(
        w, {"applicant": {"birth_date": "2010-01-01"}, "consent_personal_data": True}
    )  # a minor
    sv.decide(
        case, actor=w.officer, at=at(2026, 2, 20), hearing_at=at(2026, 2, 25, 11), hearing_place="Room 3"
    )
    case.refresh_from_db()
    assert case.status == Status.PRELIMINARY_REFUSAL
    assert not Placement.objects.filter(case_id=case.pk).exists()
