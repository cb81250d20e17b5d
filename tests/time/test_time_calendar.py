"""Worked examples from the 2024–2026 official calendars (shared/domain/kazakhstan-facts.md)."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from qamqor.rules.calendar import CalendarError, build_calendar, get_calendar

D = dt.date


@pytest.fixture(scope="module")
def cal():
    return get_calendar()


# (date, working?, kind of the most specific reason or None)
DAYS = [
    # Nauryz 2026: 21–23 March, with 21 (Sat) and 22 (Sun) moved to Tue 24 and Wed 25
    (D(2026, 3, 20), True, None),
    (D(2026, 3, 21), False, "holiday"),
    (D(2026, 3, 22), False, "holiday"),
    (D(2026, 3, 23), False, "holiday"),
    (D(2026, 3, 24), False, "transfer"),
    (D(2026, 3, 25), False, "transfer"),
    (D(2026, 3, 26), True, None),
    # 8 March 2026 is a Sunday: Monday 9 March off
    (D(2026, 3, 9), False, "transfer"),
    # Victory Day 2026 on a Saturday: Monday 11 May off; 7 May (Thu) Defender of the Fatherland Day
    (D(2026, 5, 7), False, "holiday"),
    (D(2026, 5, 8), True, None),
    (D(2026, 5, 9), False, "holiday"),
    (D(2026, 5, 11), False, "transfer"),
    (D(2026, 5, 12), True, None),
    # Kurban Ait 2026 on Wednesday 27 May
    (D(2026, 5, 26), True, None),
    (D(2026, 5, 27), False, "holiday"),
    (D(2026, 5, 28), True, None),
    # Republic Day 2026 on a Sunday: Monday 26 October off
    (D(2026, 10, 26), False, "transfer"),
    # 2024 decree: Saturday 4 May worked, Wednesday 8 May off
    (D(2024, 5, 4), True, None),
    (D(2024, 5, 7), False, "holiday"),
    (D(2024, 5, 8), False, "decree"),
    (D(2024, 5, 9), False, "holiday"),
    # 2025 decree: Sunday 5 January worked, Friday 3 January off
    (D(2025, 1, 3), False, "decree"),
    (D(2025, 1, 5), True, None),
    # 7 January on a weekday: a day off; on a weekend: no transfer
    (D(2026, 1, 7), False, "holiday"),
    (D(2025, 1, 7), False, "holiday"),
    (D(2024, 1, 7), False, "holiday"),  # Sunday
    (D(2024, 1, 8), True, None),  # ...and Monday works
    (D(2023, 1, 9), True, None),  # 7 January 2023 was a Saturday
    # Kurban Ait 2024 on a Sunday: no transfer either
    (D(2024, 6, 17), True, None),
    # Constitution Day: 30 August until 2025 (2025: a Saturday, moved to Monday 1 September),
    # not a holiday in 2026, 15 March from 2027
    (D(2024, 8, 30), False, "holiday"),
    (D(2025, 9, 1), False, "transfer"),
    (D(2026, 8, 31), True, None),
    (D(2027, 3, 15), False, "holiday"),
    # a plain weekend
    (D(2026, 4, 4), False, "weekend"),
]


@pytest.mark.parametrize(("day", "working", "kind"), DAYS, ids=[d.isoformat() for d, _, _ in DAYS])
def test_working_days_of_the_official_calendars(cal, day, working, kind):
    assert cal.is_working_day(day) is working
    reasons = cal.reasons(day)
    if working:
        assert reasons == ()
    else:
        assert reasons[-1].kind == kind
        assert all(r.source.source and r.source.clause for r in reasons)


def test_constitution_day_2026_is_not_a_holiday(cal):
    assert cal.is_working_day(D(2026, 8, 31))
    assert not any(d.month == 8 for d in cal.non_working if d.year == 2026)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 20), 1, D(2026, 3, 26)),  # across Nauryz
        (D(2026, 3, 20), 3, D(2026, 3, 30)),
        (D(2026, 5, 8), 1, D(2026, 5, 12)),  # across Victory Day's transfer
        (D(2026, 5, 26), 1, D(2026, 5, 28)),  # across Kurban Ait
        (D(2024, 5, 3), 1, D(2024, 5, 4)),  # the worked Saturday counts
        (D(2024, 5, 6), 1, D(2024, 5, 10)),
        (D(2024, 12, 31), 1, D(2025, 1, 5)),  # the worked Sunday counts
        (D(2025, 1, 6), 1, D(2025, 1, 8)),
        (D(2026, 3, 26), -1, D(2026, 3, 20)),  # backwards
        (D(2026, 4, 1), -3, D(2026, 3, 27)),
        (D(2026, 3, 21), 0, D(2026, 3, 21)),
    ],
)
def test_add_working_days(cal, start, n, expected):
    assert cal.add_working_days(start, n) == expected


def test_between_is_the_inverse_of_add(cal):
    for start in (D(2024, 4, 30), D(2024, 12, 28), D(2026, 3, 19), D(2026, 5, 6)):
        for n in range(1, 25):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n
            assert cal.working_days_between(end, start) == -n
            # and no earlier day reaches n
            assert cal.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


def test_next_working_day(cal):
    assert cal.next_working_day(D(2026, 3, 20)) == D(2026, 3, 26)
    assert cal.next_working_day(D(2026, 3, 21)) == D(2026, 3, 26)


def test_worked_days_and_year_view(cal):
    assert [w["date"] for w in cal.year(2024)["worked_days"]] == ["2024-05-04"]
    assert [w["date"] for w in cal.year(2025)["worked_days"]] == ["2025-01-05"]
    assert cal.year(2026)["worked_days"] == []
    days = {d["date"]: d for d in cal.year(2026)["non_working_days"]}
    assert set(days) >= {"2026-03-21", "2026-03-24", "2026-03-25", "2026-05-11", "2026-05-27", "2026-10-26"}
    nauryz = days["2026-03-23"]
    assert nauryz["names"] == {"kk": "Наурыз мейрамы", "ru": "Наурыз мейрамы", "en": "Nowruz Holiday"}
    assert days["2026-01-07"]["source"]["clause"].startswith("art. 84 p.5")
    # Kurban Ait 2026: estimated in the package, confirmed by our corrections table
    assert "estimated" not in days["2026-05-27"]
    assert "estimated" in {d["date"]: d for d in cal.year(2027)["non_working_days"]}["2027-05-16"]
    # every name in three languages, every entry with a source
    for year in range(2020, 2028):
        for d in cal.year(year)["non_working_days"]:
            assert all(d["names"][lang] for lang in ("kk", "ru", "en"))
            assert d["names"]["ru"] != d["names"]["en"] or d["names"]["en"] == "Nowruz Holiday"
            assert d["source"]["source"] and d["source"]["clause"]


def test_outside_the_range_is_an_error(cal):
    with pytest.raises(CalendarError):
        cal.is_working_day(D(2014, 12, 31))
    with pytest.raises(CalendarError):
        cal.add_working_days(D(2035, 12, 30), 5)


def test_extra_corrections_file_adds_a_decree(tmp_path):
    extra = tmp_path / "decree.yaml"
    extra.write_text(
        textwrap.dedent(
            """
            corrections:
              - date: 2027-01-08
                action: add_non_working
                kind: decree
                names: {kk: "Ауыстырылған демалыс", ru: "Перенесённый выходной", en: "Transferred day off"}
                source: "Government decree No. 999 (test)"
              - date: 2027-01-16
                action: add_worked_day
                source: "Government decree No. 999 (test)"
            """
        ),
        encoding="utf-8",
    )
    base = get_calendar()
    cal = build_calendar(2026, 2028, extra_corrections=(extra,))
    assert base.is_working_day(D(2027, 1, 8)) and not cal.is_working_day(D(2027, 1, 8))
    assert not base.is_working_day(D(2027, 1, 16)) and cal.is_working_day(D(2027, 1, 16))
    assert cal.reasons(D(2027, 1, 8))[-1].source.source == "Government decree No. 999 (test)"
    assert cal.add_working_days(D(2027, 1, 7), 1) == D(2027, 1, 11)


def test_env_var_names_the_extra_file(tmp_path, monkeypatch):
    from qamqor.rules import calendar as calmod

    extra = tmp_path / "more.yaml"
    extra.write_text(
        "corrections:\n  - {date: 2026-06-01, action: add_non_working, kind: decree, "
        "names: {kk: a, ru: b, en: c}, source: test}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(calmod.CORRECTIONS_ENV, str(extra))
    assert not calmod.get_calendar().is_working_day(D(2026, 6, 1))
    monkeypatch.delenv(calmod.CORRECTIONS_ENV)
    assert calmod.get_calendar().is_working_day(D(2026, 6, 1))


@pytest.mark.parametrize(
    "body",
    [
        "corrections:\n  - {date: 2026-06-01, action: add_non_working, source: x}\n",  # no names
        "corrections:\n  - {date: 2026-06-01, action: explode, source: x}\n",
        "corrections:\n  - {date: 2026-06-01, action: remove_non_working}\n",  # no source
        "corrections: [",
    ],
)
def test_malformed_corrections_are_refused(tmp_path, body):
    bad = tmp_path / "bad.yaml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(CalendarError):
        build_calendar(2026, 2026, extra_corrections=(bad,))


def test_agrees_with_the_holidays_package_except_corrections(cal):
    import holidays

    kz = holidays.country_holidays("KZ", years=range(2020, 2028))
    corrected = {c["date"] for c in cal.corrections if c["action"] != "confirm"}
    day = D(2020, 1, 1)
    while day <= D(2027, 12, 31):
        if day not in corrected:
            assert cal.is_working_day(day) == kz.is_working_day(day), day
        day += dt.timedelta(days=1)
