"""Issue 15: log-in lockout, expiring tokens, password rules, the demo password in production."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import DEMO_PASSWORD as TEST_PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_token_view_issues_a_token_with_its_expiry(world, client):
    r = _login(client, "aliya", TEST_PASSWORD)
    assert r.status_code == 200
    body = r.json()
    assert body["token"] and dt.datetime.fromisoformat(body["expires_at"]) > timezone.now()


def test_wrong_passwords_lock_the_account_out_even_for_the_right_one(world, client):
    for _ in range(4):
        assert _login(client, "aliya", "wrong-password").status_code == 400
    assert _login(client, "aliya", "wrong-password").status_code == 429  # the fifth failure locks
    r = _login(client, "aliya", TEST_PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "locked_out"
    # another address is not locked (the lockout is per user name and address)
    assert _login(client, "aliya", TEST_PASSWORD, ip="10.0.0.2").status_code == 200


def test_an_expired_token_is_refused_and_a_new_one_issued(world, client, settings):
    from rest_framework.authtoken.models import Token

    key = _login(client, "aliya", TEST_PASSWORD).json()["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - settings.QAMQOR_TOKEN_TTL - dt.timedelta(1))
    r = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 401
    new = _login(client, "aliya", TEST_PASSWORD).json()["token"]
    assert new != key
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_a_fresh_token_costs_one_query(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = _login(client, "aliya", TEST_PASSWORD).json()["token"]
    from qamqor.api.authentication import TokenAuthentication

    TokenAuthentication().authenticate_credentials(key)  # compile the prepared query
    with CaptureQueriesContext(connection) as q:
        user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user.username == "aliya" and len(q) == 1


def test_the_demo_password_never_works_in_production(world, client, settings):
    from qamqor.accounts.security import DEMO_PASSWORD

    world.aliya.set_password(DEMO_PASSWORD)
    world.aliya.save()
    assert _login(client, "aliya", DEMO_PASSWORD).status_code == 200  # demo mode
    settings.QAMQOR_PRODUCTION, settings.QAMQOR_DEMO = True, False
    assert _login(client, "aliya", DEMO_PASSWORD, ip="10.0.0.9").status_code == 400


def test_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("qamqor-demo", "12345678901234", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct-horse-battery-staple-7")


def test_production_mode_loads_no_demo_data(settings):
    from qamqor.demo.loader import DemoNotAllowed, load_demo_data

    settings.QAMQOR_PRODUCTION, settings.QAMQOR_DEMO = True, False
    with pytest.raises(DemoNotAllowed):
        load_demo_data()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="demo-admin").exists()
