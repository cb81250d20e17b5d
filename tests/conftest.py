"""Shared test fixtures for the Django parts (pytest-django; settings `qamqor.project.settings`).

PostgreSQL: tests marked `postgres` use `POSTGRES_TEST_URL` (default
postgres://postgres@127.0.0.1:5432/postgres) to create a database of their own, and are skipped when
no server answers.
"""

from __future__ import annotations

import os
import tempfile
import uuid

import pytest

# Keep test runs out of the user's real data folder.
os.environ.setdefault("QAMQOR_DATA_DIR", os.path.join(tempfile.gettempdir(), "qamqor-test-data"))

POSTGRES_ADMIN_URL = os.environ.get("POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _postgres_reachable():
        pytest.skip("no PostgreSQL server reachable at POSTGRES_TEST_URL")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def scratch_postgres(postgres_admin_url):
    """A fresh, empty PostgreSQL database (URL), dropped after the test."""
    import psycopg

    name = f"qamqor_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks of the block (tests run inside a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def install_catalog():
    """`install_catalog(cat)`: `cat` is the process's active catalogue (`qamqor.catalog.use_catalog`;
    None: the shipped one) until the test ends, then the one before is put back."""
    from qamqor.catalog import use_catalog

    replaced = []

    def install(catalog):
        previous = use_catalog(catalog)
        if not replaced:
            replaced.append(previous)

    yield install
    if replaced:
        use_catalog(replaced[0])


# --- a small world of providers, offices and users (through the domain's models) -----------------

DEMO_PASSWORD = "pw-for-tests"


@pytest.fixture
def world(db):
    """Two providers, a State Corporation office, and users of every role that acts on a case."""
    import datetime as dt
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from qamqor.accounts.models import Provider, StateCorpOffice
    from qamqor.rules.iin import make_iin

    User = get_user_model()
    astana = Provider.objects.create(
        code="astana-education",
        kind="city_education_administration",
        name_kk="Астана қаласының білім басқармасы",
        name_ru="Управление образования города Астаны",
        name_en="Astana City Education Administration",
        region="Astana",
    )
    almaty = Provider.objects.create(
        code="almaty-education",
        kind="city_education_administration",
        name_kk="Алматы қаласының білім басқармасы",
        name_ru="Управление образования города Алматы",
        name_en="Almaty City Education Administration",
        region="Almaty",
    )
    office = StateCorpOffice.objects.create(
        code="astana-con-1",
        number="1",
        kind="regular",
        name_kk="№1 ХҚКО",
        name_ru="ЦОН №1",
        name_en="PSC No. 1",
        region="Astana",
        address="Astana, Mangilik El 1",
    )

    def user(username, role, **kw):
        u = User(username=username, role=role, **kw)
        u.set_password(DEMO_PASSWORD)
        u.save()
        return u

    return SimpleNamespace(
        astana=astana,
        almaty=almaty,
        office=office,
        officer=user("astana-officer", "provider_officer", provider=astana),
        head=user("astana-head", "provider_head", provider=astana),
        almaty_officer=user("almaty-officer", "provider_officer", provider=almaty),
        operator=user("operator", "front_office_operator", office=office),
        aliya=user(
            "aliya",
            "recipient",
            iin=make_iin(dt.date(1988, 4, 12), "female", 11),
            last_name="Сейітова",
            first_name="Әлия",
        ),
        marat=user(
            "marat",
            "recipient",
            iin=make_iin(dt.date(1983, 9, 30), "male", 12),
            last_name="Жұмабаев",
            first_name="Марат",
        ),
        auditor=user("auditor", "auditor"),
    )


@pytest.fixture
def client_for():
    """An API client authenticated with the user's token (as an external client would be)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user, lang: str = "en"):
        token, _ = Token.objects.get_or_create(user=user)
        c = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
        c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return make


@pytest.fixture
def office_hours():
    """The clock on a working Monday, 10:00 in Almaty (02.03.2026), ticking: an office takes
    applications only in its hours (issue 11), so a test that submits at the counter without its own
    moment runs inside them whatever the time the suite runs at."""
    import time_machine

    from helpers import MON

    with time_machine.travel(MON, tick=True):
        yield
# --- the demo data (the pages' tests: tests/portal, tests/backoffice, tests/browser) --------------


@pytest.fixture
def demo(db):
    """The demo data as `qamqor serve` loads it: a function giving a demo user by name."""
    from django.contrib.auth import get_user_model

    from qamqor.demo import load_demo_data

    load_demo_data()
    return lambda username: get_user_model().objects.get(username=username)
