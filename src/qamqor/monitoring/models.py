"""Outbox of stage changes, sandbox monitoring system, technical-problem protocols, reconciliations."""

from __future__ import annotations

from django.db import models

MONITORING_CITATION = "003_4cf6e905af0d21d2.txt §12-1"


class StageOutbox(models.Model):
    """One stage change of one application, to be entered into the monitoring information system.

    Written in the same transaction as the stage change itself; `delivery_key` is unique and is sent
    with the record so that a resend after a crash is recognised and never duplicates a stage.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"

    delivery_key = models.CharField(max_length=100)  # unique: Meta.constraints
    case_ref = models.CharField(max_length=64)
    event_ref = models.CharField(max_length=64)
    service = models.CharField(max_length=64, blank=True, default="")
    provider_ref = models.CharField(max_length=64, blank=True, default="")
    stage = models.CharField(max_length=64)
    moment = models.DateTimeField(db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # declared here, not on the fields: no LIKE (`varchar_pattern_ops`) twins on PostgreSQL
        constraints = [models.UniqueConstraint(fields=["delivery_key"], name="outbox_delivery_key_unique")]
        indexes = [
            models.Index(fields=["status", "moment"], name="mon_outbox_status_moment"),
            models.Index(fields=["case_ref"], name="mon_outbox_case"),
        ]

    def as_record(self) -> dict:
        """What the adapter sends."""
        return {
            "delivery_key": self.delivery_key,
            "case": self.case_ref,
            "event": self.event_ref,
            "service": self.service,
            "provider": self.provider_ref,
            "stage": self.stage,
            "moment": self.moment.isoformat(),
            **({"details": self.payload} if self.payload else {}),
        }


class SandboxStage(models.Model):
    """The sandbox monitoring system: what it has accepted, once per delivery key."""

    delivery_key = models.CharField(max_length=100, unique=True)
    record = models.JSONField()
    receipt = models.CharField(max_length=64)
    received_count = models.PositiveIntegerField(default=1)  # > 1: the same stage was resent
    first_received_at = models.DateTimeField(auto_now_add=True)


class SandboxSwitch(models.Model):
    """Makes the sandbox fail (for tests and demonstrations); one row, shared by every process."""

    fail_next = models.PositiveIntegerField(default=0)  # fail this many calls, then work
    fail_always = models.BooleanField(default=False)
    calls = models.PositiveIntegerField(default=0)


class TechnicalProblemProtocol(models.Model):
    """Protocol of a technical problem with the monitoring information system: one per outage.

    003_4cf6e905af0d21d2.txt §12-1 (and 002_eefeb2ec619131ea.txt §13-1): when the information system
    fails, the provider immediately notifies the employee responsible for ICT infrastructure, who
    draws up a protocol of the technical problem, signed by the provider. This record opens the
    protocol and holds what the system knows; drawing up and signing are done by people.

    One protocol per outage and provider (the provider signs it): it opens at the first failed
    delivery of one of the provider's stages, lists every stage the outage held (`stages`), notes
    when the system answered again (`recovered_at`), and resolves itself once every stage it held is
    delivered (`resolved_at`, status closed). While one is unresolved, further failures join it.
    """

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DRAWN_UP = "drawn_up", "drawn up"
        SIGNED = "signed", "signed"
        CLOSED = "closed", "closed"

    provider_ref = models.CharField(max_length=64, blank=True, default="")
    # the stage whose failed delivery opened the protocol
    outbox = models.ForeignKey(
        StageOutbox, null=True, blank=True, on_delete=models.PROTECT, related_name="protocols"
    )
    stages = models.ManyToManyField(StageOutbox, related_name="held_by_protocols", blank=True)
    detected_at = models.DateTimeField()
    error = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    ict_officer = models.CharField(max_length=150, blank=True, default="")
    drawn_up_at = models.DateTimeField(null=True, blank=True)
    signed_by_provider_at = models.DateTimeField(null=True, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    citation = models.CharField(max_length=100, default=MONITORING_CITATION)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider_ref"],
                condition=models.Q(resolved_at__isnull=True),
                name="mon_one_unresolved_protocol_per_provider",
            )
        ]


class Reconciliation(models.Model):
    """The daily proof that every stage of a day reached the monitoring system."""

    day = models.DateField(unique=True)
    ran_at = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    reenqueued = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)


class WorkerHeartbeat(models.Model):
    """The last sign of life of one task worker (`qamqor worker`), written every few seconds.

    django-tasks-db marks a task RUNNING with the worker's id and nothing more: a worker killed
    mid-task leaves it RUNNING for ever. A task whose worker has not beaten within the lease is
    taken back (`monitoring.leases`; docs/decisions/0017-task-leases.md).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    pid = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=255, blank=True, default="")
