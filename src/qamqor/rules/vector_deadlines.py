"""Due dates of millions of cases at once, on the same calendar as the scalar path.

Working Saturdays decreed by the Government cannot be expressed with `numpy.busday_offset`'s weekly
mask, so the calendar's own tables are used: `cum[i]` = working days up to day i, `wd[k]` = the k-th
working day. The n-th working day after day i is `wd[cum[i] + n - 1]`, one gather per case.

Inputs are UTC instants (`datetime64`, any unit) or days (`datetime64[D]`); local time is Asia/Almaty,
whose UTC offset changed (UTC+6 → UTC+5 on 01.03.2024): the offsets come from the zoneinfo data.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from .calendar import ALMATY, Calendar, CalendarError, get_calendar
from .schedules import DEFAULT_SCHEDULE, Schedule, get_schedule
from .types import CHANNELS

_DAY = 86400


@lru_cache(maxsize=2)
def _offsets(first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(UTC seconds where an offset starts, the offset in seconds) for Asia/Almaty, from zoneinfo."""
    utc = dt.UTC

    def off(sec: int) -> int:
        return int(dt.datetime.fromtimestamp(sec, utc).astimezone(ALMATY).utcoffset().total_seconds())

    start = int(dt.datetime(first_year - 1, 1, 1, tzinfo=utc).timestamp())
    end = int(dt.datetime(last_year + 1, 12, 31, tzinfo=utc).timestamp())
    starts, offs = [start], [off(start)]
    prev = start
    for t in range(start + _DAY, end, _DAY):
        o = off(t)
        if o != offs[-1]:
            lo, hi = prev, t  # the change happened in (lo, hi]
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if off(mid) == offs[-1]:
                    lo = mid
                else:
                    hi = mid
            starts.append(hi)
            offs.append(o)
        prev = t
    return np.asarray(starts, dtype=np.int64), np.asarray(offs, dtype=np.int64)


def _local_seconds(submitted: np.ndarray, cal: Calendar) -> np.ndarray:
    sec = np.asarray(submitted).astype("datetime64[s]").astype(np.int64)
    starts, offs = _offsets(cal.first.year, cal.last.year)
    idx = np.searchsorted(starts, sec, side="right") - 1
    return sec + offs[np.clip(idx, 0, len(offs) - 1)]


def _day_index(days: np.ndarray, cal: Calendar) -> np.ndarray:
    first, work, _cum, _wd = cal.tables
    i = days - first
    if i.size and (i.min() < 0 or i.max() >= len(work)):
        raise CalendarError(f"dates outside the calendar ({cal.first.isoformat()}–{cal.last.isoformat()})")
    return i


def registration_days(
    channel: str, submitted: np.ndarray, calendar: Calendar | None = None, schedule: Schedule | None = None
) -> np.ndarray:
    """Registration days (`datetime64[D]`) for UTC submission instants, as `deadlines.registration_date`."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    cal = calendar or get_calendar()
    sched = schedule or get_schedule(DEFAULT_SCHEDULE[channel])
    local = _local_seconds(submitted, cal)
    days = local // _DAY
    if sched.after_hours_from is None:
        _day_index(days, cal)
        return days.astype("datetime64[D]")
    first, work, cum, wd = cal.tables
    i = _day_index(days, cal)
    in_hours = (work[i] == 1) & ((local - days * _DAY) < sched.after_hours_from * 60)
    k = cum[i]  # the first working day strictly after day i is wd[cum[i]]
    if k.size and k.max() >= len(wd):
        raise CalendarError("registration leaves the calendar")
    nxt = wd[np.minimum(k, len(wd) - 1)]
    return np.where(in_hours, days, nxt).astype("datetime64[D]")


def add_working_days(days: np.ndarray, n, calendar: Calendar | None = None) -> np.ndarray:
    """The n-th working day strictly after each day (n ≥ 1, scalar or array), as `Calendar.add_working_days`."""
    cal = calendar or get_calendar()
    _first, _work, cum, wd = cal.tables
    d = np.asarray(days).astype("datetime64[D]").astype(np.int64)
    n = np.asarray(n, dtype=np.int64)
    if n.size and n.min() < 1:
        raise ValueError("n must be at least 1 on the vectorised path")
    k = cum[_day_index(d, cal)] + n - 1
    if k.size and k.max() >= len(wd):
        raise CalendarError("due dates leave the calendar")
    return wd[k].astype("datetime64[D]")


def due_dates(
    channel: str,
    submitted: np.ndarray,
    term_days,
    calendar: Calendar | None = None,
    schedule: Schedule | None = None,
) -> np.ndarray:
    """Due dates (`datetime64[D]`) of working-day terms for UTC submission instants."""
    cal = calendar or get_calendar()
    return add_working_days(registration_days(channel, submitted, cal, schedule), term_days, cal)
