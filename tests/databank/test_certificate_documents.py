"""The automated guardianship certificate (004) has its signed document (issue 12): the certificate or
the motivated refusal, decided with no official, in the recipient's language; signed by the provider
that recorded the guardianship (or the system's organisation when the data bank names none); the
API's result and its PDF serve the same bytes on every request; read back from the PDF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from documents.conftest import files_dir, signing_dir  # noqa: F401 (fixtures)
from documents.test_case_documents import text_of
from qamqor.accounts.models import Provider, User
from qamqor.databank import services
from qamqor.databank.documents import DECIDED_FROM_THE_DATABANK, certificate_document, documents_of
from qamqor.documents import services as docs
from qamqor.documents import verification
from qamqor.documents.models import IssuedDocument
from qamqor.documents.services import SYSTEM_ISSUER
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
GUARDIAN = make_iin(dt.date(1980, 4, 5), "female", 201)
CHILD = make_iin(dt.date(2016, 7, 1), "male", 202)
WHEN = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)  # 02.03.2026 10:00 in Almaty


def _recipient(lang):
    return User.objects.create_user(
        username="g",
        iin=GUARDIAN,
        role="recipient",
        last_name="Әлімқұлова",
        first_name="Гүлнұр",
        language=lang,
    )


def _placed(**extra):
    return services.record_placement(
        source="import", kind="guardianship", carer_iin=GUARDIAN, child_iin=CHILD,
        started_on=dt.date(2024, 1, 10), **extra,
    )  # fmt: skip


def _said(text, lang, message):
    with translation.override(lang):
        return str(message)[:50] in text


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_granted_certificate_is_signed_by_the_provider_that_recorded_the_guardianship(files_dir, lang):  # noqa: F811
    provider = Provider.objects.create(
        code="karaganda-edu", kind="city_education_department", name_kk="Қарағанды қаласының білім бөлімі",
        name_ru="Отдел образования города Караганды", name_en="Karaganda education", region="Karaganda",
    )  # fmt: skip
    _placed(order_number="№ 15-Қ", provider_code=provider.code)
    req = services.request_guardianship_certificate(_recipient(lang), CHILD, True, at=WHEN)
    assert req.decision == "grant" and not documents_of(req).exists()  # not made inside the decision
    doc = certificate_document(req)
    assert (doc.kind, doc.lang, doc.organisation_code) == ("guardianship_certificate", lang, "karaganda-edu")
    text = text_of(docs.document_bytes(doc))
    assert "Әлімқұлова Гүлнұр" in text and GUARDIAN in text and CHILD in text
    assert "10.01.2024" in text and "02.03.2026" in text and "15-Қ" in text
    assert req.number in text.replace(" ", "") and provider.name(lang) in text
    assert _said(text, lang, SYSTEM_ISSUER) and _said(text, lang, DECIDED_FROM_THE_DATABANK)
    assert verification.verify_pdf(docs.document_bytes(doc)).status == "valid"
    assert certificate_document(req).pk == doc.pk and IssuedDocument.objects.count() == 1


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_refusal_is_signed_by_the_system_and_cites_its_grounds(files_dir, lang):  # noqa: F811
    req = services.request_guardianship_certificate(_recipient(lang), CHILD, False, at=WHEN)
    assert req.decision == "refuse"
    doc = certificate_document(req)
    assert (doc.kind, doc.organisation_code) == ("motivated_refusal", "qamqor-system")
    text = text_of(docs.document_bytes(doc))
    assert "Әлімқұлова Гүлнұр" in text and "02.03.2026" in text
    for ground in req.grounds:
        assert ground["citation"]["clause"] in text and ground["explanation"][lang][:30] in text
    assert _said(text, lang, DECIDED_FROM_THE_DATABANK)


def test_the_api_serves_the_same_signed_bytes_to_the_recipient_only(files_dir):  # noqa: F811
    _placed()
    c = APIClient()
    c.force_authenticate(_recipient("ru"))
    body = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": CHILD, "consent": True},
        format="json",
    ).json()
    result_path = body["result_url"].replace("http://testserver", "")
    first = c.get(result_path).json()["document"]
    again = c.get(result_path).json()["document"]
    assert first == again and first["kind"] == "guardianship_certificate" and first["lang"] == "ru"
    pdf = c.get(first["download_url"].replace("http://testserver", ""))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == first["sha256"]
    assert c.get(result_path + ".pdf").content == pdf.content  # the recipient's language by default
    doc = IssuedDocument.objects.get()
    assert docs.document_bytes(doc) == pdf.content
    assert verification.verify_code(first["code"]).status == "valid"
    other = APIClient()
    other.force_authenticate(User.objects.create_user(username="o", iin=CHILD, role="recipient"))
    assert other.get(result_path + ".pdf").status_code == 404
    assert IssuedDocument.objects.count() == 1
