"""The electronic queue of a State Corporation office and the home visits (`000` §13).

The limits a ticket is measured against (`max_wait_minutes`, `max_service_minutes`) are copied from
the catalogue version in force on the ticket's day, with their clause, when the ticket is made: the
figures of a past day stay those of its law. The office's queue settings (windows, slot length,
slots open to booking) are operational, not law: the texts set none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeQueue(models.Model):
    """How an office runs its queue (not set by the texts: an office's own arrangement)."""

    office = models.OneToOneField("accounts.StateCorpOffice", on_delete=models.CASCADE, related_name="queue")
    windows = models.PositiveSmallIntegerField(default=4)
    slot_minutes = models.PositiveSmallIntegerField(default=15)
    bookable_per_slot = models.PositiveSmallIntegerField(
        default=2, help_text="tickets that may be booked for one slot start (the rest serve walk-ins)"
    )


class TicketKind(models.TextChoices):
    BOOKED = "booked", _("booked on the portal")
    WALK_IN = "walk_in", _("walk-in")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called to a window")
    IN_SERVICE = "in_service", _("being served")
    SERVED = "served", _("served")
    NO_SHOW = "no_show", _("did not come")


OPEN_STATUSES = (TicketStatus.CALLED, TicketStatus.IN_SERVICE)


class Ticket(models.Model):
    office = models.ForeignKey("accounts.StateCorpOffice", on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(help_text="local date (Asia/Almaty) of the visit")
    number = models.CharField(max_length=16)
    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    status = models.CharField(max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    service_slug = models.SlugField(max_length=80)
    catalogue_version = models.CharField(max_length=80)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    issued_at = models.DateTimeField(help_text="booked or issued at")
    slot_start = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(help_text="the slot's start (booked) or the issue (walk-in)")
    called_at = models.DateTimeField(null=True, blank=True)
    window = models.PositiveSmallIntegerField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_tickets",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    max_wait_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    max_service_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    limits_citation = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "number"], name="ticket_number_per_office_day"),
            models.CheckConstraint(
                name="booked_ticket_has_slot",
                condition=~models.Q(kind="booked") | models.Q(slot_start__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["office", "day", "status", "waiting_since"], name="ticket_queue")]

    def __str__(self) -> str:
        return f"{self.number} ({self.day:%d.%m.%Y})"


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    SCHEDULED = "scheduled", _("scheduled")
    DOCUMENTS_ACCEPTED = "documents_accepted", _("documents accepted at home")


class HomeVisit(models.Model):
    """A request to take the documents at home (`000` §13), its visit and the application it led to."""

    reference = models.CharField(max_length=32, unique=True)
    service_slug = models.SlugField(max_length=80)
    catalogue_version = models.CharField(max_length=80)
    requested_via = models.CharField(max_length=20)  # contact_centre | portal
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_iin = models.CharField(max_length=12)
    recipient_name = models.CharField(max_length=240)
    address = models.CharField(max_length=300)
    phone = models.CharField(max_length=32, blank=True)
    eligibility = models.JSONField(
        help_text="the declared impairment, its source and certainty, with the clause"
    )
    office = models.ForeignKey(
        "accounts.StateCorpOffice", on_delete=models.PROTECT, related_name="home_visits"
    )
    status = models.CharField(max_length=20, choices=VisitStatus.choices, default=VisitStatus.REQUESTED)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="home_visits"
    )
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    citation = models.JSONField(default=dict)

    class Meta:
        ordering = ["scheduled_for", "requested_at"]

    def __str__(self) -> str:
        return self.reference
