"""The small home page (links to the API docs and the demo log-ins, in kk/ru/en) and the pages' sign-in."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

LANG_CODES = ("kk", "ru", "en")


def home(request: HttpRequest) -> HttpResponse:
    lang = request.GET.get("lang")
    if lang not in LANG_CODES:
        lang = translation.get_language() or "kk"
        lang = lang.split("-")[0] if lang.split("-")[0] in LANG_CODES else "kk"
    try:
        from qamqor.demo import demo_logins

        logins = demo_logins()
    except Exception:  # no database yet, or no demo data: the page still shows the links
        logins = []
    with translation.override(lang):
        html = render_to_string(
            "qamqor/home.html", {"logins": logins, "lang": lang, "langs": LANG_CODES}, request
        )
    response = HttpResponse(html)
    response["Content-Language"] = lang
    return response


class SignIn(LoginView):
    """Django's session log-in for the pages (django-axes counts the failures, decision 0018); with no
    `next`, a recipient goes to their applications and staff with a queue to it."""

    template_name = "qamqor/sign_in.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        from qamqor.cases.selectors import QUEUE_ROLES

        role = getattr(self.request.user, "role", "")
        if role == "recipient":
            return reverse("portal:applications")
        if role in QUEUE_ROLES:
            return reverse("backoffice:queue")
        if role == "complaints_reviewer":
            return reverse("backoffice:complaints")
        if role == "contact_centre_operator":
            return reverse("backoffice:contact-centre")
        if role == "ministry_officer":
            return reverse("backoffice:impact")
        return reverse("portal:services")
