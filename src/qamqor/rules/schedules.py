"""Office schedules (row 7 of the requirements lists), versioned by id like the catalogue.

A schedule answers "is this office open at this moment" and "when does it next open", on the
Kazakhstan calendar: offices are closed on holidays, transfers and decreed days off, and a weekend
day worked by decree keeps ordinary weekday hours (an assumption: the texts say "except weekends and
holidays under the labour legislation" and nothing about worked Saturdays).
Every datetime is aware; local time is Asia/Almaty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .calendar import ALMATY, Calendar, get_calendar, local
from .types import Citation, Text

Interval = tuple[int, int]  # minutes since midnight, [open, close)


def _hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _hours(*spans: str) -> tuple[Interval, ...]:
    out = []
    for span in spans:
        a, b = span.split("-")
        out.append((_hm(a), _hm(b)))
    return tuple(out)


class UnknownSchedule(KeyError):
    """No schedule with that id."""


class ScheduleError(ValueError):
    """Hours that are not `HH:MM-HH:MM[, HH:MM-HH:MM…]` with each opening before its closing."""


_SPAN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_hours(text: str) -> tuple[Interval, ...]:
    """A day's hours as written by an administrator: '' (closed), '09:00-18:00' or several spans
    separated by commas, in order and not overlapping."""
    out: list[Interval] = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        m = _SPAN.match(part.replace(" ", ""))
        if not m:
            raise ScheduleError(f"not HH:MM-HH:MM: {part!r}")
        a, b = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
        if not a < b <= 24 * 60 or (out and a < out[-1][1]):
            raise ScheduleError(f"opening must come before closing, spans in order: {part!r}")
        out.append((a, b))
    return tuple(out)


def office_schedule(
    schedule_id: str, name: Text, week: tuple[str, ...], citation: Citation, note: str | None = None
) -> Schedule:
    """A schedule from seven days of written hours (Monday first): an office's own, entered by an
    administrator with its source (the caller reads it; this module reads no database)."""
    if len(week) != 7:
        raise ScheduleError("seven days, Monday first")
    return Schedule(schedule_id, name, tuple(parse_hours(d) for d in week), citation, note=note)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    name: Text
    week: tuple[tuple[Interval, ...], ...]  # Monday .. Sunday
    citation: Citation
    around_the_clock: bool = False  # the portal: open on every day, holidays included
    after_hours_from: int | None = None  # portal: an application from this minute on is registered next WD
    note: str | None = None

    def hours_on(self, day: dt.date, calendar: Calendar | None = None) -> tuple[Interval, ...]:
        """Opening intervals on a local date."""
        if self.around_the_clock:
            return ((0, 24 * 60),)
        cal = calendar or get_calendar()
        if day in cal.worked:  # a weekend day worked by decree: ordinary weekday hours
            return self.week[0]
        if any(r.kind != "weekend" for r in cal.reasons(day)):  # holiday, transfer, decreed day off
            return ()
        return self.week[day.weekday()]

    def is_open(self, at: dt.datetime, calendar: Calendar | None = None) -> bool:
        t = local(at)
        minute = t.hour * 60 + t.minute
        return any(a <= minute < b for a, b in self.hours_on(t.date(), calendar))

    def next_opening(self, at: dt.datetime, calendar: Calendar | None = None) -> dt.datetime:
        """`at` itself when open, else the start of the next opening interval (aware, Asia/Almaty)."""
        if self.is_open(at, calendar):
            return local(at)
        t = local(at)
        minute = t.hour * 60 + t.minute + (1 if t.second or t.microsecond else 0)
        day = t.date()
        for _ in range(60):
            for a, _b in self.hours_on(day, calendar):
                if a >= minute:
                    return dt.datetime.combine(day, dt.time(a // 60, a % 60), tzinfo=ALMATY)
            day += dt.timedelta(days=1)
            minute = 0
        raise ValueError(f"schedule {self.id} does not open within 60 days of {t.isoformat()}")

    def as_dict(self) -> dict:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {
            "id": self.id,
            "name": self.name.as_dict(),
            "week": {
                d: [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in iv]
                for d, iv in zip(days, self.week, strict=True)
            },
            "around_the_clock": self.around_the_clock,
            "citation": self.citation.as_dict(),
            "note": self.note,
        }


_WEEKDAYS = 5
_PROVIDER_DAY = _hours("09:00-13:00", "14:30-18:30")
_PROVIDER = Schedule(
    id="provider-2020",
    name=Text(
        "Көрсетілетін қызметті беруші: дс–жм 9.00–18.30, түскі үзіліс 13.00–14.30",
        "Услугодатель: пн–пт 9.00–18.30, обед 13.00–14.30",
        "Provider: Mon–Fri 9:00–18:30, lunch 13:00–14:30",
    ),
    week=(_PROVIDER_DAY,) * _WEEKDAYS + ((), ()),
    citation=Citation("002_eefeb2ec619131ea.txt", "annex 11 annex 2 row 7 item 1"),
    note="same hours in 003_4cf6e905af0d21d2.txt annex 2 row 7 item 1 and 001_9090383b8961739a.txt annex 1 row 7 item 1",
)

SCHEDULES: dict[str, Schedule] = {
    s.id: s
    for s in (
        _PROVIDER,
        Schedule(
            id="state-corp-2020",
            name=Text(
                "Мемлекеттік корпорация: дс–жм 9.00–18.00, үзіліссіз",
                "Госкорпорация: пн–пт 9.00–18.00 без перерыва",
                "State Corporation: Mon–Fri 9:00–18:00, no lunch break",
            ),
            week=(_hours("09:00-18:00"),) * _WEEKDAYS + ((), ()),
            citation=Citation("003_4cf6e905af0d21d2.txt", "annex 2 row 7 item 2"),
        ),
        Schedule(
            id="state-corp-duty",
            name=Text(
                "Мемлекеттік корпорацияның кезекші бөлімдері: дс–жм 9.00–20.00, сенбі 9.00–13.00",
                "Дежурные отделы Госкорпорации: пн–пт 9.00–20.00, сб 9.00–13.00",
                "State Corporation duty offices: Mon–Fri 9:00–20:00, Sat 9:00–13:00",
            ),
            week=(_hours("09:00-20:00"),) * _WEEKDAYS + (_hours("09:00-13:00"), ()),
            citation=Citation("003_4cf6e905af0d21d2.txt", "annex 2 row 7 item 2"),
        ),
        Schedule(
            id="state-corp-legacy",
            name=Text(
                "Мемлекеттік корпорация (бұрынғы мәтін): дс–сб 9.00–20.00, үзіліссіз",
                "Госкорпорация (прежняя редакция): пн–сб 9.00–20.00 без перерыва",
                "State Corporation (older texts): Mon–Sat 9:00–20:00, no lunch break",
            ),
            week=(_hours("09:00-20:00"),) * 6 + ((),),
            citation=Citation("000_e53799d7e328390d.txt", "§8 item 2"),
            note="also 001_9090383b8961739a.txt annex 1 row 7 item 2",
        ),
        Schedule(
            id="education-org",
            name=Text(
                "Білім беру ұйымы: дс–жм 9.00–18.30, түскі үзіліс 13.00–14.30",
                "Организация образования: пн–пт 9.00–18.30, обед 13.00–14.30",
                "Education organisation: Mon–Fri 9:00–18:30, lunch 13:00–14:30",
            ),
            week=_PROVIDER.week,
            citation=Citation("002_eefeb2ec619131ea.txt", "annex 11 annex 2 row 7 item 1"),
            note=(
                "the seeds give no separate schedule: education organisations are providers of the camp "
                "service (002_eefeb2ec619131ea.txt annex 11 §3), so the provider's hours of row 7 item 1 apply"
            ),
        ),
        Schedule(
            id="portal",
            name=Text(
                "Портал: тәулік бойы (жұмыс уақыты аяқталғаннан кейін, демалыс және мереке күндері берілген "
                "өтініш келесі жұмыс күні қабылданады)",
                "Портал: круглосуточно (заявление, поданное после окончания рабочего времени, в выходные и "
                "праздничные дни, принимается следующим рабочим днём)",
                "Portal: around the clock (an application made after working hours, on a weekend or a holiday "
                "is accepted on the next working day)",
            ),
            week=(_hours("00:00-24:00"),) * 7,
            citation=Citation("002_eefeb2ec619131ea.txt", "annex 11 annex 2 row 7 item 3"),
            around_the_clock=True,
            after_hours_from=_hm("18:30"),
            note=(
                "end of working time = the provider's 18:30 (row 7 item 1); technical breaks for maintenance "
                "are not modelled; also 001_9090383b8961739a.txt annex 1 row 7 item 3"
            ),
        ),
        Schedule(
            id="portal-automated",
            name=Text(
                "Портал: тәулік бойы (толық автоматтандырылған қызмет)",
                "Портал: круглосуточно (полностью автоматизированная услуга)",
                "Portal: around the clock (fully automated service)",
            ),
            week=(_hours("00:00-24:00"),) * 7,
            citation=Citation("004_b3169fa141ba7fa6.txt", "row 7"),
            around_the_clock=True,
        ),
    )
}


def get_schedule(schedule_id: str) -> Schedule:
    try:
        return SCHEDULES[schedule_id]
    except KeyError:
        raise UnknownSchedule(schedule_id) from None


# The schedule a channel follows when the catalogue version names none.
DEFAULT_SCHEDULE = {
    "provider": "provider-2020",
    "state_corp": "state-corp-2020",
    "portal": "portal",
    "education_org": "education-org",
}
