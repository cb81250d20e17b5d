"""People, applications, documents, decisions and the append-only event log of a case."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import Provider, StateCorpOffice, iin_validator
from qamqor.audit.models import AppendOnlyModel
from qamqor.cases.transitions import TERMINAL, Status
from qamqor.rules.iin import validate_iin

# the statuses a case reaches with its result (the due date is the term of the result)
RESULT_STATUSES = (str(Status.RESULT_ISSUED), str(Status.DELIVERED_TO_CABINET))


class Channel(models.TextChoices):
    PROVIDER = "provider", _("provider's office")
    STATE_CORP = "state_corp", _("State Corporation")
    PORTAL = "portal", _("egov portal")
    EDUCATION_ORG = "education_org", _("education organisation")


class Person(models.Model):
    """A recipient or a child, identified by IIN (birth date and sex come from the IIN)."""

    iin = models.CharField(max_length=12, unique=True, validators=[iin_validator])
    last_name = models.CharField(max_length=120)
    first_name = models.CharField(max_length=120)
    middle_name = models.CharField(max_length=120, blank=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=6, choices=[("male", _("male")), ("female", _("female"))])
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def save(self, *args, **kwargs):
        info = validate_iin(self.iin)  # raises InvalidIin: never store a bad IIN
        self.birth_date = info.birth_date
        self.sex = info.sex
        super().save(*args, **kwargs)


class Outcome(models.TextChoices):
    NONE = "", _("no decision yet")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class Application(models.Model):
    """One application for one service: the case."""

    number = models.CharField(max_length=40)  # unique: Meta.constraints
    service_slug = models.CharField(max_length=80)
    catalogue_version = models.CharField(
        max_length=80, help_text="id of the catalogue version in force on submission"
    )
    procedure_source = models.CharField(
        max_length=40, blank=True, help_text="procedure text followed (transitions)"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.SUBMITTED)
    version = models.PositiveIntegerField(
        default=1, help_text="bumped by every move (optimistic concurrency)"
    )
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    children = models.ManyToManyField(Person, blank=True, related_name="child_applications")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="applications")
    office = models.ForeignKey(
        StateCorpOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    consent = models.BooleanField(default=False, help_text="consent to the use of legally protected data")
    consent_at = models.DateTimeField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # unique: Meta.constraints
    # deadlines (recomputed by services.recompute_deadlines)
    registered_on = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    deadlines = models.JSONField(default=dict, blank=True)
    # what happened
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.NONE, blank=True)
    hearing_at = models.DateTimeField(null=True, blank=True)
    hearing_place = models.CharField(max_length=300, blank=True)
    custody_started_at = models.DateTimeField(null=True, blank=True)
    handed_over_on = models.CharField(
        max_length=40, blank=True
    )  # identity_document | notarised_power_of_attorney
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        # Unique keys and indexes declared here rather than on the fields: on PostgreSQL a field's
        # `unique`/`db_index` also builds a second `varchar_pattern_ops` index for LIKE searches,
        # which nothing here runs and every submission would pay for (decision 0010).
        constraints = [
            models.CheckConstraint(
                name="state_corp_channel_has_office",
                condition=~models.Q(channel="state_corp") | models.Q(office__isnull=False),
            ),
            models.UniqueConstraint(fields=["number"], name="application_number_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="application_idempotency_key_unique"),
        ]
        indexes = [
            models.Index(fields=["service_slug"], name="application_service"),
            models.Index(fields=["status"], name="application_status"),
            # the work queue (`selectors.work_queue`): a provider's or an office's open cases in the
            # queue's order, read in index order up to the page (no sort of every open case;
            # decision 0026). The predicate is the queue's own filter, written the same way.
            models.Index(
                fields=["provider", "due_date", "due_at", "submitted_at", "id"],
                name="application_open_queue",
                condition=~models.Q(status__in=sorted(str(s) for s in TERMINAL)),
            ),
            models.Index(
                fields=["office", "due_date", "due_at", "submitted_at", "id"],
                name="application_office_queue",
                condition=~models.Q(status__in=sorted(str(s) for s in TERMINAL)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.service_slug}, {self.status})"

    def clean(self) -> None:
        if self.channel == Channel.STATE_CORP and self.office_id is None:
            raise ValidationError({"office": _("An application at the State Corporation needs the office.")})


class DocumentSource(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded by the recipient")
    REGISTRY = "registry", _("supplied by a state information system")
    PAPER = "paper", _("paper copy handed in")


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=80, help_text="document code of the catalogue version")
    source = models.CharField(max_length=10, choices=DocumentSource.choices)
    registry = models.CharField(max_length=40, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code} ({self.source})"


class FactSource(models.TextChoices):
    """Where a fact came from; the service definition says which the law accepts per fact
    (`fact_sources`, qamqor.catalog.provenance)."""

    REGISTRY = "registry", _("a state information system")
    DATABANK = "databank", _("the Republican data bank")
    OFFICER = "officer", _("an official's finding")
    DECLARATION = "declaration", _("the recipient's declaration")
    CONSENT = "consent", _("the recipient's consent")
    AUTOMATION = "automation", _("not examined: a fully automated service")


class CaseFact(AppendOnlyModel):
    """One fact of a case with its source. Append-only: a later row of the same path supersedes an
    earlier one (a registry's fresh answer, an officer's finding), so the history stays."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="fact_rows")
    path = models.CharField(max_length=200)
    value = models.JSONField(null=True)
    source = models.CharField(max_length=12, choices=FactSource.choices)
    registry = models.CharField(max_length=40, blank=True, help_text="which registry answered")
    reference = models.CharField(max_length=300, blank=True, help_text="the record's reference in its source")
    consent_reference = models.CharField(max_length=64, blank=True, help_text="consent-ledger entry")
    document = models.ForeignKey(
        "Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the document supporting a declaration, where the law asks for one",
    )
    evidence = models.TextField(blank=True, help_text="an official's finding: the evidence or reasoning")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.path}={self.value!r} ({self.source})"


class DecisionKind(models.TextChoices):
    GRANT = "grant", _("grant")
    PRELIMINARY_REFUSAL = "preliminary_refusal", _("preliminary decision of refusal")
    FINAL_REFUSAL = "final_refusal", _("motivated refusal")


class Decision(models.Model):
    """A decision with the grounds found (each with its citation and explanation)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=24, choices=DecisionKind.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the official who decided; empty = decided automatically by the system (fully automated service)",
    )
    decided_at = models.DateTimeField()
    catalogue_version = models.CharField(max_length=80)
    evaluation = models.JSONField(default=dict)
    grounds = models.JSONField(default=list)
    reasons = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.application_id}"


class CaseEvent(AppendOnlyModel):
    """One move of a case. Append-only: never updated, never deleted."""

    # no index of its own: `one_event_per_version` (application, seq) serves every lookup by case
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField(help_text="the application's version after this move")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=32, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=32, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    at = models.DateTimeField(db_index=True)
    legal_basis = models.JSONField(default=dict)
    legal_basis_source = models.CharField(max_length=200, blank=True)
    legal_basis_clause = models.CharField(max_length=120, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # unique: Meta.constraints

    class Meta:
        ordering = ["application_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["application", "seq"], name="one_event_per_version"),
            models.UniqueConstraint(fields=["idempotency_key"], name="event_idempotency_key_unique"),
        ]
        # the moment each case got its result, for the monitoring dashboard (`cases.compliance`):
        # a few rows of the events, read without touching the rest (decision 0026)
        indexes = [
            models.Index(
                fields=["application", "at"],
                name="caseevent_result",
                condition=models.Q(to_status__in=sorted(RESULT_STATUSES)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.seq} {self.from_status or '-'} → {self.to_status}"
