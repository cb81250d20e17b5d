"""Fully automated services on the portal: the recipient's request, decided with no human step.

* `POST services/<slug>/automated-requests` `{child_iin, consent, facts, provider}` → 201
  `{id, number, status, decision, grounds[…], missing_facts, result_url, …}` (`Idempotency-Key`
  honoured). Calls ONE service function, `qamqor.cases.automated.apply_automated`.
* `GET services/<slug>/automated-requests/<id>/result` → the result in the personal cabinet: the
  notice and decision, or the motivated refusal with its grounds (the recipient's own only).

Errors in the requested language (`Accept-Language`), shaped by `qamqor.api.errors`: malformed
input → 400 with field errors; a service that is unknown, not in force or not fully automated → 400
with its code (`unknown_service`, `not_in_force`, `not_fully_automated`).
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api import idempotency, outputs
from qamqor.api.applications import ERRORS, IDEMPOTENCY_PARAM, request_lang
from qamqor.api.serializers import DocumentIn, status_label, validate_iin_field


class AutomatedRequestIn(serializers.Serializer):
    child_iin = serializers.CharField(max_length=12, validators=[validate_iin_field])
    consent = serializers.BooleanField()
    facts = serializers.JSONField(required=False, default=dict)
    provider = serializers.SlugField(
        max_length=64, help_text="code of the education department the request is addressed to"
    )
    documents = DocumentIn(many=True, required=False, default=list)

    def validate_facts(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Facts must be a JSON object."), code="not_an_object")
        return value


def _ground(g: dict, lang: str) -> dict:
    return {
        "item": g.get("item"),
        "code": g.get("code"),
        "citation": g.get("citation"),
        "judgement": g.get("judgement", False),
        "explanation": (g.get("explanation") or {}).get(lang, ""),
    }


def _body(outcome, request, lang: str) -> dict:
    case, decision = outcome.case, outcome.decision
    evaluation = decision.evaluation if decision is not None else {}
    return {
        "id": case.pk,
        "number": case.number,
        "service": case.service_slug,
        "catalogue_version": case.catalogue_version,
        "status": case.status,
        "status_label": status_label(case.status),
        "decision": outcome.result if decision is not None else None,
        "decided_automatically": decision is not None and decision.decided_by_id is None,
        "grounds": [_ground(g, lang) for g in (decision.grounds if decision is not None else [])],
        "judgement_not_examined": [
            {"item": j["item"], "code": j["code"], "citation": j["citation"], "note": j["note"].get(lang, "")}
            for j in evaluation.get("judgement_not_examined", [])
        ],
        "obligations": evaluation.get("obligations", []),
        "missing_facts": outcome.missing_facts,
        "expected_result_date": case.due_date.strftime("%d.%m.%Y") if case.due_date else None,
        "result_url": request.build_absolute_uri(
            reverse("automated-request-result", args=[case.service_slug, case.pk])
        ),
    }


class AutomatedRequests(APIView):
    @extend_schema(
        summary="Apply to a fully automated service (decided with no human step)",
        request=AutomatedRequestIn,
        responses={201: outputs.AutomatedOut, **ERRORS},
        parameters=[IDEMPOTENCY_PARAM],
    )
    def post(self, request, slug: str):
        from qamqor.accounts.models import Provider
        from qamqor.cases.actions import apply_automated

        user = request.user
        key = idempotency.key_for(request, f"automated:{slug}")
        data = AutomatedRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        provider = Provider.objects.filter(code=v["provider"]).first()
        if provider is None:
            raise exceptions.ValidationError({"provider": [_("Unknown code.")]}, code="unknown_code")
        outcome = apply_automated(
            slug,
            applicant=user,
            children=[v["child_iin"]],
            provider=provider,
            facts=v["facts"],
            consent=v["consent"],
            documents=[dict(d) for d in v["documents"]],
            idempotency_key=key,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(
            _body(outcome, request, request_lang()), status=status.HTTP_201_CREATED, headers=headers
        )


class AutomatedResult(APIView):
    @extend_schema(
        summary="The result of a fully automated request (personal cabinet)",
        responses={200: outputs.CabinetOut, 404: outputs.ErrorOut},
    )
    def get(self, request, slug: str, pk: int):
        from qamqor.cases.access import get_case_for
        from qamqor.cases.selectors import cabinet_result

        case = get_case_for(request.user, pk, purpose="automated result (personal cabinet)")
        if case.service_slug != slug:
            raise exceptions.NotFound()
        return Response(cabinet_result(case, request_lang()))


urlpatterns = [
    path(
        "services/<slug:slug>/automated-requests",
        AutomatedRequests.as_view(),
        name="automated-requests",
    ),
    path(
        "services/<slug:slug>/automated-requests/<int:pk>/result",
        AutomatedResult.as_view(),
        name="automated-request-result",
    ),
]
