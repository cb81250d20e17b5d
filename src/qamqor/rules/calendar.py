"""The Kazakhstan working-day calendar.

Source of the days: the `holidays` package (country KZ: state holidays, the weekend-to-next-working-day
transfer, the Government's decreed transfers and worked weekend days, 7 January and Kurban Ait day 1
without transfer), plus our own corrections table (`calendar_corrections.yaml`, and an optional extra
file named by the environment variable `QAMQOR_CALENDAR_CORRECTIONS`), each entry with its source.

Everything is precomputed once for 2015–2035 into tables indexed by the day's ordinal, so that
`add_working_days` and `working_days_between` are table lookups (O(1)), never day-by-day loops.

Counting convention (Civil Code arts. 173 and 175, see docs/decisions/0003-working-time.md):
`add_working_days(d, n)` is the n-th working day strictly after `d`; `working_days_between(a, b)`
counts the working days in (a, b]. Nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from .types import Citation, Text

ALMATY = ZoneInfo("Asia/Almaty")
FIRST_YEAR = 2015
LAST_YEAR = 2035
CORRECTIONS_ENV = "QAMQOR_CALENDAR_CORRECTIONS"
BUILTIN_CORRECTIONS = Path(__file__).with_name("calendar_corrections.yaml")
ADMIN_ORIGIN = "administration"  # the origin named on corrections an administrator entered

# --- sources -----------------------------------------------------------------------------------
HOLIDAYS_LAW = 'Law No. 267-II "On holidays in the Republic of Kazakhstan"'
LABOUR_CODE = "Labour Code of the Republic of Kazakhstan"
CIVIL_CODE = "Civil Code of the Republic of Kazakhstan"

SRC_HOLIDAY = Citation(HOLIDAYS_LAW, "art. 5")
SRC_TRANSFER = Citation(HOLIDAYS_LAW, "art. 5 (a holiday on a day off moves to the next working day)")
SRC_NO_TRANSFER = Citation(LABOUR_CODE, "art. 84 p.5 (day off without transfer)")
SRC_DECREE = Citation(LABOUR_CODE, "art. 85 p.3 (Government decree transferring days off)")
# The five-day week: providers work "Monday to Friday inclusive, except weekends and holidays".
SRC_WEEKEND = Citation("002_eefeb2ec619131ea.txt", "annex 11 annex 2 row 7")
# Chapter 6 "Calculation of terms" of the Civil Code (General Part) is arts. 172-176: art. 172 is the
# definition of a term and art. 177 opens chapter 7 (the notion of limitation), so the 176/177 cited
# before were wrong. Inside the chapter the numbers are inferred from its five articles (definition,
# start, end, end on a non-working day, acts on the last day), not read from the official text:
# docs/decisions/0003-working-time.md, "Civil Code articles".
TERM_STARTS_NEXT_DAY = Citation(CIVIL_CODE, "art. 173")  # a term runs from the day after the event
TERM_ENDS_NEXT_WORKING_DAY = Citation(CIVIL_CODE, "art. 175")  # a non-working last day moves on

KINDS = ("weekend", "holiday", "transfer", "decree")

# Russian names (the package has none); Kazakh and English come from the package.
_RU = {
    "New Year's Day": "Новый год",
    "Orthodox Christmas": "Православное Рождество",
    "International Women's Day": "Международный женский день",
    "Nowruz Holiday": "Наурыз мейрамы",
    "Kazakhstan's People Solidarity Holiday": "Праздник единства народа Казахстана",
    "Defender of the Fatherland Day": "День защитника Отечества",
    "Victory Day": "День Победы",
    "Capital Day": "День Столицы",
    "Constitution Day": "День Конституции Республики Казахстан",
    "Republic Day": "День Республики",
    "First President Day": "День Первого Президента Республики Казахстан",
    "Independence Day": "День Независимости",
    "Eid al-Adha": "Курбан айт",
}
# Days off without transfer (Labour Code art. 84 p.5).
_NO_TRANSFER = {"Orthodox Christmas", "Eid al-Adha"}

_WEEKDAY = {
    5: Text("Демалыс күні (сенбі)", "Выходной день (суббота)", "Weekend (Saturday)"),
    6: Text("Демалыс күні (жексенбі)", "Выходной день (воскресенье)", "Weekend (Sunday)"),
}

_SUBST = re.compile(r"^Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)$")
_KK_SUFFIX = re.compile(
    r"\s*\((қайта белгіленген демалыс|бағаланған|қайта белгіленген демалыс, бағаланған)\)$"
)


class CalendarError(ValueError):
    """A date outside the precomputed range, or a malformed corrections file."""


_FMT: dict[dt.date, str] = {}  # memo of fmt() for plain dates (a few thousand distinct days in practice)


def fmt(day: dt.date) -> str:
    """dd.mm.yyyy, the way official documents write dates."""
    if day.__class__ is dt.date:
        s = _FMT.get(day)
        if s is None:
            if len(_FMT) >= 100_000:
                _FMT.clear()
            s = _FMT[day] = day.strftime("%d.%m.%Y")
        return s
    return day.strftime("%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class DayOff:
    """Why a date is not a working day (one date may have several reasons)."""

    kind: str  # weekend | holiday | transfer | decree
    name: Text
    source: Citation
    estimated: bool = False
    note: str | None = None

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "names": self.name.as_dict(), "source": self.source.as_dict()}
        if self.estimated:
            d["estimated"] = True
        if self.note:
            d["note"] = self.note
        return d


# The weekend reasons are the same value every time: share them (DayOff is immutable).
_WEEKEND_OFF = {wd: DayOff("weekend", name, SRC_WEEKEND) for wd, name in _WEEKDAY.items()}


@dataclass(frozen=True, slots=True)
class WorkedDay:
    """A weekend day that is a working day by decree."""

    date: dt.date
    reason: Text
    source: Citation

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "reason": self.reason.as_dict(),
            "source": self.source.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A day met while counting: skipped (not a working day) or a worked weekend day (counted)."""

    date: dt.date
    reasons: tuple[DayOff, ...]
    counted: bool = False  # True only for worked weekend days

    @property
    def kind(self) -> str:
        if self.counted:
            return "worked_day"
        for k in ("decree", "transfer", "holiday", "weekend"):
            if any(r.kind == k for r in self.reasons):
                return k
        return "weekend"


def _decree_names(off: dt.date, worked: dt.date) -> tuple[Text, Text]:
    day_off = Text(
        f"{fmt(worked)} күнінен ауыстырылған демалыс күні",
        f"Выходной день, перенесённый с {fmt(worked)}",
        f"Day off transferred from {fmt(worked)}",
    )
    worked_reason = Text(
        f"Жұмыс күні ({fmt(off)} демалыс күнінің орнына)",
        f"Рабочий день (вместо выходного {fmt(off)})",
        f"Working day (in exchange for the day off on {fmt(off)})",
    )
    return day_off, worked_reason


def _from_package(first_year: int, last_year: int) -> tuple[dict, dict]:
    import holidays  # imported here: only the first build pays for it

    years = range(first_year, last_year + 1)
    en = holidays.country_holidays("KZ", years=years, language="en_US")
    kk = holidays.country_holidays("KZ", years=years, language="kk")
    non_working: dict[dt.date, list[DayOff]] = {}
    worked: dict[dt.date, WorkedDay] = {}
    for day in sorted(en.keys()):
        en_names = en.get_list(day)
        kk_names = kk.get_list(day)
        for i, name in enumerate(en_names):
            kk_name = _KK_SUFFIX.sub("", kk_names[i]) if i < len(kk_names) else name
            m = _SUBST.match(name)
            if m:
                from_day = dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
                off_name, worked_reason = _decree_names(day, from_day)
                non_working.setdefault(day, []).append(DayOff("decree", off_name, SRC_DECREE))
                if from_day.weekday() >= 5:  # a weekday "from" is just a working day again
                    worked[from_day] = WorkedDay(from_day, worked_reason, SRC_DECREE)
                continue
            estimated = False
            kind = "holiday"
            base = name
            if base.endswith(" (observed, estimated)"):
                base, kind, estimated = base[: -len(" (observed, estimated)")], "transfer", True
            elif base.endswith(" (observed)"):
                base, kind = base[: -len(" (observed)")], "transfer"
            elif base.endswith(" (estimated)"):
                base, estimated = base[: -len(" (estimated)")], True
            ru = _RU.get(base, base)
            if kind == "transfer":
                text = Text(
                    f"{kk_name} (қайта белгіленген демалыс)",
                    f"{ru} (перенесённый выходной)",
                    f"{base} (observed)",
                )
                source = SRC_TRANSFER
            else:
                text = Text(kk_name, ru, base)
                source = SRC_NO_TRANSFER if base in _NO_TRANSFER else SRC_HOLIDAY
            non_working.setdefault(day, []).append(DayOff(kind, text, source, estimated))
    # `weekend_workdays` of the package also holds entries outside the asked years: keep ours only.
    for day in en.weekend_workdays:
        if first_year <= day.year <= last_year and day not in worked:
            worked[day] = WorkedDay(
                day,
                Text(
                    "Жұмыс күні (Үкімет қаулысы)",
                    "Рабочий день (постановление Правительства)",
                    "Working day (Government decree)",
                ),
                SRC_DECREE,
            )
    return non_working, worked


def _load_corrections(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CalendarError(f"cannot read calendar corrections {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CalendarError(f"calendar corrections {path} are not valid YAML") from exc
    entries = data.get("corrections") or []
    if not isinstance(entries, list):
        raise CalendarError(f"{path}: 'corrections' must be a list")
    return [{**check_correction(e, str(path)), "_file": path.name} for e in entries]


_ACTIONS = ("add_non_working", "remove_non_working", "add_worked_day", "remove_worked_day", "confirm")


def check_correction(e, origin: str) -> dict:
    """One corrections entry checked (date, action, source; kind and kk/ru/en names for a new day
    off), tagged with where it came from (a file's name, or the administrators' table)."""
    if not isinstance(e, dict) or not isinstance(e.get("date"), dt.date) or not e.get("source"):
        raise CalendarError(f"{origin}: every correction needs a date (YYYY-MM-DD) and a source: {e!r}")
    action = e.get("action")
    if action not in _ACTIONS:
        raise CalendarError(f"{origin}: unknown action {action!r} on {e['date']}")
    if action == "add_non_working":
        names = e.get("names") or {}
        if not all(names.get(lang) for lang in ("kk", "ru", "en")) or e.get("kind") not in KINDS[1:]:
            raise CalendarError(f"{origin}: add_non_working on {e['date']} needs kind and names kk/ru/en")
    return {**e, "_file": origin}


def _apply(non_working: dict, worked: dict, corrections: list[dict]) -> list[dict]:
    applied = []
    for e in corrections:
        day: dt.date = e["date"]
        src = Citation(str(e["source"]), e.get("clause") or f"correction of {fmt(day)} ({e['_file']})")
        note = e.get("note")
        action = e["action"]
        if action == "add_non_working":
            n = e["names"]
            non_working.setdefault(day, []).append(
                DayOff(e["kind"], Text(n["kk"], n["ru"], n["en"]), src, bool(e.get("estimated", False)), note)
            )
        elif action == "remove_non_working":
            non_working.pop(day, None)
        elif action == "add_worked_day":
            reason = e.get("reason") or {}
            worked[day] = WorkedDay(
                day,
                Text(
                    reason.get("kk", "Жұмыс күні"),
                    reason.get("ru", "Рабочий день"),
                    reason.get("en", "Working day"),
                ),
                src,
            )
        elif action == "remove_worked_day":
            worked.pop(day, None)
        elif action == "confirm":
            entries = non_working.get(day)
            if not entries:
                raise CalendarError(f"correction 'confirm' on {fmt(day)}: the package has no day off there")
            non_working[day] = [
                replace(x, estimated=False, note=note or f"confirmed: {src.source}") for x in entries
            ]
        applied.append({"date": day.isoformat(), "action": action, "source": src.as_dict(), "note": note})
    return applied


@dataclass
class Calendar:
    """Working days of Kazakhstan, precomputed for [first, last]."""

    first: dt.date
    last: dt.date
    non_working: dict[
        dt.date, tuple[DayOff, ...]
    ]  # holidays, transfers, decreed days off (not plain weekends)
    worked: dict[dt.date, WorkedDay]  # weekend days worked by decree
    corrections: tuple[dict, ...] = ()
    _first_ord: int = field(init=False, repr=False)
    _work: bytearray = field(init=False, repr=False)
    _cum: list[int] = field(init=False, repr=False)
    _wd: list[int] = field(init=False, repr=False)
    _np: tuple | None = field(init=False, repr=False, default=None)
    # ordinals of the days `skipped` reports (non-working and worked weekend days), sorted, and the
    # SkippedDay of each, built on first use (the calendar does not change once built)
    _special: list[int] | None = field(init=False, repr=False, compare=False, default=None)
    _skip_days: dict[int, SkippedDay] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        f, last = self.first.toordinal(), self.last.toordinal()
        self._first_ord = f
        work = bytearray(last - f + 1)
        cum: list[int] = []
        wd: list[int] = []
        count = 0
        for o in range(f, last + 1):
            day = dt.date.fromordinal(o)
            w = (day in self.worked) or (day.weekday() < 5 and day not in self.non_working)
            if w:
                work[o - f] = 1
                count += 1
                wd.append(o)
            cum.append(count)
        self._work, self._cum, self._wd = work, cum, wd

    # --- lookups ----------------------------------------------------------------------------------
    def _index(self, day: dt.date) -> int:
        i = day.toordinal() - self._first_ord
        if i < 0 or i >= len(self._work):
            raise CalendarError(f"{fmt(day)} is outside the calendar ({fmt(self.first)}–{fmt(self.last)})")
        return i

    def is_working_day(self, day: dt.date) -> bool:
        i = day.toordinal() - self._first_ord
        if i < 0 or i >= len(self._work):
            self._index(day)  # raises
        return self._work[i] == 1

    def reasons(self, day: dt.date) -> tuple[DayOff, ...]:
        """Why `day` is not a working day (empty for a working day)."""
        if self.is_working_day(day):
            return ()
        listed = self.non_working.get(day, ())
        weekend = _WEEKEND_OFF.get(day.weekday())
        if weekend is None:
            return tuple(listed)
        return (weekend, *listed)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `day` (n > 0), strictly before it (n < 0), `day` itself (n = 0)."""
        i = day.toordinal() - self._first_ord
        if i < 0 or i >= len(self._work):
            self._index(day)  # raises
        if n > 0:
            k = self._cum[i] + n - 1
        elif n < 0:
            k = self._cum[i] - self._work[i] + n
        else:
            return day
        if k < 0 or k >= len(self._wd):
            raise CalendarError(
                f"{fmt(day)} {n:+d} working days leaves the calendar ({fmt(self.first)}–{fmt(self.last)})"
            )
        return dt.date.fromordinal(self._wd[k])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        return self._cum[self._index(end)] - self._cum[self._index(start)]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.add_working_days(day, 1)

    def working_day_on_or_before(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.add_working_days(day, -1)

    def skipped(self, start: dt.date, end: dt.date) -> list[SkippedDay]:
        """Non-working days in (start, end], and worked weekend days (counted), in date order."""
        self._index(start), self._index(end)
        special = self._special
        if special is None:
            special = self._build_special()
        lo = bisect_right(special, start.toordinal())
        hi = bisect_right(special, end.toordinal())
        if lo >= hi:
            return []
        days = self._skip_days
        return [days[o] for o in special[lo:hi]]

    def _build_special(self) -> list[int]:
        f = self._first_ord
        work, worked = self._work, self.worked
        special: list[int] = []
        days: dict[int, SkippedDay] = {}
        for i, w in enumerate(work):
            o = i + f
            if not w:
                day = dt.date.fromordinal(o)
                days[o] = SkippedDay(day, self.reasons(day))
            else:
                day = dt.date.fromordinal(o)
                if day not in worked:
                    continue
                wd = worked[day]
                days[o] = SkippedDay(day, (DayOff("worked_day", wd.reason, wd.source),), counted=True)
            special.append(o)
        self._skip_days = days
        self._special = special
        return special

    # --- year views (the `calendar` command) ------------------------------------------------------
    def year(self, year: int) -> dict:
        if not self.first.year <= year <= self.last.year:
            raise CalendarError(f"year {year} is outside the calendar ({self.first.year}–{self.last.year})")
        days = []
        for day in sorted(d for d in self.non_working if d.year == year):
            if self.is_working_day(day):
                continue
            for r in self.reasons(day):
                if r.kind == "weekend":
                    continue
                days.append({"date": day.isoformat(), **r.as_dict()})
        worked = [
            {"date": w.date.isoformat(), "reason": w.reason.as_dict(), "source": w.source.as_dict()}
            for w in sorted(self.worked.values(), key=lambda w: w.date)
            if w.date.year == year
        ]
        return {"year": year, "non_working_days": days, "worked_days": worked}

    # --- arrays for the vectorised path -----------------------------------------------------------
    @property
    def tables(self):
        """(first day as days since 1970-01-01, is-working int8[], cumulative int32[], working days int64[])."""
        cached = self._np
        if cached is None:
            import numpy as np

            epoch = dt.date(1970, 1, 1).toordinal()
            cached = (
                self._first_ord - epoch,
                np.frombuffer(bytes(self._work), dtype=np.int8),
                np.asarray(self._cum, dtype=np.int32),
                np.asarray(self._wd, dtype=np.int64) - epoch,
            )
            self._np = cached
        return cached


def build_calendar(
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
    extra_corrections: tuple[Path, ...] = (),
    entries: tuple[dict, ...] = (),
) -> Calendar:
    """Build a calendar from the package, our corrections, any extra correction files and then
    `entries` (corrections given as data: the administrators' table, passed in by the caller)."""
    non_working, worked = _from_package(first_year, last_year)
    corrections = _load_corrections(BUILTIN_CORRECTIONS)
    for p in extra_corrections:
        corrections += _load_corrections(Path(p))
    corrections += [check_correction(e, ADMIN_ORIGIN) for e in entries]
    corrections = [c for c in corrections if first_year <= c["date"].year <= last_year]
    applied = _apply(non_working, worked, corrections)
    return Calendar(
        dt.date(first_year, 1, 1),
        dt.date(last_year, 12, 31),
        {d: tuple(v) for d, v in non_working.items()},
        worked,
        tuple(applied),
    )


@lru_cache(maxsize=4)
def _cached(extra: tuple[str, ...]) -> Calendar:
    return build_calendar(extra_corrections=tuple(Path(p) for p in extra))


def get_calendar() -> Calendar:
    """The shared calendar (memoised); extra corrections from $QAMQOR_CALENDAR_CORRECTIONS (os.pathsep-separated)."""
    env = os.environ.get(CORRECTIONS_ENV, "")
    return _cached(tuple(p for p in env.split(os.pathsep) if p))


def _frozen(entry: dict) -> tuple:
    return tuple(sorted((k, _frozen(v) if isinstance(v, dict) else v) for k, v in entry.items()))


_WITH: dict[tuple, Calendar] = {}


def calendar_with(entries: tuple[dict, ...] | list[dict]) -> Calendar:
    """The shared calendar with `entries` laid over it (the administrators' corrections, which the
    caller reads and passes in: this module reads no database). No entries: `get_calendar()`.
    Memoised by the entries' content (the last few sets)."""
    if not entries:
        return get_calendar()
    env = os.environ.get(CORRECTIONS_ENV, "")
    key = (env, tuple(_frozen(e) for e in entries))
    cal = _WITH.get(key)
    if cal is None:
        extra = tuple(Path(p) for p in env.split(os.pathsep) if p)
        cal = build_calendar(extra_corrections=extra, entries=tuple(entries))
        if len(_WITH) >= 4:
            _WITH.clear()
        _WITH[key] = cal
    return cal


# --- module-level helpers on the shared calendar -----------------------------------------------
def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


def add_working_days(day: dt.date, n: int) -> dt.date:
    return get_calendar().add_working_days(day, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return get_calendar().working_days_between(start, end)


def next_working_day(day: dt.date) -> dt.date:
    return get_calendar().next_working_day(day)


def local(at: dt.datetime) -> dt.datetime:
    """`at` in Asia/Almaty; a naive datetime is refused (every datetime is stored aware)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: give a time zone (e.g. +05:00)")
    return at.astimezone(ALMATY)
