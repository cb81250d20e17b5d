"""Application endpoints: submit, list, read (timeline, deadlines, facts with their sources), one
endpoint per action of the case layer, and the work queue.

A view parses its input, calls ONE step of `qamqor.cases.actions`, and renders; the procedure
(the portal's acceptance, a portal result's delivery to the cabinet) is the case layer's. Every body
and response is a serializer (`api.serializers` in, `api.outputs` out), so `/api/schema/` documents
each action by name, body and response. Every POST honours `Idempotency-Key` (`api.idempotency`).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api import fastinput, idempotency, outputs
from qamqor.api import serializers as s
from qamqor.api.errors import IdempotencyKeyReused, PreconditionRequired, VersionConflict
from qamqor.api.prepared import Prepared

ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')
ERRORS = {
    400: outputs.ErrorOut,
    403: outputs.ErrorOut,
    404: outputs.ErrorOut,
    409: outputs.ErrorOut,
    428: outputs.ErrorOut,
}
IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="a retried request with the same key answers as the first did",
)


def request_lang() -> str:
    """The language of this request (kk, ru or en), Kazakh by default."""
    lang = (translation.get_language() or "kk").split("-")[0]
    return lang if lang in ("kk", "ru", "en") else "kk"


def etag(version: int) -> str:
    return f'"{version}"'


def _actions():
    from qamqor.cases import actions

    return actions


def _selectors():
    from qamqor.cases import selectors

    return selectors


def respond_with_case(
    case, user, *, code=status.HTTP_200_OK, headers: dict | None = None, fact_rows=None, **preloaded
) -> Response:
    sel = _selectors()
    body = s.application_detail(
        case,
        request_lang(),
        allowed_actions=sel.allowed_actions(user, case),
        fact_sources=sel.fact_sources(case, timezone.localdate(), rows=fact_rows),
        **preloaded,
    )
    response = Response(body, status=code, headers=headers or {})
    response["ETag"] = etag(case.version)
    return response


# --- submit / list ------------------------------------------------------------------------------------


def _people_query(*iins):
    from qamqor.cases.models import Person

    return Person.objects.filter(iin__in=iins)


_PEOPLE = Prepared(_people_query)  # compiled once per connection and number of people


class _People:
    """The people a body names (applicant first, then the children), by IIN.

    `read()` is one query for all of them (outside the transaction); `complete()`, inside it, inserts
    the new ones (rare: people are registered once) with `ON CONFLICT DO NOTHING` and reads them back,
    so two submissions naming the same new person at once both get the one row, and a submission that
    fails leaves no new person behind. As `get_or_create`: existing people are not changed, the first
    mention of a new IIN gives its data, birth date and sex come from the IIN (as `Person.save`).
    """

    def __init__(self, items: list[dict]):
        self.items = items
        self.found: dict = {}

    def read(self) -> _People:
        self.found = {p.iin: p for p in _PEOPLE.all(*dict.fromkeys(d["iin"] for d in self.items))}
        return self

    def new_ones(self) -> bool:
        return any(d["iin"] not in self.found for d in self.items)

    def complete(self) -> list:
        from qamqor.cases.models import Person
        from qamqor.rules.iin import validate_iin

        new: dict[str, Person] = {}
        for d in self.items:
            if d["iin"] in self.found or d["iin"] in new:
                continue
            info = validate_iin(d["iin"])
            new[d["iin"]] = Person(
                iin=d["iin"],
                birth_date=info.birth_date,
                sex=info.sex,
                **{k: d.get(k, "") for k in ("last_name", "first_name", "middle_name", "address", "phone")},
            )
        if new:
            Person.objects.bulk_create(new.values(), ignore_conflicts=True)
            self.found.update((p.iin, p) for p in Person.objects.filter(iin__in=list(new)))
        return [self.found[d["iin"]] for d in self.items]


def _org(model, code: str | None, field: str, mine=None):
    """The provider/office with this code (the user's own, already loaded, when it is that one)."""
    if not code:
        return None
    if mine is not None and mine.code == code:
        return mine
    obj = model.objects.filter(code=code).first()
    if obj is None:
        raise exceptions.ValidationError({field: [_("Unknown code.")]}, code="unknown_code")
    return obj


def submit_body(data) -> dict:
    """The validated submission body: the fast path for plainly valid input, else `SubmitIn` (400)."""
    fast = fastinput.validated(s.SubmitIn, data)
    if fast is not None:
        return fast
    data_in = s.SubmitIn(data=data)
    data_in.is_valid(raise_exception=True)
    return data_in.validated_data


def _positive(request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.query_params.get(name, default)), low), high)
    except ValueError:
        raise exceptions.ValidationError({name: [_("Enter a whole number.")]}, code="invalid") from None


class ApplicationList(APIView):
    @extend_schema(
        summary="Submit an application",
        request=s.SubmitIn,
        responses={201: outputs.ApplicationOut, **ERRORS},
        parameters=[IDEMPOTENCY_PARAM],
    )
    def post(self, request):
        from qamqor.accounts.models import Provider, StateCorpOffice

        user = request.user
        key = idempotency.key_for(request, "submit")
        data = submit_body(request.data)
        if key is not None:  # a retry: the same application, the same response
            existing = _selectors().case_by_idempotency_key(key)
            if existing is not None:
                if (
                    existing.service_slug != data["service"]
                    or existing.applicant.iin != data["applicant"]["iin"]
                ):
                    raise IdempotencyKeyReused()
                return respond_with_case(
                    existing, user, code=status.HTTP_201_CREATED, headers={"Idempotent-Replayed": "true"}
                )
        # the user's provider and office came with the token (one query: api.authentication)
        provider = _org(
            Provider, data.get("provider"), "provider", getattr(user, "provider", None)
        ) or getattr(user, "provider", None)
        office = _org(
            StateCorpOffice, data.get("office"), "office", getattr(user, "office", None)
        ) or getattr(user, "office", None)
        if provider is None:
            raise exceptions.ValidationError({"provider": [_("This field is required.")]}, code="required")
        people = _People([data["applicant"], *data["children"]]).read()
        # people already on record: the answer shows their stored data, a read of personal data
        on_record = [
            (d["iin"], kind)
            for d, kind in zip(
                [data["applicant"], *data["children"]],
                ["applicant"] + ["child"] * len(data["children"]),
                strict=True,
            )
            if d["iin"] in people.found and d["iin"] != getattr(user, "iin", None)
        ]
        # new people and the application in one transaction; with nobody new, `submit` opens its own
        # around its inserts only (on SQLite the write lock is then held for the inserts alone)
        with transaction.atomic() if people.new_ones() else contextlib.nullcontext():
            applicant, *children = people.complete()
            submitted = _actions().submit(
                service_slug=data["service"],
                channel=data["channel"],
                applicant=applicant,
                children=children,
                provider=provider,
                office=office if data["channel"] == "state_corp" else None,
                actor=user,
                facts=data["facts"],
                consent=data["consent"],
                documents=[dict(d) for d in data["documents"]],
                idempotency_key=key,
                reads_shown=on_record,
                registered_regions={
                    d["iin"]: d["registered_region"]
                    for d in (data["applicant"], *data["children"])
                    if d.get("registered_region")
                },
            )
        case = submitted.case
        if submitted.replayed or case.channel == "portal":  # re-read: a concurrent retry's, or accepted
            return respond_with_case(
                _selectors().detail_queryset().get(pk=case.pk), user, code=status.HTTP_201_CREATED
            )
        # a fresh submission: answer from what is in hand (no re-read; no decisions yet)
        return respond_with_case(
            case,
            user,
            code=status.HTTP_201_CREATED,
            children=children,
            decisions=[],
            documents=submitted.documents,
            events=[submitted.event],
            fact_rows=submitted.facts,
        )

    @extend_schema(
        operation_id="applications_list",
        summary="Applications I may see (no personal data in the list)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("service", OpenApiTypes.STR),
            OpenApiParameter("limit", OpenApiTypes.INT),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={200: outputs.ApplicationListOut, 400: outputs.ErrorOut},
    )
    def get(self, request):
        limit = _positive(request, "limit", 100, 1, 500)
        offset = _positive(request, "offset", 0, 0, 10**9)
        params = s.ListFilterIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = _selectors().visible_cases(request.user, **params.validated_data)
        lang = request_lang()
        rows = [s.application_summary(a, lang) for a in qs[offset : offset + limit]]
        return Response({"count": qs.count(), "offset": offset, "limit": limit, "results": rows})


def _parse_version(header: str) -> int | None:
    m = ETAG_RE.match(header or "")
    return int(m.group(1)) if m else None


class ApplicationDetail(APIView):
    @extend_schema(
        operation_id="application_retrieve",
        summary="An application with its timeline, deadlines and facts with their sources",
        responses={200: outputs.ApplicationOut, 304: None, 404: outputs.ErrorOut},
    )
    def get(self, request, pk: int):
        case = _selectors().case_for(request.user, pk, purpose="view")
        inm = request.META.get("HTTP_IF_NONE_MATCH")
        if inm and _parse_version(inm) == case.version:
            r = Response(status=status.HTTP_304_NOT_MODIFIED)
            r["ETag"] = etag(case.version)
            return r
        return respond_with_case(case, request.user)


# --- actions: one endpoint each -----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    body: type
    step: str  # the function of qamqor.cases.actions
    summary: str


ACTIONS: dict[str, Action] = {
    "accept_at_front_office": Action(
        s.AcceptIn, "accept_at_front_office", "Accept at the State Corporation (receipt)"
    ),
    "register_at_provider": Action(s.EmptyIn, "register_at_provider", "Register at the provider's office"),
    "refuse_to_accept": Action(
        s.ReasonIn, "refuse_to_accept", "Refuse to accept an incomplete package (lists what is missing)"
    ),
    "send_by_courier": Action(s.EmptyIn, "send_by_courier", "Send the package to the provider by courier"),
    "receive_at_provider": Action(s.EmptyIn, "receive_at_provider", "Receive the package at the provider"),
    "check_completeness": Action(s.EmptyIn, "check_completeness", "Check the package is complete"),
    "start_review": Action(s.EmptyIn, "start_review", "Start the review"),
    "collect_registry_data": Action(s.EmptyIn, "collect_registry_data", "Ask the state information systems"),
    "await_registry_data": Action(s.EmptyIn, "await_registry_data", "Wait for the state information systems"),
    "receive_registry_data": Action(
        s.EmptyIn, "receive_registry_data", "Back to review with the registries' data"
    ),
    "record_findings": Action(
        s.FindingsIn, "record_official_findings", "Record official findings with evidence"
    ),
    "decide": Action(s.DecideIn, "decide", "Decide as the rules give over the recorded facts"),
    "grant": Action(s.EmptyIn, "grant", "Grant (only where the rules grant)"),
    "issue_preliminary_refusal": Action(
        s.PreliminaryRefusalIn,
        "issue_preliminary_refusal",
        "Preliminary refusal with the hearing's time and place",
    ),
    "hold_hearing": Action(s.HearingIn, "hold_hearing", "Record the hearing"),
    "lapse_objection_term": Action(s.EmptyIn, "lapse_objection_term", "The objection term has lapsed"),
    "issue_final_refusal": Action(
        s.EmptyIn, "issue_final_refusal", "Motivated refusal on the grounds that still apply"
    ),
    "issue_result": Action(s.IssueResultIn, "issue_result", "Issue the result (its signed document with it)"),
    "hold_at_state_corp": Action(s.EmptyIn, "hold_at_state_corp", "Keep the result at the State Corporation"),
    "hand_over": Action(s.HandOverIn, "hand_over", "Hand the result over"),
    "transfer_to_provider": Action(
        s.EmptyIn, "transfer_to_provider", "Transfer an unclaimed result to the provider"
    ),
    "request_return": Action(s.EmptyIn, "request_return", "Ask the provider to send the result back"),
    "resend_to_state_corp": Action(
        s.EmptyIn, "resend_to_state_corp", "Send the result back to the State Corporation"
    ),
    "withdraw": Action(s.ReasonIn, "withdraw", "Withdraw the application"),
}


class _ActionView(APIView):
    """POST applications/<pk>/actions/<name>/ with If-Match: the version from the ETag."""

    action_name = ""

    def post(self, request, pk: int):
        spec = ACTIONS[self.action_name]
        expected = _parse_version(request.META.get("HTTP_IF_MATCH") or "")
        if not request.META.get("HTTP_IF_MATCH"):
            raise PreconditionRequired()
        if expected is None:
            raise exceptions.ValidationError(
                {"If-Match": [_("Send the version as given in the ETag header.")]}, code="invalid"
            )
        key = idempotency.key_for(request, f"case:{pk}:{self.action_name}")
        case = _selectors().case_for(request.user, pk, purpose=f"action:{self.action_name}")
        if case.version != expected and key is None:
            raise VersionConflict()
        body = spec.body(data=request.data)
        body.is_valid(raise_exception=True)
        getattr(_actions(), spec.step)(
            case, actor=request.user, expected_version=expected, idempotency_key=key, **body.validated_data
        )
        return respond_with_case(_selectors().detail_queryset().get(pk=case.pk), request.user)


def _action_view(name: str, spec: Action):
    def post(self, request, pk: int):
        return _ActionView.post(self, request, pk)

    view = type(f"{''.join(p.title() for p in name.split('_'))}Action", (_ActionView,), {"action_name": name})
    view.post = extend_schema(
        operation_id=f"application_{name}",
        summary=spec.summary,
        request=spec.body,
        responses={200: outputs.ApplicationOut, **ERRORS},
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True),
            IDEMPOTENCY_PARAM,
        ],
    )(post)
    return view


action_urls = [
    path(
        f"applications/<int:pk>/actions/{name}/",
        _action_view(name, spec).as_view(),
        name=f"application-{name}",
    )
    for name, spec in ACTIONS.items()
]


# --- queues --------------------------------------------------------------------------------------------


class Queue(APIView):
    @extend_schema(
        summary="My work queue: open applications by due date, with overdue and at-risk flags",
        parameters=[
            OpenApiParameter("within", OpenApiTypes.INT, description="at risk within this many working days")
        ],
        responses={200: outputs.QueueOut, 400: outputs.ErrorOut, 403: outputs.ErrorOut},
    )
    def get(self, request):
        sel = _selectors()
        within = _positive(request, "within", settings.QAMQOR_AT_RISK_WORKING_DAYS, 0, 60)
        if request.user.role not in sel.QUEUE_ROLES:
            raise exceptions.PermissionDenied(
                _("Only provider staff and State Corporation operators have a queue.")
            )
        now = timezone.now()
        today = timezone.localdate(now)
        lang = request_lang()
        rows = [
            {**s.application_summary(case, lang), **sel.queue_flags(case, today, now, within)}
            for case in sel.work_queue(request.user)
        ]
        return Response({"today": today.isoformat(), "within_working_days": within, "results": rows})
