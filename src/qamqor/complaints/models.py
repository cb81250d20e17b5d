"""A complaint about a case's decision, action or inaction, and its append-only events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.audit.models import AppendOnlyModel
from qamqor.cases.models import Application, CaseEvent, Decision
from qamqor.complaints.transitions import ComplaintStatus


class Route(models.TextChoices):
    """To whom the complaint is addressed (the reviewing body)."""

    PROVIDER_HEAD = "provider_head", _("the head of the provider")
    AKIMAT_HEAD = "akimat_head", _("the head of the akimat")
    STATE_CORP_HEAD = "state_corp_head", _("the head of the State Corporation")
    AUTHORISED_BODY = "authorised_body", _("the authorised body for quality assessment and control")


class ComplaintChannel(models.TextChoices):
    PORTAL = "portal", _("egov portal")
    PROVIDER = "provider", _("provider's office")
    STATE_CORP = "state_corp", _("State Corporation")
    AKIMAT = "akimat", _("akimat's office")
    POST = "post", _("by post")


class Subject(models.TextChoices):
    DECISION = "decision", _("a decision")
    ACTION = "action", _("an action")
    INACTION = "inaction", _("an inaction")


class Outcome(models.TextChoices):
    NONE = "", _("not yet reviewed")
    SATISFIED = "satisfied", _("fully satisfied")
    REJECTED = "rejected", _("rejected: the decision stands")
    FOUNDED = "founded", _("founded")


class Complaint(models.Model):
    number = models.CharField(max_length=60)  # unique: Meta.constraints
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="complaints")
    subject = models.CharField(max_length=10, choices=Subject.choices)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    event = models.ForeignKey(
        CaseEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        help_text="the action complained about",
    )
    route = models.CharField(max_length=20, choices=Route.choices)
    channel = models.CharField(max_length=12, choices=ComplaintChannel.choices)
    procedure_text = models.CharField(
        max_length=40, help_text="the procedure text whose complaint rules apply"
    )
    status = models.CharField(max_length=12, choices=ComplaintStatus.choices)
    version = models.PositiveIntegerField(default=1)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_by_role = models.CharField(max_length=32)
    # what the complaint says and who makes it (000 §11 para 3)
    complainant_name = models.CharField(max_length=300)
    postal_address = models.CharField(max_length=300)
    phone = models.CharField(max_length=32)
    text = models.TextField()
    # the clocks, computed and stored (catalog/complaints.yaml)
    received_at = models.DateTimeField()
    received_on = models.DateField()
    forwarded_on = models.DateField(null=True, blank=True)
    forward_due = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    clocks = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    escalated_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="escalated_to"
    )

    class Meta:
        ordering = ["review_due", "forward_due", "id"]
        constraints = [models.UniqueConstraint(fields=["number"], name="complaint_number_unique")]
        indexes = [models.Index(fields=["status"], name="complaint_status")]

    def __str__(self) -> str:
        return f"{self.number} ({self.route}, {self.status})"

    @property
    def due(self):
        """The date the complaint's current stage must end by (None: unknown or closed)."""
        if self.status == ComplaintStatus.FILED:
            return self.forward_due
        if self.status == ComplaintStatus.IN_REVIEW:
            return self.review_due
        return None


class ComplaintEvent(AppendOnlyModel):
    """One step of a complaint: who, when, what, the legal basis. Never updated, never deleted."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events", db_index=False)
    application_id_ref = models.BigIntegerField(help_text="the case, for the audit chain case:<id>")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    at = models.DateTimeField()
    legal_basis = models.JSONField(default=dict)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["complaint_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="one_complaint_event_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.from_status or '-'} → {self.to_status}"
