"""The authorisation matrix of the administration and the monitoring dashboard (issue 13): every URL
under /admin/ and /backoffice/monitoring/, taken from the URL configuration, for every role and
anonymous. Only the administrator enters the administration (everyone else signed in: 403, anonymous:
the sign-in page); the dashboard is for a provider's head, auditors and administrators. Nothing
changes when a request is refused. A URL of these prefixes without an entry here fails."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PREFIXES = ("admin/", "backoffice/monitoring/")
# who may: "administrator" (the administration) or "dashboard" (head, auditor, administrator)
PAGES = {
    "backoffice:monitoring": "dashboard",
    **{
        name: "administrator"
        for name in (
            "admin:index",
            "admin:login",
            "admin:logout",
            "admin:password_change",
            "admin:password_change_done",
            "admin:autocomplete",
            "admin:jsi18n",
            "admin:view_on_site",
            "admin:app_list",
            *(
                f"admin:accounts_{model}_{view}"
                for model in ("provider", "statecorpoffice", "calendarcorrection", "user")
                for view in ("changelist", "add", "history", "delete", "change")
            ),
            "admin:auth_user_password_change",
            # unnamed: an object's bare URL (redirects to its change page) and the catch-all
            *(
                f"admin/accounts/{model}/<path:object_id>/"
                for model in ("provider", "statecorpoffice", "calendarcorrection", "user")
            ),
            "admin/(?P<url>.*)",
        )
    },
}
ALLOWED = {
    "administrator": {"administrator"},
    "dashboard": {"provider_head", "auditor", "administrator"},
}
# a URL that needs no permission at all: Django's own log-in page (ours redirects to /sign-in/ or
# refuses) — listed so that its answer is still checked
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes():
    found = []

    def walk(patterns, prefix, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), ns + [p.namespace] if p.namespace else ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern).lstrip("^").rstrip("$")
                if route.startswith(PREFIXES):
                    found.append((route, ":".join([*ns, p.name]) if p.name else route))

    walk(get_resolver().url_patterns, "", [])
    return found


def test_every_page_is_in_the_matrix():
    found = routes()
    names = {n for _r, n in found}
    assert len(found) >= 20
    missing = sorted(names - set(PAGES))
    stale = sorted(set(PAGES) - names)
    assert not missing, f"pages without an entry in the matrix: {missing}"
    assert not stale, f"matrix entries for pages that no longer exist: {stale}"


def _url(route: str, pk: int) -> str:
    def fill(m):
        return {"object_id": str(pk), "app_label": "accounts", "content_type_id": "1"}.get(
            m.group(2), str(pk)
        )

    route = route.replace("(?P<app_label>accounts)", "accounts").replace("(?P<url>.*)", "no-such-page/")
    return "/" + CONVERTER.sub(fill, route)


def _state():
    from qamqor.accounts.models import CalendarCorrection, Provider, StateCorpOffice, User
    from qamqor.audit.models import AdminChange

    return (
        # ordered: PostgreSQL returns rows in no set order (a log-in's update moves the user's row)
        list(Provider.objects.order_by("id").values()),
        list(StateCorpOffice.objects.order_by("id").values()),
        list(User.objects.order_by("id").values("id", "username", "role", "password", "is_active")),
        CalendarCorrection.objects.count(),
        AdminChange.objects.count(),
    )


def test_only_the_allowed_roles_enter(world, cast):
    anonymous_ok = {"admin:login", "admin:logout"}  # redirected to /sign-in/ or signed out
    failures = []
    for route, name in routes():
        url = _url(route, world.office.pk if "statecorpoffice" in name else world.astana.pk)
        if "_user_" in name:
            url = _url(route, world.officer.pk)
        if (
            "calendarcorrection" in name
            and "<" in route
            and ("change" in name or "delete" in name or "history" in name)
        ):
            continue  # no correction to open: the list and the add page are checked
        for role, user in cast.items():
            before = _state()
            c = Client()
            if user is not None:
                c.force_login(user)
            for method in ("get", "post"):
                r = getattr(c, method)(url, {})
                allowed = user is not None and user.role in ALLOWED[PAGES[name]]
                if user is None and name not in anonymous_ok:
                    ok = r.status_code == 302 and r["Location"].startswith("/sign-in/")
                elif allowed:
                    ok = r.status_code < 500
                else:
                    ok = r.status_code in (403, 405) or (name in anonymous_ok and r.status_code < 500)
                if not ok:
                    failures.append((url, role, method, r.status_code))
            if not (user is not None and user.role in ALLOWED[PAGES[name]]):
                assert _state() == before, (url, role)
    assert not failures, failures
