"""Is a document genuine, unaltered and still valid? By its short code or by the PDF itself.

What is shown is what a checker needs and no more than the document says: its kind, issuer, dates,
validity and hash; no names, IINs or addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from qamqor.documents import registry, services, signing
from qamqor.documents.models import IssuedDocument
from qamqor.documents.signing import outside_event_loop

STATUS_TEXT = {
    "valid": _("Genuine and valid."),
    "not_yet_valid": _("Genuine, but not yet valid."),
    "expired": _("Genuine, but its validity period has ended."),
    "revoked": _("Genuine, but revoked by the issuer."),
    "superseded": _("Genuine, but replaced by a later document."),
    "unknown": _("No document with this code was issued."),
    "altered": _("The file was changed after it was signed."),
    "unsigned": _("The file carries no signature."),
    "untrusted": _("The signature is not that of an issuing organisation."),
    "not_issued": _("The signature is valid, but no such document was issued."),
    "unreadable": _("The file is not a readable PDF."),
}


@dataclass
class Verdict:
    status: str
    document: IssuedDocument | None = None
    signature_checked: bool = False
    details: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        return self.document is not None and self.status not in ("altered", "unsigned", "untrusted")

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def message(self) -> str:
        return str(STATUS_TEXT[self.status])

    def public(self) -> dict:
        """What anyone may see: no personal data."""
        out = {"status": self.status, "genuine": self.genuine, "valid": self.valid, "message": self.message}
        doc = self.document
        if doc is not None and self.genuine:
            kind = registry.get(doc.kind)
            out["document"] = {
                "code": doc.display_code,
                "kind": doc.kind,
                "title": kind.title_in(doc.lang),
                "lang": doc.lang,
                "issuer": doc.organisation_name or doc.organisation_code,
                "issuer_code": doc.organisation_code,
                "issued_on": doc.issued_on.strftime("%d.%m.%Y"),
                "valid_from": doc.valid_from.strftime("%d.%m.%Y") if doc.valid_from else None,
                "valid_until": doc.valid_until.strftime("%d.%m.%Y") if doc.valid_until else None,
                "revoked": doc.revoked_at is not None,
                "superseded_by": doc.superseded_by.display_code if doc.superseded_by_id else None,
                "sha256": doc.sha256,
            }
        if self.signature_checked:
            out["signature_checked"] = True
        return out


def standing(doc: IssuedDocument, on: dt.date) -> str:
    if doc.revoked_at is not None:
        return "revoked"
    if doc.superseded_by_id is not None:
        return "superseded"
    if doc.valid_from and on < doc.valid_from:
        return "not_yet_valid"
    if doc.valid_until and on > doc.valid_until:
        return "expired"
    return "valid"


def verify_code(code: str, *, on: dt.date | None = None) -> Verdict:
    normal = services.normalise_code(code)
    doc = (
        IssuedDocument.objects.select_related("superseded_by").filter(code=normal).first() if normal else None
    )
    if doc is None:
        return Verdict("unknown")
    return Verdict(standing(doc, on or timezone.localdate()), doc)


_contexts: dict = {}


def _validation_context() -> ValidationContext:
    """One validation context per set of trusted roots, reused: it keeps the certificate paths it
    has built, so a second document of the same organisation skips building it again."""
    roots = signing.trust_roots()
    key = tuple(sorted(c.sha256 for c in roots))
    found = _contexts.get(key)
    if found is None:
        _contexts.clear()
        found = _contexts[key] = ValidationContext(trust_roots=roots, allow_fetching=False)
    return found


def check_signature(data: bytes) -> str | None:
    """None when the file carries one valid, trusted signature over all of it; else the status."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        return "unreadable"
    if not signatures:
        return "unsigned"
    if len(signatures) != 1:
        return "altered"  # we sign once: a second signature is a later change
    try:
        status = outside_event_loop(validate_pdf_signature, signatures[0], _validation_context())
    except Exception:  # pyHanko raises many kinds on a damaged signature: all mean "not intact"
        return "altered"
    if not status.intact or not status.valid:
        return "altered"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or (
        status.modification_level not in (None, ModificationLevel.NONE)
    ):
        return "altered"
    if not status.trusted:
        return "untrusted"
    return None


def verify_pdf(data: bytes, *, on: dt.date | None = None) -> Verdict:
    """Check an uploaded PDF: its signature (whole file, trusted key) and its hash against the issued."""
    problem = check_signature(data)
    if problem is not None:
        return Verdict(problem, signature_checked=True)
    digest = hashlib.sha256(data).hexdigest()
    doc = IssuedDocument.objects.select_related("superseded_by").filter(sha256=digest).first()
    if doc is None:
        return Verdict("not_issued", signature_checked=True)
    return Verdict(standing(doc, on or timezone.localdate()), doc, signature_checked=True)
