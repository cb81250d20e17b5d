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


class SignInChallenge(models.Model):
    """A one-time challenge for the digital-signature sign-in (decision 0028): random, kept here with
    its expiry, used once. The row of a used challenge is the record of that sign-in: who, when, with
    which certificate (as `SignInCode.used_at` records a code's)."""

    token = models.CharField(max_length=64, unique=True)  # the text the person signs
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    certificate_serial = models.CharField(max_length=64, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    way = models.CharField(max_length=16, blank=True)  # container | signature: how it was signed
