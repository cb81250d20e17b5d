"""Signing in with a digital signature (ЭЦҚ / ЭЦП), in demo mode only (decision 0028).

The steps egov.kz takes, with the sandbox's keys: the server issues a random challenge (kept here
with its expiry, used once); the person signs it with their personal key — NCALayer does that on
their computer; here either the person uploads a CMS signature made offline (`openssl cms -sign`),
or, for a demo key only, the server opens the uploaded PKCS#12 container with its password and signs
on the person's behalf; the signature is checked (`documents.personal_keys`), and the IIN in the
certificate names the recipient. Every refusal is the same `SignInRefused` and changes nothing: the
challenge stays live until its expiry, and nobody learns which check failed or who is registered.
The terms are our choices: the legal texts give none for signing in."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from qamqor.documents.personal_keys import SignatureRefused, sign_with_container, verify_challenge_signature
from qamqor.portal.models import SignInChallenge

CHALLENGE_MINUTES = 10  # time enough to sign offline with openssl; our choice
log = logging.getLogger("qamqor.portal.signin")


class SignInRefused(Exception):
    """The one answer to any failed digital-signature sign-in."""


def issue_challenge(now: dt.datetime) -> SignInChallenge:
    return SignInChallenge.objects.create(
        token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CHALLENGE_MINUTES),
    )


def live_challenge(token: str, now: dt.datetime) -> SignInChallenge | None:
    return SignInChallenge.objects.filter(token=token, used_at__isnull=True, expires_at__gt=now).first()


def sign_in_with_signature(
    token: str, *, now: dt.datetime, signature: bytes | None = None, container: bytes | None = None,
    password: str = "",
):  # fmt: skip
    """The recipient a signature of the live challenge `token` identifies; the challenge is used up
    and records the sign-in. `container` + `password`: the sandbox signs with that key first (what
    NCALayer would do on the person's computer). Raises `SignInRefused`, changing nothing."""
    challenge = live_challenge(token, now)
    if challenge is None:
        log.info("signature sign-in refused: challenge unknown, used or expired")
        raise SignInRefused
    text = challenge.token.encode()
    try:
        if container is not None:
            signature = sign_with_container(container, password, text)
        signer = verify_challenge_signature(signature or b"", text, now=now)
    except SignatureRefused as refusal:
        log.info("signature sign-in refused: %s", refusal.reason)
        raise SignInRefused from None
    user = get_user_model().objects.filter(iin=signer.iin, role="recipient", is_active=True).first()
    if user is None:
        log.info("signature sign-in refused: the certificate's IIN is not a recipient's")
        raise SignInRefused
    with transaction.atomic():
        used = SignInChallenge.objects.filter(
            pk=challenge.pk, used_at__isnull=True, expires_at__gt=now
        ).update(
            used_at=now,
            user=user,
            certificate_serial=signer.serial,
            certificate_sha256=signer.sha256,
            way="container" if container is not None else "signature",
        )
    if used != 1:  # another request used it first
        log.info("signature sign-in refused: challenge used meanwhile")
        raise SignInRefused
    log.info("signature sign-in of user %s, certificate %s", user.pk, signer.serial)
    return user
