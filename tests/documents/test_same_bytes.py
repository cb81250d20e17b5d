"""The personal cabinet, the State Corporation desk and the API hand out the same bytes of an issued
document (issue 12), each to whoever may see the case; anyone else gets 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from helpers import MON
from qamqor.cases import actions as sv
from qamqor.documents import services

from .test_case_documents import PERIOD, in_lang, issued, meeting, text_of

pytestmark = pytest.mark.django_db


def _held_at_the_state_corporation(world):
    applicant, child = in_lang(world, "ru")
    case = meeting(world, applicant, child, channel="state_corp")
    sv.accept_at_front_office(case, actor=world.operator, at=MON + dt.timedelta(minutes=20))
    sv.send_by_courier(case, actor=world.operator, at=MON + dt.timedelta(hours=2))
    sv.receive_at_provider(case, actor=world.officer, at=MON + dt.timedelta(hours=3))
    sv.check_completeness(case, actor=world.officer, at=MON + dt.timedelta(hours=4))
    sv.start_review(case, actor=world.officer, at=MON + dt.timedelta(hours=5))
    sv.decide(case, actor=world.head, at=MON + dt.timedelta(days=1))
    event = sv.issue_result(
        case, actor=world.officer, at=MON + dt.timedelta(days=1, hours=1), particulars={"period": PERIOD}
    )
    sv.hold_at_state_corp(case, actor=world.operator, at=MON + dt.timedelta(days=1, hours=3))
    return case, issued(event)


def _page_link(client, page, code):
    html = client.get(page).content.decode()
    links = re.findall(r'href="([^"]+\.pdf)"', html)
    return next(link for link in links if code in link)


def test_the_cabinet_the_desk_and_the_api_serve_the_same_bytes(world, files_dir, client, client_for):
    case, permission = _held_at_the_state_corporation(world)
    stored = services.document_bytes(permission)
    served = {}
    client.force_login(world.marat)  # the personal cabinet
    link = _page_link(client, f"/portal/applications/{case.pk}/", permission.display_code)
    served["cabinet"] = client.get(link)
    client.force_login(world.operator)  # the State Corporation desk, where the result is held
    link = _page_link(client, f"/backoffice/cases/{case.pk}/", permission.display_code)
    served["desk"] = client.get(link)
    api = f"/api/v1/applications/{case.pk}/documents/issued/{permission.display_code}.pdf"
    served["api"] = client_for(world.marat).get(api)
    for where, response in served.items():
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", where
        assert response.content == stored, where
    # the receipt of acceptance the desk signed is listed and served the same way
    assert [d.kind for d in sv.issuing.documents_of(case)] == ["acceptance_receipt", "meeting_permission"]


def test_no_one_else_gets_the_file(world, files_dir, client):
    case, permission = _held_at_the_state_corporation(world)
    for who, url in (
        (world.aliya, f"/portal/applications/{case.pk}/documents/{permission.display_code}.pdf"),
        (world.almaty_officer, f"/backoffice/cases/{case.pk}/documents/{permission.display_code}.pdf"),
        (world.marat, f"/portal/applications/{case.pk}/documents/ZZZZ-ZZZZ-ZZZZ.pdf"),
    ):
        client.force_login(who)
        assert client.get(url).status_code == 404, who.username
    client.logout()
    url = f"/portal/applications/{case.pk}/documents/{permission.display_code}.pdf"
    assert client.get(url).status_code == 302  # to the sign-in


def test_the_official_gives_the_period_on_the_back_office_page(world, files_dir, client):
    from qamqor.documents.models import IssuedDocument

    from .test_case_documents import to_review

    applicant, child = in_lang(world, "kk")
    case = meeting(world, applicant, child)
    to_review(world, case)
    sv.decide(case, actor=world.head, at=MON + dt.timedelta(hours=3))
    case.refresh_from_db()
    client.force_login(world.officer)
    url = f"/backoffice/cases/{case.pk}/actions/issue_result/"
    form = {"version": case.version, "issue_result-period_from": "16.03.2026"}
    bad = client.post(url, {**form, "issue_result-period_until": "01.03.2026"})
    assert bad.status_code == 400 and not IssuedDocument.objects.filter(kind="meeting_permission").exists()
    case.refresh_from_db()
    assert case.status == "granted"
    ok = client.post(url, {**form, "version": case.version, "issue_result-period_until": "15.06.2026"})
    assert ok.status_code == 302
    doc = IssuedDocument.objects.get(kind="meeting_permission")
    assert (doc.valid_from, doc.valid_until) == (PERIOD["from"], PERIOD["until"])
    text = text_of(services.document_bytes(doc))
    assert "16.03.2026" in text and "15.06.2026" in text
