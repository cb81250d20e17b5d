"""The back office: the work queue by due date with its marks, the case page (timeline, documents,
facts with their sources, the latest evaluation, the allowed actions each with its legal basis) and
one POST per action calling the same step of `cases.actions` as the API, with the case version the
page was read at (`expected_version`). Reads only through `cases.selectors`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qamqor.backoffice import forms as action_forms
from qamqor.cases import actions, selectors
from qamqor.cases.actions.common import version_of
from qamqor.cases.exceptions import AccessDenied, CaseError, ServiceNotAvailable
from qamqor.catalog import active_catalog
from qamqor.complaints import selectors as complaint_selectors
from qamqor.documents.views import pdf_response
from qamqor.project.pagetags import action_label, in_lang, service_name, source_label, status_label
from qamqor.rules.calendar import fmt

PAGE = 100  # rows of the queue per page (the queue holds up to selectors.QUEUE_LIMIT)


def _staff(user) -> None:
    if getattr(user, "role", "") not in selectors.QUEUE_ROLES:
        raise PermissionDenied(_("Only provider staff and State Corporation operators have a queue."))


@login_required(login_url="sign-in")
def queue(request):
    _staff(request.user)
    now = timezone.now()
    today = timezone.localdate(now)
    within = settings.QAMQOR_AT_RISK_WORKING_DAYS
    services = list(active_catalog().services)
    statuses = selectors.open_statuses()
    # a filter that is not one of the choices is ignored (the whole queue), never an error page
    service = request.GET.get("service") if request.GET.get("service") in services else ""
    status = request.GET.get("status") if request.GET.get("status") in statuses else ""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE
    # one row more than a page says whether there is a next one
    cases = selectors.queue_page(
        request.user, service=service or None, status=status or None, start=start, size=PAGE
    )
    more, cases = len(cases) > PAGE, cases[:PAGE]
    # labels once per status and service, not once per row
    names = {slug: str(service_name(slug)) for slug in services}
    labels = {code: str(status_label(code)) for code in statuses}
    rows = [
        (
            case,
            selectors.queue_flags(case, today, now, within),
            names.get(case.service_slug, case.service_slug),
            labels.get(case.status, case.status),
            # the due moment as the page writes it (dd.mm.yyyy [HH:MM], Almaty), formatted once here
            f"{fmt(localtime(case.due_at).date())} {localtime(case.due_at):%H:%M}"
            if case.due_at
            else fmt(case.due_date)
            if case.due_date
            else "—",
        )
        for case in cases
    ]
    ctx = {"rows": rows, "today": today, "within": within, "services": services, "statuses": statuses}
    ctx["service_names"], ctx["status_labels"] = names, labels
    query = "&".join(f"{k}={v}" for k, v in (("service", service), ("status", status)) if v)
    ctx["previous"] = f"?{query}&page={number - 1}" if number > 1 else None
    ctx["next"] = f"?{query}&page={number + 1}" if more else None
    ctx["page_number"] = number
    if request.user.role in complaint_selectors.QUEUE_ROLES:  # overdue complaints shown beside the queue
        ctx["complaints_overdue"] = complaint_selectors.overdue_count(request.user, today)
    return render(request, "backoffice/queue.html", {**ctx, "service": service, "status": status})


def _version(case):
    try:
        return version_of(case)
    except ServiceNotAvailable:
        return None


def _case_context(request, case, bound: dict | None = None) -> dict:
    """Everything the case page shows; `bound` holds a submitted form (with its errors) by action."""
    version = _version(case)
    bases = selectors.action_bases(request.user, case)
    forms = []
    for name in selectors.allowed_actions(request.user, case):
        if name not in action_forms.ACTIONS:
            continue  # a move the system makes (deliver to the cabinet…): no form
        form = (bound or {}).get(name) or action_forms.make_form(name, version)
        forms.append({"name": name, "form": form, "basis": bases.get(name, {})})
    sources = selectors.fact_sources(case, timezone.localdate())
    return {
        "case": case,
        "version": version,
        "events": list(case.events.all()),
        "documents": list(case.documents.all()),
        "package": selectors.package(case, timezone.now()),
        "facts": sorted(sources.items()),
        "decision": case.decisions.order_by("-decided_at", "-id").first(),
        "actions": forms,
        "deadlines": case.deadlines or {},
        "issued": selectors.issued_documents(case, translation.get_language() or "kk"),
    }


def _case(user, pk: int, purpose: str):
    try:
        return selectors.case_for(user, pk, purpose=purpose)
    except AccessDenied:
        raise Http404 from None


@login_required(login_url="sign-in")
def case_page(request, pk: int):
    _staff(request.user)
    case = _case(request.user, pk, "view")
    return render(request, "backoffice/case.html", _case_context(request, case))


@login_required(login_url="sign-in")
def issued_pdf(request, pk: int, code: str):
    """An issued document of a case the staff member may see (a receipt to print, a result): the
    stored bytes the API serves."""

    _staff(request.user)
    doc = selectors.issued_document(_case(request.user, pk, "document_download"), code)
    if doc is None:
        raise Http404(code)
    return pdf_response(doc)


@require_POST
@login_required(login_url="sign-in")
def act(request, pk: int, name: str):
    _staff(request.user)
    if name not in action_forms.ACTIONS:
        raise Http404(name)
    case = _case(request.user, pk, f"action:{name}")
    form = action_forms.make_form(name, _version(case), request.POST)
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = -1  # no version: refused as a stale page
    error = None
    if form.is_valid():
        step = getattr(actions, action_forms.ACTIONS[name].step)
        try:
            step(case, actor=request.user, expected_version=expected, **action_forms.arguments(form))
        except CaseError as exc:
            error = exc
        except ValidationError as exc:  # the step's own check of its arguments: the form's error
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else {None: exc.messages}.items()
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action_label(name)})
            return redirect("backoffice:case", pk=case.pk)
    ctx = _case_context(request, selectors.case_for(request.user, pk, purpose="view"), {name: form})
    ctx["error"] = str(error) if error else _("Correct the errors in the form.")
    ctx["error_action"] = name
    ctx["error_details"] = _details(error, ctx["version"])
    code = 409 if error is not None and error.code == "concurrent_update" else 400
    return render(request, "backoffice/case.html", ctx, status=code)


def _details(error, version) -> list[str]:
    """What the case layer listed with its refusal, in the page's language: the missing documents by
    name, the missing facts with the sources the law accepts them from, the grounds with clauses."""
    if error is None:
        return []
    lang = translation.get_language() or "kk"
    names = {d.code: d.name.get(lang) for d in version.documents} if version is not None else {}
    out = []
    for key, value in (error.details or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if key in ("missing_documents", "expired_documents") and isinstance(item, str):
                out.append(names.get(item, item))
            elif key == "from_registry" and isinstance(item, dict):
                from qamqor.registries.types import REGISTRY_NAMES

                registry = REGISTRY_NAMES.get(item.get("registry") or "")
                out.append(
                    f"{names.get(item.get('code'), item.get('code'))} — {in_lang(registry) or item.get('registry')}"
                )
            elif key == "missing_facts" and isinstance(item, dict):
                sources = ", ".join(source_label(a) for a in item.get("accepted", []))
                out.append(f"{item.get('fact')} — {sources}" if sources else str(item.get("fact")))
            elif key == "grounds" and isinstance(item, dict):
                out.append(in_lang(item.get("explanation")) or str(item.get("code")))
            elif isinstance(item, str | int):
                out.append(f"{key}: {item}")
    return out
