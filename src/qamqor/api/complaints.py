"""Complaint endpoints (the complaints app's steps, one endpoint each) and the contact centre's lookup.

A view parses its input, calls ONE step of `qamqor.complaints.actions`, and renders through
`complaints.selectors.shown`. A complaint another person may not see is a 404, as a missing one.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework import serializers as s
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api.applications import ETAG_RE, request_lang
from qamqor.api.bounds import clean_text
from qamqor.api.outputs import ErrorOut

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
ROUTES = ("provider_head", "akimat_head", "state_corp_head", "authorised_body")
CHANNELS = ("portal", "provider", "state_corp", "akimat", "post")


# --- bodies ---------------------------------------------------------------------------------------
class Text(s.CharField):
    """Text as the API stores it: no control, direction-changing or invisible characters (api.bounds)."""

    def to_internal_value(self, data):
        return clean_text(super().to_internal_value(data))


ID = {"min_value": 1, "max_value": 2**31 - 1}


class FileComplaintIn(s.Serializer):
    route = s.ChoiceField(ROUTES, help_text="to whom the complaint is addressed (the reviewing body)")
    channel = s.ChoiceField(CHANNELS, default="portal", help_text="how it came in (the filer's role decides)")
    text = Text(max_length=5000, help_text="what is complained about and what is asked")
    complainant_name = Text(max_length=300)
    postal_address = Text(max_length=300)
    phone = Text(max_length=32)
    decision = s.IntegerField(required=False, **ID, help_text="the decision complained about (its id)")
    event = s.IntegerField(
        required=False, **ID, help_text="the action complained about (the case event's id)"
    )


class EmptyIn(s.Serializer):
    pass


class SatisfyIn(s.Serializer):
    findings = s.DictField(
        required=False, help_text='re-examined findings, e.g. {"officer.false_documents": false}'
    )
    evidence = s.DictField(child=Text(), required=False, help_text="the evidence of each finding")
    action_taken = Text(required=False, allow_blank=True, max_length=2000)


class AnswerIn(s.Serializer):
    reasoning = Text(max_length=5000)
    outcome = s.ChoiceField(("rejected", "founded"), default="rejected")


class EscalateIn(s.Serializer):
    text = Text(max_length=5000)


class LookupIn(s.Serializer):
    number = Text(max_length=40)
    iin = Text(max_length=12)


# --- answers --------------------------------------------------------------------------------------
class ComplaintEventOut(s.Serializer):
    seq = s.IntegerField()
    action = s.CharField()
    from_status = s.CharField()
    to_status = s.CharField()
    actor_role = s.CharField()
    at = s.DateTimeField()
    legal_basis = s.DictField()


class ComplaintOut(s.Serializer):
    id = s.IntegerField()
    number = s.CharField()
    application = s.IntegerField()
    application_number = s.CharField()
    application_status = s.CharField()
    subject = s.CharField()
    subject_label = s.CharField()
    decision = s.IntegerField(allow_null=True)
    event = s.IntegerField(allow_null=True)
    route = s.CharField()
    route_label = s.CharField()
    channel = s.CharField()
    channel_label = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    version = s.IntegerField()
    text = s.CharField()
    received_on = s.DateField()
    forwarded_on = s.DateField(allow_null=True)
    forward_due = s.DateField(allow_null=True)
    review_due = s.DateField(allow_null=True)
    due = s.DateField(
        allow_null=True, help_text="the last day of the current stage (null: closed or unknown)"
    )
    overdue = s.BooleanField()
    working_days_left = s.IntegerField(allow_null=True)
    clocks = s.DictField(help_text="each term with its clause, anchor and due date, or why it is unknown")
    outcome = s.CharField()
    outcome_label = s.CharField()
    answer = s.DictField()
    escalated_from = s.IntegerField(allow_null=True)
    court = s.DictField(help_text="court follows the pre-trial complaint: the clause")
    events = ComplaintEventOut(many=True)


class ComplaintListOut(s.Serializer):
    today = s.DateField()
    overdue = s.IntegerField()
    results = ComplaintOut(many=True)


class StageOut(s.Serializer):
    status = s.CharField()
    since = s.DateTimeField(allow_null=True)


class LookupOut(s.Serializer):
    number = s.CharField()
    status = s.CharField()
    status_label = s.CharField()
    stage = StageOut()
    expected_date = s.DateField(allow_null=True)
    legal_basis = s.DictField()


def _sel():
    from qamqor.complaints import selectors

    return selectors


def _actions():
    from qamqor.complaints import actions

    return actions


def _expected(request) -> int | None:
    m = ETAG_RE.match(request.META.get("HTTP_IF_MATCH") or "")
    return int(m.group(1)) if m else None


def _one(complaint) -> Response:
    body = _sel().shown(complaint, request_lang(), timezone.localdate())
    response = Response(body)
    response["ETag"] = f'"{complaint.version}"'
    return response


def _valid(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class CaseComplaints(APIView):
    @extend_schema(
        summary="The complaints about one application", responses={200: ComplaintListOut, **ERRORS}
    )
    def get(self, request, pk: int):
        from qamqor.cases import selectors as cases

        case = cases.case_for(request.user, pk, purpose="complaints")
        today = timezone.localdate()
        rows = _sel().complaints_of_case(request.user, case)
        lang = request_lang()
        return Response(
            {
                "today": today,
                "overdue": sum(1 for c in rows if _sel().flags(c, today)["overdue"]),
                "results": [_sel().shown(c, lang, today) for c in rows],
            }
        )

    @extend_schema(
        operation_id="application_file_complaint",
        summary="File a complaint about the application's decision, an action or an inaction",
        request=FileComplaintIn,
        responses={201: ComplaintOut, **ERRORS},
    )
    def post(self, request, pk: int):
        from qamqor.cases import selectors as cases

        case = cases.case_for(request.user, pk, purpose="complaint")
        data = _valid(FileComplaintIn, request)
        decision = case.decisions.filter(pk=data.pop("decision")).first() if "decision" in data else None
        event = case.events.filter(pk=data.pop("event")).first() if "event" in data else None
        if ("decision" in request.data and decision is None) or ("event" in request.data and event is None):
            raise exceptions.ValidationError({"decision": ["not of this application"]}, code="subject")
        complaint = _actions().file_complaint(
            case, actor=request.user, decision=decision, event=event, **data
        )
        response = _one(complaint)
        response.status_code = status.HTTP_201_CREATED
        return response


class ComplaintQueue(APIView):
    @extend_schema(
        operation_id="complaint_queue",
        summary="The open complaints I work, the nearest due date first, with overdue marks",
        responses={200: ComplaintListOut, **ERRORS},
    )
    def get(self, request):
        sel = _sel()
        if request.user.role not in sel.QUEUE_ROLES:
            raise exceptions.PermissionDenied()
        today = timezone.localdate()
        rows = list(sel.complaint_queue(request.user)[:200])
        lang = request_lang()
        return Response(
            {
                "today": today,
                "overdue": sel.overdue_count(request.user, today),
                "results": [sel.shown(c, lang, today) for c in rows],
            }
        )


class ComplaintDetail(APIView):
    @extend_schema(
        summary="One complaint: its clocks, events and answer", responses={200: ComplaintOut, **ERRORS}
    )
    def get(self, request, pk: int):
        return _one(_sel().complaint_for(request.user, pk))


STEPS = {
    "forward": (EmptyIn, "forward_complaint", "Forward the complaint to the reviewing body"),
    "satisfy": (
        SatisfyIn,
        "satisfy_complaint_fully",
        "Satisfy the complaint fully (a refusal: through the gate)",
    ),
    "answer": (AnswerIn, "answer_complaint", "Answer the complaint (a signed, reasoned answer)"),
    "escalate": (EscalateIn, "escalate_complaint", "Take the answered complaint to the authorised body"),
}


def _step_view(name: str):
    body, step, summary = STEPS[name]

    def post(self, request, pk: int):
        complaint = _sel().complaint_for(request.user, pk)
        data = _valid(body, request)
        result = getattr(_actions(), step)(
            complaint, actor=request.user, expected_version=_expected(request), **data
        )
        return _one(result)

    post = extend_schema(
        operation_id=f"complaint_{name}",
        summary=summary,
        request=body,
        responses={200: ComplaintOut, **ERRORS},
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )(post)
    return type(f"Complaint{name.title()}", (APIView,), {"post": post})


class ContactCentreLookup(APIView):
    @extend_schema(
        operation_id="contact_centre_lookup",
        summary="Contact centre (1414): status, stage and expected date by number and the caller's IIN",
        request=LookupIn,
        responses={200: LookupOut, **ERRORS},
    )
    def post(self, request):
        data = _valid(LookupIn, request)
        return Response(_actions().lookup_status(request.user, **data))


urls = [
    path("applications/<int:pk>/complaints/", CaseComplaints.as_view(), name="application-complaints"),
    path("complaints/", ComplaintQueue.as_view(), name="complaint-queue"),
    path("complaints/<int:pk>/", ComplaintDetail.as_view(), name="complaint-detail"),
    *(
        path(f"complaints/<int:pk>/{name}/", _step_view(name).as_view(), name=f"complaint-{name}")
        for name in STEPS
    ),
    path("contact-centre/lookup/", ContactCentreLookup.as_view(), name="contact-centre-lookup"),
]
