"""What the recipient is told along their case (issue 14): a message per stage that concerns them, in
their account's language; the preliminary-refusal notice with the hearing's time and place, whose
recorded delivery starts the objection term (catalog-format.md "Steps": hearing_objection counts from
the receipt of the preliminary decision, APC art. 73)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from helpers import at, receive_notices, to_review_at_state_corp
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import DeadlinePassed
from qamqor.cases.transitions import Status
from qamqor.notifications import services
from qamqor.notifications.models import Contact, Delivery, Message

from .test_lives import meeting


def stages(case) -> list[str]:
    return list(Message.objects.filter(case_ref=str(case.pk)).order_by("pk").values_list("stage", flat=True))


@pytest.mark.parametrize(
    ("lang", "registered", "handed"),
    [
        ("kk", "өтініші тіркелді", "нәтиже берілді"),
        ("ru", "зарегистрировано", "результат выдан"),
        ("en", "registered", "the result handed over"),
    ],
)
def test_each_stage_that_concerns_the_recipient_in_their_language(world, lang, registered, handed):
    w = world
    w.recipient.language = lang
    w.recipient.save()
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    sv.decide(case, actor=w.officer, at=at(2026, 2, 4))
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 4, 12))
    sv.hold_at_state_corp(case, actor=w.operator, at=at(2026, 2, 24, 10))
    sv.transfer_to_provider(case, actor=w.operator, at=at(2026, 3, 24, 10))
    sv.request_return(case, actor=w.operator, at=at(2026, 4, 10, 10))
    sv.resend_to_state_corp(case, actor=w.officer, at=at(2026, 4, 13, 15))
    sv.hand_over(case, actor=w.operator, on="identity_document", document_number="043", at=at(2026, 4, 14))
    # in transit, at the provider, completeness, review, return requested: internal, no message
    assert stages(case) == [
        "registered",
        "granted",
        "result_issued",
        "held_at_state_corp",
        "transferred_to_provider",
        "held_at_state_corp",
        "handed_over",
    ]
    msgs = list(Message.objects.filter(case_ref=str(case.pk)).order_by("pk"))
    assert {m.lang for m in msgs} == {lang}
    assert registered in msgs[0].subject and case.number in msgs[0].body
    assert handed in msgs[-1].subject
    # no custody end date is stated: the case's dates (26.03, the last day moved past Nauryz) and the
    # transfer's guard (24.03 10:00, a calendar month from the hand-in) do not agree yet
    assert case.number in msgs[3].body


def test_refused_to_accept_and_withdrawn_are_told(world):
    w = world
    expired_id = {"code": "identity_document", "source": "paper", "valid_until": dt.date(2026, 1, 31)}
    refused = meeting(w, "state_corp", at(2026, 2, 2, 10), documents=[expired_id])
    sv.refuse_to_accept(refused, actor=w.operator, at=at(2026, 2, 2, 10, 5))
    withdrawn = meeting(w, "provider", at(2026, 2, 2, 11))
    sv.register_at_provider(withdrawn, actor=w.officer, at=at(2026, 2, 2, 11, 5))
    sv.withdraw(withdrawn, actor=w.recipient, at=at(2026, 2, 2, 12))
    assert stages(refused) == ["refused_to_accept"]
    assert stages(withdrawn) == ["registered", "withdrawn"]


def _refuse(w, case, when):
    sv.decide(
        case,
        actor=w.officer,
        at=when,
        findings={"officer.false_documents": True},
        evidence={"officer.false_documents": "forged stamp"},
        hearing_at=at(2026, 2, 9, 11),
        hearing_place="Room 1, Abay ave. 10",
    )


def test_the_notice_gives_the_hearing_and_its_sms_delivery_starts_the_objection_term(world):
    w = world
    Contact.objects.create(iin=w.parent.iin, phone="+77011234567")
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    _refuse(w, case, at(2026, 2, 3, 16))
    notice = Message.objects.get(case_ref=str(case.pk), stage="preliminary_refusal")
    assert (
        notice.proof_required and "09.02.2026 11:00" in notice.body and "Room 1, Abay ave. 10" in notice.body
    )
    sms = notice.deliveries.get(channel="sms")
    cabinet = notice.deliveries.get(channel="cabinet")
    # the cabinet gets it at once; its placement there is no proof the recipient saw it
    services.deliver(cabinet.pk, now=at(2026, 2, 3, 16, 1))
    assert not case.events.filter(action="record_notice_delivery").exists()
    # the SMS gateway reports it delivered on Wednesday 04.02
    services.deliver(sms.pk, now=at(2026, 2, 4, 10))
    case.refresh_from_db()
    ev = case.events.get(action="record_notice_delivery")
    assert ev.actor is None and ev.payload["channel"] == "sms" and ev.at == at(2026, 2, 4, 10)
    assert ev.payload["receipt"] == Delivery.objects.get(pk=sms.pk).receipt
    assert ev.legal_basis["citations"][0]["clause"] == "art. 73"
    assert case.status == Status.PRELIMINARY_REFUSAL
    term = next(s for s in case.deadlines["steps"] if s["step"] == "hearing_objection")
    assert term["due"][:10] == "2026-02-06"  # two working days from 04.02, not from the sending (05.02)
    with pytest.raises(DeadlinePassed):
        sv.lapse_objection_term(case, at=at(2026, 2, 6, 17))
    sv.lapse_objection_term(case, at=at(2026, 2, 9, 9))
    assert case.status == Status.OBJECTION_TERM_LAPSED
    # a later opening in the cabinet changes nothing: the first recorded delivery counts
    services.mark_read(w.parent.iin, [notice.pk], at(2026, 2, 9, 10))
    assert case.events.filter(action="record_notice_delivery").count() == 1


def test_without_a_recorded_delivery_the_term_does_not_lapse_and_opening_the_cabinet_counts(world):
    w = world
    case = meeting(w, "state_corp", at(2026, 2, 2, 10))
    to_review_at_state_corp(w, case)
    _refuse(w, case, at(2026, 2, 3, 16))
    with pytest.raises(DeadlinePassed) as exc:
        sv.lapse_objection_term(case, at=at(2026, 2, 20, 9))
    assert exc.value.code == "notice_not_delivered"
    receive_notices(case, at(2026, 2, 5, 18))  # the recipient opens it on Thursday evening
    ev = case.events.get(action="record_notice_delivery")
    assert ev.payload["channel"] == "cabinet"
    with pytest.raises(DeadlinePassed):  # 05.02 + two working days: through Monday 09.02
        sv.lapse_objection_term(case, at=at(2026, 2, 9, 17))
    sv.lapse_objection_term(case, at=at(2026, 2, 10, 9))


def test_a_rolled_back_move_leaves_no_message_and_queues_nothing(world, django_capture_on_commit_callbacks):
    w = world
    case = meeting(w, "provider", at(2026, 2, 2, 10))

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
            raise Boom
    assert callbacks == [] and stages(case) == []
    with django_capture_on_commit_callbacks() as callbacks:
        sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 6))
    assert len(callbacks) == 1 and stages(case) == ["registered"]
