"""The models an administrator keeps (issue 13): providers and their jurisdictions, State Corporation
offices with their versioned schedules, users and their roles, the calendar's corrections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import CalendarCorrection, OfficeSchedule, Provider, StateCorpOffice, User
from qamqor.administration.audited import AuditedAdmin, AuditedInline, record
from qamqor.administration.site import site

LABELS = {
    "code": _("code"),
    "number": _("office number"),
    "bin": _("BIN"),
    "kind": _("kind"),
    "name_kk": _("name (Kazakh)"),
    "name_ru": _("name (Russian)"),
    "name_en": _("name (English)"),
    "region": _("region"),
    "locality": _("district or city"),
    "parent": _("parent organisation"),
    "address": _("address"),
    "role": _("role"),
    "provider": _("provider"),
    "office": _("State Corporation office"),
    "iin": _("IIN"),
    "language": _("language"),
}


class ProviderAdmin(AuditedAdmin):
    labels = LABELS
    list_display = ("code", "name_kk", "kind", "region", "locality", "parent")
    list_filter = ("kind", "region")
    search_fields = ("code", "name_kk", "name_ru", "name_en", "bin")
    fields = (
        "code",
        "bin",
        "kind",
        "name_kk",
        "name_ru",
        "name_en",
        "region",
        "locality",
        "parent",
        "address",
    )


class OfficeScheduleInline(AuditedInline):
    model = OfficeSchedule
    fields = ("valid_from", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "source", "clause")


class OfficeAdmin(AuditedAdmin):
    labels = LABELS
    list_display = ("code", "number", "name_kk", "kind", "region", "locality")
    list_filter = ("kind", "region")
    search_fields = ("code", "number", "name_kk", "name_ru", "name_en")
    fields = ("code", "number", "kind", "name_kk", "name_ru", "name_en", "region", "locality", "address")
    inlines = [OfficeScheduleInline]


class CalendarCorrectionAdmin(AuditedAdmin):
    list_display = ("date", "action", "kind", "name_kk", "source")
    list_filter = ("action",)
    date_hierarchy = None
    fields = ("date", "action", "kind", "name_kk", "name_ru", "name_en", "source", "clause", "note")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        messages.info(
            request,
            _(
                "The deadlines of cases counted from now on take this correction into account; "
                "dates already counted are not changed."
            ),
        )


class QamqorUserAdmin(AuditedAdmin, UserAdmin):
    labels = LABELS
    list_display = ("username", "last_name", "first_name", "role", "provider", "office", "is_active")
    list_filter = ("role", "is_active", "provider")
    search_fields = ("username", "last_name", "first_name", "iin", "email")
    ordering = ("username",)
    # roles are the system's authorisation: Django's groups and per-model permissions are not offered
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("last_name", "first_name", "email", "iin", "language")}),
        (_("Role"), {"fields": ("role", "provider", "office", "is_active")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Role"), {"fields": ("role", "provider", "office", "iin", "language")}),
    )
    filter_horizontal = ()

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record(
                request,
                "changed",
                user,
                {"id": user.pk, "password": "***"},  # nosec B105  # a mask, not a password
                {"id": user.pk, "password": "changed"},  # nosec B105  # a word, not a password
            )
        return response


site.register(Provider, ProviderAdmin)
site.register(StateCorpOffice, OfficeAdmin)
site.register(CalendarCorrection, CalendarCorrectionAdmin)
site.register(User, QamqorUserAdmin)
