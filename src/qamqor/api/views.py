"""Small API views: the root index and the current user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from qamqor.api.outputs import MeOut, RootOut


class Root(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Index of the API", responses=RootOut)
    def get(self, request):
        return Response(
            {
                "services": reverse("service-list", request=request),
                "applications": reverse("application-list", request=request),
                "queue": reverse("queue", request=request),
                "token": reverse("api-token", request=request),
                "me": reverse("api-me", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("swagger-ui", request=request),
            }
        )


class Me(APIView):
    @extend_schema(summary="Who am I", responses=MeOut)
    def get(self, request):
        u = request.user
        return Response(
            {
                "username": u.username,
                "role": getattr(u, "role", ""),
                "provider": getattr(getattr(u, "provider", None), "code", None),
                "office": getattr(getattr(u, "office", None), "code", None),
                "language": getattr(u, "language", "kk"),
            }
        )
