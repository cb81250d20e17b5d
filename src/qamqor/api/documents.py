"""The documents of an application, and the public verification of any issued document.

- `POST applications/<id>/documents/` (multipart: `code`, `file`): a scan of a document the service
  asks for, checked by its content (`documents.uploads`) and recorded on the case, where the
  completeness check counts it; a refused file → 400 with the reason in the request's language and
  nothing stored. The recipient (own case, until the completeness check) and the staff of the case.
- `GET applications/<id>/documents/issued/`: the documents issued for the case (kind, language, short
  code, sha256, verification address); `…/issued/<code>.pdf` the stored bytes, the same file the
  personal cabinet and the State Corporation desk hand out. Whoever may see the case (the read of
  personal data is logged: `cases.selectors.case_for`).
- `GET documents/verify/<code>`, `POST documents/verify/` (a PDF): anyone, no login; what the verdict
  may show (`documents.verification.Verdict.public`), never more personal data than the document.
"""

from __future__ import annotations

import json

from django.urls import path
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework import serializers as s
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api import outputs
from qamqor.api.applications import ERRORS, respond_with_case
from qamqor.api.renderers import JSONRenderer
from qamqor.cases import selectors

LANG_PARAM = OpenApiParameter(
    "lang", OpenApiTypes.STR, enum=["kk", "ru", "en"], description="the answer's language"
)


# --- shapes -------------------------------------------------------------------------------------------


class UploadIn(s.Serializer):
    code = s.SlugField(max_length=80, help_text="the document's code in the service's definition")
    # an empty file is refused by `documents.uploads` (its reason in kk/ru/en), not by DRF
    file = s.FileField(
        allow_empty_file=True, help_text="PDF, JPEG or PNG (recognised by content), within the size limit"
    )


class IssuedDocumentOut(s.Serializer):
    kind = s.CharField()
    title = s.CharField()
    lang = s.CharField()
    code = s.CharField(help_text="the short code printed on the document")
    sha256 = s.CharField()
    issued_on = s.CharField(help_text="dd.mm.yyyy")
    revoked = s.BooleanField()
    superseded = s.BooleanField()
    verify_url = s.CharField()
    download_url = s.CharField()


class IssuedListOut(s.Serializer):
    results = IssuedDocumentOut(many=True)


class VerifiedDocumentOut(s.Serializer):
    code = s.CharField()
    kind = s.CharField()
    title = s.CharField()
    lang = s.CharField()
    issuer = s.CharField()
    issuer_code = s.CharField()
    issued_on = s.CharField(help_text="dd.mm.yyyy")
    valid_from = s.CharField(allow_null=True)
    valid_until = s.CharField(allow_null=True)
    revoked = s.BooleanField()
    superseded_by = s.CharField(allow_null=True)
    sha256 = s.CharField()


class VerdictOut(s.Serializer):
    status = s.CharField(
        help_text="genuine | valid | not_yet_valid | expired | revoked | superseded | unknown | altered | unsigned | untrusted"
    )
    genuine = s.BooleanField()
    valid = s.BooleanField()
    message = s.CharField()
    document = VerifiedDocumentOut(required=False)
    signature_checked = s.BooleanField(required=False)


class VerifyPdfIn(s.Serializer):
    file = s.FileField(help_text="the PDF to check")


class UploadRejectedOut(s.Serializer):
    error = s.CharField()
    message = s.CharField()


class PdfRenderer(renderers.BaseRenderer):
    """`application/pdf` for the stored bytes; an error body (a dict) goes out as JSON text."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


# --- an application's documents -----------------------------------------------------------------------


def _rejected(exc) -> Response:
    message = str(exc.message)
    return Response(
        {"code": exc.code, "detail": message, "errors": {"file": [message]}},
        status=status.HTTP_400_BAD_REQUEST,
    )


class ApplicationDocuments(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="application_upload_document",
        summary="Attach a scan of a required document (counted by the completeness check)",
        request={"multipart/form-data": UploadIn},
        responses={200: outputs.ApplicationOut, **ERRORS},
    )
    def post(self, request, pk: int):
        from qamqor.cases.actions.issuing import attach_upload
        from qamqor.documents.uploads import UploadRejected

        case = selectors.case_for(request.user, pk, purpose="upload_document")
        body = UploadIn(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            attach_upload(
                case,
                actor=request.user,
                code=body.validated_data["code"],
                fileobj=body.validated_data["file"],
            )
        except UploadRejected as exc:
            return _rejected(exc)
        return respond_with_case(selectors.detail_queryset().get(pk=case.pk), request.user)


def issued_row(request, doc, download_path: str) -> dict:
    """An issued document as the API lists it (`IssuedDocumentOut`); `download_path` serves its bytes."""
    from qamqor.documents import registry, services

    return {
        "kind": doc.kind,
        "title": registry.get(doc.kind).title_in(doc.lang),
        "lang": doc.lang,
        "code": doc.display_code,
        "sha256": doc.sha256,
        "issued_on": doc.issued_on.strftime("%d.%m.%Y"),
        "revoked": doc.revoked_at is not None,
        "superseded": doc.superseded_by_id is not None,
        "verify_url": services.verify_url(doc.code),
        "download_url": request.build_absolute_uri(download_path),
    }


def _issued_row(request, case, doc) -> dict:
    return issued_row(request, doc, f"/api/v1/applications/{case.pk}/documents/issued/{doc.display_code}.pdf")


class IssuedDocuments(APIView):
    @extend_schema(
        operation_id="application_issued_documents",
        summary="The documents issued for the application (results, receipts, notices, records)",
        responses={200: IssuedListOut, 404: outputs.ErrorOut},
    )
    def get(self, request, pk: int):
        from qamqor.cases.actions.issuing import documents_of

        case = selectors.case_for(request.user, pk, purpose="documents")
        return Response({"results": [_issued_row(request, case, d) for d in documents_of(case)]})


class IssuedPdf(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="application_issued_document_pdf",
        summary="An issued document's signed PDF: the stored bytes",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the signed PDF"),
            404: outputs.ErrorOut,
        },
    )
    def get(self, request, pk: int, code: str):
        from qamqor.documents.views import pdf_response

        case = selectors.case_for(request.user, pk, purpose="document_download")
        doc = selectors.issued_document(case, code)
        if doc is None:
            raise NotFound()
        return pdf_response(doc)


# --- public verification ------------------------------------------------------------------------------


class _Public(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # anonymous and read-only: no session to ride on (no CSRF)


class VerifyCode(_Public):
    @extend_schema(
        operation_id="documents_verify_code",
        summary="Is the document with this short code genuine and still valid? (public)",
        parameters=[LANG_PARAM],
        responses={200: VerdictOut, 404: VerdictOut},
    )
    def get(self, request, code: str):
        from qamqor.documents import verification
        from qamqor.documents.views import request_lang

        with translation.override(request_lang(request)):
            verdict = verification.verify_code(code)
            return Response(verdict.public(), status=200 if verdict.document else 404)


class VerifyPdf(_Public):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="documents_verify_pdf",
        summary="Check a PDF's signature and hash against the documents issued (public)",
        parameters=[LANG_PARAM],
        request={"multipart/form-data": VerifyPdfIn},
        responses={200: VerdictOut, 400: UploadRejectedOut},
    )
    def post(self, request):
        from qamqor.documents import verification
        from qamqor.documents.uploads import UploadRejected
        from qamqor.documents.views import read_pdf, request_lang

        with translation.override(request_lang(request)):
            try:
                data = read_pdf(request)
            except UploadRejected as exc:
                return Response({"error": exc.code, "message": str(exc.message)}, status=400)
            return Response(verification.verify_pdf(data).public())


urls = [
    path("applications/<int:pk>/documents/", ApplicationDocuments.as_view(), name="application-documents"),
    path("applications/<int:pk>/documents/issued/", IssuedDocuments.as_view(), name="application-issued"),
    path(
        "applications/<int:pk>/documents/issued/<str:code>.pdf",
        IssuedPdf.as_view(),
        name="application-issued-pdf",
    ),
    path("documents/verify/", VerifyPdf.as_view(), name="documents-api-verify-pdf"),
    path("documents/verify/<str:code>", VerifyCode.as_view(), name="documents-api-verify"),
]
