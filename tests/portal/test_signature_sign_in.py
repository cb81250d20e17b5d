"""Signing in with a digital signature of the sandbox (decision 0028): a demo key's container and its
password, or a CMS signature made offline with OpenSSL; and each refusal — a wrong password, a key of
another certification authority, an expired certificate, a used or expired challenge, an IIN of
nobody registered — gets the same 400 answer and changes nothing."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from portal.test_portal_pages import page, text
from qamqor.documents import personal_keys
from qamqor.portal.models import SignInChallenge
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
URL = "/portal/sign-in/signature/"
PASSWORD = personal_keys.DEMO_CONTAINER_PASSWORD
REFUSAL = "did not sign you in"


def challenge_of(response) -> str:
    return re.search(r'<code id="challenge">([^<]+)</code>', response.content.decode()).group(1)


def alert(response) -> str:
    return re.search(r'role="alert"[^>]*>(.*?)</div>', text(response)).group(1)


def container(cert, key, password: str = PASSWORD, chain=None) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"k", key, cert, chain, serialization.BestAvailableEncryption(password.encode())
    )


def sandbox_certificate(iin: str, *, days_from: int = -1, days_to: int = 365):
    """A key and a certificate of the sandbox NCA for `iin`, valid over the days given from now."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = personal_keys.issue_personal_certificate(
        personal_keys.subject_of(iin, "Тестов", "Тест"),
        key.public_key(),
        not_before=now + dt.timedelta(days=days_from),
        not_after=now + dt.timedelta(days=days_to),
    )
    return cert, key


def post_container(client, token: str, data: bytes, password: str = PASSWORD):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("key.p12", data, content_type="application/x-pkcs12")
    return client.post(URL, {"challenge": token, "container": upload, "password": password})


def assert_refused_and_nothing_changed(response, user, token: str) -> None:
    assert response.status_code == 400 and REFUSAL in text(response)
    user.refresh_from_db()
    assert user.last_login is None
    assert not SignInChallenge.objects.filter(used_at__isnull=False).exists()
    assert SignInChallenge.objects.filter(token=token, used_at__isnull=True).exists()  # still live


def test_sign_in_with_the_demo_key_and_its_password(demo):
    aliya = demo("recipient-aliya")
    c = page("en")
    form = c.get(URL)
    assert form.status_code == 200 and PASSWORD in text(form) and "Demo only" in text(form)
    key = c.get("/portal/sign-in/signature/demo-keys/recipient-aliya.p12")
    assert key.status_code == 200 and key["Content-Type"] == "application/x-pkcs12"
    _key, cert, _chain = pkcs12.load_key_and_certificates(key.content, PASSWORD.encode())
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{aliya.iin}"
    token = challenge_of(form)
    r = post_container(c, token, key.content)
    assert r.status_code == 302 and r["Location"] == "/portal/applications/"
    assert c.get("/portal/applications/").status_code == 200
    # the challenge is the record of the sign-in: who, when, with which certificate
    used = SignInChallenge.objects.get(token=token)
    assert used.user == aliya and used.used_at is not None and used.way == "container"
    assert used.certificate_serial == format(cert.serial_number, "x")
    # replayed: the same challenge and key sign nobody in again
    again = post_container(page("en"), token, key.content)
    assert again.status_code == 400 and REFUSAL in text(again)
    assert challenge_of(again) != token  # a new challenge to go on with


def test_a_wrong_password_is_refused_and_changes_nothing(demo):
    aliya = demo("recipient-aliya")
    c = page("ru")
    token = challenge_of(c.get(URL))
    data = c.get("/portal/sign-in/signature/demo-keys/recipient-aliya.p12").content
    r = post_container(c, token, data, password="not-the-password")
    assert r.status_code == 400 and "не выполнила вход" in text(r)
    assert 'aria-describedby="signature-refused"' in r.content.decode()
    assert challenge_of(r) == token  # the same challenge, still live
    aliya.refresh_from_db()
    assert aliya.last_login is None
    assert not SignInChallenge.objects.filter(used_at__isnull=False).exists()


def test_a_key_of_another_certification_authority_is_refused(demo):
    aliya = demo("recipient-aliya")
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else's CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(personal_keys.subject_of(aliya.iin, "Сейітова", "Әлия"))
        .issuer_name(name).public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    c = page("en")
    token = challenge_of(c.get(URL))
    # its own root carried along in the container and the signature: still not the sandbox NCA
    r = post_container(c, token, container(cert, key, chain=[ca]))
    assert_refused_and_nothing_changed(r, aliya, token)


def test_an_expired_certificate_is_refused(demo):
    aliya = demo("recipient-aliya")
    cert, key = sandbox_certificate(aliya.iin, days_from=-400, days_to=-35)
    c = page("en")
    token = challenge_of(c.get(URL))
    assert_refused_and_nothing_changed(post_container(c, token, container(cert, key)), aliya, token)
    fresh, fresh_key = sandbox_certificate(aliya.iin)  # the same person, a valid certificate: in
    assert post_container(c, token, container(fresh, fresh_key)).status_code == 302


def test_an_iin_nobody_registered_gets_the_same_answer(demo):
    aliya = demo("recipient-aliya")
    cert, key = sandbox_certificate(make_iin(dt.date(1999, 1, 1), "male", 4321))
    c = page("en")
    token = challenge_of(c.get(URL))
    r = post_container(c, token, container(cert, key))
    assert_refused_and_nothing_changed(r, aliya, token)
    wrong_password = post_container(c, token, container(cert, key), password="x")
    assert alert(wrong_password) == alert(r)  # the same words, whatever failed
    assert wrong_password.status_code == r.status_code == 400


def test_an_expired_challenge_is_refused(demo):
    aliya = demo("recipient-aliya")
    c = page("en")
    token = challenge_of(c.get(URL))
    data = c.get("/portal/sign-in/signature/demo-keys/recipient-aliya.p12").content
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        r = post_container(c, token, data)
    assert r.status_code == 400 and REFUSAL in text(r) and challenge_of(r) != token
    aliya.refresh_from_db()
    assert aliya.last_login is None


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
def test_a_signature_made_offline_with_openssl(demo, tmp_path):
    """The path closest to NCALayer: the person signs the challenge on their own computer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    marat = demo("recipient-marat")
    c = page("kk")
    token = challenge_of(c.get(URL))
    (tmp_path / "key.p12").write_bytes(
        c.get("/portal/sign-in/signature/demo-keys/recipient-marat.p12").content
    )
    (tmp_path / "challenge.txt").write_text(token)
    run = lambda *args: subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("openssl", "pkcs12", "-in", "key.p12", "-nodes", "-out", "key.pem", "-passin", f"pass:{PASSWORD}")
    run("openssl", "cms", "-sign", "-binary", "-in", "challenge.txt", "-signer", "key.pem",
        "-outform", "DER", "-out", "challenge.p7s")  # fmt: skip
    signature = (tmp_path / "challenge.p7s").read_bytes()
    # the same signature over another text: refused
    other = challenge_of(c.get(URL))
    r = c.post(URL, {"challenge": other, "signature": SimpleUploadedFile("s.p7s", signature)})
    assert r.status_code == 400
    r = c.post(URL, {"challenge": token, "signature": SimpleUploadedFile("s.p7s", signature)})
    assert r.status_code == 302 and SignInChallenge.objects.get(token=token).user == marat
    assert SignInChallenge.objects.get(token=token).way == "signature"


def test_a_form_without_a_key_asks_for_one(demo):
    c = page("en")
    token = challenge_of(c.get(URL))
    r = c.post(URL, {"challenge": token, "password": PASSWORD})
    assert r.status_code == 400 and "Choose your key file" in text(r)
    assert 'aria-describedby="id_container-error"' in r.content.decode()


def test_no_signature_sign_in_in_production(demo, settings):
    settings.QAMQOR_DEMO, settings.QAMQOR_PRODUCTION = False, True
    for url in (URL, "/portal/sign-in/signature/demo-keys/recipient-aliya.p12"):
        assert page().get(url).status_code == 404


def test_without_the_sandbox_ca_no_key_is_issued_and_none_trusted(demo, settings):
    settings.QAMQOR_DOCUMENTS = {**settings.QAMQOR_DOCUMENTS, "SANDBOX_CA": False}
    assert page().get("/portal/sign-in/signature/demo-keys/recipient-aliya.p12").status_code == 404
    with pytest.raises(personal_keys.SignatureRefused):
        personal_keys.verify_challenge_signature(b"x", b"y", now=dt.datetime.now(dt.UTC))
