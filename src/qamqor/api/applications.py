"""Application endpoints: submit, list, read (timeline and deadlines), actions, queues.

Each action calls ONE service function of the case domain (`qamqor.cases.services`); the API adds
authentication, input validation, the version check (ETag / If-Match) and the error shape.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api import fastinput
from qamqor.api import serializers as s
from qamqor.api.errors import IdempotencyKeyReused, PreconditionRequired, UnknownAction, VersionConflict
from qamqor.api.prepared import Prepared

IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def request_lang() -> str:
    """The language of this request (kk, ru or en), Kazakh by default."""
    lang = (translation.get_language() or "kk").split("-")[0]
    return lang if lang in ("kk", "ru", "en") else "kk"


def etag(version: int) -> str:
    return f'"{version}"'


def _services():
    from qamqor.cases import services

    return services


def _access():
    from qamqor.cases import access

    return access


def _detail_queryset():
    from qamqor.cases.models import Application

    return Application.objects.select_related("applicant", "provider", "office").prefetch_related(
        "children", "documents", "decisions", "events"
    )


def allowed_actions_for(user, case) -> list[str]:
    from qamqor.cases.transitions import moves_from

    role = getattr(user, "role", "")
    names = []
    for t in moves_from(case.status, case.channel):
        if role in t.roles and t.action not in names:
            names.append(t.action)
    if role in ("provider_officer", "provider_head") and case.status == "in_review":
        names.append("decide")
    return names


def _respond(case, user, *, code=status.HTTP_200_OK, headers: dict | None = None, **preloaded) -> Response:
    body = s.application_detail(
        case, request_lang(), allowed_actions=allowed_actions_for(user, case), **preloaded
    )
    response = Response(body, status=code, headers=headers or {})
    response["ETag"] = etag(case.version)
    return response


def _load_for(user, pk: int, purpose: str):
    """The case if this user may see it (logs the personal-data read), with its relations loaded."""
    case = _access().get_case_for(user, pk, purpose=purpose)
    return _detail_queryset().get(pk=case.pk)


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
        """Whether `complete()` has people to insert."""
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


class ApplicationList(APIView):
    @extend_schema(
        summary="Submit an application",
        request=s.SubmitIn,
        responses={201: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="a retried submission with the same key returns the same application",
            )
        ],
    )
    def post(self, request):
        from qamqor.accounts.models import Provider, StateCorpOffice

        user = request.user
        raw_key = request.META.get(IDEMPOTENCY_HEADER, "").strip()
        if len(raw_key) > 100:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("At most 100 characters.")]}, code="max_length"
            )
        key = f"{user.pk}:{raw_key}" if raw_key else None
        data = submit_body(request.data)

        if key is not None:  # a retry: the same application, the same response
            existing = _detail_queryset().filter(idempotency_key=key).first()
            if existing is not None:
                if (
                    existing.service_slug != data["service"]
                    or existing.applicant.iin != data["applicant"]["iin"]
                ):
                    raise IdempotencyKeyReused()
                return _respond(
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
        portal = data["channel"] == "portal"
        # one transaction for the new people, the application and the portal's acceptance; when
        # there is nothing else to write, `submit` opens its own, around its inserts only (on
        # SQLite the write lock is then held for the inserts, not for the checks before them)
        with transaction.atomic() if portal or people.new_ones() else contextlib.nullcontext():
            applicant, *children = people.complete()
            submitted = _services().submit(
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
            )
            case = submitted.case
            portal = portal and case.status == "submitted" and not submitted.replayed
            if portal:
                # the portal accepts at once: "request accepted" with the result date (system move)
                _services().register_on_portal(case)
        if submitted.replayed:  # a concurrent retry's application: answer with the stored one
            return _respond(_detail_queryset().get(pk=case.pk), user, code=status.HTTP_201_CREATED)
        # a fresh submission: answer from what is in hand (no re-read; no decisions yet); after the
        # portal's registration the timeline has two events, read once
        return _respond(
            case,
            user,
            code=status.HTTP_201_CREATED,
            children=children,
            decisions=[],
            documents=submitted.documents,
            events=None if portal else [submitted.event],
        )

    @extend_schema(
        summary="Applications I may see (no personal data in the list)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("service", OpenApiTypes.STR),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        qs = _access().cases_visible_to(request.user).select_related("provider", "office")
        if st := request.query_params.get("status"):
            qs = qs.filter(status=st)
        if svc := request.query_params.get("service"):
            qs = qs.filter(service_slug=svc)
        try:
            limit = min(max(int(request.query_params.get("limit", 100)), 1), 500)
            offset = max(int(request.query_params.get("offset", 0)), 0)
        except ValueError:
            raise exceptions.ValidationError(
                {"limit": [_("Enter a whole number.")]}, code="invalid"
            ) from None
        total = qs.count()
        lang = request_lang()
        rows = [
            s.application_summary(a, lang)
            for a in qs.order_by("-submitted_at", "-id")[offset : offset + limit]
        ]
        return Response({"count": total, "offset": offset, "limit": limit, "results": rows})


class ApplicationDetail(APIView):
    @extend_schema(summary="An application with its timeline and deadlines", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        case = _load_for(request.user, pk, "view")
        inm = request.META.get("HTTP_IF_NONE_MATCH")
        if inm and _parse_version(inm) == case.version:
            r = Response(status=status.HTTP_304_NOT_MODIFIED)
            r["ETag"] = etag(case.version)
            return r
        return _respond(case, request.user)


# --- actions ------------------------------------------------------------------------------------------

# action name → (input serializer, service function name); one service call per action.
ACTIONS: dict[str, tuple[type, str]] = {
    "accept_at_front_office": (s.EmptyIn, "accept_at_front_office"),
    "register_at_provider": (s.EmptyIn, "register_at_provider"),
    "refuse_to_accept": (s.RefuseToAcceptIn, "refuse_to_accept"),
    "send_by_courier": (s.EmptyIn, "send_by_courier"),
    "receive_at_provider": (s.EmptyIn, "receive_at_provider"),
    "check_completeness": (s.EmptyIn, "check_completeness"),
    "start_review": (s.EmptyIn, "start_review"),
    "await_registry_data": (s.EmptyIn, "await_registry_data"),
    "receive_registry_data": (s.EmptyIn, "receive_registry_data"),
    "decide": (s.DecideIn, "decide"),
    "grant": (s.EmptyIn, "grant"),
    "issue_preliminary_refusal": (s.PreliminaryRefusalIn, "issue_preliminary_refusal"),
    "hold_hearing": (s.HearingIn, "hold_hearing"),
    "lapse_objection_term": (s.LapseIn, "lapse_objection_term"),
    "issue_final_refusal": (s.EmptyIn, "issue_final_refusal"),
    "issue_result": (s.EmptyIn, "issue_result"),
    "hold_at_state_corp": (s.EmptyIn, "hold_at_state_corp"),
    "hand_over": (s.HandOverIn, "hand_over"),
    "transfer_to_provider": (s.EmptyIn, "transfer_to_provider"),
    "request_return": (s.EmptyIn, "request_return"),
    "resend_to_state_corp": (s.EmptyIn, "resend_to_state_corp"),
    "withdraw": (s.ReasonIn, "withdraw"),
}


# Moves the system makes right after a person's action (actor None): a portal result goes straight
# to the personal cabinet (002_eefeb2ec619131ea.txt annex 11 §7).
SYSTEM_FOLLOW_UPS = {("portal", "issue_result"): ("result_issued", "deliver_to_cabinet")}


def _parse_version(header: str) -> int | None:
    m = ETAG_RE.match(header or "")
    return int(m.group(1)) if m else None


class ApplicationAction(APIView):
    @extend_schema(
        summary="Do an action on an application (If-Match: the version from the ETag)",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT, 428: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
    )
    def post(self, request, pk: int, action: str):
        if action not in ACTIONS:
            raise UnknownAction()
        serializer_class, function_name = ACTIONS[action]
        header = request.META.get("HTTP_IF_MATCH")
        if not header:
            raise PreconditionRequired()
        expected = _parse_version(header)
        if expected is None:
            raise exceptions.ValidationError(
                {"If-Match": [_("Send the version as given in the ETag header.")]}, code="invalid"
            )
        case = _access().get_case_for(request.user, pk, purpose=f"action:{action}")
        if case.version != expected:
            raise VersionConflict()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = dict(body.validated_data)
        raw_key = request.META.get(IDEMPOTENCY_HEADER, "").strip()
        if raw_key:
            kwargs["idempotency_key"] = f"{request.user.pk}:{pk}:{raw_key}"[:120]
        function = getattr(_services(), function_name)
        with transaction.atomic():
            function(case, actor=request.user, expected_version=expected, **kwargs)
            follow_up = SYSTEM_FOLLOW_UPS.get((case.channel, action))
            if follow_up and case.status == follow_up[0]:
                getattr(_services(), follow_up[1])(case)
        return _respond(_detail_queryset().get(pk=case.pk), request.user)


# --- queues --------------------------------------------------------------------------------------------


def _prelim_latest(case) -> dt.date | None:
    """The latest day for the preliminary refusal, from the case's computed deadlines."""
    return _services().step_due(case, "preliminary_refusal")


def queue_flags(case, today: dt.date, now: dt.datetime, within: int) -> dict:
    from qamqor.rules.calendar import working_days_between

    if case.due_at is not None:
        overdue = now > case.due_at
        at_risk = not overdue and (case.due_at - now) <= dt.timedelta(minutes=settings.QAMQOR_AT_RISK_MINUTES)
        return {"overdue": overdue, "at_risk": at_risk, "watch": "due_at"}
    overdue = case.due_date is not None and today > case.due_date
    watch = None
    at_risk = False
    if not overdue:
        dates = []
        prelim = (
            _prelim_latest(case)
            if case.status in ("in_review", "awaiting_registry_data", "completeness_checked")
            else None
        )
        if prelim is not None and prelim >= today:
            dates.append(("preliminary_refusal", prelim))
        if case.due_date is not None:
            dates.append(("due_date", case.due_date))
        for name, day in sorted(dates, key=lambda x: x[1]):
            if working_days_between(today, day) <= within:
                at_risk, watch = True, name
                break
    return {"overdue": overdue, "at_risk": at_risk, "watch": watch}


class Queue(APIView):
    @extend_schema(
        summary="My work queue: open applications by due date, with overdue and at-risk flags",
        parameters=[
            OpenApiParameter(
                "within", OpenApiTypes.INT, description="at risk within this many working days (default 2)"
            )
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        from qamqor.cases.transitions import TERMINAL

        try:
            within = int(request.query_params.get("within", settings.QAMQOR_AT_RISK_WORKING_DAYS))
        except ValueError:
            raise exceptions.ValidationError(
                {"within": [_("Enter a whole number.")]}, code="invalid"
            ) from None
        if request.user.role not in ("provider_officer", "provider_head", "front_office_operator"):
            raise exceptions.PermissionDenied(
                _("Only provider staff and State Corporation operators have a queue.")
            )
        qs = (
            _access()
            .cases_visible_to(request.user)
            .exclude(status__in=[str(x) for x in TERMINAL])
            .select_related("provider", "office")
            .order_by(
                F("due_date").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "submitted_at", "id"
            )
        )
        now = timezone.now()
        today = timezone.localdate(now)
        lang = request_lang()
        rows = []
        for case in qs[:500]:
            row = s.application_summary(case, lang)
            row.update(queue_flags(case, today, now, within))
            rows.append(row)
        return Response({"today": today.isoformat(), "within_working_days": within, "results": rows})
