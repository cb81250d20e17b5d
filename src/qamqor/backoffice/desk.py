"""The State Corporation desk (front-office operators): accept an application on behalf of a
recipient at the counter, and the custody shelf. The receipts (acceptance, `003_4cf6e905af0d21d2.txt`
§4; refusal to accept listing the missing or expired documents, annex 3), the hand-over against an
identity document or a power of attorney and the transfer to the provider after the custody term
(`003` §11) are the case page's action forms, calling the case layer's own steps; the receipts are
printed from the case page's list of issued documents.

The counter's submission is `cases.actions.submit` on the State Corporation channel, as the API's:
the office-hours check, the operator's own office, the documents presented (on paper) — a package
with a document missing is still filed, so that the refusal to accept can list what is missing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.accounts.models import Provider
from qamqor.cases import actions, selectors
from qamqor.cases.actions.intake import person_on_record
from qamqor.cases.exceptions import CaseError
from qamqor.catalog import UnknownService, active_catalog
from qamqor.project.pagetags import in_lang
from qamqor.rules.iin import InvalidIin, validate_iin

CHANNEL = "state_corp"
APPLICATION_FORMS = ("application", "application_electronic")


def _operator(user) -> None:
    if getattr(user, "role", "") != "front_office_operator" or user.office_id is None:
        raise PermissionDenied(_("The desk is for State Corporation operators."))


def _offered(on):
    """Services taken at the State Corporation on `on` (decided by a case, from the complete texts)."""
    out = []
    for s in active_catalog().services.values():
        v = s.version_on(on)
        if v is None or v.source_status != "complete" or CHANNEL not in v.channel_codes:
            continue
        if v.procedure is not None and v.procedure.decided_by != "case":
            continue
        out.append((s.slug, v))
    return out


def _iin(value: str):
    try:
        validate_iin(value)
    except (InvalidIin, ValueError):
        raise forms.ValidationError(gettext_lazy("Enter a valid IIN: 12 digits.")) from None
    return value


class AcceptForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Provider"))
    applicant_iin = forms.CharField(label=gettext_lazy("Applicant: IIN"), max_length=12, validators=[_iin])
    applicant_last_name = forms.CharField(label=gettext_lazy("Applicant: surname"), max_length=120)
    applicant_first_name = forms.CharField(label=gettext_lazy("Applicant: first name"), max_length=120)
    child_iin = forms.CharField(
        label=gettext_lazy("Child: IIN"), max_length=12, required=False, validators=[_iin]
    )
    child_last_name = forms.CharField(label=gettext_lazy("Child: surname"), max_length=120, required=False)
    child_first_name = forms.CharField(
        label=gettext_lazy("Child: first name"), max_length=120, required=False
    )
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("Documents presented"), widget=forms.CheckboxSelectMultiple, required=False
    )
    consent = forms.BooleanField(
        label=gettext_lazy("The applicant consents to the use of protected personal data"), required=False
    )

    def __init__(self, *args, version, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Provider.objects.order_by("code")
        if version.provider_kinds:
            qs = qs.filter(kind__in=list(version.provider_kinds))
        self.fields["provider"].choices = [(p.code, p.name(lang)) for p in qs]
        self.fields["documents"].choices = [
            (d.code, in_lang(d.name))
            for d in version.documents
            if CHANNEL in d.channels and d.code not in APPLICATION_FORMS
        ]

    def clean(self):
        data = super().clean()
        child = [data.get(k) for k in ("child_iin", "child_last_name", "child_first_name")]
        if any(child) and not all(child):
            raise forms.ValidationError(_("Give the child's IIN, surname and first name, or none of them."))
        return data


def _version(slug: str):
    try:
        service = active_catalog().service(slug)
    except UnknownService:
        raise Http404(slug) from None
    return dict(_offered(timezone.localdate())).get(service.slug)


@login_required(login_url="sign-in")
def desk(request):
    _operator(request.user)
    return render(
        request,
        "backoffice/desk.html",
        {"services": [slug for slug, _v in _offered(timezone.localdate())], "office": request.user.office},
    )


@login_required(login_url="sign-in")
def accept(request, slug: str):
    """The counter's submission on behalf of a recipient; then the case page (accept with the
    acceptance receipt, or refuse with the receipt listing what is missing)."""
    _operator(request.user)
    version = _version(slug)
    if version is None:
        raise Http404(slug)
    lang = (request.LANGUAGE_CODE or "kk")[:2]
    form = AcceptForm(request.POST or None, version=version, lang=lang)
    ctx = {"slug": slug, "version": version, "form": form, "office": request.user.office}
    if request.method != "POST":
        return render(request, "backoffice/desk_accept.html", ctx)
    if not form.is_valid():
        return render(request, "backoffice/desk_accept.html", ctx, status=400)
    d = form.cleaned_data
    try:
        with transaction.atomic():  # a refused submission leaves no new person behind
            applicant = person_on_record(
                d["applicant_iin"], d["applicant_last_name"], d["applicant_first_name"]
            )
            children = []
            if d.get("child_iin"):
                children = [person_on_record(d["child_iin"], d["child_last_name"], d["child_first_name"])]
            case = actions.submit_application(
                service_slug=slug,
                channel=CHANNEL,
                applicant=applicant,
                children=children,
                provider=Provider.objects.get(code=d["provider"]),
                office=request.user.office,
                actor=request.user,
                consent=d["consent"],
                documents=[{"code": code, "source": "paper"} for code in d["documents"]],
            )
    except (CaseError, ValidationError) as exc:
        ctx["error"] = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return render(request, "backoffice/desk_accept.html", ctx, status=400)
    # the operator gets the registries' documents through the gateway before checking the package
    # (`003` §8): what they hold is not asked of the recipient (decision 0029)
    actions.ask_registries_on_filing(case, actor=request.user)
    messages.success(
        request,
        _("Application %(number)s filed. Check the package: accept it, or refuse to accept it.")
        % {"number": case.number},
    )
    return redirect("backoffice:case", pk=case.pk)


@login_required(login_url="sign-in")
def shelf(request):
    """The office's custody shelf: results to put on it and results held, each with its one-month
    clock (the version's `custody` step), oldest first."""
    _operator(request.user)
    now = timezone.now()
    to_shelve = list(selectors.work_queue(request.user, status="result_issued"))
    held = [
        (case, selectors.custody_clock(case, now))
        for case in selectors.work_queue(request.user, status="held_at_state_corp")
    ]
    held.sort(key=lambda row: (row[1]["ends"] is None, row[1]["ends"] or now))
    return render(
        request,
        "backoffice/shelf.html",
        {"to_shelve": to_shelve, "held": held, "now": now, "office": request.user.office},
    )
