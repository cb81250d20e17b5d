"""The recipient's complaints: filed from the status page of their application, each complaint's
page (its terms, the answer, the court note) and taking an answer further — reads through
`complaints.selectors`, writes through `complaints.actions` (the API's steps)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qamqor.cases import selectors as case_selectors
from qamqor.cases.exceptions import AccessDenied, CaseError
from qamqor.complaints import actions, selectors
from qamqor.complaints.forms import EscalateForm, FileForm


def _lang() -> str:
    return (translation.get_language() or "kk").split("-")[0]


def _case(user, pk: int, purpose: str):
    try:
        return case_selectors.case_for(user, pk, purpose=purpose)
    except AccessDenied:
        raise Http404 from None


def _complaint(user, cid: int):
    try:
        return selectors.complaint_for(user, cid)
    except AccessDenied:
        raise Http404 from None


@login_required(login_url="sign-in")
def new(request, pk: int):
    case = _case(request.user, pk, "complaint")
    decisions = selectors.decisions_to_complain_about(case)
    a = case.applicant
    initial = {"complainant_name": a.full_name, "postal_address": a.address, "phone": a.phone}
    form = FileForm(case, decisions, request.POST or None, initial=initial)
    error, code = None, 200
    if request.method == "POST":
        code = 400
        if form.is_valid():
            try:
                complaint = actions.file_complaint(
                    case, actor=request.user, channel="portal", **form.arguments()
                )
            except CaseError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Your complaint has been filed."))
                return redirect("portal:complaint", cid=complaint.pk)
    return render(
        request, "portal/complaint_new.html", {"case": case, "form": form, "error": error}, status=code
    )


def _page(request, complaint, form=None, error=None, status=200):
    c = selectors.shown(complaint, _lang(), timezone.localdate())
    steps = selectors.steps_for(request.user, complaint)
    ctx = {
        "c": c,
        "complaint": complaint,
        "escalate": form or (EscalateForm() if "escalate_complaint" in steps else None),
        "error": error,
    }
    return render(request, "portal/complaint.html", ctx, status=status)


@login_required(login_url="sign-in")
def complaint(request, cid: int):
    return _page(request, _complaint(request.user, cid))


@require_POST
@login_required(login_url="sign-in")
def escalate(request, cid: int):
    c = _complaint(request.user, cid)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            new_one = actions.escalate_complaint(c, actor=request.user, text=form.cleaned_data["text"])
        except CaseError as exc:
            return _page(request, c, form, str(exc), 400)
        messages.success(request, _("Your complaint has been taken to the authorised body."))
        return redirect("portal:complaint", cid=new_one.pk)
    return _page(request, c, form, _("Correct the errors in the form."), 400)
