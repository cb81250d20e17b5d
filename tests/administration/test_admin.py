"""The administration (issue 13): the administrator role only; every change audited with before and
after, in the chained trail; an office's own schedule and an administrator's calendar correction are
what the case layer counts with."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from helpers import at, package

pytestmark = pytest.mark.django_db

OFFICE_FORM = {
    "code": "astana-con-9",
    "number": "9",
    "kind": "regular",
    "name_kk": "№9 ХҚКО",
    "name_ru": "ЦОН №9",
    "name_en": "PSC No. 9",
    "region": "Astana",
    "locality": "",
    "address": "Astana, Turan 9",
    "schedules-TOTAL_FORMS": "1",
    "schedules-INITIAL_FORMS": "0",
    "schedules-MIN_NUM_FORMS": "0",
    "schedules-MAX_NUM_FORMS": "1000",
    "schedules-0-valid_from": "2026-01-01",
    **{f"schedules-0-{d}": "09:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    "schedules-0-sat": "09:00-13:00",
    "schedules-0-sun": "",
    "schedules-0-source": "Order of the State Corporation No. 1 (test)",
    "schedules-0-clause": "§2",
}


@pytest.fixture
def admin_user(world):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(username="root", role="administrator")


def page_client(user=None, lang="en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.parametrize("who", ["officer", "head", "operator", "auditor", "aliya"])
def test_only_the_administrator_enters(world, admin_user, who):
    assert page_client(admin_user).get("/admin/").status_code == 200
    other = page_client(getattr(world, who))
    for url in ("/admin/", "/admin/accounts/stateCorpOffice/".lower(), "/admin/accounts/user/"):
        assert other.get(url).status_code == 403, url
    assert other.post("/admin/accounts/statecorpoffice/add/", OFFICE_FORM).status_code == 403
    from qamqor.accounts.models import StateCorpOffice

    assert not StateCorpOffice.objects.filter(code="astana-con-9").exists()


def test_anonymous_goes_to_the_sign_in_page(world):
    r = page_client().get("/admin/accounts/provider/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/?next=")


def test_a_staff_flag_alone_gives_no_entry(world):
    world.officer.is_staff = world.officer.is_superuser = True
    world.officer.save()
    assert page_client(world.officer).get("/admin/").status_code == 403


@pytest.mark.parametrize(
    "lang,word", [("kk", "Qamqor әкімшілігі"), ("ru", "Администрирование Qamqor"), ("en", "administration")]
)
def test_the_administration_speaks_the_three_languages(admin_user, lang, word):
    r = page_client(admin_user, lang).get("/admin/")
    assert r.status_code == 200 and word in r.content.decode()


def test_adding_an_office_with_its_schedule_is_audited_and_chained(world, admin_user):
    from qamqor.accounts.models import OfficeSchedule, StateCorpOffice
    from qamqor.audit.models import AdminChange, ChainLink
    from qamqor.audit.verify import verify

    r = page_client(admin_user).post("/admin/accounts/statecorpoffice/add/", OFFICE_FORM)
    assert r.status_code == 302, r.content.decode()[:3000]
    office = StateCorpOffice.objects.get(code="astana-con-9")
    schedule = OfficeSchedule.objects.get(office=office)
    assert schedule.week()[5] == "09:00-13:00"
    changes = {c.model: c for c in AdminChange.objects.all()}
    assert set(changes) == {"accounts.StateCorpOffice", "accounts.OfficeSchedule"}
    added = changes["accounts.StateCorpOffice"]
    assert (added.actor, added.actor_role, added.action, added.before) == (
        admin_user,
        "administrator",
        "added",
        None,
    )
    assert added.after["address"] == "Astana, Turan 9"
    for change in changes.values():
        assert ChainLink.objects.filter(table="audit_adminchange", row_id=change.pk).exists()
    assert verify().intact

    # a change: before and after
    form = {
        **OFFICE_FORM,
        "address": "Astana, Turan 10",
        "schedules-TOTAL_FORMS": "1",
        "schedules-INITIAL_FORMS": "1",
        "schedules-0-id": str(schedule.pk),
        "schedules-0-office": str(office.pk),
    }
    r = page_client(admin_user).post(f"/admin/accounts/statecorpoffice/{office.pk}/change/", form)
    assert r.status_code == 302
    changed = AdminChange.objects.filter(action="changed").get()
    assert changed.before["address"] == "Astana, Turan 9" and changed.after["address"] == "Astana, Turan 10"


def test_bad_hours_are_refused_and_nothing_is_saved(world, admin_user):
    from qamqor.accounts.models import StateCorpOffice
    from qamqor.audit.models import AdminChange

    form = {**OFFICE_FORM, "schedules-0-mon": "20:00-09:00"}
    r = page_client(admin_user, "ru").post("/admin/accounts/statecorpoffice/add/", form)
    assert r.status_code == 200 and "09:00-13:00" in r.content.decode()
    assert not StateCorpOffice.objects.filter(code="astana-con-9").exists()
    assert not AdminChange.objects.exists()


def test_the_trail_of_the_administration_is_append_only(world, admin_user):
    from qamqor.audit.models import AdminChange, AppendOnlyError

    page_client(admin_user).post("/admin/accounts/statecorpoffice/add/", OFFICE_FORM)
    change = AdminChange.objects.first()
    change.after = {"forged": True}
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        AdminChange.objects.all().delete()


def test_a_deleted_user_keeps_its_record_and_the_password_is_never_written(world, admin_user):
    from django.contrib.auth import get_user_model

    from qamqor.audit.models import AdminChange

    User = get_user_model()
    c = page_client(admin_user)
    r = c.post(
        "/admin/accounts/user/add/",
        {
            "username": "new-officer",
            "password1": "A-long-pass-158!",
            "password2": "A-long-pass-158!",
            "usable_password": "true",
            "role": "provider_officer",
            "provider": str(world.astana.pk),
            "iin": "",
            "language": "ru",
            "office": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    new = User.objects.get(username="new-officer")
    added = AdminChange.objects.get(model="accounts.User", action="added")
    assert added.after["password"] == "***" and added.after["role"] == "provider_officer"
    r = c.post(f"/admin/accounts/user/{new.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not User.objects.filter(pk=new.pk).exists()
    deleted = AdminChange.objects.get(model="accounts.User", action="deleted")
    assert deleted.object_id == str(new.pk) and deleted.before["username"] == "new-officer"


def _submit_at(world, office, when):
    from qamqor.cases import actions as sv
    from qamqor.cases.models import Person

    parent = Person.objects.get_or_create(
        iin=world.marat.iin, defaults={"last_name": "Ж", "first_name": "М"}
    )[0]
    return sv.submit_application(
        service_slug="parent-meeting-permission",
        channel="state_corp",
        applicant=parent,
        children=[],
        provider=world.astana,
        office=office,
        actor=world.operator,
        at=when,
        facts={},
        consent=True,
        documents=package("parent-meeting-permission", "state_corp"),
    )


def test_an_office_counts_by_its_own_schedule(world, admin_user, install_catalog):
    """The State Corporation's hours (9:00–18:00) close the counter at 19:00; an office whose
    administrator entered 9:00–20:00 takes the application then, registered that very day."""
    from qamqor.cases.exceptions import ServiceNotAvailable

    install_catalog(None)
    evening = at(2026, 3, 2, 19)
    with time_machine.travel(evening, tick=False), pytest.raises(ServiceNotAvailable):
        _submit_at(world, world.office, evening)
    page_client(admin_user).post(
        f"/admin/accounts/statecorpoffice/{world.office.pk}/change/",
        {**OFFICE_FORM, "code": world.office.code, "number": "1", "address": world.office.address},
    )
    with time_machine.travel(evening, tick=False):
        case = _submit_at(world, world.office, evening)
    assert case.registered_on == dt.date(2026, 3, 2)
    # a schedule from a later date does not reach back to a case submitted before it
    from qamqor.accounts.models import OfficeSchedule

    OfficeSchedule.objects.filter(office=world.office).update(valid_from=dt.date(2026, 3, 3))
    with time_machine.travel(evening, tick=False), pytest.raises(ServiceNotAvailable):
        _submit_at(world, world.office, evening)


def test_a_calendar_correction_moves_the_due_date(world, admin_user, install_catalog):
    from qamqor.accounts.models import CalendarCorrection
    from qamqor.audit.models import AdminChange

    install_catalog(None)
    morning = at(2026, 3, 2, 10)
    with time_machine.travel(morning, tick=False):
        before = _submit_at(world, world.office, morning)
    r = page_client(admin_user).post(
        "/admin/accounts/calendarcorrection/add/",
        {
            "date": "2026-03-04",
            "action": "add_non_working",
            "kind": "decree",
            "name_kk": "Демалыс",
            "name_ru": "Выходной",
            "name_en": "Day off",
            "source": "Government decree No. 0 (test)",
            "clause": "",
            "note": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert (
        CalendarCorrection.objects.count() == 1
        and AdminChange.objects.filter(model="accounts.CalendarCorrection").exists()
    )
    with time_machine.travel(morning, tick=False):
        after = _submit_at(world, world.office, morning)
    assert after.due_date > before.due_date


def test_a_new_day_off_without_its_names_is_refused(world, admin_user):
    from qamqor.accounts.models import CalendarCorrection

    r = page_client(admin_user, "kk").post(
        "/admin/accounts/calendarcorrection/add/",
        {"date": "2026-03-04", "action": "add_non_working", "kind": "decree", "source": "X"},
    )
    assert r.status_code == 200 and not CalendarCorrection.objects.exists()
    r = page_client(admin_user).post(
        "/admin/accounts/calendarcorrection/add/",
        {"date": "2026-03-04", "action": "confirm", "source": "X"},
    )
    assert r.status_code == 200 and not CalendarCorrection.objects.exists()
