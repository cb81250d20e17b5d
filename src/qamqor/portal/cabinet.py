"""The recipient's own applications: the list, the status page (every stage, the expected date and
why), and withdrawal — reads through `cases.selectors`, the one write through `cases.actions.withdraw`
(the API's step), with the case version the page was read at."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qamqor.cases import actions, selectors
from qamqor.cases.actions.issuing import attach_upload
from qamqor.cases.exceptions import AccessDenied, CaseError
from qamqor.complaints.selectors import complaints_of_case
from qamqor.documents.uploads import UploadRejected
from qamqor.documents.views import pdf_response


def _lang() -> str:
    from qamqor.portal.views import lang

    return lang()


def _case(user, pk: int, purpose: str):
    try:
        return selectors.case_for(user, pk, purpose=purpose)
    except AccessDenied:
        raise Http404 from None  # another person's case looks the same as a missing one


@login_required(login_url="sign-in")
def applications(request):
    rows = selectors.visible_cases(request.user)[:200]
    return render(request, "portal/applications.html", {"cases": rows})


def _status_context(request, case) -> dict:
    decision = case.decisions.order_by("-decided_at", "-id").first()
    return {
        "case": case,
        "events": list(case.events.all()),
        "deadlines": case.deadlines or {},
        "decision": decision,
        "can_withdraw": "withdraw" in selectors.allowed_actions(request.user, case),
        "issued": selectors.issued_documents(case, _lang()),
        "package": (package := selectors.package(case, timezone.now())),
        "attach_choices": attach_choices(request.user, package),
        "complaints": complaints_of_case(request.user, case),
        "can_complain": getattr(request.user, "role", "") == "recipient",
    }


@login_required(login_url="sign-in")
def issued_pdf(request, pk: int, code: str):
    """An issued document of the recipient's own case: the stored bytes the API serves."""

    doc = selectors.issued_document(_case(request.user, pk, "document_download"), code)
    if doc is None:
        raise Http404(code)
    return pdf_response(doc)


@login_required(login_url="sign-in")
def status(request, pk: int):
    case = _case(request.user, pk, "view")
    return render(request, "portal/status.html", _status_context(request, case))


@require_POST
@login_required(login_url="sign-in")
def withdraw(request, pk: int):
    case = _case(request.user, pk, "action:withdraw")
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = -1  # a form without the version it was read at: refused as a stale one
    reason = (request.POST.get("reason") or "").strip()[:2000]
    try:
        actions.withdraw(case, actor=request.user, reason=reason, expected_version=expected)
    except CaseError as exc:
        ctx = _status_context(request, selectors.case_for(request.user, pk, purpose="view"))
        ctx["error"] = str(exc)
        return render(
            request, "portal/status.html", ctx, status=409 if exc.code == "concurrent_update" else 400
        )
    messages.success(request, _("Your application has been withdrawn."))
    return redirect("portal:status", pk=case.pk)


# --- a copy the package still lacks, sent from the status page ------------------------------------
# A document missing or expired, or one a state information system answered it does not hold
# (decision 0029: the copy is then the applicant's to bring, until the decision). The case layer's
# `attach_upload` decides whether it may still be attached and checks the file; a refused file
# changes nothing and is answered on the same page.


class AttachForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Document"), max_length=80)
    file = forms.FileField(label=gettext_lazy("Scan of the document (PDF, JPEG or PNG)"))


def attach_choices(user, package: dict) -> list[dict]:
    """What the recipient can still send from the status page: the documents missing or expired
    (not the consent, given with the application); none for anyone else."""
    if getattr(user, "role", "") != "recipient":
        return []
    return [d for d in package["missing"] + package["expired"] if d["code"] != "consent"]


@require_POST
@login_required(login_url="sign-in")
def attach_document(request, pk: int):
    case = _case(request.user, pk, "upload_document")
    form = AttachForm(request.POST, request.FILES)
    error = None
    if not form.is_valid():
        error = _("Choose the document and the file to send.")
    else:
        try:
            attach_upload(
                case, actor=request.user, code=form.cleaned_data["code"], fileobj=form.cleaned_data["file"]
            )
        except UploadRejected as exc:
            error = str(exc.message)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except CaseError as exc:
            error = str(exc)
    if error is not None:
        case.refresh_from_db()
        ctx = _status_context(request, case)
        ctx["attach_error"] = error
        return render(request, "portal/status.html", ctx, status=400)
    messages.success(request, _("The document has been sent with your application."))
    return redirect("portal:status", pk=case.pk)
