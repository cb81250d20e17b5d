"""Append-only log of every read of a child's or an applicant's personal data.

The recipient's consent to the use of legally protected data (e.g. `003_4cf6e905af0d21d2.txt` §8,
Personal Data Law art. 8) is what makes such reads lawful; this log is how each one is accounted for.
The audit app sits below `cases` (dependencies point inward), so it refers to a case by id and
number, not by a foreign key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(_("This log is append-only: records cannot be changed."))

    def delete(self):
        raise AppendOnlyError(_("This log is append-only: records cannot be deleted."))


class AppendOnlyModel(models.Model):
    """Rows can be created, never updated or deleted (save of an existing row, delete, bulk update/delete)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(_("This log is append-only: records cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("This log is append-only: records cannot be deleted."))


class PersonalDataAccess(AppendOnlyModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    subject_iin = models.CharField(max_length=12)  # indexed: Meta.indexes
    subject_kind = models.CharField(max_length=16, default="applicant")  # applicant | child
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_number = models.CharField(max_length=40, blank=True)
    purpose = models.CharField(max_length=120)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "id"]
        # indexed here, not with `db_index`: no LIKE twin index on PostgreSQL (decision 0010)
        indexes = [models.Index(fields=["subject_iin"], name="personal_data_access_subject")]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_role} read {self.subject_iin} ({self.purpose})"


class ChainHead(models.Model):
    """The last link of a chain; locked by each append so that two writers never fork a chain. Not
    evidence itself: `audit verify` checks it against the chain's last link (a cut-off tail shows)."""

    chain_key = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain_key}#{self.seq}"


class ChainLink(AppendOnlyModel):
    """One row of a chained table in its chain (`audit.chain`, decision 0019)."""

    chain_key = models.CharField(max_length=40)  # case:<id> | day:YYYY-MM-DD
    seq = models.PositiveBigIntegerField()
    table = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    row_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        ordering = ["chain_key", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "seq"], name="chain_link_seq_unique")]
        indexes = [models.Index(fields=["table", "row_id"], name="chain_link_row")]

    def __str__(self) -> str:
        return f"{self.chain_key}#{self.seq} {self.table}:{self.row_id}"


class AdminChange(AppendOnlyModel):
    """One change made in the administration (`/admin/`): who, when, what, and the record before and
    after (decision 0026). Chained in the day's chain like the other logs (`audit.chain`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32)
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=10)  # added | changed | deleted
    model = models.CharField(max_length=100)  # app_label.ModelName
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)  # always empty: the chain of the day

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("administration change")
        verbose_name_plural = _("administration changes")

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_role} {self.action} {self.model}:{self.object_id}"
