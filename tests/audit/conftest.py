"""A case with a full life through the API (events, facts, a decision, registry queries, consents,
logged reads) to chain, and a way to change rows behind the application's back."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from helpers import MEETING_FACTS, MON, package
from qamqor.rules.iin import make_iin

CHILD = {"iin": make_iin(dt.date(2016, 2, 17), "male", 31), "last_name": "Жұмабаев", "first_name": "Алихан"}


def _act(client, app, action, body=None):
    r = client.post(
        f"/api/v1/applications/{app['id']}/actions/{action}/",
        body or {},
        format="json",
        HTTP_IF_MATCH=f'"{app["version"]}"',
    )
    assert r.status_code == 200, (action, r.json())
    return r.json()


@pytest.fixture
def granted_case(world, client_for, install_catalog):
    """A meeting permission granted at the provider, its page read by the officer (a logged read)."""
    install_catalog(None)
    officer = client_for(world.officer)
    body = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "provider": "astana-education",
        "applicant": {"iin": world.marat.iin, "last_name": "Жұмабаев", "first_name": "Марат"},
        "children": [CHILD],
        "facts": MEETING_FACTS,
        "consent": True,
        "documents": package("parent-meeting-permission", "provider"),
    }
    with time_machine.travel(MON, tick=False):
        r = officer.post("/api/v1/applications/", body, format="json")
        assert r.status_code == 201, r.json()
        app = r.json()
        for action in ("register_at_provider", "check_completeness", "start_review", "decide"):
            app = _act(officer, app, action)
        assert officer.get(f"/api/v1/applications/{app['id']}/").status_code == 200
    assert app["status"] == "granted"
    return app


@pytest.fixture
def tamper():
    """`tamper(sql, params)`: run SQL past the application: on PostgreSQL with the append-only
    triggers off for the statement (`session_replication_role = replica`, as a superuser could)."""
    from django.db import connection

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, list(params))
            finally:
                if connection.vendor == "postgresql":
                    cursor.execute("SET session_replication_role = origin")

    return run
