"""The counter asks the registries through the gateway as it files the application (`003` §8,
decision 0029): the operator's refusal to accept never lists a document a registry holds."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
ACCEPT = "/backoffice/desk/accept/parent-meeting-permission/"


@pytest.fixture
def person():
    """A person of the sandbox population (the population register answers for them) and a child."""
    from qamqor.registries.sandbox import failures, generate, use_population

    pop = generate(4000, 11)
    use_population(pop)
    failures.restore()
    kid = int(np.flatnonzero(pop["mother"] >= 0)[0])
    parent = int(pop["mother"][kid])
    yield {"iin": pop.iin_of(parent), "names": pop.names(parent)[:2], "child": pop.iin_of(kid)}
    failures.restore()
    use_population(None)


def file_at_counter(operator, person, documents):
    last, first = person["names"]
    r = operator.post(
        ACCEPT,
        {
            "provider": "astana-education",
            "applicant_iin": person["iin"],
            "applicant_last_name": last,
            "applicant_first_name": first,
            "child_iin": person["child"],
            "child_last_name": "Бала",
            "child_first_name": "Дана",
            "documents": documents,
            "consent": "on",
        },
    )
    assert r.status_code == 302, r.content
    return int(r["Location"].rstrip("/").split("/")[-1]), r["Location"]


def test_the_identity_record_comes_from_the_population_register(demo, office_hours, person):
    from qamqor.cases.models import Application

    operator = Client()
    operator.cookies["django_language"] = "en"
    operator.force_login(demo("astana-operator"))
    pk, url = file_at_counter(operator, person, ["court_decision_deprivation", "police_character_reference"])
    case = Application.objects.get(pk=pk)
    assert case.documents.get(code="identity_document").source == "registry"
    page = html.unescape(re.sub(r"\s+", " ", operator.get(url).content.decode()))
    assert "From the state information systems" in page and "received" in page
    # nothing is missing: the counter cannot refuse to accept this package
    r = operator.post(f"/backoffice/cases/{pk}/actions/refuse_to_accept/", {"version": case.version})
    assert r.status_code == 400
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_silent_register_is_not_a_reason_to_refuse_at_the_counter(demo, office_hours, person):
    from qamqor.cases.models import Application
    from qamqor.registries.sandbox import failures

    operator = Client()
    operator.force_login(demo("astana-operator"))
    failures.fail("population", "error")
    pk, _url = file_at_counter(operator, person, ["court_decision_deprivation"])  # no police reference
    case = Application.objects.get(pk=pk)
    r = operator.post(f"/backoffice/cases/{pk}/actions/refuse_to_accept/", {"version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    event = case.events.get(action="refuse_to_accept")
    # the receipt lists what the applicant did not bring, not what the silent register holds
    assert event.payload["missing_documents"] == ["police_character_reference"]
    assert {d["code"]: d["state"] for d in event.payload["from_registry"]} == {"identity_document": "pending"}
