"""The digital-signature sign-in of the demo in a real browser (decision 0028): download a demo
recipient's key file from the sign-in page, sign in with it and its password, land on "my
applications"; the page passes axe-core, also with the refusal shown."""

from __future__ import annotations

import pytest

from browser.test_journeys import _axe

pytestmark = pytest.mark.django_db(transaction=True)


def test_recipient_signs_in_with_the_demo_key(open_page, shot, tmp_path):
    from qamqor.documents.personal_keys import DEMO_CONTAINER_PASSWORD

    page = open_page("kk")
    page.goto("/sign-in/")
    with page.expect_navigation():
        page.click("a[href='/portal/sign-in/signature/']")
    assert page.locator("h1").inner_text() == "ЭЦҚ арқылы кіру"
    found = _axe(page, "signature sign-in")
    with page.expect_download() as got:
        page.click("a[href='/portal/sign-in/signature/demo-keys/recipient-marat.p12']")
    key = tmp_path / "marat.p12"
    got.value.save_as(key)
    assert DEMO_CONTAINER_PASSWORD in page.locator("main").inner_text()
    # a wrong password first: the one refusal, linked to the fields, and the page still accessible
    page.set_input_files("#id_container", str(key))
    page.fill("#id_password", "wrong")
    with page.expect_navigation():
        page.click("#sign-with-key")
    assert page.locator("#signature-refused").is_visible()
    assert page.locator("#id_password").get_attribute("aria-describedby") == "signature-refused"
    found += _axe(page, "signature sign-in: refused")
    shot(page, "signature-sign-in-refused-kk")
    # then the right one, by keyboard from the password field
    page.set_input_files("#id_container", str(key))
    page.fill("#id_password", DEMO_CONTAINER_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/portal/applications/")
    assert "(recipient-marat)" in page.locator("header.site").inner_text()  # signed in as Marat
    found += _axe(page, "my applications after the signature sign-in")
    shot(page, "signature-sign-in-landed-kk")
    assert not found, found
