"""The portal's pages: the catalogue, one service's requirements, "can I apply?" (`questionnaire`).
The recipient's own applications are in `cabinet`."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation

from qamqor.catalog import UnknownService, active_catalog
from qamqor.catalog.facts_schema import SchemaUnavailable
from qamqor.portal import questionnaire

LANGS = ("kk", "ru", "en")


def lang() -> str:
    """The request's language (kk, ru or en), Kazakh by default."""
    code = (translation.get_language() or "kk").split("-")[0]
    return code if code in LANGS else "kk"


def service_of(slug: str):
    try:
        service = active_catalog().service(slug)
    except UnknownService:
        raise Http404(slug) from None
    return service


def services(request):
    on = timezone.localdate()
    rows = []
    for s in active_catalog().services.values():
        v = s.version_on(on)
        rows.append({"slug": s.slug, "name": (v.names if v else s.names).get(lang()), "version": v})
    return render(request, "portal/services.html", {"services": rows, "on": on})


def service(request, slug: str):
    on = timezone.localdate()
    s = service_of(slug)
    v = s.version_on(on)
    return render(
        request,
        "portal/service.html",
        {"service": s, "v": v, "lang": lang(), "name": (v.names if v else s.names).get(lang()), "on": on},
    )


def check(request, slug: str):
    """GET: the questions; POST: the same page with the answer under them."""
    on = timezone.localdate()
    s = service_of(slug)
    v = s.version_on(on)
    ctx = {"service": s, "v": v, "lang": lang(), "on": on, "name": (v.names if v else s.names).get(lang())}
    if v is None or v.source_status != "complete":
        return render(request, "portal/check_unavailable.html", ctx)
    try:
        qs = questionnaire.questions(v, lang())
    except SchemaUnavailable:
        return render(request, "portal/check_unavailable.html", ctx)
    channels = list(v.channel_codes)
    ctx.update(
        {"questions": qs, "channels": channels, "channel": "portal" if "portal" in channels else channels[0]}
    )
    ctx["asks_consent"] = questionnaire.CONSENT in v.facts_read
    ctx["consent"] = True
    if request.method == "POST":
        facts = questionnaire.read_answers(qs, request.POST)
        channel = request.POST.get("channel")
        ctx["channel"] = channel if channel in channels else ctx["channel"]
        ctx["consent"] = request.POST.get("consent") == "yes"
        if any(q.error for q in qs):
            ctx["errors"] = [q for q in qs if q.error]
            return render(request, "portal/check.html", ctx, status=400)
        # the answers carry over to the application (portal.drafts), kept in the session
        request.session.setdefault("portal_check", {})[slug] = {q.name: q.raw for q in qs if q.raw}
        request.session.modified = True
        ctx["answer"] = questionnaire.answer(active_catalog(), v, facts, ctx["consent"], ctx["channel"], on)
    return render(request, "portal/check.html", ctx)
