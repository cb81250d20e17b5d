"""Errors in the requested language, the schema and docs, the catalogue, queues, the home page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from helpers import MEETING_FACTS, MON
from qamqor.rules.calendar import ALMATY

from .test_lives import act, person, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "lang, general, iin_error, required",
    [
        (
            "kk",
            "Сұрауда қателер бар; өрістерді қараңыз.",
            "Дұрыс ЖСН енгізіңіз",
            "Бұл өрісті толтыру міндетті.",
        ),
        ("ru", "В запросе есть ошибки; см. поля.", "Введите правильный ИИН", "Это поле обязательно."),
        ("en", "The request has errors; see the fields.", "Enter a valid IIN", "This field is required."),
    ],
)
def test_malformed_input_gives_400_with_field_errors_in_the_requested_language(
    world, client_for, lang, general, iin_error, required
):
    c = client_for(world.aliya, lang=lang)
    r = c.post(
        "/api/v1/applications/",
        {
            "service": "camp-referral",
            "channel": "portal",
            "applicant": {"iin": "900101300127", "first_name": "A"},
        },
        format="json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and body["detail"] == general
    assert body["errors"]["applicant"]["iin"][0].startswith(iin_error)
    assert body["errors"]["applicant"]["last_name"] == [required]
    from qamqor.cases.models import Application

    assert not Application.objects.exists()


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_domain_errors_are_translated_too(world, client_for):
    app = submit(
        client_for(world.officer),
        service="parent-meeting-permission",
        channel="provider",
        applicant=person(world.marat),
        facts=MEETING_FACTS,
    ).json()
    ru = act(client_for(world.officer, lang="ru"), app, "grant", expect=409)
    assert "дело не может перейти" in ru["detail"]
    kk = act(client_for(world.officer, lang="kk"), app, "grant", expect=409)
    assert "арнасында іс" in kk["detail"]


def test_schema_and_docs(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/applications/{id}/actions/decide/" in schema["paths"]
    assert client.get("/api/docs/").status_code == 200


def test_catalogue_is_public_and_lists_the_services(client):
    r = client.get("/api/v1/services/?on=02.03.2026")
    assert r.status_code == 200
    services = {s["slug"]: s for s in r.json()["services"]}
    assert services["parent-meeting-permission"]["status"] == "in_force"
    assert services["school-meals"]["status"] == "incomplete_source"
    detail = client.get("/api/v1/services/parent-meeting-permission/").json()
    assert detail["in_force"]["term"]["value"] == 5 and detail["in_force"]["grounds"]
    assert client.get("/api/v1/services/nope/").status_code == 404
    assert client.get("/api/v1/services/?on=31.02.2026").status_code == 400


def test_queue_is_ordered_by_due_date_with_overdue_and_at_risk_flags(world, client_for):
    officer = client_for(world.officer)
    with time_machine.travel(MON, tick=False):
        early = submit(
            officer,
            service="parent-meeting-permission",
            channel="provider",
            applicant=person(world.marat),
            facts=MEETING_FACTS,
        ).json()
    with time_machine.travel(MON + dt.timedelta(days=3), tick=False):
        late = submit(
            officer,
            service="parent-meeting-permission",
            channel="provider",
            applicant=person(world.marat),
            facts=MEETING_FACTS,
        ).json()
    assert early["due_date"] < late["due_date"]
    with time_machine.travel(
        dt.datetime.combine(
            dt.date.fromisoformat(early["due_date"]) + dt.timedelta(days=1), dt.time(10), ALMATY
        ),
        tick=False,
    ):
        q = officer.get("/api/v1/queues/mine/").json()["results"]
    assert [r["id"] for r in q] == [early["id"], late["id"]]
    assert q[0]["overdue"] is True and q[0]["at_risk"] is False
    assert q[1]["overdue"] is False
    assert client_for(world.aliya).get("/api/v1/queues/mine/").status_code == 403
    assert client_for(world.almaty_officer).get("/api/v1/queues/mine/").json()["results"] == []


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_etag_and_not_modified(world, client_for):
    officer = client_for(world.officer)
    app = submit(
        officer,
        service="parent-meeting-permission",
        channel="provider",
        applicant=person(world.marat),
        facts=MEETING_FACTS,
    ).json()
    r = officer.get(f"/api/v1/applications/{app['id']}/", HTTP_IF_NONE_MATCH='"1"')
    assert r.status_code == 304
    act(officer, app, "register_at_provider")
    assert officer.get(f"/api/v1/applications/{app['id']}/", HTTP_IF_NONE_MATCH='"1"').status_code == 200


@pytest.mark.parametrize(
    "lang, text", [("kk", "Демо кіру деректері"), ("ru", "Демо-учётные записи"), ("en", "Demo log-ins")]
)
def test_home_page_links_docs_and_demo_logins(client, lang, text):
    from qamqor.demo import load_demo_data

    load_demo_data()
    r = client.get(f"/?lang={lang}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/api/docs/" in html and text in html and "astana-officer" in html
