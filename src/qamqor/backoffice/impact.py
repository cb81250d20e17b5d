"""The ministry's page (issue 16): upload a draft definition of a service and see whom it would
affect before it is signed — `cases.impact.analyse_impact`, the same analysis as `qamqor impact`.

Only counts and application numbers are shown (no person's data); the roles that keep or check the
rules see it (`IMPACT_ROLES`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.cases.impact import analyse_impact
from qamqor.catalog import UnknownService
from qamqor.catalog.loader import CatalogError
from qamqor.project.pagetags import service_name

IMPACT_ROLES = ("ministry_officer", "administrator", "auditor")
MAX_DRAFT_BYTES = 1024 * 1024


class DraftForm(forms.Form):
    draft = forms.FileField(label=gettext_lazy("Draft definition of the service (YAML)"))
    on = forms.DateField(
        label=gettext_lazy(
            "Judge under the draft version of this date (dd.mm.yyyy; empty: its entry into force)"
        ),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )
    as_submitted = forms.BooleanField(
        label=gettext_lazy("Judge each case under the draft version of its own submission date"),
        required=False,
    )
    decided_from = forms.DateField(
        label=gettext_lazy("Decisions from (dd.mm.yyyy; empty: the open cases)"),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )
    decided_to = forms.DateField(
        label=gettext_lazy("Decisions to (dd.mm.yyyy)"),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )

    def clean_draft(self):
        draft = self.cleaned_data["draft"]
        if draft.size > MAX_DRAFT_BYTES:
            raise forms.ValidationError(_("The draft is larger than 1 MB."))
        return draft

    def clean(self):
        data = super().clean()
        start, end = data.get("decided_from"), data.get("decided_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both ends of the period, or neither."))
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


@login_required(login_url="sign-in")
def impact(request):
    if getattr(request.user, "role", "") not in IMPACT_ROLES:
        raise PermissionDenied(
            _("Only the staff who keep or check the rules see the impact of an amendment.")
        )
    form = DraftForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = (data["decided_from"], data["decided_to"]) if data["decided_from"] else None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "draft.yaml"
            path.write_bytes(data["draft"].read())
            try:
                report = analyse_impact(
                    path, on=data["on"], as_submitted=data["as_submitted"], decided=period
                )
            except CatalogError as exc:
                form.add_error(
                    "draft", _("The draft is not a valid service definition: %(error)s") % {"error": exc}
                )
            except UnknownService as exc:
                form.add_error("draft", _("The catalogue has no service “%(slug)s”.") % {"slug": exc})
    status = 400 if request.method == "POST" and report is None else 200
    ctx = {"form": form, "report": report.as_dict() if report else None}
    if report:
        ctx["service"] = service_name(report.service)
    return render(request, "backoffice/impact.html", ctx, status=status)
