"""Children, candidates, placements, training certificates, certificate requests, carers' duties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    QAMQOR = "qamqor", _("recorded by Qamqor (order issued here)")
    SANDBOX = "sandbox", _("sandbox population (demo and tests)")
    IMPORT = "import", _("imported from the earlier data bank")


class PlacementKind(models.TextChoices):
    GUARDIANSHIP = "guardianship", _("guardianship or custody")
    FOSTER_FAMILY = "foster_family", _("foster (receiving) family")
    PATRONAGE = "patronage", _("patronage upbringing")


class Relation(models.TextChoices):
    CLOSE_RELATIVE = "close_relative", _("close relative")
    RELATIVE = "relative", _("relative")
    STEPPARENT = "stepparent", _("step-parent")
    OTHER = "other", _("not a relative")
    UNKNOWN = "", _("not stated")


class Child(models.Model):
    """An orphan or a child left without parental care, as recorded in the data bank."""

    iin = models.CharField(max_length=12, unique=True)
    birth_date = models.DateField()
    registered_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.QAMQOR)

    def __str__(self) -> str:
        return self.iin


class TrainingCertificate(models.Model):
    """Certificate of psychological training (Marriage and Family Code art. 91 p.4)."""

    person_iin = models.CharField(max_length=12, db_index=True)
    number = models.CharField(max_length=60)
    issued_on = models.DateField()
    issuer = models.CharField(max_length=200, blank=True)
    recorded_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.QAMQOR)

    class Meta:
        ordering = ["issued_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person_iin", "number"], name="one_certificate_number_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.person_iin})"


class Placement(models.Model):
    """A child placed with a carer: guardianship/custody, foster family or patronage."""

    kind = models.CharField(max_length=16, choices=PlacementKind.choices)
    carer_iin = models.CharField(max_length=12)
    child_iin = models.CharField(max_length=12)
    started_on = models.DateField(help_text="date of the decision establishing the placement")
    ended_on = models.DateField(null=True, blank=True)
    relation = models.CharField(max_length=16, choices=Relation.choices, blank=True)
    order_number = models.CharField(max_length=60, blank=True)
    provider_code = models.CharField(max_length=60, blank=True, db_index=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    case_number = models.CharField(max_length=40, blank=True)
    decision_id = models.BigIntegerField(
        null=True, blank=True, help_text="the gated grant of the case layer this placement follows"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.QAMQOR)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["started_on", "id"]
        indexes = [models.Index(fields=["carer_iin", "child_iin"], name="placement_carer_child")]
        constraints = [
            # once per placement: one record per decision and child
            models.UniqueConstraint(fields=["decision_id", "child_iin"], name="one_placement_per_decision_child"),
            models.CheckConstraint(
                name="qamqor_placement_has_decision",
                condition=~models.Q(source="qamqor") | models.Q(decision_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.carer_iin} → {self.child_iin} from {self.started_on:%d.%m.%Y}"

    def active_on(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


class CertificateRequest(models.Model):
    """A request for the certificate on guardianship and custody, decided with no human step (`004`)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # no index of its own: `certificate_idempotency_per_recipient` (recipient_iin, …) serves the cabinet
    recipient_iin = models.CharField(max_length=12)
    child_iin = models.CharField(max_length=12)
    consent = models.BooleanField()
    consent_ref = models.ForeignKey(
        "registries.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=80, blank=True)
    decision = models.CharField(max_length=20)  # grant | refuse | not_in_force | incomplete_source
    status = models.CharField(max_length=32, default="delivered_to_cabinet")
    grounds = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(max_length=40)  # unique: Meta.constraints
    # a retry key is the recipient's own: another recipient's key never replays this request
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_iin", "idempotency_key"], name="certificate_idempotency_per_recipient"
            ),
            # declared here, not with `unique=True`: no LIKE twin index on PostgreSQL (decision 0010)
            models.UniqueConstraint(fields=["number"], name="certificate_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.decision}"


class Obligation(models.Model):
    """A carer's duty that comes with a placement (the relatives' training certificate)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FULFILLED = "fulfilled", _("fulfilled")

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="obligations")
    code = models.CharField(max_length=60)
    carer_iin = models.CharField(max_length=12, db_index=True)
    provider_code = models.CharField(max_length=60, blank=True, db_index=True)
    citation_source = models.CharField(max_length=200)
    citation_clause = models.CharField(max_length=120)
    due_on = models.DateField(db_index=True)
    explanation = models.JSONField(default=list, help_text="how the due date was counted (kk/ru/en lines)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    fulfilled_on = models.DateField(null=True, blank=True)
    certificate = models.ForeignKey(
        TrainingCertificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.code} of {self.carer_iin} due {self.due_on:%d.%m.%Y}"


class Reminder(models.Model):
    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveIntegerField()
    remind_on = models.DateField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["remind_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["obligation", "days_before"], name="one_reminder_per_point")
        ]
