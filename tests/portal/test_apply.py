"""Applying on the portal step by step (issue 13): the draft kept server-side, scans checked by
content, a refused file changing nothing, the submission through `cases.actions.submit` (the API's
step) with the draft's key, the confirmation with the expected date and why; the issued documents'
downloads on the status page are the stored bytes."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
import time_machine
from django.test import Client

from qamqor.rules.calendar import ALMATY
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db

CHILD = make_iin(dt.date(2015, 3, 9), "female", 77)
EVENING = dt.datetime(2026, 3, 2, 19, 0, tzinfo=ALMATY)  # Monday, after the portal's working hours


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def pdf_file(name="scan.pdf") -> io.BytesIO:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(100, 100)
    buf = io.BytesIO()
    w.write(buf)
    buf.seek(0)
    buf.name = name
    return buf


def png_file(name="photo.png") -> io.BytesIO:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    buf.seek(0)
    buf.name = name
    return buf


def client(user, lang="en") -> Client:
    c = Client()
    c.cookies["django_language"] = lang
    c.force_login(user)
    return c


URL = "/portal/services/camp-referral/apply/"


def walk_to_documents(c) -> None:
    r = c.get(URL)
    assert r.status_code == 302 and r["Location"].endswith("/apply/provider/")
    assert c.post(URL + "provider/", {"provider": "astana-education"}).status_code == 302
    assert (
        c.post(URL + "child/", {"iin": CHILD, "last_name": "Сейітова", "first_name": "Дана"}).status_code
        == 302
    )
    assert c.post(URL + "questions/", {"f-child-category": "low_income"}).status_code == 302
    assert c.post(URL + "consent/", {"consent": "yes"}).status_code == 302


def test_apply_step_by_step_after_hours_gives_the_date_and_why(demo):
    from qamqor.cases.models import Application

    aliya = demo("recipient-aliya")
    c = client(aliya)
    with time_machine.travel(EVENING, tick=False):
        walk_to_documents(c)
        page = text(c.get(URL + "documents/"))
        assert "Form 071/у" in page or "071/у" in page
        assert "Documents on income received" in page  # the condition over the answer (low income)
        assert "targeted social assistance" not in page.split("Upload your documents")[1].split("Continue")[0]
        r = c.post(
            URL + "documents/",
            {
                "file-medical_certificate_071u": pdf_file(),
                "file-status_income_documents": png_file(),
                "action": "continue",
            },
        )
        assert r.status_code == 302 and r["Location"].endswith("/apply/check/")
        check = text(c.get(URL + "check/"))
        assert "scan.pdf" in check and "photo.png" in check and CHILD in check
        before = Application.objects.count()
        r = c.post(URL + "check/")
        assert r.status_code == 302
        case = Application.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-2]))
        done = text(c.get(r["Location"]))
        again = c.post(URL + "check/")
    assert Application.objects.count() == before + 1
    assert case.channel == "portal" and case.status == "registered" and case.consent
    assert case.facts == {"child": {"category": "low_income"}}
    assert sorted(case.documents.values_list("code", flat=True)) == [
        "medical_certificate_071u",
        "status_income_documents",
    ]
    # the same step as the API: submitted with the draft's key, registered by the system at once;
    # then the registries are asked with the application's consent (decision 0029)
    assert case.idempotency_key.startswith("portal-draft-")
    assert list(case.events.values_list("action", flat=True)) == [
        "submit",
        "register_on_portal",
        "collect_registry_data",
    ]
    assert case.registered_on == dt.date(2026, 3, 3)  # after hours: the next working day
    assert case.number in done and case.due_date.strftime("%d.%m.%Y") in done
    assert "03.03.2026" in done and "Why this date" in done
    # the draft is gone; a second click cannot file twice
    assert again.status_code == 302 and again["Location"].endswith("/apply/provider/")
    assert Application.objects.count() == before + 1


def test_a_refused_file_changes_nothing_and_says_why_in_the_users_language(demo):
    from qamqor.documents.models import Upload

    c = client(demo("recipient-aliya"), "ru")
    walk_to_documents(c)
    assert (
        c.post(
            URL + "documents/", {"file-medical_certificate_071u": pdf_file(), "action": "upload"}
        ).status_code
        == 200
    )
    uploads = Upload.objects.count()
    fake = io.BytesIO(b"MZ\x90\x00 not a scan")
    fake.name = "virus.pdf"
    r = c.post(
        URL + "documents/",
        {
            "file-status_income_documents": fake,
            "file-medical_certificate_071u": png_file(),
            "action": "continue",
        },
    )
    assert r.status_code == 400
    assert "Принимаются только файлы PDF, JPEG и PNG" in text(r) or "PDF, JPEG" in text(r)
    assert Upload.objects.count() == uploads  # the good file of the same post was not taken either
    # what was acknowledged before is kept
    assert "scan.pdf" in text(c.get(URL + "documents/"))
    # continuing without a required document is refused
    r = c.post(URL + "documents/", {"action": "continue"})
    assert r.status_code == 400


def test_steps_cannot_be_skipped_and_bad_answers_are_refused(demo):
    c = client(demo("recipient-aliya"))
    r = c.get(URL + "check/")
    assert r.status_code == 302 and r["Location"].endswith("/apply/provider/")
    assert c.post(URL + "provider/", {"provider": "no-such"}).status_code == 400
    c.post(URL + "provider/", {"provider": "astana-education"})
    assert c.post(URL + "child/", {"iin": "123", "last_name": "", "first_name": "x"}).status_code == 400
    c.post(URL + "child/", {"iin": CHILD, "last_name": "A", "first_name": "B"})
    assert c.post(URL + "questions/", {"f-child-category": "rich"}).status_code == 400
    c.post(URL + "questions/", {"f-child-category": "low_income"})
    r = c.post(URL + "consent/", {"consent": "no"})
    assert r.status_code == 400 and "cannot be provided without it" in text(r)
    # staff do not apply on the portal
    assert client(demo("astana-officer")).get(URL).status_code == 403


def test_the_answers_of_can_i_apply_fill_the_questions(demo):
    c = client(demo("recipient-aliya"))
    c.post(
        "/portal/services/camp-referral/check/",
        {"f-child-category": "orphan_in_family", "consent": "yes", "channel": "portal"},
    )
    c.post(URL + "provider/", {"provider": "astana-education"})
    c.post(URL + "child/", {"iin": CHILD, "last_name": "A", "first_name": "B"})
    body = c.get(URL + "questions/").content.decode()
    assert re.search(r'value="orphan_in_family"\s+checked', body)


def test_status_page_lists_the_issued_documents_with_the_stored_bytes(demo):
    from qamqor.cases.actions.issuing import documents_of
    from qamqor.cases.models import Application
    from qamqor.documents import services

    aliya = demo("recipient-aliya")
    case = next(
        a
        for a in Application.objects.filter(applicant__iin=aliya.iin, status="delivered_to_cabinet")
        if documents_of(a).exists()
    )
    doc = documents_of(case).last()
    body = client(aliya).get(f"/portal/applications/{case.pk}/").content.decode()
    link = f"/portal/applications/{case.pk}/documents/{doc.display_code}.pdf"
    assert link in body and f"/verify/{doc.display_code}" in body
    r = client(aliya).get(link)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content == services.document_bytes(doc)
    # another recipient: 404, as for a missing case
    assert client(demo("recipient-marat")).get(link).status_code == 404
    # the back office of the provider sees the same bytes
    officer = client(demo("astana-officer"))
    r = officer.get(f"/backoffice/cases/{case.pk}/documents/{doc.display_code}.pdf")
    assert r.status_code == 200 and r.content == services.document_bytes(doc)


def test_answers_changed_after_the_uploads_cannot_file_an_incomplete_package(demo):
    """Back from "check your answers" to the questions, a new answer needs another document: the
    application is not filed until it is uploaded (nothing written)."""
    from qamqor.cases.models import Application

    c = client(demo("recipient-aliya"))
    walk_to_documents(c)
    c.post(
        URL + "documents/",
        {
            "file-medical_certificate_071u": pdf_file(),
            "file-status_income_documents": png_file(),
            "action": "continue",
        },
    )
    assert c.get(URL + "check/").status_code == 200
    r = c.post(URL + "questions/?back=check", {"f-child-category": "targeted_social_assistance"})
    assert r["Location"].endswith("/apply/check/")
    before = Application.objects.count()
    r = c.post(URL + "check/")
    assert r.status_code == 400 and "social assistance" in text(r)
    assert Application.objects.count() == before
