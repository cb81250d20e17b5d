"""Uploaded scans and issued documents. The documents layer sits below `cases`: an owner is an opaque
reference string ("application:123"), not a foreign key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableError(Exception):
    """An attempt to change what an issued document says or is."""


class Upload(models.Model):
    """A scan a recipient or an operator attached, stored once per owner under its content hash."""

    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)  # from the content, never from the client
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    storage_name = models.CharField(max_length=200)
    owner_ref = models.CharField(max_length=100, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_ref", "sha256"], name="documents_upload_once_per_owner")
        ]

    def __str__(self):
        return f"{self.owner_ref} {self.original_name or self.sha256[:12]}"


MUTABLE = frozenset({"revoked_at", "revocation_reason", "superseded_by", "superseded_by_id"})


class IssuedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) - MUTABLE:
            raise ImmutableError(
                _("An issued document cannot be changed; issue a new one that supersedes it.")
            )
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableError(_("An issued document cannot be deleted; revoke it."))


class IssuedDocument(models.Model):
    """A signed PDF as issued: its bytes never change (stored by hash); only revocation and
    supersession are recorded later."""

    objects = IssuedQuerySet.as_manager()

    kind = models.CharField(max_length=60)
    lang = models.CharField(max_length=2)
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    code = models.CharField(max_length=12, unique=True)  # the short code, without hyphens
    organisation_code = models.CharField(max_length=60)
    organisation_name = models.CharField(max_length=300)  # as printed on the document
    owner_ref = models.CharField(max_length=100, db_index=True)
    content_key = models.CharField(max_length=64)  # hash of what was asked for: kind, lang, context, validity
    storage_name = models.CharField(max_length=200)
    issued_on = models.DateField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_ref", "kind", "lang", "content_key"], name="documents_issued_once_per_request"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.display_code}"

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= MUTABLE:
                raise ImmutableError(
                    _("An issued document cannot be changed; issue a new one that supersedes it.")
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("An issued document cannot be deleted; revoke it."))
