"""Applying on the portal, one thing per page (`drafts.STEPS`): the provider, the child, the
questions, the consent, the scans, check your answers, then the confirmation with the application
number, the expected date and why it is that date. Works without JavaScript; the draft lives in the
session (`drafts`), the scans in the documents store from the moment they are accepted; the one
write is `services.apply` (the API's `cases.actions.submit`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.accounts.models import Provider
from qamqor.cases import selectors
from qamqor.cases.exceptions import AccessDenied, CaseError
from qamqor.catalog import active_catalog
from qamqor.catalog.facts_schema import SchemaUnavailable
from qamqor.documents.uploads import UploadRejected, accept_upload
from qamqor.portal import drafts, questionnaire, services
from qamqor.portal.views import lang, service_of
from qamqor.rules.iin import InvalidIin, validate_iin


def _recipient(user) -> None:
    if getattr(user, "role", "") != "recipient" or not user.iin:
        raise PermissionDenied(_("Only a recipient signed in with their IIN applies on the portal."))


def _version(slug: str):
    s = service_of(slug)
    v = s.version_on(timezone.localdate())
    if v is None or v.source_status != "complete" or drafts.CHANNEL not in v.channel_codes:
        return s, None
    if v.procedure is not None and v.procedure.decided_by != "case":
        return s, None
    return s, v


def _providers(version):
    qs = Provider.objects.order_by("code")
    return qs.filter(kind__in=list(version.provider_kinds)) if version.provider_kinds else qs


def _base(request, slug: str, step: str):
    s, v = _version(slug)
    ctx = {"service": s, "v": v, "slug": slug, "lang": lang(), "step": step}
    ctx["name"] = (v.names if v else s.names).get(lang())
    if v is None:
        return ctx, None, render(request, "portal/apply_unavailable.html", ctx)
    draft = drafts.get(request.session, slug)
    if step != "start":
        missing = drafts.first_missing(v, draft, step)
        if missing is not None:
            return ctx, draft, redirect("portal:apply", slug=slug, step=missing)
    order = drafts.steps_for(v)
    ctx.update(draft=draft, order=order, number=order.index(step) + 1 if step in order else 0)
    ctx["total"] = len(order)
    return ctx, draft, None


def _done(request, slug, draft, step, version):
    drafts.save(request.session, slug, draft, step)
    if request.GET.get("back") == "check" and "check" in draft["done"]:
        return redirect("portal:apply", slug=slug, step="check")
    return redirect("portal:apply", slug=slug, step=drafts.next_step(version, step))


@login_required(login_url="sign-in")
def start(request, slug: str):
    _recipient(request.user)
    ctx, draft, early = _base(request, slug, "start")
    if early is not None:
        return early
    return redirect("portal:apply", slug=slug, step=drafts.first_missing(ctx["v"], draft, "check") or "check")


@login_required(login_url="sign-in")
def step(request, slug: str, step: str):
    _recipient(request.user)
    if step not in drafts.STEPS:
        raise Http404(step)
    ctx, draft, early = _base(request, slug, step)
    if early is not None:
        return early
    if step not in ctx["order"]:
        raise Http404(step)
    return STEP_VIEWS[step](request, ctx, draft)


def _provider(request, ctx, draft):
    v = ctx["v"]
    providers = list(_providers(v))
    ctx["providers"], ctx["chosen"] = providers, draft.get("provider", "")
    if request.method == "POST":
        code = request.POST.get("provider", "")
        if code not in {p.code for p in providers}:
            ctx["error"] = _("Choose the organisation that will provide the service.")
            return render(request, "portal/apply_provider.html", ctx, status=400)
        draft["provider"] = code
        return _done(request, ctx["slug"], draft, "provider", v)
    return render(request, "portal/apply_provider.html", ctx)


def _child(request, ctx, draft):
    child = dict(draft.get("child") or {})
    ctx["child"], ctx["errors"] = child, {}
    if request.method == "POST":
        child = {k: (request.POST.get(k) or "").strip()[:120] for k in ("iin", "last_name", "first_name")}
        errors = {}
        try:
            validate_iin(child["iin"])
        except (InvalidIin, ValueError):
            errors["iin"] = _("Enter the child's IIN: 12 digits, as on the birth certificate.")
        if child["iin"] and child["iin"] == request.user.iin:
            errors["iin"] = _("The child cannot be the applicant.")
        for k in ("last_name", "first_name"):
            if not child[k]:
                errors[k] = _("Enter the child's surname and first name.")
        if errors:
            ctx["child"], ctx["errors"] = child, errors
            return render(request, "portal/apply_child.html", ctx, status=400)
        draft["child"] = child
        return _done(request, ctx["slug"], draft, "child", ctx["v"])
    return render(request, "portal/apply_child.html", ctx)


def _questions(request, ctx, draft):
    v = ctx["v"]
    try:
        qs = questionnaire.questions(v, lang())
    except SchemaUnavailable:
        return render(request, "portal/apply_unavailable.html", ctx)
    # what the recipient answered before (here, or in "can I apply?") fills the page
    questionnaire.read_answers(qs, request.POST if request.method == "POST" else draft["answers"])
    for q in qs:
        src = v.fact_source(q.path)
        q.registries = list(getattr(src, "registries", ()) or ()) if src and "registry" in src.accept else []
    ctx["questions"] = qs
    if request.method == "POST":
        if any(q.error for q in qs):
            ctx["errors"] = [q for q in qs if q.error]
            for q in qs:
                q.raw = request.POST.get(q.name, "")
            return render(request, "portal/apply_questions.html", ctx, status=400)
        draft["answers"] = {q.name: q.raw for q in qs if q.raw}
        draft["facts"] = {q.path: q.value for q in qs if q.value is not None}
        return _done(request, ctx["slug"], draft, "questions", v)
    return render(request, "portal/apply_questions.html", ctx)


def _consent(request, ctx, draft):
    ctx["consent"] = draft.get("consent")
    src = ctx["v"].fact_source(questionnaire.CONSENT)
    ctx["consent_citation"] = src.citation if src is not None else None
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            ctx["error"] = _(
                "Give the consent to the use of protected personal data: the service cannot be provided without it."
            )
            return render(request, "portal/apply_consent.html", ctx, status=400)
        draft["consent"] = True
        return _done(request, ctx["slug"], draft, "consent", ctx["v"])
    return render(request, "portal/apply_consent.html", ctx)


def _documents(request, ctx, draft):
    v = ctx["v"]
    wanted = drafts.documents_wanted(active_catalog(), v, draft, timezone.localdate())
    ctx["wanted"] = wanted
    if request.method == "POST":
        codes = {w.document.code for w in wanted}
        accepted, errors = {}, {}
        with transaction.atomic():  # all the files of one post, or none (a stored scan is by hash)
            for code in sorted(codes):
                f = request.FILES.get(f"file-{code}")
                if f is None:
                    continue
                try:
                    upload = accept_upload(
                        f, drafts.owner(draft), uploaded_by=request.user, original_name=f.name
                    )
                except UploadRejected as exc:
                    errors[code] = str(exc.message)
                    continue
                accepted[code] = {"id": upload.pk, "name": upload.original_name}
            if errors:
                transaction.set_rollback(True)
        if errors:  # a refused file changes nothing: the other files of this post are not taken either
            ctx["errors"] = errors
            return render(request, "portal/apply_documents.html", ctx, status=400)
        draft["uploads"].update(accepted)
        drafts.keep(request.session, ctx["slug"], draft)
        ctx["wanted"] = drafts.documents_wanted(active_catalog(), v, draft, timezone.localdate())
        ctx["saved"] = bool(accepted)
        if request.POST.get("action") != "continue":
            return render(request, "portal/apply_documents.html", ctx)
        lacking = [w for w in ctx["wanted"] if w.required and w.upload is None]
        if lacking:
            ctx["errors"] = {w.document.code: _("Upload this document.") for w in lacking}
            return render(request, "portal/apply_documents.html", ctx, status=400)
        return _done(request, ctx["slug"], draft, "documents", v)
    return render(request, "portal/apply_documents.html", ctx)


def _check(request, ctx, draft):
    v = ctx["v"]
    ctx["provider"] = Provider.objects.filter(code=draft.get("provider")).first()
    try:
        qs = questionnaire.questions(v, lang()) if "questions" in ctx["order"] else []
    except SchemaUnavailable:
        qs = []
    questionnaire.read_answers(qs, draft["answers"])
    ctx["questions"] = qs
    ctx["wanted"] = drafts.documents_wanted(active_catalog(), v, draft, timezone.localdate())
    if request.method == "POST":
        if any(w.required and w.upload is None for w in ctx["wanted"]):  # answers changed since
            ctx["error"] = _("Upload this document.")
            ctx["lacking"] = [w for w in ctx["wanted"] if w.required and w.upload is None]
            return render(request, "portal/apply_check.html", ctx, status=400)
        try:
            submitted = services.apply(draft, slug=ctx["slug"], user=request.user, provider=ctx["provider"])
        except (CaseError, ValidationError) as exc:
            ctx["error"] = _message(exc)
            return render(request, "portal/apply_check.html", ctx, status=400)
        except UploadRejected as exc:
            ctx["error"] = str(exc.message)
            return render(request, "portal/apply_check.html", ctx, status=400)
        drafts.drop(request.session, ctx["slug"])
        return redirect("portal:submitted", pk=submitted.case.pk)
    drafts.save(request.session, ctx["slug"], draft, "check")
    return render(request, "portal/apply_check.html", ctx)


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


STEP_VIEWS = {
    "provider": _provider,
    "child": _child,
    "questions": _questions,
    "consent": _consent,
    "documents": _documents,
    "check": _check,
}


@login_required(login_url="sign-in")
def submitted(request, pk: int):
    """The confirmation: the number, the expected date and why (the case's own deadlines)."""
    try:
        case = selectors.case_for(request.user, pk, purpose="view")
    except AccessDenied:
        raise Http404 from None
    return render(
        request,
        "portal/apply_done.html",
        {"case": case, "deadlines": case.deadlines or {}, "documents": list(case.documents.all())},
    )
