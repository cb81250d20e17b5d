"""REST endpoints of the automated guardianship certificate and the recipient's own ledger.

Included under `/api/v1/`; each view calls one step of the data bank (`databank.services`).

* `POST services/guardianship-certificate/requests` `{child_iin, consent}` → 201 `{id, status,
  decision, grounds, result_url}`, decided with no human step (`004_b3169fa141ba7fa6.txt`).
* `GET services/guardianship-certificate/requests/<id>/result` → the certificate or the refusal, with
  its signed document (`document`: short code, sha256, verification and download addresses);
  `…/result.pdf` the signed PDF itself (`databank.documents`: made on the first request, the same
  bytes afterwards).
* `GET me/registry-ledger/` → every registry query about the signed-in recipient.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api import idempotency, outputs
from qamqor.api.applications import ERRORS, IDEMPOTENCY_PARAM
from qamqor.api.documents import IssuedDocumentOut, PdfRenderer, issued_row
from qamqor.api.renderers import JSONRenderer
from qamqor.databank import services
from qamqor.databank.models import CertificateRequest
from qamqor.registries.services import ledger_for


class CertificateRequestIn(serializers.Serializer):
    # DRF's own messages; the two its Russian catalogue lacks are in ours (api/framework_messages.py)
    child_iin = serializers.CharField(max_length=12)
    consent = serializers.BooleanField()


def _plainly_valid(data) -> dict | None:
    """`CertificateRequestIn`'s validated data for the plain case (a str IIN of ≤ 12 ASCII characters
    after trimming, a JSON boolean consent), without building the serializer; else None (always, with
    the fast paths switched off: `QAMQOR_FAST_PATHS`)."""
    if not settings.QAMQOR_FAST_PATHS:
        return None
    if type(data) is not dict or type(data.get("consent")) is not bool:
        return None
    iin = data.get("child_iin")
    if type(iin) is not str:
        return None
    iin = iin.strip()
    if not iin or len(iin) > 12 or not iin.isascii() or "\x00" in iin:
        return None
    return {"child_iin": iin, "consent": data["consent"]}


def _result_path(pk: int) -> str:
    """`reverse("guardianship-certificate-result", args=[pk])`: the pattern reversed once per process
    (reversing cost ~5 % of a certificate request), the key put in its place."""
    return _result_pattern().format(int(pk))


@functools.cache
def _result_pattern() -> str:
    return reverse("guardianship-certificate-result", args=[0]).replace("/0/", "/{}/")


def _out(req: CertificateRequest, request) -> dict:
    return {
        "id": req.pk,
        "number": req.number,
        "status": req.status,
        "decision": req.decision,
        "catalogue_version": req.catalogue_version,
        "grounds": req.grounds,
        "decided_at": req.decided_at.isoformat(),
        "result_url": request.build_absolute_uri(_result_path(req.pk)),
    }


class CertificateResultOut(outputs.CertificateRequestOut):
    result = outputs.CertificateTextOut()
    document = IssuedDocumentOut(allow_null=True, help_text="the signed PDF (null: not decided)")


class CertificateRequests(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="guardianship_certificate_request",
        summary="Request the guardianship certificate (decided at once, no human step)",
        request=CertificateRequestIn,
        responses={201: outputs.CertificateRequestOut, **ERRORS},
        parameters=[IDEMPOTENCY_PARAM],
    )
    def post(self, request):
        body = _plainly_valid(request.data)
        if body is None:  # anything else: the serializer decides (and its 400 is translated)
            data = CertificateRequestIn(data=request.data)
            data.is_valid(raise_exception=True)
            body = data.validated_data
        if not getattr(request.user, "iin", None):
            raise DRFValidationError(
                {"recipient": [_("Only a recipient with an IIN can request this certificate.")]},
                code="no_iin",
            )
        try:
            req = services.request_guardianship_certificate(
                request.user,
                body["child_iin"],
                body["consent"],
                idempotency_key=idempotency.key_for(request, "certificate"),
            )
        except ValidationError as exc:
            raise DRFValidationError(
                exc.message_dict if hasattr(exc, "message_dict") else exc.messages
            ) from None
        return Response(_out(req, request), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="guardianship_certificate_requests_list",
        summary="My certificate requests (personal cabinet)",
        responses={200: outputs.CertificateRequestOut(many=True)},
    )
    def get(self, request):
        iin = getattr(request.user, "iin", None)
        rows = services.cabinet(iin)[:100] if iin else []
        return Response([_out(r, request) for r in rows])


class CertificateResult(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The certificate or the motivated refusal",
        responses={200: CertificateResultOut, 404: outputs.ErrorOut},
    )
    def get(self, request, pk: int):
        req = _own_request(request, pk)
        lang = request.query_params.get("lang", getattr(request.user, "language", "kk") or "kk")
        return Response(
            {
                **_out(req, request),
                "result": services.certificate_text(req, lang),
                "document": _document_out(req, request, lang),
            }
        )


def _own_request(request, pk: int) -> CertificateRequest:
    req = CertificateRequest.objects.select_related("placement", "recipient").filter(pk=pk).first()
    if req is None or req.recipient_iin != getattr(request.user, "iin", None):
        raise NotFound()
    return req


def _document_out(req: CertificateRequest, request, lang: str) -> dict | None:
    from qamqor.databank.documents import certificate_document

    doc = certificate_document(req, lang)
    if doc is None:
        return None
    return issued_row(request, doc, f"{_result_path(req.pk)}.pdf?lang={doc.lang}")


class CertificatePdf(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="guardianship_certificate_result_pdf",
        summary="The certificate's or the refusal's signed PDF (the same bytes on every request)",
        parameters=[
            OpenApiParameter(
                "lang", OpenApiTypes.STR, enum=["kk", "ru"], description="the document's language"
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the signed PDF"),
            404: outputs.ErrorOut,
        },
    )
    def get(self, request, pk: int):
        from qamqor.databank.documents import certificate_document
        from qamqor.documents.views import pdf_response

        doc = certificate_document(_own_request(request, pk), request.query_params.get("lang"))
        if doc is None:
            raise NotFound()
        return pdf_response(doc)


class MyLedger(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Who read my data: every registry query about me",
        responses={200: outputs.LedgerRowOut(many=True)},
    )
    def get(self, request):
        iin = getattr(request.user, "iin", None)
        if not iin:
            return Response([])
        return Response(
            [
                {
                    "at": q.at.isoformat(),
                    "registry": q.registry,
                    "method": q.method,
                    "purpose": q.purpose,
                    "case_number": q.case_number,
                    "actor_role": q.actor_role,
                    "outcome": q.outcome,
                    "legal_basis": q.legal_basis,
                    "consent": str(q.consent.reference) if q.consent_id else None,
                }
                for q in ledger_for(iin)[:500]
            ]
        )


urlpatterns = [
    path(
        "services/guardianship-certificate/requests",
        CertificateRequests.as_view(),
        name="guardianship-certificate-requests",
    ),
    path(
        "services/guardianship-certificate/requests/<int:pk>/result",
        CertificateResult.as_view(),
        name="guardianship-certificate-result",
    ),
    path(
        "services/guardianship-certificate/requests/<int:pk>/result.pdf",
        CertificatePdf.as_view(),
        name="guardianship-certificate-result-pdf",
    ),
    path("me/registry-ledger/", MyLedger.as_view(), name="my-registry-ledger"),
]
