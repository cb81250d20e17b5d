"""Once only within a collection (decision 0033, `003_4cf6e905af0d21d2.txt` §8,
`002_eefeb2ec619131ea.txt` annex 11 §9): the answers a case received are kept and come back as the
same typed records a fresh query gives; when the last query a collection left waiting answers, the
rest is taken from them (one successful question per registry, method and subject), only under the
consent they were given under and only as the ledger recorded them; an officer's new collection asks
again."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import fields
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import timezone

from helpers import package
from qamqor.cases import actions as sv
from qamqor.cases.models import Person
from qamqor.cases.transitions import Status
from qamqor.registries import services, types
from qamqor.registries.interfaces import INTERFACES, value_from_dict
from qamqor.registries.models import PendingQuery, QueryAnswer, RegistryQuery, SandboxOutage
from qamqor.registries.prefill import kept_answers, prefill_case
from qamqor.registries.sandbox import failures
from qamqor.registries.sandbox.adapters import DigitalDocumentsSandbox
from qamqor.registries.sandbox.outages import set_outage

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
ANSWERS = ("answered", "not_found")  # a successful question: an answer, or "nothing on record"


def _local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ALMATY)


# --- the typed records, back from what was stored -------------------------------------------------
def _methods(kind):
    return sorted(m for m in dir(INTERFACES[kind]) if not m.startswith("_") and m != "kind")


def _every_answer(pop):
    """(kind, method, value) of every method of every sandbox registry over a slice of the population
    (the digital documents through their one-time password), as the adapters return them."""
    reg = services.registries()
    rows = range(0, len(pop), 7)
    for kind in INTERFACES:
        impl = reg.get(kind)
        for method in _methods(kind):
            if kind == "digital_documents":
                continue
            for r in rows:
                yield kind, method, getattr(impl, method)(pop.iin_of(r))
    docs = reg.get("digital_documents")
    for r in rows:
        for doc_kind in ("identity_card", "birth_certificate"):
            challenge = docs.request_consent(pop.iin_of(r), doc_kind)
            yield "digital_documents", "request_consent", challenge
            otp = DigitalDocumentsSandbox.sandbox_otp(challenge.challenge_id)
            yield "digital_documents", "fetch", docs.fetch(challenge.challenge_id, otp)


def test_every_record_the_sandbox_returns_comes_back_from_its_stored_form(pop):
    seen: set[type] = set()
    empty: set[tuple] = set()
    for kind, method, value in _every_answer(pop):
        stored = json.loads(json.dumps(services.serialise(value)))  # what a JSON column gives back
        back = value_from_dict(kind, method, stored)
        items = value if isinstance(value, tuple) else (value,)
        seen.update(type(v) for v in items if v is not None)
        if value in (None, ()):
            empty.add((kind, method))
        if isinstance(value, types.DigitalDocument):
            # its content is the service's own JSON, kept as such: every typed field comes back
            assert back.as_dict() == value.as_dict()
            assert [getattr(back, f.name) for f in fields(back) if f.name != "content"] == [
                getattr(value, f.name) for f in fields(value) if f.name != "content"
            ]
            continue
        assert back == value, (kind, method)
        assert type(back) is type(value)
    records = {c for c in vars(types).values() if isinstance(c, type) and issubclass(c, types._Record)}
    records.discard(types._Record)
    assert seen == records  # every record type met, with its dates, optional dates and sources
    assert {("civil_registry", "birth"), ("civil_registry", "death"), ("courts", "decisions")} <= empty


def test_a_kept_answer_is_the_answer_the_query_gave(pop):
    at = _local(2026, 3, 2, 10)
    case = SimpleNamespace(pk=77, number="T-77")
    wanted = {(k, m) for k in INTERFACES if k != "digital_documents" for m in _methods(k)}
    given = {}
    for r in range(0, len(pop), 11):
        iin = pop.iin_of(r)
        consent = services.give_consent(recipient_iin=iin, at=at)
        for kind, method in sorted(wanted):
            ans = services.query_registry(
                kind, method, iin, actor=None, case=case, purpose="prefill", consent=consent, at=at
            )
            if ans.value not in (None, ()):
                given[(kind, method, iin)] = (consent, ans)
                wanted.discard((kind, method))
        if not wanted:
            break
    assert not wanted  # a non-empty answer of every method
    for (kind, method, iin), (consent, ans) in given.items():
        kept = kept_answers(case.pk, consent, since=at, until=at)[(kind, method, iin)]
        assert kept == ans and kept.value == ans.value
    assert QueryAnswer.objects.get(query_id=ans.query_id).answer == ans.as_dict()


# --- one question per registry in a collection ----------------------------------------------------
def _guardianship_in_review(w, pop):
    """A State Corporation application for guardianship (the catalogue's definition, which reads
    the courts' decisions besides the population and civil registers), taken to review."""
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
        provider=w.astana,
        office=w.office,
        actor=w.operator,
        at=_local(2026, 2, 2, 10),
        consent=True,
        registered_regions={people[0].iin: w.office.region},
        documents=package("guardianship-establishment", "state_corp", on=dt.date(2026, 2, 2)),
    )
    at = _local(2026, 2, 2, 10, 5)
    sv.accept_at_front_office(case, actor=w.operator, at=at, originals_returned=True)
    sv.send_by_courier(case, actor=w.operator, at=_local(2026, 2, 2, 16))
    sv.receive_at_provider(case, actor=w.officer, at=_local(2026, 2, 3, 9, 30))
    sv.check_completeness(case, actor=w.officer, at=_local(2026, 2, 3, 10))
    sv.start_review(case, actor=w.officer, at=_local(2026, 2, 3, 10, 30))
    return case


def _successes(case) -> Counter:
    return Counter(
        RegistryQuery.objects.filter(case_id=case.pk, outcome__in=ANSWERS).values_list(
            "registry", "method", "subject_iin"
        )
    )


def _latest_fact(case, path):
    return case.fact_rows.filter(path=path).order_by("-id").first()


def test_the_silent_registrys_answer_completes_the_collection_without_asking_again(
    world, pop, django_capture_on_commit_callbacks
):
    case = _guardianship_in_review(world, pop)
    set_outage(["courts"], 600)  # the courts are silent, the other registries answer
    asked_at = _local(2026, 2, 3, 11)
    with django_capture_on_commit_callbacks(execute=False):
        pre = sv.collect_registry_data(case, actor=world.officer, at=asked_at, idempotency_key="c-1")
    case.refresh_from_db()
    assert case.status == Status.AWAITING_REGISTRY_DATA
    (pending,) = PendingQuery.objects.filter(case_id=case.pk)
    assert pending.registry == "courts" and pre["awaiting"] == [pending.pk]
    first = _successes(case)
    assert first and all(n == 1 for n in first.values())
    assert {k[0] for k in first} >= {"population", "civil_registry"} and "courts" not in {k[0] for k in first}

    # while the case waits its collection's answers are kept; the sweep forgets none of them
    kept = QueryAnswer.objects.filter(query__case_id=case.pk).count()
    assert kept == sum(first.values()) - first.get(
        ("databank", "training_certificate", case.applicant.iin), 0
    )
    assert (
        services.forget_kept_answers() == 0
        and QueryAnswer.objects.filter(query__case_id=case.pk).count() == kept
    )

    SandboxOutage.objects.filter(registry="courts").update(until=timezone.now() - dt.timedelta(seconds=1))
    answered_at = _local(2026, 2, 3, 12)
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_pending(pending.pk, at=answered_at)
    case.refresh_from_db()
    pending.refresh_from_db()
    assert pending.status == "answered" and case.status == Status.IN_REVIEW

    # exactly one successful question per (registry, method, subject): the first round's and the retry
    after = _successes(case)
    assert all(n == 1 for n in after.values()), {k: n for k, n in after.items() if n > 1}
    assert after - first == Counter({("courts", "decisions", case.applicant.iin): 1})
    assert list(
        RegistryQuery.objects.filter(case_id=case.pk, at=answered_at).values_list("registry", "attempt")
    ) == [("courts", 2)]
    # the facts of both registries recorded by the continuation, each with its source
    born = _latest_fact(case, "applicant.birth_date")
    capacity = _latest_fact(case, "applicant.legal_capacity")
    assert born.at == answered_at and born.registry == "population" and born.reference
    assert capacity.at == answered_at and capacity.registry == "courts" and capacity.reference
    assert case.facts["applicant"]["legal_capacity"] in ("full", "limited", "incapable")
    event = case.events.filter(action="collect_registry_data").order_by("-seq").first()
    reused = set(event.payload["reused"])
    assert pending.result["query_id"] in reused
    assert reused == set(
        RegistryQuery.objects.filter(case_id=case.pk, outcome__in=ANSWERS).values_list("id", flat=True)
    ) - set(RegistryQuery.objects.filter(registry="databank").values_list("id", flat=True))

    # nothing waits now: the raw records are recorded as facts with their sources and the kept copies
    # serve no collection any more; the sweep deletes them (data minimisation, decision 0033)
    assert services.sweep(at=answered_at)["forgotten"] == kept + 1
    assert not QueryAnswer.objects.filter(query__case_id=case.pk).exists()
    assert RegistryQuery.objects.filter(case_id=case.pk, outcome__in=ANSWERS).count() == sum(after.values())

    # the step again with its key: answered from the first, nothing asked
    count = RegistryQuery.objects.count()
    again = sv.collect_registry_data(case, actor=world.officer, at=answered_at, idempotency_key="c-1")
    assert again["replayed"] and RegistryQuery.objects.count() == count

    # an officer's own collection the next day is a new one: the registries are asked again
    sv.collect_registry_data(case, actor=world.officer, at=_local(2026, 2, 4, 9))
    assert _successes(case)[("population", "identity", case.applicant.iin)] == 2


AT = _local(2026, 3, 2, 10)


def _prefill_case(app, kid):
    class _Children(list):
        def all(self):
            return self

    return SimpleNamespace(
        pk=5, number="T-5", applicant=SimpleNamespace(iin=app), children=_Children([SimpleNamespace(iin=kid)])
    )


def _two_rounds(pop):
    from qamqor.catalog import load_catalog

    version = load_catalog().service("guardianship-establishment").version_on(AT.date())
    child = int(pop.placed_children()[0])
    app, kid = (
        pop.iin_of(int(np.flatnonzero(pop["birth"] <= np.datetime64("1990-01-01", "D"))[0])),
        pop.iin_of(child),
    )
    consent = services.give_consent(recipient_iin=app, subject_iins=[kid], at=AT)
    failures.fail("courts")
    first = prefill_case(_prefill_case(app, kid), version, consent=consent, at=AT)
    failures.restore("courts")
    assert first["awaiting"]
    return version, app, kid, consent


def test_a_consent_revoked_meanwhile_reuses_nothing_and_asks_nothing(pop):
    version, app, kid, consent = _two_rounds(pop)
    before = RegistryQuery.objects.filter(outcome__in=ANSWERS).count()
    services.revoke_consent(consent, at=AT + dt.timedelta(minutes=30))
    later = AT + dt.timedelta(hours=1)
    out = prefill_case(_prefill_case(app, kid), version, consent=consent, at=later, answered_since=AT)
    assert out["no_consent"] and not out["reused"]
    assert RegistryQuery.objects.filter(outcome__in=ANSWERS).count() == before
    assert "applicant.birth_date" not in out["facts_meta"]

    # under a new consent the answers given under the old one are not this collection's: asked again
    fresh = services.give_consent(recipient_iin=app, subject_iins=[kid], at=later)
    out = prefill_case(_prefill_case(app, kid), version, consent=fresh, at=later, answered_since=AT)
    assert not out["reused"] and "applicant.birth_date" in out["facts_meta"]
    assert (
        RegistryQuery.objects.filter(consent=fresh, registry="population", outcome__in=ANSWERS).count() == 1
    )


@pytest.mark.parametrize("forged", ["reference", "registry"])
def test_a_kept_answer_the_ledger_does_not_vouch_for_is_asked_again(pop, forged):
    """A kept answer is outside the chained ledger: one whose sources differ from what the ledger
    recorded — another reference, or another registry named as the source of the facts (the
    definitions accept a fact only from named sources) — is not used; the registry is asked."""
    version, app, kid, consent = _two_rounds(pop)
    row = RegistryQuery.objects.get(
        registry="population", method="identity", subject_iin=app, outcome="answered"
    )
    kept = QueryAnswer.objects.get(query=row)
    source = kept.answer["sources"][0]
    kept.answer = {
        **kept.answer,
        "sources": [
            {"registry": "population", "reference": "forged"}
            if forged == "reference"
            else {"registry": "courts", "reference": source["reference"]}
        ],
    }
    kept.save()
    later = AT + dt.timedelta(hours=1)
    out = prefill_case(_prefill_case(app, kid), version, consent=consent, at=later, answered_since=AT)
    assert row.pk not in out["reused"] and out["reused"]  # the others re-used, this one asked again
    assert RegistryQuery.objects.filter(registry="population", subject_iin=app, at=later).count() == 1
    assert out["facts_meta"]["applicant.birth_date"]["source"][0]["reference"] != "forged"
    assert out["facts_meta"]["applicant.birth_date"]["source"][0]["registry"] == "population"
