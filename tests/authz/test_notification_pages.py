"""The authorisation matrix of the notification pages (issue 14): every URL under
/portal/notifications/, taken from the URL configuration, with every role and its stranger and
anonymous. A page without an entry in `PAGES` fails `test_every_notification_page_is_in_the_matrix`.

   own   the signed-in recipient's own messages or preferences: recipients 200 (their own only), staff
         404 (no cabinet), anonymous sent to sign in
   demo  the sandbox gateways' outbox: anyone in demo mode (as the sign-in code outbox), 404 in
         production
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from qamqor.notifications import services
from qamqor.notifications.models import Delivery, Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("office_hours")]

PAGES = {
    "notifications": "own",
    "contacts": "own",
    "notify-outbox": "demo",
}
PREFIX = "portal/notifications/"


def routes() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.name or ""))

    walk(get_resolver().url_patterns, "")
    return [r for r in found if r[0].startswith(PREFIX)]


def test_every_notification_page_is_in_the_matrix():
    found = routes()
    assert {name for _, name in found} == set(PAGES), found


@pytest.mark.parametrize("demo", [True, False])
def test_each_role_sees_only_what_the_matrix_says(cast, records, settings, demo):
    settings.QAMQOR_DEMO = demo
    for pk in Delivery.objects.values_list("pk", flat=True):
        services.deliver(pk)
    number_a = records["case A"].extra["case"].number
    assert Message.objects.filter(case_number=number_a).exists()  # Marat was told of case A
    problems = []
    for route, name in routes():
        for who, user in cast.items():
            c = Client()
            if user is not None:
                c.force_login(user)
            r = c.get("/" + route)
            body = r.content.decode()
            scope, where = PAGES[name], f"GET /{route} as {who} (demo {demo})"
            if r.status_code >= 500:
                problems.append(f"{where}: server error")
            if scope == "own":
                expected = 302 if user is None else 200 if user.role == "recipient" else 404
                if r.status_code != expected:
                    problems.append(f"{where}: {r.status_code}, expected {expected}")
                if number_a in body and who != "recipient":
                    problems.append(f"{where}: another's message shown")
            if scope == "demo" and r.status_code != (200 if demo else 404):
                problems.append(f"{where}: {r.status_code}")
            for method in ("put", "delete") + (("post",) if name != "contacts" else ()):
                if c.generic(method.upper(), "/" + route).status_code < 400:
                    problems.append(f"{where}: {method} accepted")
    assert not problems, "\n".join(problems)
