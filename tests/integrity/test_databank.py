"""Issue 10, bypass 3: the Republican data bank receives a carer/ward record only from a decision that
passed the gate, once per placement — in Python and in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from helpers import at, package
from qamqor.cases import actions as sv
from qamqor.databank.models import Placement
from qamqor.databank.services import PlacementRefused, record_placement

from .test_gate import DECLARED, WHEN, _in_review


def _granted(world, people):
    case = _in_review(world, people)
    sv.collect_registry_data(case, actor=world.officer, at=WHEN)
    decision = sv.decide(case, actor=world.head, at=WHEN, idempotency_key="grant-1")
    return case, decision


def test_a_gated_grant_records_the_placement_once(world, people):
    case, decision = _granted(world, people)
    assert decision.kind == "grant"
    placement = Placement.objects.get()
    assert (placement.case_id, placement.decision_id, placement.child_iin) == (
        case.pk,
        decision.pk,
        people.child.iin,
    )
    again = sv.decide(case, actor=world.head, at=WHEN, idempotency_key="grant-1")  # a retried request
    assert again.pk == decision.pk and Placement.objects.count() == 1


@pytest.mark.parametrize("source_kind", ["no decision", "unknown decision", "refusal", "another child"])
def test_no_placement_from_anything_but_a_gated_grant(world, people, source_kind):
    decision_id = None
    if source_kind != "no decision":
        case = _in_review(world, people, facts={"applicant": {**DECLARED["applicant"], "monthly_income": 10}})
        sv.collect_registry_data(case, actor=world.officer, at=WHEN)
        refusal = sv.decide(
            case, actor=world.head, at=WHEN, hearing_at=at(2026, 3, 5, 10), hearing_place="Room 1"
        )
        assert refusal.kind == "preliminary_refusal"
        decision_id = {"unknown decision": 10**9, "refusal": refusal.pk, "another child": refusal.pk}[
            source_kind
        ]
    child = people.adult.iin if source_kind == "another child" else people.child.iin
    with pytest.raises(PlacementRefused):
        record_placement(
            kind="guardianship",
            carer_iin=people.adult.iin,
            child_iin=child,
            started_on=dt.date(2026, 3, 2),
            decision_id=decision_id,
        )
    assert not Placement.objects.exists()


def test_the_database_refuses_a_qamqor_placement_without_a_decision(world, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(
            kind="guardianship",
            carer_iin=people.adult.iin,
            child_iin=people.child.iin,
            started_on=dt.date(2026, 3, 2),
            source="qamqor",
            recorded_at=WHEN,
        )
    case, decision = _granted(world, people)
    with pytest.raises(IntegrityError), transaction.atomic():  # the same decision and child twice
        Placement.objects.create(
            kind="guardianship",
            carer_iin=people.adult.iin,
            child_iin=people.child.iin,
            started_on=dt.date(2026, 3, 2),
            source="qamqor",
            decision_id=decision.pk,
            recorded_at=WHEN,
        )
    assert Placement.objects.count() == 1 and package("guardianship-establishment", "state_corp")


def test_a_decision_row_written_behind_move_case_gets_no_placement(world, people):
    """A grant decision row created directly (no gate, no grant event) is not a gated grant."""
    from qamqor.cases.models import Decision

    case = _in_review(world, people)
    forged = Decision.objects.create(
        application=case,
        kind="grant",
        decided_at=WHEN,
        catalogue_version=case.catalogue_version,
        evaluation={"decision": "grant"},
    )
    with pytest.raises(PlacementRefused):
        record_placement(
            kind="guardianship",
            carer_iin=people.adult.iin,
            child_iin=people.child.iin,
            started_on=dt.date(2026, 3, 2),
            decision_id=forged.pk,
        )
    assert not Placement.objects.exists()
