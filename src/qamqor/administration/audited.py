"""Every change made in the administration written to the audit trail (`audit.AdminChange`, chained):
who, when, what (model and id), and the record before and after, for the record itself and for each
row of its inlines (an office's schedules)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from qamqor.administration.site import is_administrator
from qamqor.audit.models import AdminChange

SECRET_FIELDS = {"password"}  # recorded as changed or not, never the value (a hash all the same)


def snapshot(obj) -> dict | None:
    """The record's fields as JSON (secrets masked); None for no record."""
    if obj is None or obj.pk is None:
        return None
    fields = serializers.serialize("python", [obj])[0]["fields"]
    data = json.loads(json.dumps(fields, cls=DjangoJSONEncoder))
    for name in SECRET_FIELDS & data.keys():
        data[name] = "***"
    return {"id": obj.pk, **data}


def stored(obj):
    """The record as the database holds it now (before this request's change)."""
    if obj.pk is None:
        return None
    return type(obj)._base_manager.filter(pk=obj.pk).first()


def record(request, action: str, obj, before: dict | None, after: dict | None) -> AdminChange | None:
    if action == "changed" and before == after:
        return None  # saved unchanged: nothing to account for
    user = request.user
    return AdminChange.objects.create(
        actor=user,
        actor_role=getattr(user, "role", ""),
        at=timezone.now(),
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk if obj.pk is not None else (before or {}).get("id", "")),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


class RoleOnly:
    """Every permission of the administration belongs to the administrator role (not to Django's
    per-model permissions, which the system does not use)."""

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, *args):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)


class AuditedAdmin(RoleOnly, admin.ModelAdmin):
    """A model admin whose every save and delete (also its inlines' rows) lands in the audit trail."""

    labels: dict = {}  # the form's field labels in the page's language

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("labels", self.labels)
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        before = snapshot(stored(obj)) if change else None
        super().save_model(request, obj, form, change)
        record(request, "changed" if change else "added", obj, before, snapshot(obj))

    def delete_model(self, request, obj):
        before, pk = snapshot(obj), obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        record(request, "deleted", obj, before, None)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        befores = {id(f.instance): snapshot(stored(f.instance)) for f in formset.forms if f.instance.pk}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record(request, "added", obj, None, snapshot(obj))
        for obj, _fields in formset.changed_objects:
            record(request, "changed", obj, befores.get(id(obj)), snapshot(obj))
        for obj in formset.deleted_objects:
            record(request, "deleted", obj, befores.get(id(obj)), None)


class AuditedInline(RoleOnly, admin.StackedInline):  # every field with its label (axe)
    extra = 1
