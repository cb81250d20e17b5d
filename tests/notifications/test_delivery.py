"""Delivery of notifications: texts per stage in three languages, retries after a gateway failure with
exactly one success recorded, a killed worker that does not make the recipient get a message twice,
and nothing sent for a rolled-back stage (issue 14; docs/decisions/0023-notifications.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from qamqor.notifications import channels, services, texts
from qamqor.notifications.models import Contact, Delivery, DeliveryAttempt, Message, SandboxOutbox
from qamqor.rules.calendar import ALMATY

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
IIN = "850808400129"
DATA = {
    "number": "KZ-2026-000123",
    "service": {"kk": "Кездесуге рұқсат", "ru": "Разрешение на встречу", "en": "Meeting permission"},
    "hearing_at": "2026-03-05T11:00:00+05:00",
    "hearing_place": "Room 7",
}


def _tasks():
    return DBTaskResult.objects.filter(task_path__endswith="deliver_notification")


def _message(stage="registered", event_ref=1, **kw) -> Message:
    Contact.objects.update_or_create(iin=IIN, defaults={"phone": "+77011234567", "email": "a@example.kz"})
    return services.record_stage(
        recipient_iin=IIN, case_ref=7, event_ref=event_ref, stage=stage, at=T0, data=DATA, **kw
    )


def _sms(message) -> Delivery:
    return message.deliveries.get(channel="sms")


@pytest.mark.parametrize("stage", sorted(texts.SUBJECTS))
def test_every_stage_has_its_message_in_kazakh_russian_and_english(stage):
    made = {lang: texts.compose(stage, lang, DATA) for lang in texts.LANGS}
    assert len({s for s, _ in made.values()}) == 3 and len({b for _, b in made.values()}) == 3, made
    for lang, (subject, body) in made.items():
        assert DATA["number"] in subject and DATA["number"] in body
        assert "%(" not in subject + body
        if "service" in str(texts.BODIES[stage]):
            assert DATA["service"][lang] in body
    if stage == "preliminary_refusal":  # the notice gives the hearing's time and place (003 §9)
        for _subject, body in made.values():
            assert "05.03.2026 11:00" in body and "Room 7" in body
    assert texts.compose(stage, "de", DATA) == made["kk"]  # not one of ours: Kazakh


@pytest.mark.django_db
def test_a_message_goes_by_every_channel_the_recipient_has_in_their_language(django_user_model):
    django_user_model.objects.create(username="r", role="recipient", iin=IIN, language="ru")
    m = _message()
    assert m.lang == "ru" and m.subject == "Заявление KZ-2026-000123 зарегистрировано"
    assert sorted(m.deliveries.values_list("channel", flat=True)) == ["cabinet", "email", "sms"]
    Contact.objects.filter(iin=IIN).update(sms=False, email="")
    other = services.record_stage(
        recipient_iin=IIN, case_ref=7, event_ref=2, stage="granted", at=T0, data=DATA
    )
    assert list(other.deliveries.values_list("channel", flat=True)) == ["cabinet"]  # the cabinet always
    assert (
        services.record_stage(recipient_iin=IIN, case_ref=7, event_ref=3, stage="in_review", at=T0, data=DATA)
        is None
    )  # an internal step tells the recipient nothing


@pytest.mark.django_db
def test_delivery_after_a_gateway_failure_records_exactly_one_success(django_capture_on_commit_callbacks):
    channels.set_sandbox_failures("sms", fail_next=1)
    m = _message()
    sms = _sms(m)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.deliver(sms.pk, now=T0, worker="w1")
    assert first.status == "failed" and first.attempts == 1
    assert first.retry_at == T0 + dt.timedelta(seconds=30)  # rules.retry: base 30 s, doubling
    retry = _tasks().order_by("-enqueued_at").first()
    assert retry.args_kwargs["args"] == [sms.pk] and retry.run_after == first.retry_at
    assert services.deliver(sms.pk, now=T0 + dt.timedelta(seconds=10), worker="w2").status == "not_due"
    done = services.deliver(sms.pk, now=first.retry_at, worker="w2")
    assert done.status == "delivered"
    again = services.deliver(sms.pk, now=first.retry_at + dt.timedelta(minutes=5), worker="w3")
    assert again.status == "already_delivered"
    attempts = DeliveryAttempt.objects.filter(delivery=sms).order_by("at")
    assert [(a.ok, a.worker) for a in attempts] == [(False, "w1"), (True, "w2")]
    assert "unavailable" in attempts[0].error
    sms.refresh_from_db()
    assert sms.status == "delivered" and sms.attempts == 2 and sms.delivered_at == first.retry_at
    assert SandboxOutbox.objects.filter(channel="sms").count() == 1
    assert SandboxOutbox.objects.get(channel="sms").received_count == 1


@pytest.mark.django_db
def test_a_second_success_cannot_be_recorded():
    """The partial unique constraint: one successful attempt per delivery, whatever the code does."""
    from django.db import IntegrityError

    sms = _sms(_message())
    services.deliver(sms.pk, now=T0, worker="w1")
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryAttempt.objects.create(delivery=sms, at=T0, worker="rogue", ok=True)


@pytest.mark.django_db
def test_the_sandbox_gateway_deduplicates_on_the_key():
    out = channels.Outgoing("sms", "+77011234567", "s", "b", "qamqor-1-sms", T0)
    gw = channels.SandboxGateway()
    a = gw.send(out)
    b = gw.send(
        channels.Outgoing("sms", "+77011234567", "s", "b", "qamqor-1-sms", T0 + dt.timedelta(hours=1))
    )
    assert a == b  # the first receipt and moment
    row = SandboxOutbox.objects.get()
    assert row.received_count == 2
    gw.send(channels.Outgoing("sms", "+77011234567", "s", "b", "qamqor-2-sms", T0))
    assert SandboxOutbox.objects.count() == 2


class Killed(BaseException):
    """The worker process dying: nothing after the send runs."""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_sending_does_not_make_the_recipient_get_it_twice(monkeypatch):
    from qamqor.monitoring.leases import reclaim_orphans

    with time_machine.travel(T0, tick=False):
        with transaction.atomic():  # the stage commits: its delivery tasks are enqueued at commit
            m = _message()
        sms = _sms(m)
        task = _tasks().get(args_kwargs__args=[sms.pk])
        # worker A takes the task (as django-tasks-db's worker does) and sends, then dies
        DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING", started_at=T0, worker_ids=["A"])
        real_send = channels.SandboxGateway.send

        def send_then_die(self, out):
            real_send(self, out)
            raise Killed

        monkeypatch.setattr(channels.SandboxGateway, "send", send_then_die)
        with pytest.raises(Killed):
            services.deliver(sms.pk, worker="A")
        monkeypatch.setattr(channels.SandboxGateway, "send", real_send)
    assert SandboxOutbox.objects.get(channel="sms").received_count == 1  # it did go out
    sms.refresh_from_db()
    assert sms.status == "pending" and sms.claimed_by == "A"
    # while A's lease runs, nobody sends again
    assert services.deliver(sms.pk, now=T0 + dt.timedelta(seconds=20), worker="B").status == "busy"
    # A never beats: the task lease (monitoring.leases, decision 0017) gives the task back
    assert reclaim_orphans(now=T0 + dt.timedelta(seconds=31)) == [str(task.pk)]
    # once the delivery's claim has run out, another worker runs every queued task
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        call_command(
            "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload", verbosity=0
        )
    sms.refresh_from_db()
    assert sms.status == "delivered"
    assert DeliveryAttempt.objects.filter(delivery=sms, ok=True).count() == 1
    gateway = SandboxOutbox.objects.get(channel="sms")  # one message; the resend was recognised
    assert gateway.received_count == 2 and sms.receipt == gateway.receipt
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.worker_ids[0] == "A" and len(task.worker_ids) == 2
    assert Delivery.objects.filter(message=m, status="delivered").count() == 3  # cabinet, sms, e-mail


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_or_sent_when_the_stage_rolls_back():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        _message()
        raise Boom
    assert not Message.objects.exists() and not _tasks().exists()
    with transaction.atomic():
        _message()
    assert _tasks().count() == 3  # the control: a committed stage queues its three deliveries


@pytest.mark.django_db
def test_catch_up_delivers_what_is_due_and_unclaimed():
    m = _message()
    sms = _sms(m)
    services.claim(sms.pk, now=T0 + dt.timedelta(minutes=2), worker="live")
    counts = services.catch_up(now=T0 + dt.timedelta(minutes=2, seconds=5))
    assert counts == {"delivered": 2}  # the cabinet and the e-mail; the SMS is held by a live worker
    assert services.catch_up(now=T0 + dt.timedelta(minutes=5)) == {"delivered": 1}


@pytest.mark.django_db
def test_e_mail_through_django_s_backend_carries_the_dedup_key(settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.QAMQOR_NOTIFICATIONS = {
        **settings.QAMQOR_NOTIFICATIONS,
        "EMAIL": "qamqor.notifications.channels.SmtpEmail",
    }
    email = _message().deliveries.get(channel="email")
    assert services.deliver(email.pk, now=T0).status == "delivered"
    (sent,) = mail.outbox
    assert sent.to == ["a@example.kz"] and DATA["number"] in sent.subject
    assert sent.extra_headers["Message-ID"] == f"<{email.dedup_key}@qamqor.local>"
    settings.EMAIL_BACKEND = "qamqor.no.such.Backend"  # a backend that cannot send: a failed attempt
    other = services.record_stage(
        recipient_iin=IIN, case_ref=7, event_ref=9, stage="granted", at=T0, data=DATA
    )
    assert services.deliver(other.deliveries.get(channel="email").pk, now=T0).status == "failed"
