"""Catalogue views: the services and their versions, straight from `qamqor.catalog` (loaded once)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from qamqor.api.outputs import ErrorOut, ServiceDetailOut, ServiceListOut
from qamqor.catalog import UnknownService, load_catalog


def today() -> dt.date:
    return timezone.localdate()


def _on(request) -> dt.date:
    raw = request.query_params.get("on")
    if not raw:
        return today()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise exceptions.ValidationError({"on": [_("Enter a date as dd.mm.yyyy or yyyy-mm-dd.")]})


def _c(c):
    return c.as_dict() if c is not None else None


def ground_dict(g) -> dict:
    return {
        "item": g.item,
        "code": g.code,
        "text": g.text.as_dict(),
        "judgement": g.judgement,
        "citation": g.citation.as_dict(),
        "exceptions": [
            {"code": e.code, "text": e.text.as_dict(), "citation": _c(getattr(e, "citation", None))}
            for e in g.unless
            if hasattr(e, "code")
        ],
    }


def version_dict(v) -> dict:
    return {
        **v.window_dict(),
        "names": v.names.as_dict(),
        "provider_kinds": list(v.provider_kinds),
        "channels": [c.as_dict() for c in v.channels],
        "term": v.term.as_dict() if v.term else None,
        "form": list(v.form),
        "results": [r.as_dict() for r in v.results],
        "fee": v.fee.as_dict() if v.fee else None,
        "schedules": dict(v.schedules),
        "documents": [d.as_dict() for d in v.documents],
        "grounds": [ground_dict(g) for g in v.grounds],
        "obligations": [
            {
                "code": o.code,
                "text": o.text.as_dict(),
                "due": o.due.as_dict() if o.due else None,
                "citation": o.citation.as_dict(),
            }
            for o in v.obligations
        ],
        "steps": [s.as_dict() for s in v.steps],
        "unknown": [u.as_dict() for u in v.unknown],
    }


def service_summary(s, on: dt.date) -> dict:
    v = s.version_on(on)
    return {
        "slug": s.slug,
        "order_item": s.order_item,
        "names": (v.names if v else s.names).as_dict(),
        "status": s.status_on(on),
        "version": v.id if v else None,
        "channels": list(v.channel_codes) if v else [],
        "term": v.term.as_dict() if v and v.term else None,
    }


ON_PARAM = OpenApiParameter("on", OpenApiTypes.DATE, description="the day (default today, Almaty time)")


class ServiceList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="services_list",
        parameters=[ON_PARAM],
        responses={200: ServiceListOut, 400: ErrorOut},
        summary="The catalogue of services",
    )
    def get(self, request):
        on = _on(request)
        catalog = load_catalog()
        return Response(
            {"on": on.isoformat(), "services": [service_summary(s, on) for s in catalog.services.values()]}
        )


class ServiceDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="service_retrieve",
        parameters=[ON_PARAM],
        responses={200: ServiceDetailOut, 400: ErrorOut, 404: ErrorOut},
        summary="One service: every version, the one in force",
    )
    def get(self, request, slug: str):
        on = _on(request)
        try:
            s = load_catalog().service(slug)
        except UnknownService:
            raise exceptions.NotFound(_("There is no service with this code.")) from None
        current = s.version_on(on)
        return Response(
            {
                **service_summary(s, on),
                "on": on.isoformat(),
                "unknown": [u.as_dict() for u in s.unknown],
                "in_force": version_dict(current) if current else None,
                "versions": [v.window_dict() for v in s.versions],
            }
        )
