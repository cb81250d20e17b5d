"""The complaint pages' forms (portal and back office): each parses what its step takes; a form
error is a 400 and changes nothing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.complaints.actions.common import rules_of
from qamqor.complaints.models import Outcome, Route


class FileForm(forms.Form):
    route = forms.ChoiceField(label=_("Addressed to"))
    subject = forms.ChoiceField(label=_("What the complaint is about"))
    text = forms.CharField(
        label=_("Your complaint and what you ask"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    complainant_name = forms.CharField(label=_("Surname, name, patronymic"), max_length=300)
    postal_address = forms.CharField(label=_("Postal address"), max_length=300)
    phone = forms.CharField(label=_("Telephone"), max_length=32)

    def __init__(self, case, decisions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        routes = rules_of(case.procedure_source).routes
        self.fields["route"].choices = [(r, Route(r).label) for r in Route.values if r in routes]
        self.fields["subject"].choices = [
            (f"decision:{d.pk}", f"{d.get_kind_display()} · {d.decided_at:%d.%m.%Y}") for d in decisions
        ] + [("inaction", _("an action or inaction of the provider"))]
        self.decisions = {f"decision:{d.pk}": d for d in decisions}

    def arguments(self) -> dict:
        d = dict(self.cleaned_data)
        subject = d.pop("subject")
        return {**d, "decision": self.decisions.get(subject)}


class EscalateForm(forms.Form):
    text = forms.CharField(
        label=_("Why you disagree with the answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )


class ForwardForm(forms.Form):
    pass


class SatisfyForm(forms.Form):
    finding = forms.ChoiceField(label=_("Finding re-examined"), required=False)
    value = forms.TypedChoiceField(
        label=_("Found"),
        choices=[("false", _("no")), ("true", _("yes"))],
        coerce=lambda v: v == "true",
        required=False,
    )
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    action_taken = forms.CharField(
        label=_("What was done (an action or inaction)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, findings, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].choices = [("", "—")] + [(p, text) for p, text in findings]

    def arguments(self) -> dict:
        d = self.cleaned_data
        if d.get("finding"):
            return {"findings": {d["finding"]: d["value"]}, "evidence": {d["finding"]: d.get("evidence", "")}}
        return {"action_taken": d.get("action_taken", "")}


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Result"),
        choices=[(Outcome.REJECTED, Outcome.REJECTED.label), (Outcome.FOUNDED, Outcome.FOUNDED.label)],
    )
    reasoning = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Application number"), max_length=40)
    iin = forms.CharField(label=_("Caller's IIN"), max_length=12, min_length=12)
