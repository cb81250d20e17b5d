"""Scans attached to an application: PDF, JPEG or PNG, recognised by their content (the file's own
bytes, parsed), never by the name or the declared type; size limits from settings; stored once per
owner under the content hash. A refused file gets a reason in the user's language and nothing is
stored."""

from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from qamqor.documents import storage
from qamqor.documents.models import Upload
from qamqor.documents.services import check_owner_ref

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SUFFIX = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class UploadRejected(ValueError):
    """`code` for programs, `message` (lazy, translated) for people."""

    def __init__(self, code: str, message):
        self.code, self.message = code, message
        super().__init__(str(message))


def max_bytes() -> int:
    return int(getattr(settings, "QAMQOR_DOCUMENTS", {}).get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _is_pdf(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(PdfReader(io.BytesIO(data), strict=False).pages) > 0
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        OSError,
        RecursionError,
    ):
        return False


def _image_type(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()  # checks the structure (PNG chunk CRCs, JPEG markers) without decoding
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decodes: a truncated or damaged image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return {"JPEG": "image/jpeg", "PNG": "image/png"}.get(fmt)


def sniff(data: bytes) -> str:
    """The content type of `data`, or UploadRejected. Magic bytes pick the parser; the parser decides."""
    if data.startswith(b"%PDF-"):
        if _is_pdf(data):
            return "application/pdf"
        raise UploadRejected("damaged", _("The file looks like a PDF but cannot be read. Scan it again."))
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        found = _image_type(data)
        if found:
            return found
        raise UploadRejected("damaged", _("The image is damaged or incomplete. Scan it again."))
    raise UploadRejected("type", _("Only PDF, JPEG and PNG files are accepted; this file is none of them."))


def read_limited(fileobj, limit: int) -> bytes:
    chunks, total = [], 0
    while True:
        chunk = fileobj.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise UploadRejected(
                "too_large",
                _("The file is larger than %(limit)s MB.") % {"limit": f"{limit / (1024 * 1024):g}"},
            )
    return b"".join(chunks)


def accept_upload(fileobj, owner_ref: str, uploaded_by=None, original_name: str | None = None) -> Upload:
    """Check and store a scan for `owner_ref` ("application:123"); the same file twice is one Upload."""
    check_owner_ref(owner_ref)
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)  # a file the caller has already looked into
    data = read_limited(fileobj, max_bytes())
    if not data:
        raise UploadRejected("empty", _("The file is empty."))
    content_type = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    name = original_name if original_name is not None else str(getattr(fileobj, "name", "") or "")
    existing = Upload.objects.filter(owner_ref=owner_ref, sha256=digest).first()
    if existing is not None:
        return existing
    stored = storage.put("uploads", digest, SUFFIX[content_type], data)
    try:
        with transaction.atomic():
            return Upload.objects.create(
                sha256=digest, content_type=content_type, size=len(data), original_name=name[-255:],
                storage_name=stored, owner_ref=owner_ref, uploaded_by=uploaded_by,
            )  # fmt: skip
    except IntegrityError:
        return Upload.objects.get(owner_ref=owner_ref, sha256=digest)
