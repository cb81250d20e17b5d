"""One-time sign-in codes of the demo (issue 13): a recipient signs in with their IIN and a code
sent to an outbox that the demo shows (`/portal/outbox/`). There is no SMS gateway in this system,
so production has no code sign-in at all (the views answer 404): only the password log-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInCode(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=200)  # django.contrib.auth.hashers: never the code itself
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    demo_message = models.CharField(max_length=200, blank=True)  # the outbox's text (demo mode only)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="portal_code_user_created")]
