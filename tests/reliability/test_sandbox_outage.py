"""The sandboxes' outage switch (decision 0030): a registry or the SMS gateway down for a while, then
back. While down the case waits in "awaiting registry data" (never refused for it) and the message
waits out its back-off; after the return the query is answered once and the message sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qamqor.notifications import channels
from qamqor.notifications import services as notifications
from qamqor.notifications.models import Contact, DeliveryAttempt, SandboxOutbox
from qamqor.registries import recovery
from qamqor.registries import services as registries
from qamqor.registries.models import PendingQuery, RegistryQuery, SandboxOutage
from qamqor.registries.sandbox import failures, generate, use_population
from qamqor.registries.sandbox.outages import OutageRefused, set_outage
from qamqor.registries.types import RegistryTimeout

pytestmark = pytest.mark.django_db


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


def test_the_first_answer_after_an_outage_asks_the_other_waiting_queries_now(
    pop, django_capture_on_commit_callbacks, monkeypatch
):
    now = timezone.now()
    subject = pop.iin_of(10)
    consent = registries.give_consent(recipient_iin=subject, at=now - dt.timedelta(minutes=1))
    set_outage(["population"], 600)
    pending = []
    for minutes in (0, 1, 2):
        with pytest.raises(registries.QueryDeferred) as exc:
            registries.query_registry(
                "population", "identity", subject, actor=None, case=None, purpose="t", consent=consent, at=now
            )
        pending.append(exc.value.pending)
        PendingQuery.objects.filter(pk=exc.value.pending.pk).update(
            next_attempt_at=now + dt.timedelta(minutes=8 + minutes)  # grown back-off
        )
    _back_now("population")
    drains = []
    monkeypatch.setattr(recovery, "enqueue_drains", lambda kind, n: drains.append((kind, n)))
    with django_capture_on_commit_callbacks(execute=True):
        assert registries.retry_pending(pending[0].pk, at=now).status == "answered"
    # the two others are due now and one drain is queued for them (decision 0032), not a second
    # task per query beside each one's own retry, nor a wait of eight minutes
    rest = PendingQuery.objects.filter(pk__in=[p.pk for p in pending[1:]])
    assert all(p.next_attempt_at == now for p in rest)
    assert drains == [("population", 2)]
    assert recovery.drain("population") == {"counts": {"answered": 2}, "more": False}
    assert RegistryQuery.objects.filter(subject_iin=subject, outcome="answered").count() == 3


def _parked(pop, n, *, minutes_back_off=8):
    """`n` queries of the population register refused by the outage, each waiting out a back-off
    grown to minutes."""
    now = timezone.now()
    subject = pop.iin_of(12)
    consent = registries.give_consent(recipient_iin=subject, at=now - dt.timedelta(minutes=1))
    set_outage(["population"], 600)
    out = []
    for _ in range(n):
        with pytest.raises(registries.QueryDeferred) as exc:
            registries.query_registry(
                "population", "identity", subject, actor=None, case=None, purpose="t", consent=consent
            )
        out.append(exc.value.pending)
    PendingQuery.objects.update(next_attempt_at=now + dt.timedelta(minutes=minutes_back_off))
    return out


def test_the_probe_asks_one_waiting_query_of_a_silent_registry(
    pop, monkeypatch, django_capture_on_commit_callbacks
):
    parked = _parked(pop, 3)
    drains = []
    monkeypatch.setattr(recovery, "enqueue_drains", lambda kind, n: drains.append((kind, n)))
    failed_before = RegistryQuery.objects.filter(outcome="failed").count()
    assert recovery.probe() == {"population": "waiting"}  # still down: one call, not three
    assert RegistryQuery.objects.filter(outcome="failed").count() == failed_before + 1
    _back_now("population")
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.probe() == {"population": "answered"}
    assert PendingQuery.objects.get(pk=parked[0].pk).status == "answered"
    assert drains == [("population", 2)]
    # due now: a due query's own retry is the probe, nothing more is asked
    assert recovery.probe() == {}
    assert RegistryQuery.objects.filter(outcome="answered").count() == 1


def test_the_drain_stops_at_the_first_refusal(pop, settings):
    settings.QAMQOR_REGISTRY_RETRY = {"DRAIN_BATCH": 2}
    _parked(pop, 5, minutes_back_off=0)
    _back_now("population")
    assert recovery.drain("population") == {"counts": {"answered": 2}, "more": True}
    set_outage(["population"], 600)
    assert recovery.drain("population") == {"counts": {"failed": 1}, "more": False}
    assert PendingQuery.objects.filter(status="waiting").count() == 3


def test_an_sms_during_an_outage_is_sent_exactly_once_after_the_return():
    iin = "850808400129"
    Contact.objects.create(iin=iin, phone="+77011234567", sms=True, by_email=False)
    t0 = timezone.now()
    channels.set_sandbox_outage("sms", 600, now=t0)
    message = notifications.record_stage(
        recipient_iin=iin, case_ref=7, event_ref=1, stage="registered", at=t0, data={"number": "KZ-1"}
    )
    other = notifications.record_stage(
        recipient_iin=iin, case_ref=8, event_ref=2, stage="registered", at=t0, data={"number": "KZ-2"}
    )
    sms, other_sms = (m.deliveries.get(channel="sms") for m in (message, other))
    assert notifications.deliver(sms.pk, now=t0, worker="w1").status == "failed"
    later = t0 + dt.timedelta(seconds=notifications.backoff_seconds(1))
    assert notifications.deliver(sms.pk, now=later, worker="w1").status == "failed"  # still down
    for n in (0, 1):  # the other, sent later, has failed twice: its back-off has grown to a minute
        due = later + dt.timedelta(seconds=n * notifications.backoff_seconds(1))
        assert notifications.deliver(other_sms.pk, now=due, worker="w1").status == "failed"
    assert not SandboxOutbox.objects.exists()

    channels.SandboxSwitch.objects.filter(channel="sms").update(
        down_until=timezone.now() - dt.timedelta(seconds=1)
    )
    back = later + dt.timedelta(seconds=notifications.backoff_seconds(2))
    other_sms.refresh_from_db()
    assert other_sms.next_attempt_at > back  # its back-off would keep it waiting after the return
    outcome = notifications.deliver(sms.pk, now=back, worker="w2")
    assert outcome.status == "delivered" and outcome.attempts == 3
    # the other message no longer waits out its back-off, and a second run sends nothing again
    other_sms.refresh_from_db()
    assert other_sms.next_attempt_at == back
    assert notifications.deliver(other_sms.pk, now=back, worker="w2").status == "delivered"
    assert notifications.deliver(sms.pk, now=back, worker="w3").status == "already_delivered"
    assert list(SandboxOutbox.objects.filter(channel="sms").values_list("received_count", flat=True)) == [
        1,
        1,
    ]
    assert DeliveryAttempt.objects.filter(delivery=sms, ok=True).count() == 1
    assert DeliveryAttempt.objects.filter(delivery=sms, ok=False).count() == 2


def test_a_gateway_is_probed_with_one_message_and_drained_after_its_return(
    monkeypatch, django_capture_on_commit_callbacks
):
    iin = "850808400129"
    Contact.objects.create(iin=iin, phone="+77011234567", sms=True, by_email=False)
    t0 = timezone.now()
    channels.set_sandbox_outage("sms", 600, now=t0)
    sms = []
    for n in range(3):
        m = notifications.record_stage(
            recipient_iin=iin,
            case_ref=20 + n,
            event_ref=n,
            stage="registered",
            at=t0,
            data={"number": f"KZ-{n}"},
        )
        d = m.deliveries.get(channel="sms")
        assert notifications.deliver(d.pk, now=t0, worker="w1").status == "failed"
        sms.append(d)
    later = t0 + dt.timedelta(seconds=5)  # every message waits out its back-off: nothing is due
    assert notifications.probe(now=later) == {"sms": "failed"}  # one call, not three
    assert DeliveryAttempt.objects.filter(ok=False).count() == 4
    drains = []
    monkeypatch.setattr(notifications, "enqueue_drains", lambda channel, n: drains.append((channel, n)))
    channels.SandboxSwitch.objects.filter(channel="sms").update(
        down_until=timezone.now() - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.probe(now=later) == {"sms": "delivered"}
    assert drains == [("sms", 2)]
    assert notifications.probe(now=later) == {}  # the rest are due: their own tasks are the probe
    assert notifications.drain("sms", now=later) == {"counts": {"delivered": 2}, "more": False}
    assert SandboxOutbox.objects.filter(channel="sms").count() == 3
    assert DeliveryAttempt.objects.filter(ok=True).count() == 3


def test_the_switch_is_off_in_production_mode(settings, pop):
    set_outage(["population"], 600)
    channels.set_sandbox_outage("sms", 600)
    settings.QAMQOR_PRODUCTION = True
    with pytest.raises(OutageRefused):
        set_outage(["courts"], 60)
    with pytest.raises(channels.OutageRefused):
        channels.set_sandbox_outage("email", 60)
    # rows left from a demo are ignored: the registry answers, the gateway takes the message
    subject = pop.iin_of(10)
    consent = registries.give_consent(recipient_iin=subject, at=timezone.now() - dt.timedelta(minutes=1))
    answer = registries.query_registry(
        "population", "identity", subject, actor=None, case=None, purpose="t", consent=consent, defer=False
    )
    assert answer.value.iin == subject
    sent = channels.SandboxGateway().send(
        channels.Outgoing("sms", "+77011234567", "s", "b", "k-1", timezone.now())
    )
    assert sent.receipt.startswith("SBX-SMS-")


def test_an_unknown_registry_or_a_negative_time_is_refused():
    with pytest.raises(OutageRefused):
        set_outage(["land_registry"], 60)
    with pytest.raises(OutageRefused):
        set_outage(["courts"], -1)
    with pytest.raises(channels.OutageRefused):
        channels.set_sandbox_outage("cabinet", 60)
    assert not SandboxOutage.objects.exists()


def test_a_registry_down_by_timeout_answers_as_a_timeout(pop):
    subject = pop.iin_of(11)
    consent = registries.give_consent(recipient_iin=subject, at=timezone.now() - dt.timedelta(minutes=1))
    set_outage(["population"], 60, mode="timeout")
    with pytest.raises(RegistryTimeout) as refused:
        registries.query_registry(
            "population",
            "identity",
            subject,
            actor=None,
            case=None,
            purpose="t",
            consent=consent,
            defer=False,
        )
    assert "in time" in str(refused.value)
    assert RegistryQuery.objects.filter(subject_iin=subject, outcome="failed").count() == 1
