"""Issue, store, verify: a genuine document passes; a changed one, an unknown code, a revoked,
superseded or expired document are reported as such; what is shown carries no personal data."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from qamqor.documents import services, signing, verification
from qamqor.documents.models import ImmutableError, IssuedDocument

from .conftest import ORG, stored_files
from .samples import CHILD, RECIPIENT, blank_pdf, context_for

pytestmark = pytest.mark.django_db


def test_an_issued_document_is_signed_stored_and_verifies(permission, files_dir):
    data = services.document_bytes(permission)
    assert data.startswith(b"%PDF-")
    assert [p.name for p in stored_files(files_dir)] == [f"{permission.sha256}.pdf"]
    assert permission.valid_from == dt.date(2026, 12, 7) and permission.valid_until == dt.date(2027, 6, 7)
    on = dt.date(2027, 1, 15)
    by_code = verification.verify_code(permission.display_code, on=on)
    assert (by_code.status, by_code.genuine, by_code.document) == ("valid", True, permission)
    by_file = verification.verify_pdf(data, on=on)
    assert (by_file.status, by_file.document) == ("valid", permission)


def test_the_qr_code_and_the_printed_code_lead_to_the_document(permission):
    text = PdfReader(io.BytesIO(services.document_bytes(permission))).pages[0].extract_text()
    assert f"https://qamqor.example/verify/{permission.display_code}" in text


def test_issuing_the_same_thing_twice_gives_the_same_bytes(permission):
    again = services.issue(
        "meeting_permission", "kk", context_for("meeting_permission"), ORG, "application:1"
    )
    assert again.pk == permission.pk
    assert services.document_bytes(again) == services.document_bytes(permission)
    russian = services.issue(
        "meeting_permission", "ru", context_for("meeting_permission"), ORG, "application:1"
    )
    assert russian.pk != permission.pk and russian.code != permission.code
    assert IssuedDocument.objects.count() == 2


def test_an_issued_document_cannot_be_changed_or_deleted(permission):
    permission.valid_until = dt.date(2030, 1, 1)
    with pytest.raises(ImmutableError):
        permission.save()
    with pytest.raises(ImmutableError):
        permission.delete()
    assert IssuedDocument.objects.get().valid_until == dt.date(2027, 6, 7)


def test_one_changed_byte_fails(permission):
    data = bytearray(services.document_bytes(permission))
    at = data.index(b"07.06.2027") if b"07.06.2027" in data else len(data) // 3
    data[at] ^= 0x01
    verdict = verification.verify_pdf(bytes(data))
    assert verdict.status == "altered" and not verdict.genuine


def test_a_byte_changed_inside_the_signature_fails(permission):
    data = services.document_bytes(permission)
    at = data.index(b"/Contents <") + len(b"/Contents <") + 200
    flipped = data[:at] + (b"0" if data[at : at + 1] != b"0" else b"1") + data[at + 1 :]
    assert verification.verify_pdf(flipped).status == "altered"


def test_a_page_added_after_signing_fails(permission):
    data = services.document_bytes(permission)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    assert len(PdfReader(out).pages) == 2
    assert verification.verify_pdf(out.getvalue()).status == "altered"


def test_a_page_added_by_rewriting_the_file_fails(permission):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(services.document_bytes(permission))))
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    assert verification.verify_pdf(out.getvalue()).status in ("altered", "unsigned")


def test_the_signature_stripped_fails(permission):
    data = services.document_bytes(permission)
    unsigned = data[: data.index(b"%%EOF") + len(b"%%EOF\n")]  # the file as it was before signing
    assert b"/ByteRange" not in unsigned  # the signature lived in the incremental update
    verdict = verification.verify_pdf(unsigned)
    assert verdict.status == "unsigned" and not verdict.genuine


def test_a_signature_by_an_unknown_key_is_not_trusted(permission, settings, tmp_path):
    data = services.document_bytes(permission)
    unsigned = data[: data.index(b"%%EOF") + len(b"%%EOF\n")]
    genuine = settings.QAMQOR_DOCUMENTS
    genuine_ca = str(signing.sandbox_ca(Path(genuine["SIGNING_DIR"]))[1])
    settings.QAMQOR_DOCUMENTS = {**genuine, "SIGNING_DIR": str(tmp_path / "forger")}
    forged = signing.sign(unsigned, ORG)  # the same organisation code, under another CA
    # the verifier trusts the genuine CA only
    settings.QAMQOR_DOCUMENTS = {**genuine, "SANDBOX_CA": False, "TRUST_ROOTS": [genuine_ca]}
    assert verification.verify_pdf(forged).status == "untrusted"
    assert verification.verify_pdf(data).status in ("valid", "not_yet_valid")


def test_a_validly_signed_file_we_did_not_issue_is_reported(permission, files_dir):
    other = signing.sign(blank_pdf(), ORG)
    assert verification.verify_pdf(other).status == "not_issued"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZZZ", "not a code", "", "ABCD-EFGH-JKM"])
def test_a_forged_or_unknown_code_is_unknown(permission, code):
    verdict = verification.verify_code(code)
    assert verdict.status == "unknown" and not verdict.genuine and verdict.document is None
    assert "document" not in verdict.public()


def test_a_code_typed_loosely_is_found(permission):
    loose = permission.display_code.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert verification.verify_code(loose).document == permission


def test_validity_revocation_and_supersession(permission):
    assert verification.verify_code(permission.code, on=dt.date(2026, 12, 6)).status == "not_yet_valid"
    assert verification.verify_code(permission.code, on=dt.date(2027, 6, 7)).status == "valid"
    assert verification.verify_code(permission.code, on=dt.date(2027, 6, 8)).status == "expired"
    newer = services.issue(
        "meeting_permission", "kk", {**context_for("meeting_permission"), "number": "2"}, ORG, "application:1"
    )
    services.supersede(permission, newer)
    verdict = verification.verify_code(permission.code, on=dt.date(2027, 1, 1))
    assert (
        verdict.status == "superseded" and verdict.public()["document"]["superseded_by"] == newer.display_code
    )
    services.revoke(newer, "court decision")
    assert verification.verify_code(newer.code, on=dt.date(2027, 1, 1)).status == "revoked"
    assert verification.verify_pdf(services.document_bytes(newer), on=dt.date(2027, 1, 1)).status == "revoked"


def test_what_is_shown_carries_no_personal_data(permission):
    shown = json.dumps(verification.verify_code(permission.code).public(), ensure_ascii=False)
    for secret in (RECIPIENT["name"], RECIPIENT["iin"], RECIPIENT["address"], CHILD["name"], CHILD["iin"]):
        assert secret not in shown
    assert permission.display_code in shown and "07.06.2027" in shown


def test_the_timestamp_is_asked_of_the_configured_authority(permission, settings, monkeypatch):
    asked = []

    class Refusing:
        def __init__(self, url):
            asked.append(url)

        async def async_timestamp(self, *a, **k):
            raise RuntimeError("no network in tests")

    monkeypatch.setattr(signing.timestamps, "HTTPTimeStamper", Refusing)
    settings.QAMQOR_DOCUMENTS = {**settings.QAMQOR_DOCUMENTS, "TSA_URL": "http://tsa.invalid/"}
    with pytest.raises(Exception):  # noqa: B017 - whatever pyHanko raises, no unsigned-for-signed fallback
        services.issue("meeting_permission", "ru", context_for("meeting_permission"), ORG, "application:9")
    assert asked == ["http://tsa.invalid/"]
    assert not IssuedDocument.objects.filter(owner_ref="application:9").exists()


def test_bulk_changes_are_refused_too(permission):
    with pytest.raises(ImmutableError):
        IssuedDocument.objects.filter(pk=permission.pk).update(valid_until=dt.date(2030, 1, 1))
    with pytest.raises(ImmutableError):
        IssuedDocument.objects.all().delete()
    assert IssuedDocument.objects.get().valid_until == dt.date(2027, 6, 7)


def test_any_storage_backend_of_the_storage_api_serves(db, files_dir, settings):
    """S3 (django-storages) or the data folder: the code only speaks Django's storage API."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    doc = services.issue("camp_referral", None, context_for("camp_referral"), ORG, "application:5")
    assert doc.lang == "kk"  # Kazakh when the recipient has not chosen
    assert services.document_bytes(doc).startswith(b"%PDF-")
    assert stored_files(files_dir) == []
    assert verification.verify_pdf(services.document_bytes(doc), on=dt.date(2027, 1, 1)).status == "valid"


def test_a_context_of_the_wrong_shape_is_refused_and_nothing_is_issued(db, files_dir):
    from qamqor.documents.rendering import RenderError

    ctx = {**context_for("meeting_permission"), "children": "not a list"}
    with pytest.raises(RenderError):
        services.issue("meeting_permission", "kk", ctx, ORG, "application:6")
    assert not IssuedDocument.objects.exists() and stored_files(files_dir) == []


def test_the_issuer_is_shown_by_the_name_on_the_document(permission):
    assert (
        verification.verify_code(permission.code).public()["document"]["issuer"]
        == "Қарағанды қаласының білім бөлімі"
    )


def test_production_keys_are_taken_by_path(db, files_dir, settings, tmp_path):
    """A configured key signs; with the sandbox off an organisation without one cannot sign."""
    made = signing.sandbox_key(tmp_path / "hsm-export", "EDU-PROD-01")  # stands in for a real key file
    ca = made["chain"][0]
    settings.QAMQOR_DOCUMENTS = {
        **settings.QAMQOR_DOCUMENTS,
        "SANDBOX_CA": False,
        "SIGNING_KEYS": {"EDU-PROD-01": made},
        "TRUST_ROOTS": [ca],
    }
    doc = services.issue(
        "guardianship_certificate", "ru", context_for("guardianship_certificate"), "EDU-PROD-01", "a:1"
    )
    assert verification.verify_pdf(services.document_bytes(doc)).status == "valid"
    with pytest.raises(signing.NoSigningKey):
        services.issue(
            "guardianship_certificate", "ru", context_for("guardianship_certificate"), "EDU-OTHER", "a:2"
        )
