"""Log-in rules of the two modes (issue 15; docs/decisions/0018-production-mode.md).

The demo data gives every demo user one published password. In production mode that password never
logs anyone in, whoever holds it (a database that once served the demo, an administrator who reused
it): `Backend` is Django's model backend with that one refusal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

DEMO_PASSWORD = "qamqor-demo"  # nosec B105  # demo accounts only (refused in production mode); printed by `qamqor serve` in demo mode and on the demo home page


class Backend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.QAMQOR_PRODUCTION and password == DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
