"""The body of each action of the case layer as a form (the API's bodies, `api.serializers`, for the
pages): which step of `cases.actions` it calls and what it asks. The findings forms ask for the facts
the version lets an official establish (`fact_sources` accepting `officer`), each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.catalog.facts_schema import facts_schema


class EmptyForm(forms.Form):
    pass


class AcceptForm(forms.Form):
    originals_returned = forms.BooleanField(
        label=_("The documents were checked against their originals and the originals given back"),
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class HearingForm(forms.Form):
    position = forms.CharField(
        label=_("The applicant's position at the hearing"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PreliminaryRefusalForm(forms.Form):
    hearing_at = forms.DateTimeField(
        label=_("Hearing: date and time (dd.mm.yyyy hh:mm)"),
        input_formats=["%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M"],
    )
    hearing_place = forms.CharField(label=_("Hearing: place"), max_length=300)

    def clean_hearing_at(self):
        value = self.cleaned_data["hearing_at"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value


class IssueResultForm(forms.Form):
    """What the official fills on the result that the case does not hold (all optional)."""

    period_from = forms.DateField(
        label=_("Period: first day (dd.mm.yyyy)"), required=False, input_formats=["%d.%m.%Y", "%Y-%m-%d"]
    )
    period_until = forms.DateField(
        label=_("Period: last day (dd.mm.yyyy)"), required=False, input_formats=["%d.%m.%Y", "%Y-%m-%d"]
    )
    camp_name = forms.CharField(label=_("Camp (a referral)"), max_length=300, required=False)
    camp_address = forms.CharField(label=_("Camp's address"), max_length=300, required=False)

    def clean(self):
        from django.core.exceptions import ValidationError

        from qamqor.cases.actions.issuing import particulars_of

        data = super().clean()
        try:
            data["particulars"] = particulars_of(**{k: data.get(k) for k in self.fields})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field, errors)
        return data

    def arguments(self) -> dict:
        return {"particulars": self.cleaned_data.get("particulars")}


class HandOverForm(forms.Form):
    on = forms.ChoiceField(
        label=_("Handed over against"),
        choices=(
            ("identity_document", _("an identity document")),
            ("notarised_power_of_attorney", _("a notarised power of attorney")),
        ),
        widget=forms.RadioSelect,
    )
    document_number = forms.CharField(label=_("Document number"), max_length=64)
    representative = forms.CharField(
        label=_("Representative (with a power of attorney)"), max_length=300, required=False
    )


def _ground_label(version, path: str) -> str:
    """The finding's question in the law's words: the text and clause of the ground that reads it."""
    from django.utils import translation

    lang = (translation.get_language() or "kk").split("-")[0]
    for g in version.grounds:
        if any(p == path for p, _hint in g.when.facts):
            return f"{g.text.get(lang)} ({g.citation.clause})"
    return path


FINDING_CHOICES = (("", _("not examined")), ("true", _("found")), ("false", _("not found")))
VALUE_LABELS = {  # the closed values an official may find (legal capacity, parental rights)
    "full": _("full"),
    "limited": _("limited"),
    "incapable": _("incapable"),
    "deprived": _("deprived"),
}


class FindingsForm(forms.Form):
    """One choice and one evidence field per fact the version lets an official establish."""

    only_judgement = False  # DecideForm: the `officer.*` findings only (what `actions.decide` takes)

    def __init__(self, *args, version=None, required_evidence=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.paths: list[str] = []
        self.required_evidence = required_evidence
        if version is None:
            return
        schema = facts_schema(version)
        for path in sorted(version.facts_read):
            src = version.fact_source(path)
            if src is None or "officer" not in src.accept:
                continue
            if self.only_judgement and not path.startswith("officer."):
                continue  # a fact a registry also answers: recorded with "record findings" first
            node = schema
            for part in path.split("."):
                node = (node.get("properties") or {}).get(part) or {}
            types = node.get("type")
            types = [types] if isinstance(types, str) else list(types or [])
            label = _ground_label(version, path)
            if "enum" in node:
                choices = [("", _("not examined"))] + [
                    (v, VALUE_LABELS.get(v, v)) for v in node["enum"] if v is not None
                ]
                field = forms.ChoiceField(label=label, choices=choices, required=False)
            elif "boolean" in types:
                field = forms.ChoiceField(label=label, choices=FINDING_CHOICES, required=False)
            elif "integer" in types:
                field = forms.IntegerField(label=label, required=False, min_value=node.get("minimum", 0))
            elif "number" in types:
                field = forms.DecimalField(label=label, required=False, min_value=node.get("minimum", 0))
            else:  # lists of records (convictions): the registries' answers, not an official's form
                continue
            key = path.replace(".", "-")
            self.fields[f"finding-{key}"] = field
            self.fields[f"evidence-{key}"] = forms.CharField(
                label=_("Evidence: the documents examined and why"),
                max_length=5000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.paths.append(path)

    def clean(self):
        data = super().clean()
        findings, evidence = {}, {}
        for path in self.paths:
            key = path.replace(".", "-")
            raw = data.get(f"finding-{key}")
            if raw is None or raw == "":
                continue
            if isinstance(raw, Decimal):
                raw = float(raw)
            findings[path] = {"true": True, "false": False}.get(raw, raw) if isinstance(raw, str) else raw
            text = (data.get(f"evidence-{key}") or "").strip()
            if text:
                evidence[path] = text
            elif self.required_evidence:
                self.add_error(f"evidence-{key}", _("Give the evidence of this finding."))
        data["findings"], data["evidence"] = findings, evidence
        return data

    def arguments(self) -> dict:
        return {"findings": self.cleaned_data["findings"], "evidence": self.cleaned_data["evidence"]}


class DecideForm(FindingsForm):
    only_judgement = True
    hearing_at = forms.DateTimeField(
        label=_("If the rules refuse: hearing date and time (dd.mm.yyyy hh:mm)"),
        input_formats=["%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M"],
        required=False,
    )
    hearing_place = forms.CharField(
        label=_("If the rules refuse: hearing place"), max_length=300, required=False
    )

    def arguments(self) -> dict:
        at = self.cleaned_data.get("hearing_at")
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        return {
            **super().arguments(),
            "hearing_at": at,
            "hearing_place": self.cleaned_data.get("hearing_place", ""),
        }


@dataclass(frozen=True)
class ActionForm:
    step: str  # the function of qamqor.cases.actions, as the API's endpoint of the same name calls
    form: type


EMPTY = (
    "register_at_provider send_by_courier receive_at_provider check_completeness "
    "start_review collect_registry_data await_registry_data receive_registry_data grant lapse_objection_term "
    "issue_final_refusal hold_at_state_corp transfer_to_provider request_return "
    "resend_to_state_corp"
).split()
ACTIONS: dict[str, ActionForm] = {
    **{name: ActionForm(name, EmptyForm) for name in EMPTY},
    "accept_at_front_office": ActionForm("accept_at_front_office", AcceptForm),
    "refuse_to_accept": ActionForm("refuse_to_accept", ReasonForm),
    "record_findings": ActionForm("record_official_findings", FindingsForm),
    "decide": ActionForm("decide", DecideForm),
    "issue_preliminary_refusal": ActionForm("issue_preliminary_refusal", PreliminaryRefusalForm),
    "hold_hearing": ActionForm("hold_hearing", HearingForm),
    "hand_over": ActionForm("hand_over", HandOverForm),
    "issue_result": ActionForm("issue_result", IssueResultForm),
}


def make_form(name: str, version, data=None):
    spec = ACTIONS[name]
    if issubclass(spec.form, FindingsForm):
        return spec.form(data, version=version, prefix=name)
    return spec.form(data, prefix=name)


def arguments(form) -> dict:
    if isinstance(form, FindingsForm | IssueResultForm):
        return form.arguments()
    return dict(form.cleaned_data)
