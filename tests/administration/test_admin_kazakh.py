"""The administration in Kazakh (decision 0028): Django ships a partial Kazakh catalogue for its admin
and auth pages; ours (`administration/django_strings.py`, in `LOCALE_PATHS`, consulted first) fills
the gaps. The pages our administrators use are rendered in Kazakh and read as a person or a screen
reader would (text, and the labels, titles and button values): none of Django's common English
words is left."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH = (
    "Add", "Change", "Save", "Delete", "Filter", "Search", "View", "History", "Recent actions",
    "My actions", "View site", "Log out", "Toggle theme", "Breadcrumbs", "Show counts", "Clear all filters",
    "Yes, I’m sure", "No, take me back", "Objects", "Select all objects", "Toggle sorting", "successfully",
    "Home", "Action", "Go", "Password", "Required", "Enter the same password", "doesn’t have a change history",
)  # fmt: skip
SHOWN = re.compile(r'(?:aria-label|title|placeholder|value)="([^"]*)"')


def shown_text(response) -> str:
    """What a reader meets: the text between tags and the labels a screen reader reads out."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    labels = " ".join(SHOWN.findall(body))
    text = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(re.sub(r"\s+", " ", f"{text} {labels}"))


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def test_our_catalogue_comes_before_djangos():
    from pathlib import Path

    import qamqor

    assert settings.LOCALE_PATHS == [str(Path(qamqor.__file__).parent / "locale")]


def test_the_administrators_pages_have_no_english_left_in_kazakh(world):
    from django.contrib.auth import get_user_model

    from qamqor.accounts.models import Provider

    root = get_user_model().objects.create(
        username="root", role="administrator", is_staff=True, is_superuser=True
    )
    c = Client()
    c.cookies["django_language"] = "kk"
    c.force_login(root)
    provider = Provider.objects.first()
    # a change through the admin: its message and its history line are Django's too
    saved = c.post(
        f"/admin/accounts/provider/{provider.pk}/change/",
        {**{f.name: getattr(provider, f.attname) or "" for f in Provider._meta.concrete_fields if f.name != "id"},
         "name_en": "Changed in the test"},
        follow=True,
    )  # fmt: skip
    pages = {
        "index": c.get("/admin/"),
        "changelist": c.get("/admin/accounts/provider/?q=a"),
        "users": c.get("/admin/accounts/user/"),
        "add form": c.get("/admin/accounts/statecorpoffice/add/"),
        "change form": c.get(f"/admin/accounts/user/{root.pk}/change/"),
        "delete confirmation": c.get(f"/admin/accounts/provider/{provider.pk}/delete/"),
        "history": c.get(f"/admin/accounts/provider/{provider.pk}/history/"),
        "after saving": saved,
        "log-out": c.post("/admin/logout/"),
    }
    found = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert '<html lang="kk"' in response.content.decode(), name
        left = english_in(shown_text(response))
        if left:
            found[name] = left
    assert not found, found
    # and the Kazakh is there: the index's and the list's own words
    assert "Соңғы әрекеттер" in shown_text(pages["index"])
    assert "сәтті өзгертілді" in shown_text(pages["after saving"])
