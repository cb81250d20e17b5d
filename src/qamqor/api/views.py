"""Small API views: the root index, the log-in token and the current user."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from qamqor.api.errors import LoginLockedOut
from qamqor.api.outputs import ErrorOut, MeOut, RootOut, TokenOut


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


class ObtainToken(APIView):
    """DRF's `obtain_auth_token`, with tokens that expire (`QAMQOR_TOKEN_TTL`): an expired token is
    replaced by a new one. Failed log-ins count towards django-axes' lockout (429 when locked)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = AuthTokenSerializer

    @extend_schema(
        summary="Log in: a bearer token",
        request=AuthTokenSerializer,
        responses={200: TokenOut, 400: ErrorOut, 429: ErrorOut},
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes refuses a locked-out user name and address before the password is
            # checked; Django's `authenticate` hides that as a plain failure, axes marks the request
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut()
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        now = timezone.now()
        with transaction.atomic():
            token = Token.objects.select_for_update().filter(user=user).first()
            if token is not None and token.created < now - settings.QAMQOR_TOKEN_TTL:
                token.delete()
                token = None
            if token is None:
                token = Token.objects.create(user=user)
        expires = token.created + settings.QAMQOR_TOKEN_TTL
        return Response({"token": token.key, "expires_at": expires.isoformat()})


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
