"""The working time an administrator keeps: the calendar's corrections entered in the administration
(laid over `rules/calendar_corrections.yaml`) and the State Corporation offices' own schedules.

`rules` reads no database: this module reads the rows and passes them in (`rules.calendar.calendar_with`,
`rules.schedules.office_schedule`). The corrections are read at most every `REFRESH_SECONDS` per process
and at once after a change saved in this process (a signal); another process sees a new correction
within `REFRESH_SECONDS` (decision 0026).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db.models.signals import post_delete, post_save

from qamqor.accounts.models import CalendarCorrection, OfficeSchedule, StateCorpOffice
from qamqor.rules.calendar import Calendar, calendar_with
from qamqor.rules.schedules import Schedule, office_schedule
from qamqor.rules.types import Citation, Text

REFRESH_SECONDS = 30.0
_cache: dict[str, tuple[float, tuple[dict, ...]]] = {}


def admin_corrections() -> tuple[dict, ...]:
    """The administrators' corrections as `rules.calendar` entries, in date then entry order."""
    hit = _cache.get("corrections")
    now = time.monotonic()
    if hit is not None and now - hit[0] < REFRESH_SECONDS:
        return hit[1]
    entries = tuple(c.as_entry() for c in CalendarCorrection.objects.order_by("date", "id"))
    _cache["corrections"] = (now, entries)
    return entries


def forget(**_kwargs) -> None:
    _cache.clear()


post_save.connect(forget, sender=CalendarCorrection, dispatch_uid="working-time-corrections-saved")
post_delete.connect(forget, sender=CalendarCorrection, dispatch_uid="working-time-corrections-deleted")


def case_calendar() -> Calendar:
    """The calendar the case layer counts with: the package, the YAML table, then the administrators'."""
    return calendar_with(admin_corrections())


def calendar_with_correction(extra: dict, *, without: int | None = None) -> Calendar:
    """The calendar as it would be with one more (or one changed) correction: how the administration
    checks a row before saving it (a `confirm` of a day the calendar has no day off on fails here)."""
    rows = CalendarCorrection.objects.order_by("date", "id")
    if without is not None:
        rows = rows.exclude(pk=without)
    return calendar_with((*(c.as_entry() for c in rows), extra))


def schedule_version(office: StateCorpOffice | None, on: dt.date) -> OfficeSchedule | None:
    """The office's own schedule in force on `on` (latest `valid_from` on or before it), if any."""
    if office is None or office.pk is None:
        return None
    return OfficeSchedule.objects.filter(office=office, valid_from__lte=on).order_by("-valid_from").first()


def own_schedule(office: StateCorpOffice | None, on: dt.date) -> Schedule | None:
    """The office's own schedule on `on` as a `rules.schedules.Schedule` (None: it has none, the
    catalogue's hours for its channel apply)."""
    row = schedule_version(office, on)
    if row is None:
        return None
    hours = ", ".join(
        f"{d} {h or '—'}"
        for d, h in zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), row.week(), strict=True)
    )
    name = Text(
        f"{office.name_kk}: {hours}",
        f"{office.name_ru}: {hours}",
        f"{office.name_en}: {hours}",
    )
    return office_schedule(
        f"office:{office.code}:{row.valid_from.isoformat()}",
        name,
        row.week(),
        Citation(row.source, row.clause or f"from {row.valid_from:%d.%m.%Y}"),
    )
