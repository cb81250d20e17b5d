"""Issue 15: every submission field bounded and checked before anything is stored (both the fast path
and the serializer), with a clear 400 in the user's language."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from helpers import MEETING_FACTS
from qamqor.api import fastinput
from qamqor.api import serializers as s
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db

CHILD_IIN = make_iin(dt.date(2016, 2, 17), "male", 31)


def _body(world, **over):
    body = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "provider": "astana-education",
        "applicant": {"iin": world.marat.iin, "last_name": "Жұмабаев", "first_name": "Марат"},
        "children": [{"iin": CHILD_IIN, "last_name": "Жұмабаев", "first_name": "Алихан"}],
        "facts": dict(MEETING_FACTS),
        "consent": True,
    }
    body.update(over)
    return body


def _refused(world, client_for, body, field, lang="en"):
    from qamqor.cases.models import Application

    assert fastinput.validated(s.SubmitIn, copy.deepcopy(body)) is None  # the fast path defers too
    r = client_for(world.officer, lang=lang).post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400, r.json()
    errors = r.json()["errors"]
    assert field in errors, errors
    assert not Application.objects.exists()
    return errors


@pytest.mark.usefixtures("office_hours")  # submitted at the counter: in its hours
def test_the_plain_body_is_still_accepted(world, client_for):
    r = client_for(world.officer).post("/api/v1/applications/", _body(world), format="json")
    assert r.status_code == 201, r.json()


def test_an_iin_as_a_json_number_is_refused(world, client_for):
    body = _body(world)
    body["applicant"]["iin"] = int(world.marat.iin)
    _refused(world, client_for, body, "applicant")


@pytest.mark.parametrize("iin", [" {} ", "{} ", "\u00a0{}"])
def test_an_iin_with_spaces_is_refused(world, client_for, iin):
    body = _body(world)
    body["applicant"]["iin"] = iin.format(world.marat.iin)
    _refused(world, client_for, body, "applicant")


def test_an_iin_born_in_the_future_is_refused(world, client_for):
    body = _body(world)
    body["children"][0]["iin"] = make_iin(dt.date(2031, 5, 1), "male", 5)
    errors = _refused(world, client_for, body, "children", lang="kk")
    assert "болашақ" in str(errors)


def test_the_child_cannot_be_the_applicant(world, client_for):
    body = _body(world)
    body["children"][0]["iin"] = world.marat.iin
    _refused(world, client_for, body, "children")


def test_at_most_ten_children(world, client_for):
    kids = [
        {"iin": make_iin(dt.date(2015, 1, 1 + i), "female", 40 + i), "last_name": "Бала", "first_name": "Б"}
        for i in range(11)
    ]
    _refused(world, client_for, _body(world, children=kids), "children")


def test_at_most_fifty_documents(world, client_for):
    _refused(world, client_for, _body(world, documents=[{"code": "identity-card"}] * 51), "documents")


@pytest.mark.parametrize(
    "name", ["Ма\u202erат", "Ма\u200bрат", "Ма\u0007рат", "Ма\u2066рат\u2069", "\ufeffМарат"]
)
def test_names_with_control_bidi_or_invisible_characters_are_refused(world, client_for, name):
    body = _body(world)
    body["applicant"]["first_name"] = name
    _refused(world, client_for, body, "applicant")


def test_names_are_stored_in_nfc(world, client_for):
    body = _body(world)
    body["applicant"]["first_name"] = "A\u0301lia"  # A + combining acute
    fast = fastinput.validated(s.SubmitIn, copy.deepcopy(body))
    slow = s.SubmitIn(data=copy.deepcopy(body))
    assert slow.is_valid(), slow.errors
    assert slow.validated_data["applicant"]["first_name"] == "\u00c1lia"
    if fast is not None:  # the fast path, when on, normalises alike
        assert fast["applicant"]["first_name"] == "\u00c1lia"


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_valid_until_must_be_plausible(world, client_for, when):
    _refused(
        world,
        client_for,
        _body(world, documents=[{"code": "identity-card", "valid_until": when}]),
        "documents",
    )


def test_facts_are_bounded_in_size(world, client_for):
    facts = {**MEETING_FACTS, "note": "x" * (70 * 1024)}
    _refused(world, client_for, _body(world, facts=facts), "facts")


def test_facts_are_bounded_in_depth(world, client_for):
    deep: dict = {}
    cur = deep
    for _ in range(12):
        cur["a"] = {}
        cur = cur["a"]
    _refused(world, client_for, _body(world, facts={**MEETING_FACTS, "deep": deep}), "facts")


def test_over_long_text_is_refused(world, client_for):
    body = _body(world)
    body["applicant"]["address"] = "x" * 301
    _refused(world, client_for, body, "applicant")
