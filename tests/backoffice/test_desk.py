"""The State Corporation desk (issue 13): the counter's submission with the office-hours check, the
receipts printed from the case page, the custody shelf with its one-month clock, the hand-over
recorded, the transfer refused before the term."""

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

APPLICANT = make_iin(dt.date(1985, 1, 20), "male", 55)
CHILD = make_iin(dt.date(2017, 4, 2), "female", 56)
ACCEPT = "/backoffice/desk/accept/parent-meeting-permission/"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def client(user, lang="en") -> Client:
    c = Client()
    c.cookies["django_language"] = lang
    c.force_login(user)
    return c


def counter_form(**kw) -> dict:
    data = {
        "provider": "astana-education",
        "applicant_iin": APPLICANT,
        "applicant_last_name": "Омаров",
        "applicant_first_name": "Ерлан",
        "child_iin": CHILD,
        "child_last_name": "Омарова",
        "child_first_name": "Дина",
        "documents": ["identity_document"],  # the court decision is missing
        "consent": "on",
    }
    data.update(kw)
    return data


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def test_counter_submission_then_refusal_receipt_lists_the_missing_document(demo, office_hours):
    from qamqor.cases.models import Application

    operator = client(demo("astana-operator"))
    assert "parent-meeting-permission" in operator.get("/backoffice/desk/").content.decode()
    r = operator.post(ACCEPT, counter_form())
    assert r.status_code == 302
    case = Application.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert case.channel == "state_corp" and case.status == "submitted"
    assert case.office.code == "astana-con-1" and case.submitted_by.username == "astana-operator"
    page = operator.get(r["Location"]).content.decode()
    assert "/actions/refuse_to_accept/" in page and "/actions/accept_at_front_office/" in page
    # accepting an incomplete package is possible (the receipt of acceptance lists what was
    # presented); here the operator refuses, and the receipt lists what is missing
    r = operator.post(f"/backoffice/cases/{case.pk}/actions/refuse_to_accept/", {"version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "refused_to_accept"
    body = operator.get(f"/backoffice/cases/{case.pk}/").content.decode()
    code = re.search(r"/backoffice/cases/\d+/documents/([A-Z0-9-]+)\.pdf", body).group(1)
    receipt = operator.get(f"/backoffice/cases/{case.pk}/documents/{code}.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    words = re.sub(r"\s+", " ", pdf_text(receipt.content))
    assert "Ата-ана құқықтарынан айыру туралы сот шешімі" in words  # the missing document, by name
    assert "Жеке басын" not in words.split("Ата-ана құқықтарынан айыру туралы сот шешімі")[0][-200:]


def test_the_counter_is_closed_after_hours_and_nothing_is_filed(demo):
    from qamqor.cases.models import Application, Person

    before = (Application.objects.count(), Person.objects.count())
    with time_machine.travel(dt.datetime(2026, 3, 2, 21, 0, tzinfo=ALMATY), tick=False):
        r = client(demo("astana-operator"), "ru").post(ACCEPT, counter_form())
    assert r.status_code == 400
    assert "закрыт" in text(r).lower() or "closed" in text(r).lower()
    assert (Application.objects.count(), Person.objects.count()) == before


def test_desk_is_for_operators_and_bad_input_changes_nothing(demo, office_hours):
    from qamqor.cases.models import Application

    assert client(demo("astana-officer")).get("/backoffice/desk/").status_code == 403
    assert client(demo("recipient-aliya")).get("/backoffice/desk/shelf/").status_code == 403
    before = Application.objects.count()
    r = client(demo("astana-operator")).post(ACCEPT, counter_form(applicant_iin="000000000000", child_iin=""))
    assert r.status_code == 400
    assert Application.objects.count() == before


def test_shelf_shows_the_custody_clock_and_hand_over_is_recorded(demo):
    from qamqor.cases.models import Application

    operator = demo("astana-operator")
    held = Application.objects.filter(office__code="astana-con-1", status="held_at_state_corp").first()
    body = text(client(operator).get("/backoffice/desk/shelf/"))
    assert held.number in body
    from dateutil.relativedelta import relativedelta

    ends = held.custody_started_at.astimezone(ALMATY) + relativedelta(
        months=1
    )  # `003` §11, the catalogue's step
    assert f"{ends:%d.%m.%Y %H:%M}" in body and "1 month" in body
    # transfer before the month: refused, nothing changes
    c = client(operator)
    r = c.post(f"/backoffice/cases/{held.pk}/actions/transfer_to_provider/", {"version": held.version})
    assert r.status_code == 400
    held.refresh_from_db()
    assert held.status == "held_at_state_corp"
    # hand over on a power of attorney: the representative is required, then recorded
    r = c.post(
        f"/backoffice/cases/{held.pk}/actions/hand_over/",
        {
            "version": held.version,
            "hand_over-on": "notarised_power_of_attorney",
            "hand_over-document_number": "PoA-7",
        },
    )
    assert r.status_code == 400
    r = c.post(
        f"/backoffice/cases/{held.pk}/actions/hand_over/",
        {
            "version": held.version,
            "hand_over-on": "notarised_power_of_attorney",
            "hand_over-document_number": "PoA-7",
            "hand_over-representative": "Сейітов Б.",
        },
    )
    assert r.status_code == 302
    event = held.events.order_by("-seq").first()
    assert event.action == "hand_over" and event.payload["representative"] == "Сейітов Б."
    assert (
        event.payload["on"] == "notarised_power_of_attorney" and event.payload["document_number"] == "PoA-7"
    )


def test_decide_form_asks_only_the_judgement_findings_decide_takes():
    """`actions.decide` takes `officer.*` findings; another fact an official may establish
    (legal capacity…) goes through "record findings" first, so the decide form does not offer it."""
    from qamqor.backoffice.forms import make_form
    from qamqor.catalog import active_catalog

    version = active_catalog().service("guardianship-establishment").version_on(dt.date(2026, 12, 3))
    decide = make_form("decide", version)
    record = make_form("record_findings", version)
    assert "finding-applicant-legal_capacity" in record.fields
    assert "finding-applicant-legal_capacity" not in decide.fields
    assert all(f.startswith(("finding-officer-", "evidence-officer-", "hearing_")) for f in decide.fields)
