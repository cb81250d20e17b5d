"""The public verification page (`/verify/`, `/verify/<code>`). No login, no JavaScript; kk / ru / en
(`?lang=`, else the browser's language). Its API (`/api/v1/documents/verify/…`, in the OpenAPI
schema) is `qamqor.api.documents`, on the same `read_pdf` and `request_lang`."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qamqor.documents import verification
from qamqor.documents.uploads import UploadRejected, read_limited

LANGS = [code for code, _name in settings.LANGUAGES]


def _pdf_limit() -> int:
    return int(getattr(settings, "QAMQOR_DOCUMENTS", {}).get("VERIFY_MAX_BYTES", 5 * 1024 * 1024))


def read_pdf(request) -> bytes:
    """The uploaded PDF, or UploadRejected (none sent, too large, empty)."""
    upload = request.FILES.get("file")
    if upload is None:
        raise UploadRejected("missing", _("Choose a PDF file to check."))
    data = read_limited(upload, _pdf_limit())
    if not data:
        raise UploadRejected("empty", _("The file is empty."))
    return data


def request_lang(request) -> str:
    asked = request.GET.get("lang")
    return asked if asked in LANGS else translation.get_language() or settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def verify_page(request, code: str | None = None):
    lang = request_lang(request)
    with translation.override(lang):
        verdict, error = None, None
        if request.method == "POST":
            if request.FILES:
                try:
                    verdict = verification.verify_pdf(read_pdf(request))
                except UploadRejected as exc:
                    error = str(exc.message)
            elif request.POST.get("code"):
                code = request.POST["code"]
        if code is not None and verdict is None and error is None:
            verdict = verification.verify_code(code)
        context = {
            "verdict": verdict,
            "public": verdict.public() if verdict else None,
            "error": error,
            "code": code or "",
            "lang": lang,
            "languages": settings.LANGUAGES,
        }
        status = 200 if error is None else 400
        return render(request, "documents/verify.html", context, status=status)


def pdf_response(document):
    """An issued document's stored bytes as the API serves them (`api.documents.IssuedPdf`)."""
    from django.http import HttpResponse

    from qamqor.documents import services

    response = HttpResponse(services.document_bytes(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.display_code}.pdf"'
    response["ETag"] = f'"{document.sha256}"'
    return response
