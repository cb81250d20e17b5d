"""The pages: a recipient files a complaint from the status page of their case; the reviewer's
queue marks the overdue one and the reviewer answers from the complaint's page; the contact centre's
page tells the status for the right IIN and refuses a wrong one as a missing number."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from complaints.conftest import details
from helpers import at
from qamqor.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def test_file_from_the_status_page_then_answer_from_the_queue(refused):
    w = refused
    me = signed_in(w.recipient)
    with time_machine.travel(at(2026, 3, 19, 15), tick=False):
        status = me.get(f"/portal/applications/{w.case.pk}/")
        assert (
            status.status_code == 200 and f"/portal/applications/{w.case.pk}/complaints/new/" in status.text
        )
        form = me.get(f"/portal/applications/{w.case.pk}/complaints/new/")
        assert form.status_code == 200 and "authorised body" in form.text
        bad = me.post(f"/portal/applications/{w.case.pk}/complaints/new/", {"route": "provider_head"})
        assert bad.status_code == 400 and not Complaint.objects.exists()
        r = me.post(
            f"/portal/applications/{w.case.pk}/complaints/new/",
            {"route": "provider_head", "subject": f"decision:{w.refusal.pk}", "text": "Wrong.", **details()},
        )
        assert r.status_code == 302, r.content[:500]
        c = Complaint.objects.get()
        page = me.get(r["Location"])
        assert page.status_code == 200 and "27.03.2026" in page.text and "§13 para 4" in page.text
        assert signed_in(w.other_recipient).get(r["Location"]).status_code == 404
    with time_machine.travel(at(2026, 3, 30, 10), tick=False):
        reviewer = signed_in(w.reviewer)
        q = reviewer.get("/backoffice/complaints/")
        assert q.status_code == 200 and c.number in q.text and "overdue" in q.text
        signed_in(w.officer).post(
            f"/backoffice/complaints/{c.pk}/steps/forward_complaint/", {"version": c.version}
        )
        c.refresh_from_db()
        assert c.status == "in_review"
        stale = reviewer.post(
            f"/backoffice/complaints/{c.pk}/steps/answer_complaint/",
            {"version": 1, "outcome": "rejected", "reasoning": "It holds."},
        )
        assert stale.status_code == 409
        ok = reviewer.post(
            f"/backoffice/complaints/{c.pk}/steps/answer_complaint/",
            {"version": c.version, "outcome": "rejected", "reasoning": "It holds."},
        )
        assert ok.status_code == 302
        c.refresh_from_db()
        assert c.status == "answered"
        mine = me.get(f"/portal/complaints/{c.pk}/")
        assert "annex 2 row 9 item 1" in mine.text and "Take the complaint further" in mine.text


def test_contact_centre_page(refused):
    w = refused
    cc = signed_in(w.contact)
    ok = cc.post("/backoffice/contact-centre/", {"number": w.case.number, "iin": w.parent.iin})
    assert ok.status_code == 200 and w.parent.iin not in ok.text and w.parent.last_name not in ok.text
    wrong = cc.post("/backoffice/contact-centre/", {"number": w.case.number, "iin": w.other_person.iin})
    missing = cc.post("/backoffice/contact-centre/", {"number": "QMQ-NONE", "iin": w.parent.iin})
    assert wrong.status_code == missing.status_code == 404
    assert "No application with this number for this IIN." in wrong.text and "No application" in missing.text
    assert signed_in(w.officer).get("/backoffice/contact-centre/").status_code == 403


def test_overdue_complaints_show_on_the_work_queue(refused):
    from qamqor.complaints import actions as ca

    w = refused
    ca.file_complaint(
        w.case, actor=w.recipient, route="provider_head", channel="portal", text="x", decision=w.refusal,
        at=at(2026, 3, 19, 15), **details(),
    )  # fmt: skip
    with time_machine.travel(at(2026, 3, 26, 10), tick=False):
        assert "overdue" not in signed_in(w.officer).get("/backoffice/").text.split("<main")[1].split("<form")[0]
    with time_machine.travel(at(2026, 3, 30, 10), tick=False):
        page = signed_in(w.officer).get("/backoffice/")
        assert page.status_code == 200 and "1 complaint is overdue." in page.text
