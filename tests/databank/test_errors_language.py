"""The data bank's input errors come back in the language of `Accept-Language` (kk, ru, en), never in
English alone, and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from qamqor.accounts.models import User
from qamqor.databank import services
from qamqor.databank.models import CertificateRequest, Placement
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
URL = "/api/v1/services/guardianship-certificate/requests"
GUARDIAN = make_iin(dt.date(1981, 3, 9), "female", 301)
CHILD = make_iin(dt.date(2017, 2, 1), "male", 302)

BAD_IIN = {
    "kk": "Дұрыс ЖСН енгізіңіз: бақылау саны дұрыс 12 цифр.",
    "ru": "Введите правильный ИИН: 12 цифр с верной контрольной цифрой.",
    "en": "Enter a valid IIN: 12 digits with a correct check digit.",
}
NO_IIN = {
    "kk": "Бұл анықтаманы тек ЖСН-і бар көрсетілетін қызметті алушы сұрай алады.",
    "ru": "Запросить эту справку может только услугополучатель с ИИН.",
    "en": "Only a recipient with an IIN can request this certificate.",
}
NOT_BOOLEAN = {
    "kk": "Дұрыс логикалық мән болуы керек.",
    "ru": "Значение должно быть логическим (true или false).",
    "en": "Must be a valid boolean.",
}


def _client(user, lang):
    c = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_authenticate(user)
    return c


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    return body["errors"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_certificate_request_input_errors_in_the_language_asked(lang):
    recipient = User.objects.create_user(username=f"g-{lang}", iin=GUARDIAN, role="recipient")
    c = _client(recipient, lang)
    # a child IIN that is not one (the data bank's own check, services._check_iin)
    assert _errors(c.post(URL, {"child_iin": "12", "consent": True}, format="json")) == {
        "child_iin": [BAD_IIN[lang]]
    }
    # a consent that is not a boolean (DRF's text; its Russian catalogue lacks it)
    assert _errors(c.post(URL, {"child_iin": CHILD, "consent": "perhaps"}, format="json")) == {
        "consent": [NOT_BOOLEAN[lang]]
    }
    # someone with no IIN
    officer = User.objects.create_user(username=f"o-{lang}", role="auditor")
    assert _errors(
        _client(officer, lang).post(URL, {"child_iin": CHILD, "consent": True}, format="json")
    ) == {"recipient": [NO_IIN[lang]]}
    assert not CertificateRequest.objects.exists()


@pytest.mark.parametrize(
    ("lang", "kind", "no_iin"),
    [
        ("kk", "«adoption» орналастыру нысаны белгісіз.", "Көрсетілетін қызметті алушының ЖСН-і жоқ."),
        ("ru", "Неизвестная форма устройства «adoption».", "У услугополучателя нет ИИН."),
        ("en", "Unknown placement kind “adoption”.", "The recipient has no IIN."),
    ],
)
def test_service_input_errors_in_the_active_language_with_a_code(lang, kind, no_iin):
    with translation.override(lang):
        with pytest.raises(ValidationError) as caught:
            services.record_placement(
                kind="adoption", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2024, 1, 10)
            )
        assert caught.value.message_dict == {"kind": [kind]}
        assert caught.value.error_dict["kind"][0].code == "unknown_kind"
        with pytest.raises(ValidationError) as caught:
            services.record_placement(
                kind="guardianship", carer_iin="123", child_iin=CHILD, started_on=dt.date(2024, 1, 10)
            )
        assert caught.value.message_dict == {"carer_iin": [BAD_IIN[lang]]}
        assert caught.value.error_dict["carer_iin"][0].code == "iin_format"
        with pytest.raises(ValidationError) as caught:
            services.request_guardianship_certificate(User(username="nobody"), CHILD, True)
        assert caught.value.message_dict == {"recipient": [no_iin]}
    assert not Placement.objects.exists() and not CertificateRequest.objects.exists()
