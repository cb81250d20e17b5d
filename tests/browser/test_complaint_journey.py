"""A recipient files a complaint from the status page of their refused application; the complaints
reviewer finds it in the queue and opens it; the contact centre looks an application up. Every page
passes axe-core (no serious or critical violation) in kk, ru and en."""

from __future__ import annotations

import pytest

from browser.test_journeys import _axe, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_file_a_complaint_and_review_it(open_page, shot, lang):
    from django.contrib.auth import get_user_model

    from qamqor.cases.models import Application
    from qamqor.complaints.models import Complaint

    marat = get_user_model().objects.get(username="recipient-marat")
    case = Application.objects.filter(
        applicant__iin=marat.iin, outcome="refused", status="result_issued"
    ).first()
    before = Complaint.objects.filter(application=case).count()
    found = []
    page = open_page(lang)
    sign_in(page, "recipient-marat")
    page.goto(f"/portal/applications/{case.pk}/")
    found += _axe(page, "status page with complaints")
    with page.expect_navigation():
        page.click(f"a[href='/portal/applications/{case.pk}/complaints/new/']")
    found += _axe(page, "complaint form")
    page.select_option("#id_route", "provider_head")
    page.fill("#id_text", "The documents are genuine.")
    page.fill("#id_phone", "+7 701 111 11 11")
    with page.expect_navigation():
        page.click("button.primary")
    assert Complaint.objects.filter(application=case).count() == before + 1
    complaint = Complaint.objects.filter(application=case).order_by("-id").first()
    assert complaint.number in page.locator("h1").inner_text()
    assert "§13 para 4" in page.locator("main").inner_text()
    found += _axe(page, "complaint page")
    shot(page, f"complaint-filed-{lang}")

    reviewer = open_page(lang)
    sign_in(reviewer, "demo-reviewer")  # lands on the complaints queue
    assert complaint.number in reviewer.locator("main").inner_text()
    found += _axe(reviewer, "complaints queue")
    reviewer.goto(f"/backoffice/complaints/{complaint.pk}/")
    found += _axe(reviewer, "complaint page (reviewer)")
    shot(reviewer, f"complaint-reviewer-{lang}")

    contact = open_page(lang)
    sign_in(contact, "demo-contact-centre")  # lands on the lookup
    contact.fill("#id_number", case.number)
    contact.fill("#id_iin", marat.iin)
    with contact.expect_navigation():
        contact.click("button.primary")
    assert case.number in contact.locator("main").inner_text() and marat.last_name not in contact.content()
    found += _axe(contact, "contact centre")
    assert not found, found
