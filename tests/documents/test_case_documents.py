"""The documents the case layer issues, from real cases of the shipped catalogue: each one in both
languages, its text read back from the PDF and compared with the case (names, IINs, dates dd.mm.yyyy,
grounds and their clauses), its hash in the move's event, the same document on a retry."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from pypdf import PdfReader

from helpers import MON, package
from qamqor.cases import actions as sv
from qamqor.cases.actions import issuing
from qamqor.cases.models import CaseEvent, Person
from qamqor.documents import registry, services
from qamqor.documents.models import IssuedDocument
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
MEETING = "parent-meeting-permission"
PERIOD = {"from": dt.date(2026, 3, 16), "until": dt.date(2026, 6, 15)}
HEARING_AT = MON + dt.timedelta(days=2, hours=5)  # Wednesday 04.03.2026 15:00
PLACE = "Астана қ., Білім басқармасы, 204-бөлме"


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def in_lang(world, lang):
    """The world's Marat as an applicant with an address, his account's language `lang`."""
    world.marat.language = lang
    world.marat.save(update_fields=["language"])
    for user, (last, first) in (
        (world.officer, ("Маманова", "Айгүл")),
        (world.operator, ("Операторова", "Жанар")),
    ):
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])
    applicant = Person.objects.create(
        iin=world.marat.iin,
        last_name="Жұмабаев",
        first_name="Марат",
        middle_name="Серікұлы",
        address="Астана қ., Қабанбай батыр даңғ. 21, 40-пәтер",
    )
    child = Person.objects.create(
        iin=make_iin(dt.date(2016, 2, 17), "male", 202), last_name="Жұмабаев", first_name="Әлихан"
    )
    return applicant, child


def meeting(world, applicant, child, channel="provider", documents=None, at=MON):
    state_corp = channel == "state_corp"
    return sv.submit_application(
        service_slug=MEETING,
        channel=channel,
        applicant=applicant,
        children=[child],
        provider=world.astana,
        office=world.office if state_corp else None,
        actor=world.operator if state_corp else world.officer,
        at=at,
        consent=True,
        documents=package(MEETING, channel) if documents is None else documents,
    )


def to_review(world, case):
    sv.register_at_provider(case, actor=world.officer, at=MON + dt.timedelta(minutes=5))
    sv.check_completeness(case, actor=world.officer, at=MON + dt.timedelta(hours=1))
    sv.start_review(case, actor=world.officer, at=MON + dt.timedelta(hours=2))


def issued(event: CaseEvent) -> IssuedDocument:
    """The document the event names, checked against its stored bytes."""
    ref = event.payload["document"]
    doc = IssuedDocument.objects.get(pk=ref["id"])
    data = services.document_bytes(doc)
    assert ref["sha256"] == doc.sha256 == hashlib.sha256(data).hexdigest()
    assert ref["code"] == doc.display_code and doc.owner_ref == f"application:{event.application_id}"
    return doc


def common_checks(text, doc, case, lang):
    assert registry.get(doc.kind).title_in(lang).split()[0] in text
    assert doc.display_code in text and case.applicant.full_name in text


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_permission_is_issued_with_the_result(world, files_dir, lang):
    applicant, child = in_lang(world, lang)
    case = meeting(world, applicant, child)
    to_review(world, case)
    sv.decide(case, actor=world.head, at=MON + dt.timedelta(hours=3))
    event = sv.issue_result(
        case, actor=world.officer, at=MON + dt.timedelta(hours=4), particulars={"period": PERIOD}
    )
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.organisation_code) == ("meeting_permission", lang, "astana-education")
    assert (doc.valid_from, doc.valid_until) == (PERIOD["from"], PERIOD["until"])
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert applicant.address in text and child.full_name in text
    assert "16.03.2026" in text and "15.06.2026" in text and "02.03.2026" in text
    assert world.astana.name(lang) in text
    assert "Маманова Айгүл" in text  # the officer who issued it


def test_a_retry_gives_the_same_document_and_issuing_again_the_same_bytes(world, files_dir):
    applicant, child = in_lang(world, "kk")
    case = meeting(world, applicant, child)
    to_review(world, case)
    sv.decide(case, actor=world.head, at=MON + dt.timedelta(hours=3))
    when = MON + dt.timedelta(hours=4)
    first = sv.issue_result(
        case, actor=world.officer, at=when, idempotency_key="r-1", particulars={"period": PERIOD}
    )
    again = sv.issue_result(
        case, actor=world.officer, at=when, idempotency_key="r-1", particulars={"period": PERIOD}
    )
    assert again.pk == first.pk and IssuedDocument.objects.count() == 1
    doc = issued(first)
    # the same step's document made again from the case: the first one, byte for byte
    repeat = issuing.issue_document(
        "issue_result", case, at=when, actor=world.officer, info={"particulars": {"period": PERIOD}}
    )
    assert repeat["document"] == first.payload["document"]
    assert services.document_bytes(
        IssuedDocument.objects.get(pk=repeat["document"]["id"])
    ) == services.document_bytes(doc)


def test_a_permission_without_a_period_still_gets_its_document(world, files_dir):
    """The official gave no period (the back office's form has none): the permission is made with the
    period's blanks empty, carries no validity bounds, and verifies."""
    from qamqor.documents import verification

    applicant, child = in_lang(world, "kk")
    case = meeting(world, applicant, child)
    to_review(world, case)
    sv.decide(case, actor=world.head, at=MON + dt.timedelta(hours=3))
    event = sv.issue_result(case, actor=world.officer, at=MON + dt.timedelta(hours=4))
    assert case.status == "result_issued" and "not_made" not in event.payload["document"]
    doc = issued(event)
    assert (doc.kind, doc.valid_from, doc.valid_until) == ("meeting_permission", None, None)
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, "kk")
    assert child.full_name in text and "02.03.2026" in text and "16.03.2026" not in text
    assert verification.verify_code(doc.code).status == "valid"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_state_corporation_signs_its_receipts(world, files_dir, lang):
    applicant, child = in_lang(world, lang)
    # an incomplete package: the annex 3 receipt lists what is missing, in the recipient's language
    bare = meeting(world, applicant, child, channel="state_corp", documents=[])
    event = sv.refuse_to_accept(bare, actor=world.operator, at=MON + dt.timedelta(minutes=10))
    doc = issued(event)
    assert (doc.kind, doc.organisation_code) == ("meeting_refusal_receipt", "astana-con-1")
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, bare, lang)
    version = sv.common.version_of(bare)
    for code in event.payload["missing_documents"]:
        name = next(d.name.get(lang) for d in version.documents if d.code == code)
        assert name[:40] in text
    assert world.office.address in text and "02.03.2026" in text
    # a complete one: the acceptance receipt, with the applicant's IIN and the case number
    case = meeting(world, applicant, child, channel="state_corp")
    event = sv.accept_at_front_office(case, actor=world.operator, at=MON + dt.timedelta(minutes=20))
    doc = issued(event)
    assert (doc.kind, doc.organisation_code, doc.lang) == ("acceptance_receipt", "astana-con-1", lang)
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert applicant.iin in text and world.office.address in text
    assert case.number in text.replace(" ", "")  # a long number may wrap


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_refusal_path_notice_hearing_record_and_motivated_refusal(world, files_dir, lang):
    applicant, child = in_lang(world, lang)
    case = meeting(world, applicant, child)
    to_review(world, case)
    evidence = "Сот шешімінің нөмірі сот тізілімінде жоқ."
    sv.decide(
        case,
        actor=world.officer,
        at=MON + dt.timedelta(hours=3),
        findings={"officer.false_documents": True},
        evidence={"officer.false_documents": evidence},
        hearing_at=HEARING_AT,
        hearing_place=PLACE,
    )
    notice_event = case.events.get(action="issue_preliminary_refusal")
    notice = issued(notice_event)
    version = sv.common.version_of(case)
    ground = next(g for g in version.grounds if g.code == "false_documents")
    text = text_of(services.document_bytes(notice))
    common_checks(text, notice, case, lang)
    assert "04.03.2026 15:00" in text and PLACE in text
    assert str(ground.citation.clause) in text and ground.citation.source in text and evidence in text
    assert ground.text.get(lang)[:30] in text

    event = sv.hold_hearing(
        case, actor=world.officer, at=HEARING_AT + dt.timedelta(hours=1), position="Келіспеймін."
    )
    record = issued(event)
    assert record.kind == "hearing_record"
    text = text_of(services.document_bytes(record))
    common_checks(text, record, case, lang)
    assert "Келіспеймін." in text and PLACE in text and "04.03.2026 15:00" in text

    sv.decide(case, actor=world.officer, at=HEARING_AT + dt.timedelta(hours=2))
    event = sv.issue_result(case, actor=world.officer, at=HEARING_AT + dt.timedelta(hours=3))
    refusal = issued(event)
    assert (refusal.kind, refusal.lang) == ("motivated_refusal", lang)
    text = text_of(services.document_bytes(refusal))
    common_checks(text, refusal, case, lang)
    assert ground.text.get(lang)[:30] in text and str(ground.citation.clause) in text and evidence in text
    assert "04.03.2026" in text  # the hearing it took into account
    # one document per step, each named by its own event
    assert [d.kind for d in issuing.documents_of(case)] == [
        "preliminary_refusal_notice",
        "hearing_record",
        "motivated_refusal",
    ]
    assert [e.action for e in issuing.document_events(case)] == [
        "issue_preliminary_refusal",
        "hold_hearing",
        "issue_result",
    ]


def test_submission_issues_nothing(world, files_dir):
    applicant, child = in_lang(world, "kk")
    meeting(world, applicant, child)
    assert IssuedDocument.objects.count() == 0 and list(files_dir.rglob("*.pdf")) == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_camp_referral_is_issued_with_the_portal_result(world, files_dir, lang):
    applicant, child = in_lang(world, lang)
    case = sv.submit_application(
        service_slug="camp-referral",
        channel="portal",
        applicant=applicant,
        children=[child],
        provider=world.astana,
        actor=world.marat,
        at=MON,
        facts={"child": {"category": "low_income"}},
        consent=True,
        documents=[{**d, "source": "uploaded"} for d in package("camp-referral", "portal")],
    )
    sv.check_completeness(case, actor=world.officer, at=MON + dt.timedelta(hours=1))
    sv.start_review(case, actor=world.officer, at=MON + dt.timedelta(hours=2))
    sv.decide(case, actor=world.officer, at=MON + dt.timedelta(hours=3))
    camp = {"name": "«Балауса» сауықтыру лагері", "address": "Бурабай ауданы"}
    period = {"from": dt.date(2026, 6, 1), "until": dt.date(2026, 6, 21)}
    event = sv.issue_result(
        case,
        actor=world.officer,
        at=MON + dt.timedelta(hours=4),
        particulars={"period": period, "camp": camp},
    )
    assert case.status == "delivered_to_cabinet"
    doc = issued(event)
    assert (doc.kind, doc.lang, doc.valid_until) == ("camp_referral", lang, period["until"])
    text = text_of(services.document_bytes(doc))
    common_checks(text, doc, case, lang)
    assert camp["name"] in text and child.full_name in text and "01.06.2026" in text and "21.06.2026" in text
