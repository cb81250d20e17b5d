"""Issue 15: one error shape under /api/ whatever the Accept header, bounded bodies, checked headers,
request ids and structured logs. Each of these answered 500, HTML or 201 before."""

from __future__ import annotations

import json
import logging

import pytest

from qamqor.api.negotiation import JSON_MAX_DEPTH

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}


def _shape(r, status, code=None):
    assert r.status_code == status, r.content[:300]
    assert r["Content-Type"].startswith("application/json")
    body = json.loads(r.content)
    assert set(body) >= {"code", "detail"}
    if code:
        assert body["code"] == code
    return body


def test_unknown_url_under_api_is_json_404_even_for_a_browser(client):
    _shape(client.get("/api/v1/no-such-thing/", **HTML), 404, "not_found")
    _shape(client.get("/api/nothing", **HTML), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(world, client_for):
    r = client_for(world.officer).delete("/api/v1/services/", **HTML)
    _shape(r, 405)
    assert "GET" in r["Allow"]


def test_drf_errors_are_json_when_html_is_asked_for(client):
    _shape(client.get("/api/v1/applications/", **HTML), 401)


def test_oversized_body_is_413_in_the_json_shape(world, client_for):
    c = client_for(world.officer)
    big = b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    r = c.generic("POST", "/api/v1/applications/", big, content_type="application/json")
    _shape(r, 413, "request_too_large")


@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 600, 5000])
def test_deeply_nested_json_is_400_not_a_recursion_error(world, client_for, depth):
    body = "[" * depth + "]" * depth
    doc = '{"service": "camp-referral", "channel": "portal", "facts": {"x": ' + body + "}}"
    r = client_for(world.aliya).generic("POST", "/api/v1/applications/", doc, content_type="application/json")
    _shape(r, 400)
    from qamqor.cases.models import Application

    assert not Application.objects.exists()


def test_nul_in_a_body_string_is_400(world, client_for):
    doc = '{"service": "camp\\u0000referral", "channel": "portal"}'
    r = client_for(world.aliya).generic("POST", "/api/v1/applications/", doc, content_type="application/json")
    _shape(r, 400)


def test_nul_in_a_filter_value_is_400(world, client_for):
    body = _shape(client_for(world.officer).get("/api/v1/applications/?status=%00x"), 400, "invalid")
    assert "query" in body["errors"]


def test_refusals_of_the_middleware_are_in_the_user_s_language(world, client_for):
    body = _shape(client_for(world.officer, lang="ru").get("/api/v1/applications/?status=%00x"), 400)
    assert body["detail"] == "В запросе есть ошибки; см. поля." and "NUL" in body["errors"]["query"][0]


def test_static_files_carry_the_demo_header_too(client):
    r = client.get("/static/rest_framework/css/default.css")
    assert r.status_code == 200 and r["X-Qamqor-Demo"] == "1" and r["X-Request-Id"]


@pytest.mark.parametrize("key", ["k" * 150, "ключ", "a\tb", " "])
def test_bad_idempotency_key_on_the_certificate_endpoint_is_400(world, client_for, key):
    c = client_for(world.aliya)
    r = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": "160217300312", "consent": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    body = _shape(r, 400, "invalid")
    assert "Idempotency-Key" in body["errors"]


def test_idempotency_key_of_100_printable_characters_passes_the_check(world, client_for):
    r = client_for(world.aliya).get("/api/v1/me/", HTTP_IDEMPOTENCY_KEY="k" * 100)
    assert r.status_code == 200


def test_malformed_if_match_is_400(world, client_for):
    r = client_for(world.officer).post(
        "/api/v1/applications/1/actions/start_review/", {}, format="json", HTTP_IF_MATCH='"1" OR 1=1'
    )
    assert "If-Match" in _shape(r, 400, "invalid")["errors"]


def test_request_id_is_echoed_and_made_when_absent(client):
    r = client.get("/api/v1/", HTTP_X_REQUEST_ID="abcdef12-3456")
    assert r["X-Request-Id"] == "abcdef12-3456"
    made = client.get("/api/v1/", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-Id"]
    assert made != "bad id with spaces" and len(made) == 32
    assert client.get("/")["X-Request-Id"]


def test_a_server_error_under_api_is_json_and_logged_with_its_request_id(
    world, client_for, monkeypatch, caplog
):
    from qamqor.api import views

    def boom(self, request):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(views.Me, "get", boom)
    c = client_for(world.officer)
    c.raise_request_exception = False
    with caplog.at_level(logging.WARNING, logger="django.request"):
        r = c.get("/api/v1/me/", HTTP_ACCEPT="text/html", HTTP_X_REQUEST_ID="req-0000-0001")
    body = _shape(r, 500, "server_error")
    assert "kaboom" not in json.dumps(body)  # no internals to the client
    assert body["request_id"] == "req-0000-0001" == r["X-Request-Id"]
    records = [rec for rec in caplog.records if rec.name == "django.request"]
    assert len(records) == 1  # one line per event, not one per layer that saw it
    from qamqor.project.logs import JsonFormatter, RequestIdFilter

    RequestIdFilter().filter(records[0])
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-0000-0001" and entry["status"] == 500 and "kaboom" in entry["error"]


def test_django_request_errors_have_a_handler():
    from django.conf import settings

    logger = settings.LOGGING["loggers"]["django.request"]
    assert logger["handlers"] and logger["level"] in ("WARNING", "INFO")
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"


def test_role_not_allowed_maps_to_403():
    from qamqor.api.errors import exception_handler
    from qamqor.cases.exceptions import RoleNotAllowed

    r = exception_handler(RoleNotAllowed("no"), {})
    assert r.status_code == 403 and r.data["code"] == "role_not_allowed"


def test_demo_mode_is_said_on_every_response_and_page(client):
    r = client.get("/")
    assert r["X-Qamqor-Demo"] == "1"
    assert b"qamqor-demo-mark" in r.content
    assert client.get("/api/v1/")["X-Qamqor-Demo"] == "1"
    assert client.get("/api/v1/nothing/")["X-Qamqor-Demo"] == "1"
    assert b"qamqor-demo-mark" in client.get("/api/v1/", HTTP_ACCEPT="text/html").content
    assert b"qamqor-demo-mark" in client.get("/api-auth/login/").content
    for docs in ("/api/docs/", "/api/redoc/"):
        page = client.get(docs)
        assert page.status_code == 200 and b"qamqor-demo-mark" in page.content and b"<script" in page.content


def test_production_mode_has_no_demo_mark(client, settings):
    settings.QAMQOR_DEMO, settings.QAMQOR_PRODUCTION = False, True
    r = client.get("/")
    assert "X-Qamqor-Demo" not in r and b"qamqor-demo-mark" not in r.content


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "*/*", "garbage;;q=x"])
def test_errors_are_json_whatever_the_accept_header(world, client_for, accept):
    c = client_for(world.officer)
    r = c.get("/api/v1/applications/999999/", HTTP_ACCEPT=accept)
    assert r.status_code in (404, 406)
    _shape(r, r.status_code)
