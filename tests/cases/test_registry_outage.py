"""A registry down for ten minutes while a case is in review (decision 0030): the case waits in
"awaiting registry data", never refused for it; a retried step asks nothing twice; after the return
each waiting query is answered once and the case goes back to review with the data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from helpers import to_review_at_state_corp
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import IllegalTransition
from qamqor.cases.models import Person
from qamqor.cases.transitions import Status
from qamqor.registries import services as registries
from qamqor.registries.models import PendingQuery, RegistryQuery, SandboxOutage
from qamqor.registries.sandbox import failures, generate, use_population
from qamqor.registries.sandbox.outages import set_outage


@pytest.fixture(scope="module")
def sandbox_pop():
    return generate(3000, 5)


@pytest.fixture
def pop(sandbox_pop):
    use_population(sandbox_pop)
    failures.restore()
    yield sandbox_pop
    use_population(None)


def _back_now(kind: str) -> None:
    """The outage's moment of return has passed (the database's clock decides: the row is moved)."""
    SandboxOutage.objects.filter(registry=kind).update(until=timezone.now() - dt.timedelta(seconds=1))


def _guardianship_in_review(w, pop):
    birth, alive = pop["birth"], np.isnat(pop["died_on"])
    adult = int(np.flatnonzero(alive & (birth <= np.datetime64("1990-01-01", "D")))[0])
    child = int(np.flatnonzero(alive & (birth >= np.datetime64("2016-01-01", "D")))[0])
    people = [
        Person.objects.get_or_create(
            iin=pop.iin_of(r), defaults={"last_name": "Sandbox", "first_name": str(r)}
        )[0]
        for r in (adult, child)
    ]
    case = sv.submit_application(
        service_slug="guardianship-establishment",
        channel="state_corp",
        applicant=people[0],
        children=[people[1]],
        provider=w.dept,
        office=w.office,
        actor=w.operator,
        at=dt.datetime(2026, 2, 2, 5, tzinfo=dt.UTC),  # 10:00 in Almaty
        consent=True,
    )
    to_review_at_state_corp(w, case)
    return case


def test_a_registry_down_parks_the_case_and_its_answer_after_the_return_takes_it_back(
    world, pop, django_capture_on_commit_callbacks
):
    case = _guardianship_in_review(world, pop)
    set_outage(["population", "civil_registry", "courts"], 600)  # ten minutes, by the database's clock
    version = case.version
    with django_capture_on_commit_callbacks(execute=False):
        pre = sv.collect_registry_data(
            case, actor=world.officer, expected_version=version, idempotency_key="collect-1"
        )
    case.refresh_from_db()
    # waiting for the registries, not refused: no decision, every silent query kept for a retry
    assert case.status == Status.AWAITING_REGISTRY_DATA and not case.decisions.exists()
    waiting = list(PendingQuery.objects.filter(case_id=case.pk))
    assert pre["awaiting"] and sorted(p.pk for p in waiting) == sorted(pre["awaiting"])
    assert "population" in {p.registry for p in waiting}
    assert all(p.status == "waiting" for p in waiting)
    parked = case.events.get(action="await_registry_data")
    assert set(parked.payload["registries"]) == {p.registry for p in waiting}

    # the client lost the answer and sends the step again with its key: nothing asked twice
    asked = RegistryQuery.objects.count()
    again = sv.collect_registry_data(
        case, actor=world.officer, expected_version=version, idempotency_key="collect-1"
    )
    assert again["replayed"] and sorted(again["awaiting"]) == sorted(pre["awaiting"])
    assert RegistryQuery.objects.count() == asked and PendingQuery.objects.filter(
        case_id=case.pk
    ).count() == len(waiting)

    # asked again while it waits (a new request, not a retry): refused, nothing asked, nothing moved
    with pytest.raises(IllegalTransition):
        sv.collect_registry_data(case, actor=world.officer, expected_version=case.version)
    assert RegistryQuery.objects.count() == asked and case.events.count() == parked.seq

    # a retry while the outage lasts is refused again and stays waiting
    first = waiting[0]
    still = registries.retry_pending(first.pk, at=timezone.now())
    assert still.status == "waiting" and still.attempts == 2

    for kind in ("population", "civil_registry", "courts"):
        _back_now(kind)
    with django_capture_on_commit_callbacks(execute=True):
        for p in waiting:
            registries.retry_pending(p.pk, at=timezone.now())
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW
    assert not registries.waiting_for_case(case.pk).exists()
    for p in PendingQuery.objects.filter(case_id=case.pk):  # each answered once: one successful retry
        assert p.status == "answered"
        assert (
            RegistryQuery.objects.filter(
                case_id=case.pk,
                registry=p.registry,
                method=p.method,
                subject_iin=p.subject_iin,
                attempt__gte=2,
                outcome__in=["answered", "not_found"],
            ).count()
            == 1
        )
    assert case.facts["applicant"]["birth_date"]  # the registry's answer, recorded as a fact
    decision = sv.decide(case, actor=world.officer)
    assert decision.kind in ("grant", "preliminary_refusal")  # decided on the data, not on the outage
