from __future__ import annotations

import datetime as dt

import pytest

from helpers import at
from qamqor.rules.schedules import SCHEDULES, UnknownSchedule, get_schedule


@pytest.mark.parametrize(
    ("schedule", "moment", "open_"),
    [
        ("provider-2020", at(2026, 3, 19, 9, 0), True),
        ("provider-2020", at(2026, 3, 19, 8, 59), False),
        ("provider-2020", at(2026, 3, 19, 13, 30), False),  # lunch
        ("provider-2020", at(2026, 3, 19, 14, 30), True),
        ("provider-2020", at(2026, 3, 19, 18, 29), True),
        ("provider-2020", at(2026, 3, 19, 18, 30), False),
        ("provider-2020", at(2026, 3, 23, 10, 0), False),  # Nauryz
        ("provider-2020", at(2024, 5, 4, 10, 0), True),  # worked Saturday
        ("state-corp-2020", at(2026, 3, 19, 13, 30), True),  # no lunch
        ("state-corp-2020", at(2026, 3, 19, 18, 0), False),
        ("state-corp-duty", at(2026, 3, 19, 19, 59), True),
        ("state-corp-duty", at(2026, 4, 4, 12, 59), True),  # Saturday
        ("state-corp-duty", at(2026, 4, 4, 13, 0), False),
        ("state-corp-duty", at(2026, 3, 21, 10, 0), False),  # a holiday on a Saturday
        ("state-corp-legacy", at(2026, 4, 4, 19, 0), True),
        ("state-corp-legacy", at(2026, 4, 5, 10, 0), False),  # Sunday
        ("portal", at(2026, 3, 22, 3, 0), True),
    ],
)
def test_is_open(schedule, moment, open_):
    assert get_schedule(schedule).is_open(moment) is open_


def test_is_open_converts_from_utc():
    utc = dt.UTC
    assert get_schedule("provider-2020").is_open(dt.datetime(2026, 3, 19, 4, 0, tzinfo=utc))  # 9:00 local
    assert not get_schedule("provider-2020").is_open(
        dt.datetime(2024, 2, 15, 2, 30, tzinfo=utc)
    )  # 8:30 (UTC+6)


@pytest.mark.parametrize(
    ("schedule", "moment", "expected"),
    [
        ("provider-2020", at(2026, 3, 19, 13, 10), at(2026, 3, 19, 14, 30)),
        ("provider-2020", at(2026, 3, 20, 18, 45), at(2026, 3, 26, 9, 0)),  # over Nauryz
        ("provider-2020", at(2026, 3, 19, 10, 0), at(2026, 3, 19, 10, 0)),  # open now
        ("state-corp-duty", at(2026, 4, 3, 20, 30), at(2026, 4, 4, 9, 0)),  # Saturday morning
        ("state-corp-2020", at(2026, 5, 8, 18, 30), at(2026, 5, 12, 9, 0)),
    ],
)
def test_next_opening(schedule, moment, expected):
    got = get_schedule(schedule).next_opening(moment)
    assert got == expected and got.tzinfo is not None


def test_every_schedule_is_cited_and_unknown_ids_fail():
    for s in SCHEDULES.values():
        assert s.citation.source and s.citation.clause and s.name.kk and s.name.ru and s.name.en
    with pytest.raises(UnknownSchedule):
        get_schedule("nope")
    with pytest.raises(ValueError):
        get_schedule("portal").is_open(dt.datetime(2026, 1, 1, 10, 0))
