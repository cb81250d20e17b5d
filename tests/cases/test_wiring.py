"""Case ↔ data bank ↔ registries: the facts a registry gives, what a gated grant records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from helpers import at, to_review_at_state_corp
from qamqor.cases import actions as sv
from qamqor.cases.actions.facts import FactRefused
from qamqor.cases.models import Person
from qamqor.cases.transitions import Status
from qamqor.databank.models import Placement
from qamqor.databank.services import request_guardianship_certificate
from qamqor.registries.sandbox import failures, generate, use_population


@pytest.fixture(scope="module")
def sandbox_pop():
    return generate(3000, 5)


@pytest.fixture
def pop(sandbox_pop):
    use_population(sandbox_pop)
    failures.restore()
    yield sandbox_pop
    use_population(None)


def _person(pop, row) -> Person:
    iin = pop.iin_of(int(row))
    return Person.objects.get_or_create(iin=iin, defaults={"last_name": "Sandbox", "first_name": str(row)})[0]


def _people(pop):
    """An adult and a minor of the sandbox population (as the population register knows them), a child."""
    birth = pop["birth"]
    alive = np.isnat(pop["died_on"])
    adult = np.flatnonzero(alive & (birth <= np.datetime64("1990-01-01", "D")))[0]
    minor = np.flatnonzero(alive & (birth >= np.datetime64("2010-06-01", "D")) & (birth <= np.datetime64("2011-01-01", "D")))[0]
    child = np.flatnonzero(alive & (birth >= np.datetime64("2016-01-01", "D")))[0]
    return _person(pop, adult), _person(pop, minor), _person(pop, child)


def _guardianship(w, applicant, child, facts=None):
    case = sv.submit_application(
        service_slug="guardianship-establishment",
        channel="state_corp",
        applicant=applicant,
        children=[child],
        provider=w.dept,
        office=w.office,
        actor=w.operator,
        at=at(2026, 2, 2, 10),
        facts=facts,
        consent=True,
    )
    to_review_at_state_corp(w, case)
    return case


def test_a_recipient_cannot_declare_a_fact_only_a_registry_gives(world, pop):
    adult, _minor, child = _people(pop)
    with pytest.raises(FactRefused) as refused:
        _guardianship(world, adult, child, {"applicant": {"birth_date": "1985-08-08"}})
    assert refused.value.code == "source_not_accepted" and refused.value.details["fact"] == "applicant.birth_date"


def test_a_guardianship_grant_records_the_placement_and_the_certificate_finds_it(world, pop):
    w = world
    adult, _minor, child = _people(pop)
    # before: no record in the Republican data bank, so the automated certificate is refused (004 row 9 item 1)
    before = request_guardianship_certificate(adult.iin, child.iin, True, at(2026, 2, 3, 12))
    assert before.decision == "refuse"

    case = _guardianship(w, adult, child)
    with pytest.raises(sv.gate.GateRefused) as missing:  # the birth date has not come from the register yet
        sv.decide(case, actor=w.officer, at=at(2026, 2, 20))
    assert missing.value.code == "needs_facts"
    assert missing.value.details["missing_facts"] == [{"fact": "applicant.birth_date", "accepted": ["registry"]}]
    sv.collect_registry_data(case, actor=w.officer, at=at(2026, 2, 19))
    decision = sv.decide(case, actor=w.officer, at=at(2026, 2, 20))
    case.refresh_from_db()
    assert case.status == Status.GRANTED
    source = decision.evaluation["fact_sources"]["applicant.birth_date"]
    assert source["source"] == "registry" and source["registry"] == "population" and source["consent"]

    placement = Placement.objects.get(case_id=case.pk)
    assert (placement.kind, placement.carer_iin, placement.child_iin) == ("guardianship", adult.iin, child.iin)
    assert placement.decision_id == decision.pk and str(placement.started_on) == "2026-02-20"

    after = request_guardianship_certificate(adult.iin, child.iin, True, at(2026, 2, 23, 12))
    assert after.decision == "grant"
    # the data bank decided with the case tests' catalogue (its copy of 004), not the shipped one
    assert before.catalogue_version == after.catalogue_version == "requirements-list-2023"
    # the guardianship rules' own procedure clauses are not in the seeds: their grant is by analogy
    # with the shared procedure, or on the standard's own row (001 annex 1 row 5)
    grant = case.events.get(to_status="granted")
    assert grant.legal_basis_source == "001_9090383b8961739a.txt" and grant.legal_basis_clause == "annex 1 row 5"


def test_a_refused_guardianship_records_nothing(world, pop):
    w = world
    _adult, minor, child = _people(pop)
    case = _guardianship(w, minor, child)
    sv.collect_registry_data(case, actor=w.officer, at=at(2026, 2, 19))
    decision = sv.decide(
        case, actor=w.officer, at=at(2026, 2, 20), hearing_at=at(2026, 2, 25, 11), hearing_place="Room 3"
    )
    case.refresh_from_db()
    assert case.status == Status.PRELIMINARY_REFUSAL and decision.grounds[0]["code"] == "minor_applicant"
    assert not Placement.objects.filter(case_id=case.pk).exists()
    assert dt.date.fromisoformat(case.facts["applicant"]["birth_date"]) > dt.date(2008, 2, 20)
