"""Journeys in a real browser, with no JavaScript of ours: a recipient asks "can I apply?" for a camp
referral; an officer opens the queue, a case, and checks completeness by keyboard alone; every page
in kk, ru and en passes axe-core with no serious or critical violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, username: str) -> None:
    from qamqor.accounts.security import DEMO_PASSWORD

    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")


def tab_to(page, selector: str, limit: int = 300) -> None:
    """Press Tab until the element is focused (the keyboard's way there), or fail."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable by Tab")


def choose(page, name: str, value: str) -> None:
    """Tab into a group of radio buttons (focus lands on the chosen one), then arrow to `value`."""
    tab_to(page, f"input[name='{name}']:checked")
    wanted = page.locator(f"input[name='{name}'][value='{value}']")
    for _ in range(20):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowUp")
    raise AssertionError(f"{name}={value} is not reachable by the arrow keys")


def test_recipient_asks_can_i_apply_for_a_camp_referral(open_page, shot):
    """By keyboard alone: Tab to each link and Enter, arrows within a group of choices."""
    page = open_page("kk")
    page.goto("/portal/")
    for link in (
        "a[href='/portal/services/camp-referral/']",
        "a[href='/portal/services/camp-referral/check/']",
    ):
        tab_to(page, link)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    choose(page, "f-child-category", "low_income")
    choose(page, "consent", "yes")  # already chosen: Tab reaches it
    tab_to(page, "button.primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    answer = page.locator("#answer")
    assert answer.is_visible()
    text = answer.inner_text()
    assert "Әзірге жауаптарыңызда ешқандай кедергі жоқ" in text
    assert "Алған табысы туралы құжаттар" in text  # the low-income status document
    assert "annex 11 annex 2 row 9 item 1" in text  # the judgement ground left to the official
    shot(page, "recipient-can-i-apply-kk")
    # the language switcher: the same page in Russian
    with page.expect_navigation():
        page.click("form.langs button[value='ru']")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.url.endswith("/portal/services/camp-referral/check/")


def test_recipient_withdraws_an_application(open_page, shot):
    from django.contrib.auth import get_user_model

    from qamqor.cases.models import Application

    aliya = get_user_model().objects.get(username="recipient-aliya")
    case = Application.objects.filter(applicant__iin=aliya.iin, status="registered").first()
    page = open_page("ru")
    sign_in(page, "recipient-aliya")
    page.click(f"a[href='/portal/applications/{case.pk}/']")
    assert case.due_date.strftime("%d.%m.%Y") in page.locator("main").inner_text()
    page.fill("#id_reason", "передумала")
    with page.expect_navigation():
        page.click("button.warning")
    assert "Ваше заявление отозвано." in page.locator("main").inner_text()
    case.refresh_from_db()
    assert case.status == "withdrawn"
    shot(page, "recipient-withdrawal-ru")


def test_officer_checks_completeness_by_keyboard_alone(open_page, shot):
    from qamqor.cases.models import Application

    case = Application.objects.filter(provider__code="astana-education", status="at_provider").first()
    page = open_page("en")
    page.goto("/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type("astana-officer")
    page.keyboard.press("Tab")
    from qamqor.accounts.security import DEMO_PASSWORD

    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/backoffice/")
    tab_to(page, f"a[href='/backoffice/cases/{case.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/backoffice/cases/{case.pk}/")
    tab_to(page, "form[action$='/actions/check_completeness/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Done: Check completeness" in page.locator("main").inner_text()
    case.refresh_from_db()
    assert case.status == "completeness_checked"
    shot(page, "officer-keyboard-check-completeness")


PUBLIC = [
    "/portal/",
    "/portal/services/camp-referral/",
    "/portal/services/camp-referral/check/",
    "/sign-in/",
    "/portal/services/no-such-service/",  # the 404 page
    "/portal/sign-in/code/",  # the demo's one-time code sign-in and its outbox
    "/portal/sign-in/code/verify/",
    "/portal/outbox/",
    "/portal/sign-in/signature/",  # the demo's digital-signature sign-in (decision 0028)
    "/portal/notifications/outbox/",  # the demo's SMS and e-mail outbox (notifications)
]


def _axe(page, url: str) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (url, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_every_page_passes_axe_in_each_language(open_page, shot, lang):
    from qamqor.cases.models import Application

    found = []
    page = open_page(lang)
    for url in PUBLIC:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == lang
        found += _axe(page, url)
    # the answer of "can I apply?", with an error and with an answer
    page.goto("/portal/services/camp-referral/check/")
    page.check("input[name='consent'][value='no']")
    page.click("button.primary")
    found += _axe(page, "check: answer")
    # the recipient's pages
    sign_in(page, "recipient-aliya")
    from django.contrib.auth import get_user_model

    aliya = get_user_model().objects.get(username="recipient-aliya")
    mine = Application.objects.filter(applicant__iin=aliya.iin, status="registered").first()
    for url in (
        "/portal/applications/",
        f"/portal/applications/{mine.pk}/",
        "/portal/who-read-my-data/",
        "/portal/notifications/",
        "/portal/notifications/contacts/",
    ):
        page.goto(url)
        found += _axe(page, url)
    # the officer's pages
    officer = open_page(lang)
    sign_in(officer, "astana-officer")
    case = Application.objects.filter(provider__code="astana-education", status="in_review").first()
    for url in ("/backoffice/", f"/backoffice/cases/{case.pk}/"):
        officer.goto(url)
        assert officer.locator("html").get_attribute("lang") == lang
        found += _axe(officer, url)
    # the State Corporation operator's case page (the hand-over form: a group of choices)
    operator = open_page(lang)
    sign_in(operator, "astana-operator")
    held = Application.objects.filter(office__code="astana-con-1", status="held_at_state_corp").first()
    operator.goto(f"/backoffice/cases/{held.pk}/")
    assert operator.locator("input[name='hand_over-on']").count() == 2
    found += _axe(operator, "operator's case page")
    shot(officer, f"axe-case-page-{lang}")
    assert not found, found
