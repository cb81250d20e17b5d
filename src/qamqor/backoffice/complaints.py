"""The complaints' side of the back office: the reviewer's queue by due date with the overdue marks,
a complaint's page with each step open to the user as a form (the API's steps, the complaint version
the page was read at), and the contact centre's status lookup (1414)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qamqor.cases.exceptions import AccessDenied, CaseError
from qamqor.complaints import actions, selectors
from qamqor.complaints.actions.contact import CONTACT_CENTRE
from qamqor.complaints.forms import AnswerForm, ForwardForm, LookupForm, SatisfyForm
from qamqor.complaints.templatetags.complaint_pages import complaint_step_label

STEPS = {
    "forward_complaint": ForwardForm,
    "satisfy_complaint_fully": SatisfyForm,
    "answer_complaint": AnswerForm,
}


def _lang() -> str:
    return (translation.get_language() or "kk").split("-")[0]


def _reviewer(user) -> None:
    if getattr(user, "role", "") not in selectors.QUEUE_ROLES:
        raise PermissionDenied(_("Only complaints reviewers and provider staff have a complaints queue."))


def _form(name, complaint, data=None):
    if name == "satisfy_complaint_fully":
        return SatisfyForm(selectors.judgement_findings(complaint), data)
    return STEPS[name](data)


@login_required(login_url="sign-in")
def queue(request):
    _reviewer(request.user)
    today = timezone.localdate()
    rows = [(c, selectors.flags(c, today)) for c in selectors.complaint_queue(request.user)[:200]]
    ctx = {"rows": rows, "today": today, "overdue": sum(1 for _c, f in rows if f["overdue"])}
    return render(request, "backoffice/complaints.html", ctx)


def _complaint(user, cid):
    try:
        return selectors.complaint_for(user, cid)
    except AccessDenied:
        raise Http404 from None


def _page(request, complaint, bound=None, error=None, status=200):
    c = selectors.shown(complaint, _lang(), timezone.localdate())
    forms = [
        {"name": n, "form": (bound or {}).get(n) or _form(n, complaint)}
        for n in selectors.steps_for(request.user, complaint)
        if n in STEPS
    ]
    ctx = {"c": c, "complaint": complaint, "steps": forms, "error": error}
    return render(request, "backoffice/complaint.html", ctx, status=status)


@login_required(login_url="sign-in")
def complaint_page(request, cid: int):
    return _page(request, _complaint(request.user, cid))


@require_POST
@login_required(login_url="sign-in")
def complaint_step(request, cid: int, name: str):
    if name not in STEPS:
        raise Http404(name)
    complaint = _complaint(request.user, cid)
    form = _form(name, complaint, request.POST)
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = -1  # no version: refused as a stale page
    if not form.is_valid():
        return _page(request, complaint, {name: form}, _("Correct the errors in the form."), 400)
    args = form.arguments() if hasattr(form, "arguments") else dict(form.cleaned_data)
    try:
        getattr(actions, name)(complaint, actor=request.user, expected_version=expected, **args)
    except CaseError as exc:
        code = 409 if exc.code == "concurrent_update" else 400
        return _page(request, _complaint(request.user, cid), {name: form}, str(exc), code)
    messages.success(request, _("Done: %(action)s.") % {"action": complaint_step_label(name)})
    return redirect("backoffice:complaint", cid=complaint.pk)


@login_required(login_url="sign-in")
def contact_centre(request):
    if getattr(request.user, "role", "") != CONTACT_CENTRE:
        raise PermissionDenied(_("Only a contact-centre operator looks up applications by number."))
    form = LookupForm(request.POST or None)
    answer, error, code = None, None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                answer = actions.lookup_status(request.user, **form.cleaned_data)
                form = LookupForm()  # the caller's IIN is not echoed back on the page
            except CaseError as exc:
                error, code = str(exc), 404 if exc.code == "not_found" else 400
        else:
            code = 400
    return render(
        request, "backoffice/contact.html", {"form": form, "answer": answer, "error": error}, status=code
    )
