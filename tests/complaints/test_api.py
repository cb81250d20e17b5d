"""The complaint endpoints and the contact centre's: file from the case, the reviewer's queue by due
date with overdue marks, the steps, and the lookup's refusal of a wrong IIN (404, as not found)."""

from __future__ import annotations

import pytest
import time_machine

from complaints.conftest import details
from helpers import at

pytestmark = pytest.mark.django_db


def test_file_queue_answer_over_the_api(refused, client_for):
    w = refused
    with time_machine.travel(at(2026, 3, 19, 15), tick=False):
        r = client_for(w.recipient).post(
            f"/api/v1/applications/{w.case.pk}/complaints/",
            {"route": "provider_head", "text": "Wrong refusal.", "decision": w.refusal.pk, **details()},
            format="json",
        )
        assert r.status_code == 201, r.content
        c = r.json()
        assert c["forward_due"] == "2026-03-27" and c["status"] == "filed" and c["subject"] == "decision"
        stranger = client_for(w.other_recipient).get(f"/api/v1/complaints/{c['id']}/")
        assert stranger.status_code == 404
        bad = client_for(w.recipient).post(
            f"/api/v1/applications/{w.case.pk}/complaints/", {"route": "akimat_head", "text": "x", **details()},
            format="json",
        )  # fmt: skip
        assert bad.status_code == 400 and bad.json()["code"] == "route"
    with time_machine.travel(at(2026, 3, 30, 10), tick=False):  # past the forwarding term
        q = client_for(w.reviewer).get("/api/v1/complaints/").json()
        assert q["overdue"] == 1 and q["results"][0]["overdue"] is True
        fw = client_for(w.officer).post(f"/api/v1/complaints/{c['id']}/forward/", {}, format="json")
        assert fw.status_code == 200 and fw.json()["status"] == "in_review"
        a = client_for(w.reviewer).post(
            f"/api/v1/complaints/{c['id']}/answer/", {"reasoning": "The ground holds."}, format="json"
        )
        assert a.status_code == 200, a.content
        body = a.json()
        assert (
            body["status"] == "answered" and body["answer"]["grounds"] and body["answer"]["document"]["code"]
        )
        assert body["court"]["citations"][0]["clause"] == "§13 para 8"


def test_an_illegal_satisfaction_is_refused_with_400(refused, client_for):
    from qamqor.complaints import actions as ca

    w = refused
    c = ca.file_complaint(
        w.case, actor=w.recipient, route="provider_head", channel="portal", text="x", decision=w.refusal,
        at=at(2026, 3, 19, 15), **details(),
    )  # fmt: skip
    r = client_for(w.head).post(f"/api/v1/complaints/{c.pk}/satisfy/", {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "grounds_fire"
    c.refresh_from_db()
    assert c.status == "filed"


def test_contact_centre_lookup_over_the_api(refused, client_for):
    w = refused
    cc = client_for(w.contact)
    ok = cc.post(
        "/api/v1/contact-centre/lookup/", {"number": w.case.number, "iin": w.parent.iin}, format="json"
    )
    assert ok.status_code == 200 and set(ok.json()) == {
        "number", "status", "status_label", "stage", "expected_date", "legal_basis",
    }  # fmt: skip
    wrong = cc.post(
        "/api/v1/contact-centre/lookup/", {"number": w.case.number, "iin": w.other_person.iin}, format="json"
    )
    missing = cc.post(
        "/api/v1/contact-centre/lookup/", {"number": "QMQ-NONE", "iin": w.parent.iin}, format="json"
    )
    assert wrong.status_code == missing.status_code == 404 and wrong.json() == missing.json()
    assert (
        client_for(w.officer)
        .post("/api/v1/contact-centre/lookup/", {"number": w.case.number, "iin": w.parent.iin}, format="json")
        .status_code
        == 403
    )
