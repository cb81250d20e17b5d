"""Messages to recipients, their deliveries per channel with every attempt, the recipients' contact
preferences, and the sandbox SMS and e-mail gateways (the outboxes the demo shows).

A `Message` is written in the transaction of the stage it tells about, its text already in the
recipient's language (what was sent is kept as sent). Each channel it goes by is a `Delivery`,
unique per (message, channel); each try a `DeliveryAttempt`, of which at most one per delivery
succeeds (a partial unique constraint). A worker claims a delivery for `claimed_until` before it
calls the gateway (the lease), so a second worker never sends while the first may still be sending.
"""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    CABINET = "cabinet", "cabinet"
    SMS = "sms", "sms"
    EMAIL = "email", "email"


class Contact(models.Model):
    """How a recipient (by IIN) wants to be told: phone and e-mail, each channel on or off. Without a
    row, the phone given with the application and the account's e-mail are used."""

    iin = models.CharField(max_length=12, unique=True)
    phone = models.CharField(max_length=32, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    sms = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)


class Message(models.Model):
    """One message to one recipient about one stage of one application."""

    recipient_iin = models.CharField(max_length=12)
    case_ref = models.CharField(max_length=64)
    case_number = models.CharField(max_length=64, blank=True, default="")
    event_ref = models.CharField(max_length=64)
    stage = models.CharField(max_length=64)
    lang = models.CharField(max_length=2)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()
    # the hearing's term counts from the receipt of this notice (its first recorded delivery)
    proof_required = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)  # first opened in the cabinet

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_ref", "recipient_iin"], name="notif_message_per_event")
        ]
        indexes = [models.Index(fields=["recipient_iin", "-created_at"], name="notif_msg_recipient")]


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True, default="")  # phone or e-mail
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # the lease of the worker sending it
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)  # as the channel reports it
    receipt = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="notif_delivery_per_channel")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due")]

    @property
    def dedup_key(self) -> str:
        """The key the gateway deduplicates on: the same for every attempt of this delivery."""
        return f"qamqor-{self.message_id}-{self.channel}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="attempt_log")
    at = models.DateTimeField()
    worker = models.CharField(max_length=64, blank=True, default="")
    ok = models.BooleanField()
    error = models.TextField(blank=True, default="")
    receipt = models.CharField(max_length=200, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delivery"], condition=models.Q(ok=True), name="notif_one_success_per_delivery"
            )
        ]


class SandboxOutbox(models.Model):
    """The sandbox SMS and e-mail gateways: what they accepted, once per dedup key (a resend is
    counted in `received_count`, not stored again), as an idempotent gateway would."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    dedup_key = models.CharField(max_length=100)
    address = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True, default="")
    body = models.TextField()
    receipt = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    received_count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "dedup_key"], name="notif_sandbox_dedup")]


class SandboxSwitch(models.Model):
    """Makes a sandbox gateway fail (tests, demonstrations): `fail_next` calls, always, or until
    `down_until` (an outage: `qamqor sandbox outage --sms/--email`, read against the database's clock
    by every process; ignored in production mode: decision 0030)."""

    channel = models.CharField(max_length=8, choices=Channel.choices, unique=True)
    fail_next = models.PositiveIntegerField(default=0)
    fail_always = models.BooleanField(default=False)
    down_until = models.DateTimeField(null=True, blank=True)
