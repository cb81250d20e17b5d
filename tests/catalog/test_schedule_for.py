"""Which office schedule a service version counts a channel with (`ServiceVersion.schedule_for`)."""

import dataclasses
import datetime as dt

import pytest

from qamqor.catalog import load_catalog
from qamqor.rules.calendar import ALMATY
from qamqor.rules.deadlines import DeadlineError, compute_deadline
from qamqor.rules.schedules import DEFAULT_SCHEDULE, SCHEDULES, UnknownSchedule

AFTER_HOURS = dt.datetime(2025, 6, 3, 19, 0, tzinfo=ALMATY)  # a Tuesday, after the portal's 18:30


@pytest.fixture
def v2(demo_catalog):
    return demo_catalog.service("demo-service").version_by_id("v2")  # names no schedule


def test_a_channel_the_version_names_no_schedule_for_follows_its_default(v2):
    assert v2.schedules == {}
    assert v2.schedule_for("provider") is SCHEDULES["provider-2020"]
    assert v2.schedule_for("portal") is SCHEDULES["portal"]
    # the same schedule compute_deadline counts with when given none
    given = compute_deadline(v2.term, v2.steps, "portal", AFTER_HOURS, schedule=v2.schedule_for("portal"))
    default = compute_deadline(v2.term, v2.steps, "portal", AFTER_HOURS, schedule=None)
    assert given.as_dict() == default.as_dict() and given.registered_on == dt.date(2025, 6, 4)


def test_the_schedule_the_version_names_wins_over_the_default(v2):
    v = dataclasses.replace(v2, schedules={"portal": "portal-automated"})
    assert v.schedule_for("portal") is SCHEDULES["portal-automated"]
    assert v.schedule_for("provider") is SCHEDULES["provider-2020"]  # other channels keep their default
    # around the clock with no after-hours cut-off: registered on the day itself
    r = compute_deadline(v.term, v.steps, "portal", AFTER_HOURS, schedule=v.schedule_for("portal"))
    assert r.registered_on == dt.date(2025, 6, 3)


def test_an_unknown_schedule_id_raises_instead_of_falling_back(v2):
    v = dataclasses.replace(v2, schedules={"portal": "night-shift"})
    with pytest.raises(UnknownSchedule):
        v.schedule_for("portal")
    assert v.schedule_for("provider") is SCHEDULES["provider-2020"]


def test_a_channel_the_engine_does_not_know_is_left_to_compute_deadline(v2):
    assert v2.schedule_for("fax") is None
    with pytest.raises(DeadlineError):
        compute_deadline(v2.term, v2.steps, "fax", AFTER_HOURS, schedule=v2.schedule_for("fax"))


def test_every_channel_of_every_shipped_version_resolves_to_a_schedule():
    for service in load_catalog().services.values():
        for v in service.versions:
            for ch in v.channel_codes:
                schedule = v.schedule_for(ch)
                assert schedule is not None, (service.slug, v.id, ch)
                assert schedule.id == v.schedules.get(ch, DEFAULT_SCHEDULE[ch]), (service.slug, v.id, ch)
