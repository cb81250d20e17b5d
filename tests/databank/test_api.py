"""The API contract of the automated guardianship certificate."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from qamqor.accounts.models import User
from qamqor.databank import services
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
GUARDIAN = make_iin(dt.date(1980, 4, 5), "female", 201)
CHILD = make_iin(dt.date(2016, 7, 1), "male", 202)


def _client(iin):
    user = User.objects.create_user(username=f"r{iin}", iin=iin, role="recipient")
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_certificate_request_is_decided_in_one_call():
    services.record_placement(
        source="import", kind="guardianship", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2024, 1, 10)
    )
    c = _client(GUARDIAN)
    r = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": CHILD, "consent": True},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["decision"] == "grant" and body["status"] == "delivered_to_cabinet" and body["grounds"] == []
    res = c.get(body["result_url"].replace("http://testserver", "")).json()
    assert res["result"]["kind"] == "certificate"
    ledger = c.get("/api/v1/me/registry-ledger/").json()
    assert ledger and ledger[0]["registry"] == "databank"
    other = _client(make_iin(dt.date(1970, 1, 1), "male", 203))
    assert other.get(body["result_url"].replace("http://testserver", "")).status_code == 404


def test_refusals_and_bad_input():
    c = _client(GUARDIAN)
    r = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": CHILD, "consent": True},
        format="json",
    )
    assert r.status_code == 201 and r.json()["decision"] == "refuse" and r.json()["grounds"][0]["item"] == 1
    r = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": CHILD, "consent": False},
        format="json",
    )
    assert [g["item"] for g in r.json()["grounds"]] == [2]
    r = c.post(
        "/api/v1/services/guardianship-certificate/requests",
        {"child_iin": "12", "consent": True},
        format="json",
    )
    assert r.status_code == 400
    assert APIClient().post(
        "/api/v1/services/guardianship-certificate/requests", {}, format="json"
    ).status_code in (401, 403)


def test_the_result_url_is_the_reversed_one():
    from django.urls import reverse

    from qamqor.databank.api import _result_path

    for pk in (1, 42, 918273645, 10**12):
        assert _result_path(pk) == reverse("guardianship-certificate-result", args=[pk])
