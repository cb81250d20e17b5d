"""`POST /api/v1/services/<slug>/automated-requests` and the result in the personal cabinet."""

from __future__ import annotations

import pytest
import time_machine

from qamqor.cases.models import Application
from qamqor.databank.models import Placement

from .conftest import AFTER_REPEAL, BEFORE_REPEAL, DOCUMENTS, RELATIVE_FACTS, SLUG

URL = f"/api/v1/services/{SLUG}/automated-requests"


def body(w, **over):
    return {
        "child_iin": w.child_iin,
        "consent": True,
        "facts": RELATIVE_FACTS,
        "provider": w.dept.code,
        "documents": DOCUMENTS,
        **over,
    }


@pytest.fixture
def before_repeal():
    with time_machine.travel(BEFORE_REPEAL, tick=False):
        yield


def test_a_request_is_decided_at_once_and_its_result_is_in_the_cabinet(world, client_for, before_repeal):
    w = world
    c = client_for(w.recipient, lang="ru")
    r = c.post(URL, body(w), format="json")
    assert r.status_code == 201, r.json()
    out = r.json()
    assert out["status"] == "delivered_to_cabinet" and out["decision"] == "grant"
    assert out["decided_automatically"] is True and out["grounds"] == [] and out["missing_facts"] == []
    assert out["status_label"] == "направлено в личный кабинет"
    assert {j["item"] for j in out["judgement_not_examined"]} == {15, 16}
    assert out["judgement_not_examined"][0]["note"].startswith("Не рассматривалось")
    assert out["expected_result_date"] == "03.04.2023"
    assert Placement.objects.filter(case_id=out["id"]).exists()
    result = c.get(out["result_url"])
    assert result.status_code == 200
    res = result.json()
    assert res["kind"] == "grant" and res["date"] == "15.03.2023"
    assert res["result"]["text"].startswith("Уведомление о заключении договора")
    assert res["duties"][0]["due_on"] == "15.03.2024"
    # somebody else's result is not found (and its existence not revealed)
    assert client_for(w.recipient2).get(out["result_url"]).status_code == 404


def test_a_refusal_lists_the_grounds_in_the_requested_language(world, client_for, before_repeal):
    w = world
    r = client_for(w.convicted, lang="kk").post(URL, body(w, child_iin=w.child2_iin), format="json")
    assert r.status_code == 201
    out = r.json()
    assert out["decision"] == "refuse" and out["status"] == "delivered_to_cabinet"
    g13 = next(g for g in out["grounds"] if g["item"] == 13)
    assert g13["citation"] == {"source": "001_9090383b8961739a.txt", "clause": "annex 2 row 9 item 13"}
    assert g13["explanation"].startswith("Адам өлтіру")


def test_an_incomplete_request_is_refused_to_accept_with_the_missing_facts(world, client_for, before_repeal):
    w = world
    r = client_for(w.recipient).post(URL, body(w, facts={}), format="json")
    assert r.status_code == 201
    out = r.json()
    assert out["status"] == "refused_to_accept" and out["decision"] is None
    assert "applicant.monthly_income" in out["missing_facts"]


@pytest.mark.parametrize(
    "lang, general, required",
    [
        ("kk", "Сұрауда қателер бар; өрістерді қараңыз.", "Бұл өрісті толтыру міндетті."),
        ("ru", "В запросе есть ошибки; см. поля.", "Это поле обязательно."),
    ],
)
def test_malformed_input_gives_400_with_field_errors_in_the_requested_language(
    world, client_for, before_repeal, lang, general, required
):
    w = world
    c = client_for(w.recipient, lang=lang)
    r = c.post(URL, {"child_iin": "123", "facts": []}, format="json")
    assert r.status_code == 400
    out = r.json()
    assert out["code"] == "invalid" and out["detail"] == general
    assert out["errors"]["consent"] == [required] and out["errors"]["provider"] == [required]
    assert set(out["errors"]) >= {"child_iin", "facts"}
    r = c.post(URL, body(w, facts={"applicant": {"monthly_income": "many"}}), format="json")
    assert r.status_code == 400
    message = r.json()["errors"]["facts.applicant.monthly_income"][0]
    assert message == {
        "kk": "applicant.monthly_income: мәннің түрі қате (number күтіледі).",
        "ru": "applicant.monthly_income: неверный тип значения (ожидается number).",
    }[lang]
    assert not Application.objects.exists()


def test_a_service_not_fully_automated_or_not_in_force_is_a_clear_400(world, client_for):
    w = world
    c = client_for(w.recipient, lang="ru")
    with time_machine.travel(BEFORE_REPEAL, tick=False):
        r = c.post("/api/v1/services/guardianship-establishment/automated-requests", body(w), format="json")
    assert r.status_code == 400 and r.json()["code"] == "not_fully_automated"
    assert "не полностью автоматизирована" in r.json()["detail"]
    with time_machine.travel(AFTER_REPEAL, tick=False):
        r = c.post(URL, body(w), format="json")
    assert r.status_code == 400 and r.json()["code"] == "not_in_force"
    assert r.json()["detail"] == f"Услуга «{SLUG}» не действует на 14.09.2023."
    assert not Application.objects.exists()


def test_the_idempotency_key_returns_the_first_result(world, client_for, before_repeal):
    w = world
    c = client_for(w.recipient)
    first = c.post(URL, body(w), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = c.post(URL, body(w), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1 and Placement.objects.count() == 1


def test_staff_cannot_apply_on_the_portal(world, client_for, before_repeal):
    w = world
    r = client_for(w.officer).post(URL, body(w), format="json")
    assert r.status_code == 403 and r.json()["code"] == "portal_submitter"
    assert not Application.objects.exists()
