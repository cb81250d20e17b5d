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
    # the ministry that keeps the rules: sees whom a draft amendment would affect, no one's case
    MINISTRY_OFFICER = "ministry_officer", _("ministry officer (the rules and their impact)")
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
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

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
        verbose_name = _("State Corporation office")
        verbose_name_plural = _("State Corporation offices")

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
        verbose_name = _("user")
        verbose_name_plural = _("users")
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


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS_HELP = _("Opening hours of the day as HH:MM-HH:MM, several separated by commas; empty = closed.")


def hours_validator(value: str) -> None:
    from qamqor.rules.schedules import ScheduleError, parse_hours

    try:
        parse_hours(value)
    except ScheduleError as exc:
        raise ValidationError(
            _("Write the hours as 09:00-13:00, 14:30-18:30 (opening before closing): %(text)s"),
            code="hours",
            params={"text": value},
        ) from exc


class OfficeSchedule(models.Model):
    """A State Corporation office's own hours from a date on (versioned: the version in force on a
    day is the latest `valid_from` on or before it). Without one the office keeps the hours the
    catalogue version gives its channel (`rules.schedules`, row 7 of the requirements lists)."""

    office = models.ForeignKey(StateCorpOffice, on_delete=models.CASCADE, related_name="schedules")
    valid_from = models.DateField(_("valid from"))
    mon = models.CharField(_("Monday"), max_length=60, blank=True, validators=[hours_validator])
    tue = models.CharField(_("Tuesday"), max_length=60, blank=True, validators=[hours_validator])
    wed = models.CharField(_("Wednesday"), max_length=60, blank=True, validators=[hours_validator])
    thu = models.CharField(_("Thursday"), max_length=60, blank=True, validators=[hours_validator])
    fri = models.CharField(_("Friday"), max_length=60, blank=True, validators=[hours_validator])
    sat = models.CharField(_("Saturday"), max_length=60, blank=True, validators=[hours_validator])
    sun = models.CharField(_("Sunday"), max_length=60, blank=True, validators=[hours_validator])
    source = models.CharField(_("source"), max_length=300, help_text=_("The act that sets these hours."))
    clause = models.CharField(_("clause"), max_length=120, blank=True)

    class Meta:
        ordering = ["office", "-valid_from"]
        verbose_name = _("office schedule")
        verbose_name_plural = _("office schedules")
        constraints = [
            models.UniqueConstraint(fields=["office", "valid_from"], name="office_schedule_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.valid_from:%d.%m.%Y}"

    def week(self) -> tuple[str, ...]:
        return tuple(getattr(self, d) for d in WEEKDAYS)


class CorrectionAction(models.TextChoices):
    ADD_NON_WORKING = "add_non_working", _("the day becomes a day off")
    REMOVE_NON_WORKING = "remove_non_working", _("the day is a working day after all")
    ADD_WORKED_DAY = "add_worked_day", _("a weekend day worked by decree")
    REMOVE_WORKED_DAY = "remove_worked_day", _("a worked weekend day cancelled")
    CONFIRM = "confirm", _("an estimated day off confirmed")


class CalendarCorrection(models.Model):
    """A row of the working-time calendar's corrections table entered by an administrator, laid over
    `rules/calendar_corrections.yaml` (applied after it, in date then entry order). The same fields
    and checks as the YAML (`rules.calendar.check_correction`)."""

    date = models.DateField(_("date"))
    action = models.CharField(_("action"), max_length=20, choices=CorrectionAction.choices)
    kind = models.CharField(
        _("kind of day off"),
        max_length=10,
        blank=True,
        choices=[("holiday", _("holiday")), ("transfer", _("transfer")), ("decree", _("decree"))],
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("The act that moves the day."))
    clause = models.CharField(_("clause"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("calendar correction")
        verbose_name_plural = _("calendar corrections")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.action}"

    def as_entry(self) -> dict:
        """The correction as a `rules.calendar` entry."""
        entry = {"date": self.date, "action": self.action, "source": self.source, "note": self.note or None}
        if self.clause:
            entry["clause"] = self.clause
        if self.action == CorrectionAction.ADD_NON_WORKING:
            entry["kind"] = self.kind
            entry["names"] = {"kk": self.name_kk, "ru": self.name_ru, "en": self.name_en}
        return entry

    def clean(self) -> None:
        from qamqor.accounts.working_time import calendar_with_correction
        from qamqor.rules.calendar import FIRST_YEAR, LAST_YEAR, CalendarError

        super().clean()
        if self.date is None or not self.source or not self.action:
            return
        if not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValidationError(
                {
                    "date": _("The calendar covers %(first)s–%(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                }
            )
        if self.action == CorrectionAction.ADD_NON_WORKING and not (
            self.kind and self.name_kk and self.name_ru and self.name_en
        ):
            raise ValidationError(
                _("A new day off needs its kind and its name in Kazakh, Russian and English.")
            )
        try:  # the calendar is built with the row: a correction it cannot apply is refused here
            calendar_with_correction(self.as_entry(), without=self.pk)
        except CalendarError as exc:
            raise ValidationError(
                _("The calendar cannot take this correction: only a day off can be confirmed.")
            ) from exc
