"""Scans are recognised by their content; a refused file gets a reason in kk/ru/en and nothing is kept."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from qamqor.documents.models import Upload
from qamqor.documents.uploads import UploadRejected, accept_upload

from .conftest import stored_files
from .samples import RECIPIENT, blank_pdf

RECIPIENT_IIN = RECIPIENT["iin"]

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "declared", "expected"),
    [
        (blank_pdf(), "скан.pdf", "application/pdf", "application/pdf"),
        (image_bytes("JPEG"), "photo.jpg", "image/jpeg", "image/jpeg"),
        (image_bytes("PNG"), "scan.png", "image/png", "image/png"),
        # a right type behind a wrong name is judged by its content too
        (image_bytes("PNG"), "document.pdf", "application/pdf", "image/png"),
    ],
)
def test_a_scan_is_accepted_by_its_content(files_dir, data, name, declared, expected):
    upload = accept_upload(SimpleUploadedFile(name, data, content_type=declared), "application:7", None)
    assert (upload.content_type, upload.size, upload.original_name) == (expected, len(data), name)
    assert [p.read_bytes() for p in stored_files(files_dir)] == [data]
    assert stored_files(files_dir)[0].name.startswith(upload.sha256)


def test_the_same_scan_twice_is_stored_once(files_dir, django_user_model):
    user = django_user_model.objects.create(username="recipient", iin=RECIPIENT_IIN)
    data = image_bytes("PNG")
    first = accept_upload(SimpleUploadedFile("a.png", data), "application:7", user)
    second = accept_upload(SimpleUploadedFile("b.png", data), "application:7", user)
    assert first.pk == second.pk and first.uploaded_by == user
    assert len(stored_files(files_dir)) == 1


def _refused(files_dir, data: bytes, name: str, declared: str) -> UploadRejected:
    with pytest.raises(UploadRejected) as err:
        accept_upload(SimpleUploadedFile(name, data, content_type=declared), "application:7", None)
    assert Upload.objects.count() == 0
    assert stored_files(files_dir) == []
    return err.value


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 500, "scan.pdf", "type"),  # a program named as a PDF
        (b"<html><body>scan</body></html>", "scan.jpg", "type"),
        (b"GIF89a" + b"\x00" * 100, "scan.png", "type"),  # an image of a type we do not take
        (b"%PDF-1.7\n" + b"garbage " * 50, "scan.pdf", "damaged"),
        (image_bytes("PNG")[:60], "scan.png", "damaged"),  # a truncated image
        (image_bytes("JPEG")[:200], "scan.jpg", "damaged"),
        (b"", "scan.pdf", "empty"),
    ],
)
def test_a_wrong_damaged_or_empty_file_is_refused_and_nothing_is_stored(files_dir, data, name, code):
    declared = "application/pdf" if name.endswith(".pdf") else "image/png"
    assert _refused(files_dir, data, name, declared).code == code


def test_an_oversized_file_is_refused_and_nothing_is_stored(files_dir, settings):
    data = image_bytes("PNG", size=(600, 600))
    settings.QAMQOR_DOCUMENTS = {**settings.QAMQOR_DOCUMENTS, "UPLOAD_MAX_BYTES": len(data) - 1}
    assert _refused(files_dir, data, "big.png", "image/png").code == "too_large"


def test_the_reason_is_given_in_the_users_language(files_dir):
    error = _refused(files_dir, b"just text", "scan.pdf", "application/pdf")
    texts = {}
    for lang in ("kk", "ru", "en"):
        with translation.override(lang):
            texts[lang] = str(error.message)
    assert texts["en"].startswith("Only PDF, JPEG and PNG")
    assert "PDF" in texts["kk"] and "PDF" in texts["ru"]
    assert len(set(texts.values())) == 3
