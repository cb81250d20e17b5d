"""The front-office pages through Django's test client: booking a slot on the portal (and a refusal
with the next opening in the page's language), the operator's console (call, start, finish), the
office-day figures, home visits (requested on the portal and through the contact centre, scheduled,
the documents accepted at home). And the access table: every front-office page, every role."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import URLPattern, get_resolver

from helpers import at
from portal.test_portal_pages import page as portal_page
from portal.test_portal_pages import text
from qamqor.frontoffice.models import HomeVisit, Ticket

pytestmark = pytest.mark.django_db
MEETING = "parent-meeting-permission"


def page(user=None, lang: str = "en"):
    return portal_page(lang, user)


@pytest.fixture
def tuesday():
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        yield


def test_booking_a_slot_on_the_portal(world, tuesday):
    c = page(world.aliya)
    r = c.get("/portal/queue/", {"office": world.office.code, "service": MEETING, "day": "04.03.2026"})
    assert r.status_code == 200
    body = text(r)
    assert (
        "09:00" in body
        and "17:45" in body
        and "18:00" not in body.split("Free slots")[1].split("My tickets")[0]
    )
    r = c.post(
        "/portal/queue/",
        {
            "office": world.office.code,
            "service": MEETING,
            "day": "04.03.2026",
            "slot": "2026-03-04T10:30:00+05:00",
        },
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.recipient, ticket.kind) == ("B001", world.aliya, "booked")
    assert "B001" in text(c.get("/portal/queue/"))


@pytest.mark.parametrize(
    "lang, words",
    [
        ("kk", "26.03.2026 09:00"),
        ("ru", "26.03.2026 09:00"),
        ("en", "the next slot opens on 26.03.2026 09:00"),
    ],
)
def test_a_booking_on_a_holiday_is_refused_in_the_page_language(world, tuesday, lang, words):
    r = page(world.aliya, lang).post(
        "/portal/queue/",
        {
            "office": world.office.code,
            "service": MEETING,
            "day": "23.03.2026",
            "slot": "2026-03-23T10:00:00+05:00",
        },
    )
    assert r.status_code == 400
    assert words in text(r)
    if lang != "en":
        assert "next slot opens" not in text(r)  # translated
    assert not Ticket.objects.exists()


def test_a_holiday_shows_no_slot_and_the_next_opening(world, tuesday):
    r = page(world.aliya, "ru").get(
        "/portal/queue/", {"office": world.office.code, "service": MEETING, "day": "23.03.2026"}
    )
    assert r.status_code == 200
    body = text(r)
    assert 'name="slot"' not in r.content.decode()
    assert "26.03.2026 09:00" in body and "day=26.03.2026" in r.content.decode()


def test_bad_input_is_a_clear_error_that_changes_nothing(world, tuesday):
    c = page(world.aliya)
    assert c.get("/portal/queue/", {"day": "2026-03-04"}).status_code == 400
    r = c.post("/portal/queue/", {"office": world.office.code, "service": MEETING, "slot": "soon"})
    assert r.status_code == 400 and "Choose the office, the service and a slot." in text(r)
    assert not Ticket.objects.exists()


def test_the_operator_console_calls_starts_and_finishes(world, tuesday):
    c = page(world.operator)
    assert c.post("/backoffice/front-office/queue/walk-in/", {"service": MEETING}).status_code == 302
    assert c.post("/backoffice/front-office/queue/call/", {"window": "2"}).status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.window, ticket.operator) == ("called", 2, world.operator)
    assert "W001" in text(c.get("/backoffice/front-office/queue/"))
    r = c.post("/backoffice/front-office/queue/call/", {"window": "2"})
    assert r.status_code == 400 and "Finish the ticket at your window" in text(r)
    assert c.post("/backoffice/front-office/queue/start/", {"ticket": ticket.pk}).status_code == 302
    assert c.post("/backoffice/front-office/queue/finish/", {"ticket": ticket.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "served"
    r = c.get("/backoffice/front-office/figures/", {"day": "03.03.2026"})
    assert r.status_code == 200
    body = text(r)
    assert "100 %" in body  # one ticket, waited 0 minutes, served in 0: within both limits
    assert "annex 2 row 2 item 2, row 3 items 2-3" in body


def test_home_visits_on_the_portal_and_through_the_contact_centre(world, akimat):
    # today (2026) the texts in force carry no home visit: the page says so, with the reason
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        body = text(page(world.aliya).get("/portal/home-visit/"))
        assert "provide for no home visit" in body
    with time_machine.travel(at(2019, 4, 2, 10), tick=False):  # under 000, whose §13 provides for it
        r = page(world.aliya).post(
            "/portal/home-visit/",
            {
                "service": MEETING,
                "office": world.office.code,
                "name": "Әлия",
                "address": "Abai 10",
                "impairment": "yes",
            },
        )
        assert r.status_code == 302
        op = page(world.operator)
        r = op.post(
            "/backoffice/front-office/home-visits/request/",
            {
                "service": MEETING,
                "iin": world.marat.iin,
                "name": "Марат",
                "address": "Kenesary 3",
                "impairment": "yes",
            },
        )
        assert r.status_code == 302
        assert HomeVisit.objects.count() == 2
        visit = HomeVisit.objects.get(recipient_iin=world.marat.iin)
        assert visit.requested_via == "contact_centre"
        r = op.post(
            f"/backoffice/front-office/home-visits/{visit.pk}/schedule/", {"when": "07.04.2019 11:00"}
        )
        assert r.status_code == 400  # a Sunday
        r = op.post(
            f"/backoffice/front-office/home-visits/{visit.pk}/schedule/",
            {"when": "04.04.2019 11:00", "operator": world.operator.pk},
        )
        assert r.status_code == 302
    with time_machine.travel(at(2019, 4, 4, 11, 15), tick=False):
        r = op.post(
            f"/backoffice/front-office/home-visits/{visit.pk}/accept/",
            {
                "last_name": "Жұмабаев",
                "first_name": "Марат",
                "provider": akimat.code,
                "documents": [
                    "identity_document",
                    "court_decision_deprivation",
                    "police_character_reference",
                ],
                "consent": "yes",
            },
        )
        assert r.status_code == 302, text(r)[:2000]
    visit.refresh_from_db()
    assert visit.status == "documents_accepted" and visit.application.channel == "state_corp"
    assert visit.application.events.get(action="submit").payload["home_visit"] == visit.reference


# --- who may open which front-office page ---------------------------------------------------------
# GET of every page: the roles that get 200; every other signed-in role 403, anonymous to sign-in.
PAGES = {
    "portal:book": ("/portal/queue/", {"recipient"}),
    "portal:home-visit": ("/portal/home-visit/", {"recipient"}),
    "backoffice:console": ("/backoffice/front-office/queue/", {"front_office_operator"}),
    "backoffice:figures": ("/backoffice/front-office/figures/", {"front_office_operator", "auditor"}),
    "backoffice:home-visits": ("/backoffice/front-office/home-visits/", {"front_office_operator"}),
}
POSTS = {  # the POST-only steps: 403 for every role but the operator's, nothing written
    "backoffice:console-step": "/backoffice/front-office/queue/walk-in/",
    "backoffice:home-visit-new": "/backoffice/front-office/home-visits/request/",
    "backoffice:home-visit-step": "/backoffice/front-office/home-visits/1/schedule/",
}


def test_every_front_office_page_is_in_the_access_table():
    names = set()

    def walk(patterns, ns=""):
        for p in patterns:
            if isinstance(p, URLPattern):
                module = getattr(p.callback, "__module__", "")
                if module.endswith(("portal.queue", "backoffice.frontdesk")):
                    names.add(f"{ns}{p.name}")
            else:
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else ns)

    walk(get_resolver().url_patterns)
    assert names == set(PAGES) | set(POSTS)


def test_the_access_table(world, tuesday):
    users = {
        "recipient": world.aliya,
        "front_office_operator": world.operator,
        "provider_officer": world.officer,
        "provider_head": world.head,
        "auditor": world.auditor,
    }
    for name, (url, allowed) in PAGES.items():
        assert page().get(url).status_code == 302, name
        for role, user in users.items():
            assert page(user).get(url).status_code == (200 if role in allowed else 403), (name, role)
    for name, url in POSTS.items():
        for role, user in users.items():
            if role != "front_office_operator":
                assert page(user).post(url, {"service": MEETING}).status_code == 403, (name, role)
        assert page().post(url).status_code == 302
    assert not Ticket.objects.exists() and not HomeVisit.objects.exists()
