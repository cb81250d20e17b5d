"""The recipients' pages through Django's test client: the catalogue, "can I apply?", my applications,
the status page and withdrawal (issue 13)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def page(lang: str = "kk", user=None) -> Client:
    c = Client()
    c.cookies["django_language"] = lang
    if user is not None:
        c.force_login(user)
    return c


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def check(lang: str, slug: str, answers: dict) -> tuple[int, str]:
    r = page(lang).post(f"/portal/services/{slug}/check/", answers)
    return r.status_code, text(r)


def test_catalogue_and_a_service_in_three_languages():
    for lang, name, fee in (
        ("kk", "лагерьлерде демалуы", "Тегін"),
        ("ru", "отдыха в загородных и пришкольных лагерях", "Бесплатно"),
        ("en", "out-of-town and school camps", "Free of charge"),
    ):
        listing = page(lang).get("/portal/")
        assert listing.status_code == 200 and name in text(listing)
        assert f'<html lang="{lang}">' in listing.content.decode()
        detail = text(page(lang).get("/portal/services/camp-referral/"))
        assert name in detail and fee in detail
        # every ground with its clause; the term with its own
        assert "annex 11 annex 2 row 9 item 3" in detail and "annex 11 annex 2 row 3 item 1" in detail


def test_unknown_service_is_404():
    assert page().get("/portal/services/no-such-service/").status_code == 404


def test_check_asks_only_what_a_recipient_may_declare():
    body = page("en").get("/portal/services/guardianship-establishment/check/").content.decode()
    assert 'name="f-applicant-monthly_income"' in body  # declared with its document
    assert 'name="f-applicant-relation_to_child"' in body
    assert "f-applicant-convictions" not in body  # the criminal-records system's only
    assert "f-applicant-citizenship" not in body  # the population register's only
    assert "f-officer-" not in body  # an official's findings
    camp = page("en").get("/portal/services/camp-referral/check/").content.decode()
    assert 'name="f-child-category"' in camp and "f-officer-" not in camp


def test_check_without_consent_names_the_ground_and_its_clause():
    code, body = check("en", "camp-referral", {"f-child-category": "low_income", "consent": "no"})
    assert code == 200
    assert "the service would be refused" in body
    assert "has not given the consent" in body and "annex 11 annex 2 row 9 item 3" in body


def test_check_with_an_answer_lists_what_to_bring_and_who_supplies_the_rest():
    code, body = check("ru", "camp-referral", {"f-child-category": "low_income", "consent": "yes"})
    assert code == 200
    # nothing in the answers refuses it; the judgement grounds are the official's
    assert "Ничто в ваших ответах не препятствует" in body
    assert "решает должностное лицо" in body
    # the status document of the low-income category, not another category's
    assert "Документы о полученных доходах" in body
    assert (
        "Решение уполномоченного органа об установлении опеки"
        not in body.split("Что принести")[1].split("</ul>")[0]
    )


def test_check_refuses_a_value_that_is_not_an_answer():
    code, body = check("en", "camp-referral", {"f-child-category": "millionaire"})
    assert code == 400
    assert "Choose one of the answers" in body and "Your answer" not in body


def test_check_is_not_offered_for_a_service_whose_texts_are_incomplete():
    r = page("en").get("/portal/services/school-meals/check/")
    assert r.status_code == 200 and "not available for this service" in text(r)


def test_my_applications_are_mine_only(demo):
    aliya, marat = demo("recipient-aliya"), demo("recipient-marat")
    from qamqor.cases.models import Application

    mine = Application.objects.filter(applicant__iin=aliya.iin)
    theirs = Application.objects.filter(applicant__iin=marat.iin).first()
    body = text(page("en", aliya).get("/portal/applications/"))
    assert all(a.number in body for a in mine)
    assert theirs.number not in body
    assert page("en", aliya).get(f"/portal/applications/{theirs.pk}/").status_code == 404
    r = Client().get("/portal/applications/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")


def test_status_page_gives_the_date_and_why(demo):
    aliya = demo("recipient-aliya")
    from qamqor.cases.models import Application

    case = Application.objects.filter(applicant__iin=aliya.iin, status="registered").first()
    for lang, words in (("kk", "жұмыс күні"), ("ru", "раб. дн."), ("en", "working days")):
        body = text(page(lang, aliya).get(f"/portal/applications/{case.pk}/"))
        assert case.due_date.strftime("%d.%m.%Y") in body
        assert words in body
        assert case.deadlines["explanation"][0]["text"][lang] in body


def test_withdrawal_with_the_version_read_and_a_stale_one(demo):
    aliya = demo("recipient-aliya")
    from qamqor.cases.models import Application

    case = Application.objects.filter(applicant__iin=aliya.iin, status="registered").first()
    c = page("ru", aliya)
    assert c.get(f"/portal/applications/{case.pk}/withdraw/").status_code == 405
    stale = c.post(f"/portal/applications/{case.pk}/withdraw/", {"version": case.version - 1})
    assert stale.status_code == 409
    case.refresh_from_db()
    assert case.status == "registered"
    ok = c.post(
        f"/portal/applications/{case.pk}/withdraw/", {"version": case.version, "reason": "передумала"}
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    assert case.events.filter(action="withdraw", payload__reason="передумала").exists()


def test_sign_in_sends_each_role_to_its_pages(demo):
    from qamqor.accounts.security import DEMO_PASSWORD

    demo("recipient-aliya")
    r = Client().post("/sign-in/", {"username": "recipient-aliya", "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/portal/applications/"
    r = Client().post("/sign-in/", {"username": "astana-officer", "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/backoffice/"
    bad = page("en").post("/sign-in/", {"username": "astana-officer", "password": "wrong"})
    assert bad.status_code == 200 and "not right" in text(bad)


def test_language_switcher_and_demo_mark():
    r = page("kk").get("/portal/")
    body = r.content.decode()
    assert 'action="/i18n/setlang/"' in body and 'value="ru"' in body and 'value="en"' in body
    assert "qamqor-demo-mark" in body
    switched = Client().post("/i18n/setlang/", {"language": "ru", "next": "/portal/"})
    assert switched.status_code == 302
    assert (
        'lang="ru"' in Client(cookies=None).get("/portal/", HTTP_COOKIE="django_language=ru").content.decode()
    )


def test_pages_and_api_docs_load_no_external_resource():
    for url in ("/portal/", "/portal/services/camp-referral/check/", "/api/redoc/", "/sign-in/"):
        body = page().get(url).content.decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', body), url
        assert "fonts.googleapis" not in body


def test_check_names_the_registries_that_supply_what_a_ground_still_needs():
    answers = {"f-applicant-relation_to_child": "close_relative", "consent": "yes", "channel": "provider"}
    code, body = check("en", "guardianship-establishment", answers)
    assert code == 200
    assert "the state information systems will supply this: criminal records" in body
    assert "an official decides this when reviewing your application" in body


def test_not_found_and_not_allowed_pages_are_in_the_users_language(demo):
    r = page("ru").get("/portal/services/no-such-service/")
    assert r.status_code == 404 and "Страница не найдена" in text(r) and 'lang="ru"' in text(r)
    r = page("kk", demo("recipient-aliya")).get("/backoffice/")
    assert r.status_code == 403 and "Рұқсат етілмейді" in text(r)


def test_who_read_my_data_lists_the_officials_reads_and_the_registry_queries(demo):
    aliya, officer = demo("recipient-aliya"), demo("astana-officer")
    from qamqor.cases.models import Application

    case = Application.objects.filter(applicant__iin=aliya.iin, status="registered").first()
    officer_client = Client()
    officer_client.force_login(officer)
    assert officer_client.get(f"/backoffice/cases/{case.pk}/").status_code == 200
    assert page("en", aliya).get(f"/portal/applications/{case.pk}/").status_code == 200  # her own read
    body = text(page("en", aliya).get("/portal/who-read-my-data/"))
    reads = body.split("Officials who opened your data")[-1]  # the table after its caption
    assert "recipient" not in reads
    assert case.number in reads and "provider officer" in reads and "viewed the case" in reads
    # another person's reads are not shown
    marat_case = Application.objects.filter(applicant__iin=demo("recipient-marat").iin).first()
    officer_client.get(f"/backoffice/cases/{marat_case.pk}/")
    assert marat_case.number not in text(page("en", aliya).get("/portal/who-read-my-data/"))


def _code_from_outbox(client) -> str:
    return re.search(r"Qamqor: (\d{6})", client.get("/portal/outbox/").content.decode()).group(1)


def test_sign_in_with_a_one_time_code_from_the_demo_outbox(demo):
    aliya = demo("recipient-aliya")
    c = page("en")
    assert c.post("/portal/sign-in/code/", {"iin": "123"}).status_code == 200  # not an IIN: the form again
    r = c.post("/portal/sign-in/code/", {"iin": aliya.iin})
    assert r.status_code == 302 and r["Location"] == "/portal/sign-in/code/verify/"
    code = _code_from_outbox(c)
    wrong = "000000" if code != "000000" else "111111"
    bad = c.post("/portal/sign-in/code/verify/", {"iin": aliya.iin, "code": wrong})
    assert bad.status_code == 400 and "no longer valid" in text(bad)
    ok = c.post("/portal/sign-in/code/verify/", {"iin": aliya.iin, "code": code})
    assert ok.status_code == 302 and ok["Location"] == "/portal/applications/"
    assert c.get("/portal/applications/").status_code == 200
    # used once
    again = page("en").post("/portal/sign-in/code/verify/", {"iin": aliya.iin, "code": code})
    assert again.status_code == 400


def test_a_code_allows_five_tries_and_an_unknown_iin_gets_the_same_answer(demo):
    aliya = demo("recipient-aliya")
    c = page("en")
    c.post("/portal/sign-in/code/", {"iin": aliya.iin})
    code = _code_from_outbox(c)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        c.post("/portal/sign-in/code/verify/", {"iin": aliya.iin, "code": wrong})
    assert c.post("/portal/sign-in/code/verify/", {"iin": aliya.iin, "code": code}).status_code == 400
    from qamqor.portal.models import SignInCode
    from qamqor.rules.iin import make_iin

    before = SignInCode.objects.count()
    nobody = make_iin(dt.date(1999, 1, 1), "male", 4321)  # a valid IIN of nobody registered
    unknown = c.post("/portal/sign-in/code/", {"iin": nobody})
    assert unknown.status_code == 302 and unknown["Location"] == "/portal/sign-in/code/verify/"
    assert SignInCode.objects.count() == before
    assert "000000" not in str(SignInCode.objects.values_list("code_hash", flat=True))


def test_no_code_sign_in_in_production(demo, settings):
    settings.QAMQOR_DEMO, settings.QAMQOR_PRODUCTION = False, True
    for url in ("/portal/sign-in/code/", "/portal/sign-in/code/verify/", "/portal/outbox/"):
        assert page().get(url).status_code == 404
