"""The public verification page and its API: no login, no JavaScript, kk / ru / en."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from qamqor.documents import services

from .samples import RECIPIENT

pytestmark = pytest.mark.django_db

IN_PERIOD = time_machine.travel(dt.datetime(2027, 1, 15, 12, 0), tick=False)


@pytest.mark.parametrize(
    ("lang", "says"),
    [("kk", "Түпнұсқа және жарамды."), ("ru", "Подлинный и действительный."), ("en", "Genuine and valid.")],
)
def test_the_page_says_genuine_and_valid_in_each_language(client, permission, lang, says):
    with IN_PERIOD:
        page = client.get(f"/verify/{permission.display_code}?lang={lang}")
    html = page.content.decode()
    assert page.status_code == 200 and says in html
    assert permission.display_code in html and "07.06.2027" in html
    assert RECIPIENT["name"] not in html and RECIPIENT["iin"] not in html
    assert "<script" not in html


def test_the_page_reports_an_unknown_code(client, permission):
    page = client.get("/verify/ZZZZ-ZZZZ-ZZZZ?lang=ru")
    assert page.status_code == 200 and "Документ с таким кодом не выдавался." in page.content.decode()


def test_the_form_takes_a_typed_code(client, permission):
    with IN_PERIOD:
        page = client.post("/verify/?lang=en", {"code": permission.display_code.lower()})
    assert "Genuine and valid." in page.content.decode()


def test_the_page_checks_an_uploaded_pdf(client, permission):
    data = services.document_bytes(permission)
    with IN_PERIOD:
        good = client.post("/verify/?lang=en", {"file": SimpleUploadedFile("p.pdf", data)})
        bad = client.post(
            "/verify/?lang=en", {"file": SimpleUploadedFile("p.pdf", data[:-40] + b"\x00" * 40)}
        )
        empty = client.post("/verify/?lang=kk", {"file": SimpleUploadedFile("p.pdf", b"")})
    assert "Genuine and valid." in good.content.decode()
    assert "Genuine and valid." not in bad.content.decode()
    assert empty.status_code == 400 and "Файл бос." in empty.content.decode()


def test_the_api_answers_by_code(client, permission):
    with IN_PERIOD:
        found = client.get(f"/api/v1/documents/verify/{permission.display_code}?lang=en").json()
    assert found["status"] == "valid" and found["genuine"] is True
    assert found["document"]["kind"] == "meeting_permission"
    assert found["document"]["valid_until"] == "07.06.2027"
    missing = client.get("/api/v1/documents/verify/ZZZZ-ZZZZ-ZZZZ")
    assert missing.status_code == 404 and missing.json()["status"] == "unknown"


def test_the_api_checks_a_posted_pdf(client, permission):
    data = services.document_bytes(permission)
    with IN_PERIOD:
        good = client.post("/api/v1/documents/verify/", {"file": SimpleUploadedFile("p.pdf", data)}).json()
        stripped = data[: data.index(b"%%EOF") + 6]
        bad = client.post("/api/v1/documents/verify/", {"file": SimpleUploadedFile("p.pdf", stripped)}).json()
    assert (good["status"], good["document"]["code"]) == ("valid", permission.display_code)
    assert (bad["status"], bad["genuine"]) == ("unsigned", False)
    none = client.post("/api/v1/documents/verify/?lang=ru", {})
    assert none.status_code == 400 and none.json()["message"] == "Выберите PDF-файл для проверки."
