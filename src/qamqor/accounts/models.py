"""Users with roles, providers (with their jurisdictions) and State Corporation offices.

Providers of the services (`002` §1 rules; e.g. `003` §3 and annex 2 row 1): education
administrations of Astana, Almaty and Shymkent, education departments of districts and of cities of
regional significance; for camps also education organisations (`002` annex 11 row 1); the earlier
standard had local executive bodies (`000` §3).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.rules.iin import InvalidIin, validate_bin, validate_iin


def iin_validator(value: str) -> None:
    try:
        validate_iin(value)
    except InvalidIin as exc:
        raise ValidationError(
            _("Invalid IIN: %(reason)s"), code=f"iin_{exc.code}", params={"reason": exc}
        ) from exc


def bin_validator(value: str) -> None:
    try:
        validate_bin(value)
    except InvalidIin as exc:
        raise ValidationError(
            _("Invalid BIN: %(reason)s"), code=f"bin_{exc.code}", params={"reason": exc}
        ) from exc


class Role(models.TextChoices):
    RECIPIENT = "recipient", _("recipient")
    FRONT_OFFICE_OPERATOR = "front_office_operator", _("State Corporation front-office operator")
    PROVIDER_OFFICER = "provider_officer", _("provider officer")
    PROVIDER_HEAD = "provider_head", _("head of the provider")
    COMPLAINTS_REVIEWER = "complaints_reviewer", _("complaints reviewer")
    CONTACT_CENTRE_OPERATOR = "contact_centre_operator", _("contact-centre operator (1414)")
    AUDITOR = "auditor", _("auditor")
    ADMINISTRATOR = "administrator", _("administrator")


PROVIDER_ROLES = (Role.PROVIDER_OFFICER, Role.PROVIDER_HEAD)
SYSTEM_ROLE = "system"  # recorded on events done by the system itself (actor = None)


class ProviderKind(models.TextChoices):
    DISTRICT_EDUCATION_DEPARTMENT = "district_education_department", _("education department of a district")
    CITY_EDUCATION_DEPARTMENT = (
        "city_education_department",
        _("education department of a city of regional significance"),
    )
    CITY_EDUCATION_ADMINISTRATION = (
        "city_education_administration",
        _("education administration of Astana, Almaty or Shymkent"),
    )
    EDUCATION_ORGANISATION = "education_organisation", _("education organisation")
    LOCAL_EXECUTIVE_BODY = "local_executive_body", _("local executive body (akimat)")


class Provider(models.Model):
    """A service provider and the territory it serves (its jurisdiction)."""

    code = models.SlugField(max_length=64, unique=True)
    bin = models.CharField(max_length=12, null=True, blank=True, unique=True, validators=[bin_validator])
    kind = models.CharField(max_length=40, choices=ProviderKind.choices)
    name_kk = models.CharField(max_length=300)
    name_ru = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    region = models.CharField(max_length=120, help_text="region or city of republican significance")
    locality = models.CharField(
        max_length=120, blank=True, help_text="district or city served; blank = the region"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en or self.code

    def name(self, lang: str = "kk") -> str:
        return getattr(self, f"name_{lang}", "") or self.name_kk


class OfficeKind(models.TextChoices):
    REGULAR = "regular", _("regular office")
    DUTY = "duty", _("duty office")


class StateCorpOffice(models.Model):
    """A front office of the State Corporation "Government for Citizens"."""

    code = models.SlugField(max_length=64, unique=True)
    number = models.CharField(max_length=32, help_text="office number, printed on the annex 3 receipt")
    kind = models.CharField(max_length=10, choices=OfficeKind.choices, default=OfficeKind.REGULAR)
    name_kk = models.CharField(max_length=300)
    name_ru = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    region = models.CharField(max_length=120)
    locality = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=300)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en or self.code

    def name(self, lang: str = "kk") -> str:
        return getattr(self, f"name_{lang}", "") or self.name_kk


class QamqorUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    objects = QamqorUserManager()

    iin = models.CharField(max_length=12, null=True, blank=True, unique=True, validators=[iin_validator])
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.RECIPIENT)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    office = models.ForeignKey(
        StateCorpOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    language = models.CharField(
        max_length=2, choices=[("kk", "қазақша"), ("ru", "русский"), ("en", "English")], default="kk"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="provider_roles_have_provider",
                condition=~models.Q(role__in=[r.value for r in PROVIDER_ROLES])
                | models.Q(provider__isnull=False),
            ),
            models.CheckConstraint(
                name="operator_has_office",
                condition=~models.Q(role=Role.FRONT_OFFICE_OPERATOR) | models.Q(office__isnull=False),
            ),
            models.CheckConstraint(
                name="recipient_has_iin",
                condition=~models.Q(role=Role.RECIPIENT) | models.Q(iin__isnull=False),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role in PROVIDER_ROLES and self.provider_id is None:
            raise ValidationError({"provider": _("A provider officer or head must belong to a provider.")})
        if self.role == Role.FRONT_OFFICE_OPERATOR and self.office_id is None:
            raise ValidationError(
                {"office": _("A front-office operator must belong to a State Corporation office.")}
            )
        if self.role == Role.RECIPIENT and not self.iin:
            raise ValidationError({"iin": _("A recipient is identified by an IIN.")})
