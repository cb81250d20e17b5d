"""Slots and limits of the electronic queue: pure functions of the catalogue version, the office's
schedule and a moment (no Django, no clock).

The State Corporation receives "in the order of the electronic queue, and the electronic queue can be
booked through the portal" (`003_4cf6e905af0d21d2.txt` annex 2 row 7 item 2; `000_e53799d7e328390d.txt`
§8 item 2). A slot is bookable where it fits whole inside an opening interval of the office's schedule
on that day (`rules.schedules`: holidays and decreed days off of the working-time calendar closed).
The limits (maximum waiting and service time) are the version's for the State Corporation channel
(`channels[state_corp]`, e.g. `003` annex 2 row 3 items 2-3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qamqor.rules.calendar import ALMATY, Calendar, local
from qamqor.rules.schedules import Schedule
from qamqor.rules.types import Citation

CHANNEL = "state_corp"
HORIZON_DAYS = 60


@dataclass(frozen=True, slots=True)
class Limits:
    """The maximum waiting and service minutes at the State Corporation, with the clause; None where
    the version gives none (`unknown` says why)."""

    max_wait_minutes: int | None
    max_service_minutes: int | None
    citation: Citation | None
    unknown: str = ""

    def as_dict(self) -> dict:
        return {
            "max_wait_minutes": self.max_wait_minutes,
            "max_service_minutes": self.max_service_minutes,
            "citation": self.citation.as_dict() if self.citation else None,
            "unknown": self.unknown,
        }


def limits_for(version) -> Limits:
    channel = version.channel(CHANNEL)
    if channel is None:
        return Limits(None, None, None, f"version {version.id} offers no State Corporation channel")
    reasons = [u.reason for u in version.unknown if u.field.startswith(f"channels.{CHANNEL}.max_")]
    missing = channel.max_wait_minutes is None or channel.max_service_minutes is None
    return Limits(
        channel.max_wait_minutes,
        channel.max_service_minutes,
        channel.citation,
        "; ".join(reasons) or ("the requirements list sets no such limit" if missing else ""),
    )


def _at(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=ALMATY)


def slot_starts(
    schedule: Schedule, day: dt.date, slot_minutes: int, calendar: Calendar | None = None
) -> list[dt.datetime]:
    """Every slot start of a local day whose slot fits whole inside an opening interval."""
    out = []
    for a, b in schedule.hours_on(day, calendar):
        out.extend(_at(day, m) for m in range(a, b - slot_minutes + 1, slot_minutes))
    return out


def fits(schedule: Schedule, start: dt.datetime, slot_minutes: int, calendar: Calendar | None = None) -> bool:
    t = local(start)
    return (
        t.second == 0 and t.microsecond == 0 and t in slot_starts(schedule, t.date(), slot_minutes, calendar)
    )


def next_slot(
    schedule: Schedule, after: dt.datetime, slot_minutes: int, calendar: Calendar | None = None
) -> dt.datetime:
    """The first slot start at or after `after` (the next opening a refused booking is offered)."""
    t = local(after)
    day = t.date()
    for _ in range(HORIZON_DAYS):
        for start in slot_starts(schedule, day, slot_minutes, calendar):
            if start >= t:
                return start
        day += dt.timedelta(days=1)
    raise ValueError(f"schedule {schedule.id} has no slot within {HORIZON_DAYS} days of {t.isoformat()}")
