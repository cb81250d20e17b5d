"""The content-negotiation shortcut answers as DRF's own negotiation does."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from qamqor.api.negotiation import ContentNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/v1/me/", None),
        ("/api/v1/me/", "*/*"),
        ("/api/v1/me/", "application/json"),
        ("/api/v1/me/", "text/html"),
        ("/api/v1/me/", "application/json; indent=4"),
        ("/api/v1/me/?format=api", None),
        ("/api/v1/me/?format=json", "text/html"),
    ],
)
def test_same_renderer_and_media_type_as_drf(path, accept):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(RequestFactory().get(path, **headers))

    def pick(negotiation):
        try:
            return negotiation.select_renderer(request, RENDERERS)
        except NotAcceptable:
            return "406"

    assert pick(ContentNegotiation()) == pick(DefaultContentNegotiation())


@pytest.mark.django_db
def test_api_answers_without_message_storage_and_pages_keep_it(client):
    r = client.get("/api/v1/")
    assert r.status_code == 200 and not hasattr(r.wsgi_request, "_messages")
    r = client.get("/")
    assert hasattr(r.wsgi_request, "_messages")
