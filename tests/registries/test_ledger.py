"""Consent, the ledger, and a registry that is down and then back (Django, SQLite test database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from qamqor.registries import services
from qamqor.registries.models import AppendOnlyError, Outcome, PendingQuery, RegistryQuery
from qamqor.registries.sandbox import failures
from qamqor.registries.types import RegistryTimeout, RegistryUnavailable

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def _child_and_mother(pop):
    child = int(pop.placed_children()[0])
    return pop.iin_of(child), pop.iin_of(int(pop["mother"][child]))


def test_query_with_consent_answers_and_is_in_the_ledger(pop):
    child, mother = _child_and_mother(pop)
    consent = services.give_consent(recipient_iin=mother, subject_iins=[child], at=AT)
    ans = services.query_registry(
        "civil_registry", "birth", child, actor=None, case=41, purpose="test", consent=consent, at=AT
    )
    assert ans.value.child_iin == child and ans.sources[0].registry == "civil_registry"
    (row,) = services.ledger_for(child)
    assert (row.registry, row.method, row.case_id, row.consent_id, row.outcome) == (
        "civil_registry",
        "birth",
        41,
        consent.pk,
        Outcome.ANSWERED,
    )
    assert row.legal_basis_source == "003_4cf6e905af0d21d2.txt" and row.legal_basis_clause == "§8"
    assert row.actor_role == "system" and row.source_reference.startswith("SBX-")


def test_no_consent_no_query_but_the_refusal_is_recorded(pop):
    child, mother = _child_and_mother(pop)
    before = failures.calls.get("courts", 0)
    with pytest.raises(services.ConsentMissing):
        services.query_registry(
            "courts", "decisions", mother, actor=None, case=None, purpose="t", consent=None, at=AT
        )
    other = services.give_consent(recipient_iin=child, at=AT)  # covers only the child
    with pytest.raises(services.ConsentMissing):
        services.query_registry(
            "courts", "decisions", mother, actor=None, case=None, purpose="t", consent=other, at=AT
        )
    revoked = services.revoke_consent(services.give_consent(recipient_iin=mother, at=AT), at=AT)
    with pytest.raises(services.ConsentMissing):
        services.query_registry(
            "courts",
            "decisions",
            mother,
            actor=None,
            case=None,
            purpose="t",
            consent=revoked,
            at=AT + dt.timedelta(minutes=1),
        )
    assert failures.calls.get("courts", 0) == before  # the registry was never asked
    assert [r.outcome for r in services.ledger_for(mother)] == [Outcome.NO_CONSENT] * 3


def test_registry_down_then_back(pop, django_capture_on_commit_callbacks):
    child, mother = _child_and_mother(pop)
    consent = services.give_consent(recipient_iin=mother, subject_iins=[child], at=AT)
    deferred, answered = [], []
    services.query_deferred.connect(
        lambda pending, **kw: deferred.append(pending.pk), weak=False, dispatch_uid="t1"
    )
    services.query_answered.connect(
        lambda pending, answer, **kw: answered.append(answer), weak=False, dispatch_uid="t2"
    )
    try:
        failures.fail("population", "timeout", times=2)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            with pytest.raises(services.QueryDeferred) as exc:
                services.query_registry(
                    "population",
                    "identity",
                    mother,
                    actor=None,
                    case=7,
                    purpose="t",
                    consent=consent,
                    at=AT,
                    case_due_at=AT + dt.timedelta(days=10),
                )
        assert len(callbacks) == 1  # the retry is enqueued after commit
        pending = exc.value.pending
        assert deferred == [pending.pk] and pending.status == "waiting"
        assert pending.next_attempt_at == AT + dt.timedelta(seconds=10)
        # nothing is due before the back-off
        assert services.sweep(at=AT + dt.timedelta(seconds=5))["retried"] == 0
        p = services.retry_pending(pending.pk, at=AT + dt.timedelta(seconds=10))  # still down
        assert (
            p.status == "waiting" and p.attempts == 2 and p.next_attempt_at == AT + dt.timedelta(seconds=30)
        )
        result = services.sweep(at=AT + dt.timedelta(seconds=30))  # back
        assert result["answered"] == 1
        p.refresh_from_db()
        assert p.status == "answered" and p.result["value"]["iin"] == mother
        assert answered and answered[0].value.iin == mother
        outcomes = list(
            RegistryQuery.objects.filter(subject_iin=mother).order_by("id").values_list("outcome", "attempt")
        )
        assert outcomes == [("failed", 1), ("failed", 2), ("answered", 3)]
    finally:
        services.query_deferred.disconnect(dispatch_uid="t1")
        services.query_answered.disconnect(dispatch_uid="t2")


def test_without_deferral_the_error_is_raised_and_still_recorded(pop):
    _, mother = _child_and_mother(pop)
    consent = services.give_consent(recipient_iin=mother, at=AT)
    failures.fail("health", "error", times=1)
    with pytest.raises(RegistryUnavailable) as exc:
        services.query_registry(
            "health",
            "diseases",
            mother,
            actor=None,
            case=None,
            purpose="t",
            consent=consent,
            at=AT,
            defer=False,
        )
    assert not isinstance(exc.value, RegistryTimeout)
    assert RegistryQuery.objects.get(subject_iin=mother).outcome == Outcome.FAILED
    assert not PendingQuery.objects.exists()


def test_officer_is_warned_once_before_the_term_is_at_risk(pop):
    _, mother = _child_and_mother(pop)
    consent = services.give_consent(recipient_iin=mother, at=AT)
    failures.fail("courts", "error")
    due = dt.datetime(2026, 3, 13, 18, 30, tzinfo=ZoneInfo("Asia/Almaty"))  # a Friday
    with pytest.raises(services.QueryDeferred):
        services.query_registry(
            "courts",
            "decisions",
            mother,
            actor=None,
            case=9,
            purpose="t",
            consent=consent,
            at=AT,
            case_due_at=due,
        )
    warned = []
    services.query_at_risk.connect(
        lambda pending, **kw: warned.append(pending.pk), weak=False, dispatch_uid="t3"
    )
    try:
        assert services.warn_at_risk(at=AT) == []  # 9 working days left
        # Thursday 12.03: one working day left → warned, and only once
        thursday = dt.datetime(2026, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Almaty"))
        assert len(services.warn_at_risk(at=thursday)) == 1
        assert services.warn_at_risk(at=thursday + dt.timedelta(hours=1)) == []
        assert len(warned) == 1
    finally:
        services.query_at_risk.disconnect(dispatch_uid="t3")


def test_the_ledger_is_append_only(pop):
    _, mother = _child_and_mother(pop)
    consent = services.give_consent(recipient_iin=mother, at=AT)
    services.query_registry(
        "population", "identity", mother, actor=None, case=None, purpose="t", consent=consent, at=AT
    )
    row = RegistryQuery.objects.get()
    row.purpose = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        RegistryQuery.objects.all().delete()


def test_backoff_follows_the_registry_retry_settings(settings):
    settings.QAMQOR_REGISTRY_RETRY = {"BACKOFF_BASE_SECONDS": 5, "BACKOFF_MAX_SECONDS": 60}
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 9)] == [5, 10, 20, 40, 60, 60]
