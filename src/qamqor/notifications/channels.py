"""The channels a message goes by: the personal cabinet (always), SMS and e-mail.

An adapter's `send(out)` returns `Sent(receipt, delivered_at)` — the moment the channel reports the
message delivered — or raises `DeliveryFailed`. Every attempt of one delivery carries the same
`out.dedup_key`; a gateway that honours it (the sandboxes do) stores a resend once, so a worker killed
after sending and before recording it does not make the recipient get the message twice.
SMTP cannot be made idempotent: the key goes as the Message-ID, which mail systems may use to drop
duplicates but need not (at-least-once; docs/decisions/0023-notifications.md).

Adapters are named in `QAMQOR_NOTIFICATIONS["SMS"]` / `["EMAIL"]`. There is no SMS gateway in this
system (as for the sign-in code, `portal/signin.py`): the sandbox only. E-mail goes through Django's
e-mail backend (`SmtpEmail`) when `QAMQOR_NOTIFY_EMAIL=smtp` and `EMAIL_HOST` are set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.module_loading import import_string

from qamqor.notifications.models import Channel, SandboxOutbox, SandboxSwitch


class DeliveryFailed(Exception):
    """The channel did not take the message (unreachable, refused, timed out)."""


@dataclass(frozen=True)
class Outgoing:
    channel: str
    address: str
    subject: str
    body: str
    dedup_key: str
    now: dt.datetime


@dataclass(frozen=True)
class Sent:
    receipt: str
    delivered_at: dt.datetime


class Cabinet:
    """The personal cabinet: the message is on the recipient's notifications page from now on."""

    def send(self, out: Outgoing) -> Sent:
        return Sent(f"cabinet:{out.dedup_key}", out.now)


def _should_fail(channel: str) -> bool:
    with transaction.atomic():
        switch = (
            SandboxSwitch.objects.select_for_update()
            .filter(channel=channel)
            .annotate(down=_down_now())
            .first()
        )
        if switch is None:
            return False
        if switch.fail_always or (switch.down and not settings.QAMQOR_PRODUCTION):
            return True
        if switch.fail_next > 0:
            SandboxSwitch.objects.filter(pk=switch.pk).update(fail_next=F("fail_next") - 1)
            return True
    return False


def _down_now():
    """Whether the switch's outage lasts, by the database's clock: every process (a bench's web server
    runs on a moved clock) sees the same moment of return."""
    return ExpressionWrapper(
        Q(down_until__isnull=False) & Q(down_until__gt=Now()), output_field=BooleanField()
    )


class SandboxGateway:
    """A stand-in SMS or e-mail gateway that keeps what it accepts (`SandboxOutbox`, the demo's
    outbox) and honours the dedup key: a resend is counted, stored once, answered with the first
    receipt. It commits on its own, as a remote gateway would, whatever the caller's transaction."""

    def send(self, out: Outgoing) -> Sent:
        if _should_fail(out.channel):
            raise DeliveryFailed(f"sandbox {out.channel} gateway unavailable (simulated)")
        receipt = f"SBX-{out.channel.upper()}-" + hashlib.sha256(out.dedup_key.encode()).hexdigest()[:12]
        with transaction.atomic():
            row, created = SandboxOutbox.objects.select_for_update().get_or_create(
                channel=out.channel,
                dedup_key=out.dedup_key,
                defaults={
                    "address": out.address,
                    "subject": out.subject,
                    "body": out.body,
                    "receipt": receipt,
                    "received_at": out.now,
                },
            )
            if not created:
                SandboxOutbox.objects.filter(pk=row.pk).update(received_count=F("received_count") + 1)
        return Sent(row.receipt, row.received_at)


class SmtpEmail:
    """E-mail through Django's e-mail backend (`EMAIL_HOST`, `EMAIL_PORT`, … `EMAIL_TIMEOUT`, which
    must stay below the claim). Delivered = accepted by the mail server: the receipt is the
    Message-ID; the mail server reports no reading."""

    def send(self, out: Outgoing) -> Sent:
        from django.core.mail import EmailMessage

        message_id = f"<{out.dedup_key}@{getattr(settings, 'QAMQOR_MAIL_DOMAIN', 'qamqor.local')}>"
        mail = EmailMessage(out.subject, out.body, to=[out.address], headers={"Message-ID": message_id})
        try:
            mail.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - smtplib / socket errors: the attempt failed
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        return Sent(message_id, timezone.now())


@lru_cache(maxsize=8)
def _adapter_for(path: str):
    return import_string(path)()


def adapter(channel: str):
    if channel == Channel.CABINET:
        return Cabinet()
    return _adapter_for(settings.QAMQOR_NOTIFICATIONS[channel.upper()])


def set_sandbox_failures(channel: str, *, fail_next: int = 0, fail_always: bool = False) -> None:
    """Tell a sandbox gateway to fail (tests, demonstrations)."""
    SandboxSwitch.objects.update_or_create(
        channel=channel, defaults={"fail_next": fail_next, "fail_always": fail_always}
    )


class OutageRefused(ValueError):
    """The outage switch cannot be set (production mode, a channel without a sandbox, a negative time)."""


def set_sandbox_outage(channel: str, seconds: float, *, now: dt.datetime | None = None) -> dt.datetime:
    """Take the sandbox `channel` gateway (sms, email) down for `seconds` from `now`, for every process
    on this database (0: back at once); returns the moment it answers again. Demo only."""
    if settings.QAMQOR_PRODUCTION:
        raise OutageRefused("production mode: the sandbox outage switch is off")
    if channel not in (Channel.SMS, Channel.EMAIL):
        raise OutageRefused(f"no sandbox gateway for {channel!r} (sms or email)")
    if seconds < 0:
        raise OutageRefused("the outage's length cannot be negative")
    until = (now or timezone.now()) + dt.timedelta(seconds=seconds)
    SandboxSwitch.objects.update_or_create(channel=channel, defaults={"down_until": until})
    return until
