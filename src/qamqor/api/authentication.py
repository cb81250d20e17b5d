"""Token authentication that loads the user's provider and office with the token, in one query.

DRF's `TokenAuthentication` reads the token and its user; the submission path then needs the user's
provider (and an operator's office) too, which would be a second and third query. Same checks, same
messages (DRF's own translations); the query is compiled once per connection (`api.prepared`), as it
runs on every authenticated request.

A token expires `QAMQOR_TOKEN_TTL` after it was issued (issue 15): its `created` comes with the same
row, so the check costs no query; the token view then issues a new one (api.views.ObtainToken).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from qamqor.api.prepared import Prepared


def _token_query(key):
    from rest_framework.authtoken.models import Token

    return Token.objects.select_related("user", "user__provider", "user__office").filter(key=key)


_TOKEN = Prepared(_token_query)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        token = _TOKEN.first(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.created < timezone.now() - settings.QAMQOR_TOKEN_TTL:
            raise exceptions.AuthenticationFailed(_("The token has expired; log in again for a new one."))
        return (token.user, token)
