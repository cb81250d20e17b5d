"""The authorisation matrix of the demo's sign-in pages (issue 13; decisions 0018, 0028): every URL
under /portal/sign-in/ and the sign-in code outbox, taken from the URL configuration, for every role
and anonymous. A page without an entry in `PAGES` fails `test_every_sign_in_page_is_in_the_matrix`.

   demo      open to anyone in demo mode (a sign-in page, the demo's outbox), 404 in production
   demo key  a demo recipient's key container: anyone in demo mode for a recipient's user name (the
             demo keys are public, as the demo passwords are), 404 for anyone else's name and in
             production
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PAGES = {
    "code-request": "demo",
    "code-verify": "demo",
    "outbox": "demo",
    "signature-sign-in": "demo",
    "demo-key": "demo key",
}
PREFIXES = ("portal/sign-in/", "portal/outbox/")


def routes() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.name or ""))

    walk(get_resolver().url_patterns, "")
    return [r for r in found if r[0].startswith(PREFIXES)]


def test_every_sign_in_page_is_in_the_matrix():
    assert {name for _, name in routes()} == set(PAGES), routes()


@pytest.mark.parametrize("demo", [True, False])
def test_each_role_sees_only_what_the_matrix_says(cast, settings, demo):
    settings.QAMQOR_DEMO, settings.QAMQOR_PRODUCTION = demo, not demo
    recipient, officer = cast["recipient"], cast["provider_officer"]
    problems = []
    for route, name in routes():
        urls = [("/" + route, 200)]
        if PAGES[name] == "demo key":
            urls = [
                ("/" + route.replace("<slug:username>", recipient.username), 200),
                ("/" + route.replace("<slug:username>", officer.username), 404),
                ("/" + route.replace("<slug:username>", "nobody-at-all"), 404),
            ]
        for who, user in cast.items():
            c = Client()
            if user is not None:
                c.force_login(user)
            for url, allowed in urls:
                expected = allowed if demo else 404
                r = c.get(url)
                if r.status_code != expected:
                    problems.append(f"GET {url} as {who} (demo {demo}): {r.status_code}, expected {expected}")
                for method in ("PUT", "DELETE"):
                    if c.generic(method, url).status_code < 400:
                        problems.append(f"{method} {url} as {who}: accepted")
    assert not problems, "\n".join(problems)
