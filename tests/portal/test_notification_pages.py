"""The recipient's notifications page, contact preferences and the demo outbox (issue 14)."""

from __future__ import annotations

import pytest

from helpers import at, submit_meeting
from qamqor.notifications import services
from qamqor.notifications.models import Contact, Delivery, Message

from .test_portal_pages import page, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(world):
    """Marat's registered application, its message delivered by every channel he has."""
    from qamqor.cases import actions as sv
    from qamqor.cases.models import Person

    marat = Person.objects.create(iin=world.marat.iin, last_name="Жұмабаев", first_name="Марат")
    Contact.objects.create(iin=marat.iin, phone="+77011234567")
    w = type(
        "W", (), {"parent": marat, "dept": world.astana, "officer": world.officer, "office": world.office}
    )
    case = submit_meeting(w, "provider", at(2026, 3, 2, 10), children=[])
    sv.register_at_provider(case, actor=world.officer, at=at(2026, 3, 2, 10, 5))
    for pk in Delivery.objects.values_list("pk", flat=True):
        services.deliver(pk, now=at(2026, 3, 2, 10, 6))
    return case


def test_the_cabinet_lists_my_messages_in_my_language_and_marks_them_read(world, told):
    world.marat.language = "ru"
    world.marat.save()
    m = Message.objects.get()
    r = page("ru", world.marat).get("/portal/notifications/")
    body = text(r)
    assert r.status_code == 200 and m.subject in body and told.number in body
    assert "SMS доставлено 02.03.2026 10:06" in body and "(новое)" in body
    m.refresh_from_db()
    assert m.read_at is not None
    assert "(новое)" not in text(page("ru", world.marat).get("/portal/notifications/"))
    other = text(page("kk", world.aliya).get("/portal/notifications/"))  # another recipient
    assert told.number not in other and "Әзірге хабарламалар жоқ." in other


def test_a_message_not_yet_in_the_cabinet_is_not_listed(world, told):
    Delivery.objects.filter(channel="cabinet").update(status="pending", delivered_at=None)
    assert told.number not in text(page("en", world.marat).get("/portal/notifications/"))


def test_staff_have_no_cabinet_and_anonymous_is_sent_to_sign_in(world):
    assert page("en", world.officer).get("/portal/notifications/").status_code == 404
    r = page("en").get("/portal/notifications/")
    assert r.status_code == 302 and "/sign-in/" in r["Location"]


def test_contact_preferences_are_saved_and_bad_input_changes_nothing(world):
    c = page("en", world.marat)
    assert c.get("/portal/notifications/contacts/").status_code == 200
    r = c.post(
        "/portal/notifications/contacts/",
        {"phone": "8 (701) 234-56-78", "email": "m@example.kz", "sms": "on"},
    )
    assert r.status_code == 302
    saved = Contact.objects.get(iin=world.marat.iin)
    assert (saved.phone, saved.email, saved.sms, saved.by_email) == (
        "+77012345678",
        "m@example.kz",
        True,
        False,
    )
    bad = page("kk", world.marat).post("/portal/notifications/contacts/", {"phone": "12345", "email": "x"})
    assert bad.status_code == 400 and "Қазақстандық телефон нөмірін енгізіңіз" in text(bad)
    saved.refresh_from_db()
    assert saved.phone == "+77012345678" and saved.email == "m@example.kz"


def test_the_demo_outbox_shows_what_the_gateways_took_and_production_has_none(world, told, settings):
    body = text(page("en").get("/portal/notifications/outbox/"))
    assert "+77011234567" in body and told.number in body
    settings.QAMQOR_DEMO = False
    assert page("en").get("/portal/notifications/outbox/").status_code == 404
