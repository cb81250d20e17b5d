"""Consents, the ledger of registry queries (append-only) and queries waiting for a retry.

The law: data on identity documents, births and marriages come from the state information
systems through the e-government gateway, and the recipient's consent to the use of legally
protected secrets is obtained (`003_4cf6e905af0d21d2.txt` §8, `002_eefeb2ec619131ea.txt` annex 11
§9; Personal Data Law art. 8). Registries sit below `cases`, so a case is referred to by id and
number, not by a foreign key (like `audit`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete a ledger row."""


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the registry ledger is append-only")

    def delete(self):
        raise AppendOnlyError("the registry ledger is append-only")


class AppendOnlyModel(models.Model):
    """Rows are created, never changed or deleted (registries sit beside `audit`, so not shared)."""

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("the registry ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the registry ledger is append-only")


class Consent(models.Model):
    """A recipient's consent to the use of the data of the listed persons (themselves, their children)."""

    class Method(models.TextChoices):
        APPLICATION = "application", _("consent box of the application form")
        PORTAL = "portal", _("portal request signed with the recipient's electronic signature")
        OTP = "otp", _("one-time password (digital-documents service)")

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient_iin = models.CharField(max_length=12)  # indexed: Meta.indexes
    subject_iins = models.JSONField(
        default=list, help_text="IINs the consent covers (the recipient included)"
    )
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=40, blank=True)
    service_slug = models.CharField(max_length=80, blank=True)
    method = models.CharField(max_length=16, choices=Method.choices)
    given_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        # indexed here, not with `db_index`: no LIKE twin index on PostgreSQL (decision 0010)
        indexes = [models.Index(fields=["recipient_iin"], name="consent_recipient")]

    def __str__(self) -> str:
        return f"consent {self.reference} of {self.recipient_iin}"

    def covers(self, iin: str, at) -> bool:
        return (
            (self.revoked_at is None or at < self.revoked_at)
            and self.given_at <= at
            and iin in self.subject_iins
        )


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("answered")
    NOT_FOUND = "not_found", _("answered: nothing on record")
    NO_CONSENT = "no_consent", _("refused: no consent")
    FAILED = "failed", _("registry did not answer")


class RegistryQuery(AppendOnlyModel):
    """The ledger: who asked which registry about whom, for which case, on which basis and consent."""

    at = models.DateTimeField(db_index=True)
    registry = models.CharField(max_length=32)
    method = models.CharField(max_length=40)
    subject_iin = models.CharField(max_length=12)  # indexed: Meta.indexes
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=40, blank=True)
    purpose = models.CharField(max_length=120)
    legal_basis = models.JSONField(default=list, help_text="[{source, clause}]")
    legal_basis_source = models.CharField(max_length=200, blank=True)
    legal_basis_clause = models.CharField(max_length=120, blank=True)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="queries"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    source_reference = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempt = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["at", "id"]
        # indexed here, not with `db_index`: no LIKE twin index on PostgreSQL (decision 0010)
        indexes = [models.Index(fields=["subject_iin"], name="registry_query_subject")]

    def __str__(self) -> str:
        return (
            f"{self.at:%d.%m.%Y %H:%M} {self.registry}.{self.method} about {self.subject_iin}: {self.outcome}"
        )


class QueryAnswer(models.Model):
    """What a registry answered to a query made for a case (`RegistryAnswer.as_dict()`, "nothing on
    record" included), kept so that the same collection of the case's registry data re-uses it
    instead of asking again (once only: `003_4cf6e905af0d21d2.txt` §8, `002_eefeb2ec619131ea.txt`
    annex 11 §9; `registries.prefill`, decision 0033). A table of its own, not a column of the
    ledger: the ledger's rows are hash-chained with every column, and a column added to it would
    change the digest of each row written before (decision 0019)."""

    query = models.OneToOneField(
        RegistryQuery, primary_key=True, on_delete=models.PROTECT, related_name="kept_answer"
    )
    answer = models.JSONField()

    def __str__(self) -> str:
        return f"answer to query {self.query_id}"


class PendingQuery(models.Model):
    """A query a registry did not answer: kept until answered, retried with back-off."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for the registry")
        ANSWERED = "answered", _("answered")
        CANCELLED = "cancelled", _("cancelled (case closed)")

    registry = models.CharField(max_length=32)
    method = models.CharField(max_length=40)
    subject_iin = models.CharField(max_length=12)
    args = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=40, blank=True)
    purpose = models.CharField(max_length=120)
    legal_basis = models.JSONField(default=list)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+")
    case_due_at = models.DateTimeField(
        null=True, blank=True, help_text="when the case's term ends (for the warning)"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]

    def __str__(self) -> str:
        return f"{self.registry}.{self.method}({self.subject_iin}) {self.status}, attempt {self.attempts}"


class SandboxOutage(models.Model):
    """The sandbox registries' outage switch, shared by every process on the database (the web
    servers, the workers, the CLI): while `until` is ahead of the database's clock, the sandbox
    adapter of `registry` refuses every query (`registries.sandbox.outages`; each refusal is a
    `failed` row of the ledger, no counter here: no row lock shared by every query). Demo and sandbox only:
    ignored in production mode, and `qamqor sandbox outage` refuses to set it there (decision 0030).
    The database's clock decides, not the process's: a bench's web server runs on a moved clock."""

    registry = models.CharField(max_length=32)  # one of REGISTRY_KINDS; unique: Meta.constraints
    until = models.DateTimeField()
    mode = models.CharField(max_length=8, default="error")  # error | timeout (what the refusal looks like)

    class Meta:
        # declared here, not on the field: no LIKE twin index on PostgreSQL (decision 0010)
        constraints = [models.UniqueConstraint(fields=["registry"], name="registry_sandbox_outage_unique")]

    def __str__(self) -> str:
        return f"sandbox {self.registry} down until {self.until:%d.%m.%Y %H:%M:%S}"
