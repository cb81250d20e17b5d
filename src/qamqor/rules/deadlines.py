"""Every date of a case: registration, the service term and the procedural steps, each explained.

Plain data in, plain data out: a `Term` and the version's `StepRule`s (from the catalogue), the
channel, the aware submission datetime, and optionally the schedule, the calendar and the dates of
events that already happened (`events`, e.g. {"hearing": date(2026, 3, 27)}). Nothing reads the clock.

Counting (docs/decisions/0003-working-time.md): a term set in working days runs from the day after
registration (Civil Code art. 173), so the n-th working day strictly after the registration day is
the due date; the State Corporation's acceptance day is never counted. A term in calendar units that
ends on a non-working day ends on the next working day (art. 175). Minute terms (fully automated
services) run around the clock from the moment of submission.

Speed (issue 3): `compute_deadline` computes every date at once but writes the kk/ru/en explanation
lines only when they are first read (`.explanation`, `as_dict()`, `render()`); see `bench/deadlines.py`.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import FrozenInstanceError, dataclass

from .calendar import (
    ALMATY,
    TERM_ENDS_NEXT_WORKING_DAY,
    TERM_STARTS_NEXT_DAY,
    Calendar,
    SkippedDay,
    fmt,
    get_calendar,
    local,
)
from .schedules import DEFAULT_SCHEDULE, Schedule, get_schedule
from .types import CHANNELS, Citation, StepRule, Term, Text

# Step codes in the order they happen, with what each counts from (docs/catalog-format.md "Steps").
# anchor: the event the count starts at; "due" = counted back from the due date.
STEP_ANCHORS: dict[str, str] = {
    "courier_to_provider": "registered",
    "completeness_check": "documents_received",
    "decision": "completeness_check",
    "child_interview": "completeness_check",
    "preliminary_refusal": "due",
    "hearing_objection": "preliminary_refusal",
    "final_decision": "hearing",
    "result_to_state_corp": "due",
    "custody": "result_at_state_corp",
    "resend_transferred_result": "resend_request",
    "complaint_forwarding": "complaint_registered",
    "complaint_review_provider": "complaint_registered_provider",
    "complaint_review_authority": "complaint_registered_authority",
    "relatives_certificate": "placement_decision",
}
# Steps that exist only when the application went through the State Corporation.
STATE_CORP_ONLY = frozenset(
    {"courier_to_provider", "result_to_state_corp", "custody", "resend_transferred_result"}
)

ANCHOR_NAMES: dict[str, Text] = {
    "registered": Text("өтінішті қабылдау", "приём заявления", "acceptance of the application"),
    "documents_received": Text(
        "құжаттарды көрсетілетін қызметті берушінің алуы",
        "получение документов услугодателем",
        "the provider receiving the documents",
    ),
    "completeness_check": Text(
        "құжаттардың толықтығын тексеру", "проверка полноты документов", "the completeness check"
    ),
    "preliminary_refusal": Text(
        "бас тарту туралы алдын ала шешім",
        "предварительное решение об отказе",
        "the preliminary decision of refusal",
    ),
    "hearing": Text("тыңдау", "заслушивание", "the hearing"),
    "result_at_state_corp": Text(
        "нәтиженің Мемлекеттік корпорацияға түсуі",
        "поступление результата в Госкорпорацию",
        "the result arriving at the State Corporation",
    ),
    "resend_request": Text(
        "Мемлекеттік корпорацияның сұранысы", "запрос Госкорпорации", "the State Corporation's request"
    ),
    "complaint_registered": Text("шағымның келіп түсуі", "поступление жалобы", "receipt of the complaint"),
    "complaint_registered_provider": Text(
        "шағымды көрсетілетін қызметті берушіде тіркеу",
        "регистрация жалобы у услугодателя",
        "registration of the complaint at the provider",
    ),
    "complaint_registered_authority": Text(
        "шағымды уәкілетті органда тіркеу",
        "регистрация жалобы в уполномоченном органе",
        "registration of the complaint at the authorised body",
    ),
    "placement_decision": Text(
        "баланы орналастыру туралы шешім",
        "решение об устройстве ребёнка",
        "the decision establishing the placement",
    ),
    "due": Text("мерзімнің аяқталуы", "окончание срока", "the end of the term"),
}

_UNITS = {
    "working_days": Text("жұмыс күні", "раб. дн.", "working day(s)"),
    "calendar_days": Text("күнтізбелік күн", "календ. дн.", "calendar day(s)"),
    "calendar_months": Text("ай", "мес.", "month(s)"),
    "calendar_years": Text("жыл", "г.", "year(s)"),
    "minutes": Text("минут", "мин.", "minute(s)"),
}

_CHANNEL_NAMES = {
    "provider": Text("көрсетілетін қызметті беруші", "услугодатель", "the provider"),
    "state_corp": Text("Мемлекеттік корпорация", "Госкорпорация", "the State Corporation"),
    "portal": Text("портал", "портал", "the portal"),
    "education_org": Text("білім беру ұйымы", "организация образования", "the education organisation"),
}


_DEFAULT_SCHEDULES = {ch: get_schedule(sid) for ch, sid in DEFAULT_SCHEDULE.items()}


class DeadlineError(ValueError):
    """The inputs cannot give a deadline (no term, unknown channel, unknown unit...).

    `code` is a stable machine code (`no_term`, `unknown_channel`, `unknown_unit`,
    `minutes_need_moment`); `text` says why in kk/ru/en, to be stored and shown as the explanations
    are; `str(exc)` is the English text."""

    def __init__(self, code: str, text: Text):
        super().__init__(text.en)
        self.code = code
        self.text = text

    def __reduce__(self):
        return (type(self), (self.code, self.text))


def _unknown_channel(channel) -> DeadlineError:
    known = ", ".join(CHANNELS)
    return DeadlineError(
        "unknown_channel",
        Text(
            f"«{channel}» арнасы белгісіз (арналар: {known}).",
            f"Неизвестный канал «{channel}» (допустимые: {known}).",
            f"Unknown channel {channel!r} (one of {known}).",
        ),
    )


def _no_term() -> DeadlineError:
    return DeadlineError(
        "no_term",
        Text(
            "Қызметтің бұл нұсқасында мемлекеттік қызмет көрсету мерзімі жоқ: ол қолда бар құқықтық "
            "мәтіндерде көрсетілмеген.",
            "В этой версии услуги нет срока оказания государственной услуги: в имеющихся правовых текстах "
            "он не указан.",
            "The service version has no term: the legal texts available do not give it (incomplete source).",
        ),
    )


@dataclass(frozen=True, slots=True)
class Explanation:
    """One line of an explanation: what happened on a date, why, and the clause."""

    kind: str  # registration | count | weekend | holiday | transfer | decree | worked_day | extension | step | note
    text: Text
    date: dt.date | None = None
    name: Text | None = None
    source: Citation | None = None
    estimated: bool = False

    def as_dict(self) -> dict:
        d: dict = {"kind": self.kind, "text": self.text.as_dict()}
        if self.date is not None:
            d["date"] = self.date.isoformat()
        if self.name is not None:
            d["name"] = self.name.as_dict()
        if self.source is not None:
            d["source"] = self.source.as_dict()
        if self.estimated:
            d["estimated"] = True
        return d


# --- results: computed dates now, explanation texts on first use -----------------------------------
# Computing the dates costs a few µs; writing the kk/ru/en lines costs far more, and most callers
# want the dates only (or read the explanation once). So `compute_deadline` keeps a plan per result
# and per step (a builder function and its arguments: dates, rules, the calendar) and the
# `explanation` tuple is built from it the first time it is read (by `.explanation`, `as_dict()` or
# `render()`). The classes behave like the frozen dataclasses they were: same fields and constructor,
# equality, hash, repr, no assignment.


class _Frozen:
    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self._FIELDS)

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._FIELDS)
        return f"{type(self).__qualname__}({inner})"

    def __reduce__(self):
        return (type(self), self._values())

    @property
    def explanation(self) -> tuple[Explanation, ...]:
        lines = self._explanation
        if lines is None and self._plan is not None:
            build, args = self._plan
            lines = tuple(build(*args))
            object.__setattr__(self, "_explanation", lines)
            object.__setattr__(self, "_plan", None)
        return lines


class StepDeadline(_Frozen):
    __slots__ = (
        "step",
        "due",
        "counted_from",
        "anchor",
        "value",
        "unit",
        "citation",
        "waiting_for",
        "_explanation",
        "_plan",
    )
    _FIELDS = (
        "step",
        "due",
        "counted_from",
        "anchor",
        "value",
        "unit",
        "citation",
        "explanation",
        "waiting_for",
    )
    step: str
    due: dt.date | dt.datetime | None  # None: waits for an event (`waiting_for`)
    counted_from: str
    anchor: dt.date | dt.datetime | None
    value: int
    unit: str
    citation: Citation
    waiting_for: str | None

    def __init__(
        self,
        step: str,
        due: dt.date | dt.datetime | None,
        counted_from: str,
        anchor: dt.date | dt.datetime | None,
        value: int,
        unit: str,
        citation: Citation,
        explanation: tuple[Explanation, ...] = (),
        waiting_for: str | None = None,
    ) -> None:
        for name, v in (
            ("step", step),
            ("due", due),
            ("counted_from", counted_from),
            ("anchor", anchor),
            ("value", value),
            ("unit", unit),
            ("citation", citation),
            ("waiting_for", waiting_for),
            ("_explanation", explanation),
            ("_plan", None),
        ):
            object.__setattr__(self, name, v)

    def as_dict(self) -> dict:
        return {
            "step": self.step,
            "due": _iso(self.due),
            "counted_from": self.counted_from,
            "anchor": _iso(self.anchor),
            "value": self.value,
            "unit": self.unit,
            "citation": self.citation.as_dict(),
            "waiting_for": self.waiting_for,
            "explanation": [e.as_dict() for e in self.explanation],
        }


class DeadlineResult(_Frozen):
    __slots__ = ("channel", "submitted", "registered_on", "term", "due", "steps", "_explanation", "_plan")
    _FIELDS = ("channel", "submitted", "registered_on", "term", "due", "steps", "explanation")
    channel: str
    submitted: dt.datetime
    registered_on: dt.date
    term: Term
    due: dt.date | dt.datetime  # a date for working-day terms, an aware datetime for minute terms
    steps: tuple[StepDeadline, ...]

    def __init__(
        self,
        channel: str,
        submitted: dt.datetime,
        registered_on: dt.date,
        term: Term,
        due: dt.date | dt.datetime,
        steps: tuple[StepDeadline, ...],
        explanation: tuple[Explanation, ...],
    ) -> None:
        for name, v in (
            ("channel", channel),
            ("submitted", submitted),
            ("registered_on", registered_on),
            ("term", term),
            ("due", due),
            ("steps", steps),
            ("_explanation", explanation),
            ("_plan", None),
        ):
            object.__setattr__(self, name, v)

    def step(self, code: str) -> StepDeadline | None:
        return next((s for s in self.steps if s.step == code), None)

    def as_dict(self) -> dict:
        term = self.term
        return {
            "channel": self.channel,
            "submitted": self.submitted.isoformat(),
            "registered_on": self.registered_on.isoformat(),
            "term": {
                "value": term.value,
                "unit": term.unit,
                "citation": term.citation.as_dict(),
            },
            "due": _iso(self.due),
            "steps": [s.as_dict() for s in self.steps],
            "explanation": [e.as_dict() for e in self.explanation],
        }


# Construction without the frozen guard (the hot path): an instance of a subclass with the same
# layout and plain attribute assignment, switched to the public class once filled in. Both
# `__setattr__` and `__delattr__` are reset (they share one type slot), so that CPython stores
# into the slots directly.
class _NewStep(StepDeadline):
    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


class _NewResult(DeadlineResult):
    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


_new = object.__new__


def _step(code, due, counted_from, anchor, rule, waiting_for, lines, plan) -> StepDeadline:
    s = _new(_NewStep)
    s.step = code
    s.due = due
    s.counted_from = counted_from
    s.anchor = anchor
    s.value = rule.value
    s.unit = rule.unit
    s.citation = rule.citation
    s.waiting_for = waiting_for
    s._explanation = lines
    s._plan = plan
    s.__class__ = StepDeadline
    return s


def _iso(v) -> str | None:
    return None if v is None else v.isoformat()


def _dt_text(at: dt.datetime) -> str:
    return f"{fmt(at.date())} {at.hour:02d}:{at.minute:02d}"


# --- registration ---------------------------------------------------------------------------------
def registration_date(
    channel: str, submitted: dt.datetime, schedule: Schedule | None = None, calendar: Calendar | None = None
) -> dt.date:
    """The registration day: the day of acceptance at an office; on the portal, the next working day
    for an application made after working hours (18:30), on a weekend or on a holiday."""
    if channel not in CHANNELS:
        raise _unknown_channel(channel)
    sched = schedule or _DEFAULT_SCHEDULES[channel]
    return _reg_day(channel, local(submitted), sched, calendar or get_calendar())[0]


def _reg_day(channel: str, t: dt.datetime, sched: Schedule, cal: Calendar) -> tuple[dt.date, str]:
    """(registration day, why): why ∈ office | in_hours | after_hours | non_working."""
    day = t.date()
    cutoff = sched.after_hours_from
    if cutoff is None:
        return day, "office"
    if not cal.is_working_day(day):
        return cal.next_working_day(day), "non_working"
    if t.hour * 60 + t.minute < cutoff:
        return day, "in_hours"
    return cal.next_working_day(day), "after_hours"


def _registration_line(
    channel: str, t: dt.datetime, reg: dt.date, why_code: str, sched: Schedule, cal: Calendar, citation
) -> Explanation:
    """The registration line for a day `_reg_day` gave (`t`: the local submission moment)."""
    day = t.date()
    place = _CHANNEL_NAMES[channel]
    if why_code != "office":
        src = citation or sched.citation
        cutoff = sched.after_hours_from
        cut = f"{cutoff // 60:02d}:{cutoff % 60:02d}"
        if why_code == "in_hours":
            return Explanation(
                "registration",
                Text(
                    f"Өтініш порталда {_dt_text(t)} жұмыс уақытында берілді: {fmt(day)} тіркелді",
                    f"Заявление подано на портале {_dt_text(t)} в рабочее время: зарегистрировано {fmt(day)}",
                    f"Application made on the portal on {_dt_text(t)} within working hours: registered on {fmt(day)}",
                ),
                day,
                source=src,
            )
        if why_code == "after_hours":
            why = Text(f"{cut}-тен кейін", f"после {cut}", f"after {cut}")
        else:
            names = [r.name for r in cal.reasons(day)]
            why = Text(
                "демалыс/мереке күні: " + "; ".join(n.kk for n in names),
                "выходной/праздничный день: " + "; ".join(n.ru for n in names),
                "a non-working day: " + "; ".join(n.en for n in names),
            )
        return Explanation(
            "registration",
            Text(
                f"Өтініш порталда {_dt_text(t)} берілді ({why.kk}): келесі жұмыс күні {fmt(reg)} тіркеледі",
                f"Заявление подано на портале {_dt_text(t)} ({why.ru}): регистрируется следующим рабочим днём {fmt(reg)}",
                f"Application made on the portal on {_dt_text(t)} ({why.en}): registered on the next working day, {fmt(reg)}",
            ),
            reg,
            source=src,
        )
    if channel == "state_corp":
        text = Text(
            f"Құжаттарды Мемлекеттік корпорация {fmt(day)} қабылдады; қабылдау күні мерзімге кірмейді",
            f"Документы приняты Госкорпорацией {fmt(day)}; день приёма в срок не входит",
            f"Documents accepted by the State Corporation on {fmt(day)}; the day of acceptance is not counted",
        )
    else:
        text = Text(
            f"Өтінішті {place.kk} {fmt(day)} қабылдады; мерзім келесі күннен бастап есептеледі",
            f"Заявление принято ({place.ru}) {fmt(day)}; срок исчисляется со следующего дня",
            f"Application accepted by {place.en} on {fmt(day)}; the term runs from the next day",
        )
    return Explanation("registration", text, day, source=citation or TERM_STARTS_NEXT_DAY)


_STARTS_NEXT_DAY = Explanation(
    "note",
    Text(
        "Мерзім оқиғадан кейінгі күннен басталады",
        "Течение срока начинается на следующий день после события",
        "A term starts on the day after the event",
    ),
    source=TERM_STARTS_NEXT_DAY,
)
_HEARING_UNKNOWN = Text(
    "Тыңдау күні белгісіз: шешім мемлекеттік қызмет көрсету мерзімі ішінде",
    "Дата заслушивания неизвестна: решение в пределах срока оказания услуги",
    "The hearing's date is not known yet: the decision stays within the service term",
)


def _term_lines(channel, t, reg, why_code, sched, cal, citation, term, due, lo, hi) -> list[Explanation]:
    """The result's own lines for a working-day term: registration, count, art. 173, skipped days."""
    start = reg + dt.timedelta(days=1)
    lines = [
        _registration_line(channel, t, reg, why_code, sched, cal, citation),
        Explanation(
            "count",
            Text(
                f"Мерзім {term.value} жұмыс күні, {fmt(start)} бастап есептеледі: {fmt(due)} дейін",
                f"Срок {term.value} раб. дн., исчисляется с {fmt(start)}: до {fmt(due)} включительно",
                f"Term of {term.value} working days, counted from {fmt(start)}: due {fmt(due)} (inclusive)",
            ),
            due,
            source=term.citation,
        ),
        _STARTS_NEXT_DAY,
    ]
    lines.extend(_skip_lines(cal, lo, hi))
    return lines


def _minute_lines(submitted_local: dt.datetime, due: dt.datetime, term: Term, source) -> list[Explanation]:
    return [
        Explanation(
            "registration",
            Text(
                f"Толық автоматтандырылған қызмет: өтініш {_dt_text(submitted_local)} тіркелді (тәулік бойы)",
                f"Полностью автоматизированная услуга: заявление зарегистрировано {_dt_text(submitted_local)} (круглосуточно)",
                f"Fully automated service: application registered at {_dt_text(submitted_local)} (around the clock)",
            ),
            submitted_local.date(),
            source=source,
        ),
        Explanation(
            "count",
            Text(
                f"Мерзім {term.value} минут: {_dt_text(due)} дейін",
                f"Срок {term.value} минут: до {_dt_text(due)}",
                f"Term of {term.value} minutes: by {_dt_text(due)}",
            ),
            source=term.citation,
        ),
    ]


# --- counting -------------------------------------------------------------------------------------
def _skip_range(cal: Calendar, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The (lo, hi] whose skipped days explain a count from `start` to `end` (either order)."""
    if start <= end:
        return start, end  # both ends already checked against the calendar by the count
    lo, hi = end - dt.timedelta(days=1), start - dt.timedelta(days=1)
    cal._index(lo), cal._index(hi)  # raise now, as counting did, if the range leaves the calendar
    return lo, hi


# One explanation line per skipped day of a calendar, memoised by the identity of the calendar's
# (immutable, shared) SkippedDay: the same holiday explains thousands of deadlines.
_SKIP_LINES: dict[int, tuple[SkippedDay, Explanation]] = {}


def _skip_lines(cal: Calendar, lo: dt.date, hi: dt.date) -> list[Explanation]:
    out = []
    memo = _SKIP_LINES
    for s in cal.skipped(lo, hi):
        hit = memo.get(id(s))
        if hit is None or hit[0] is not s:
            if len(memo) >= 50_000:
                memo.clear()
            hit = memo[id(s)] = (s, _skip_line(s))
        out.append(hit[1])
    return out


def _skip_line(s: SkippedDay) -> Explanation:
    main = s.reasons[-1] if s.reasons else None  # the most specific reason (holiday over weekend)
    names = s.reasons
    if s.counted:
        verb = ("— есептеледі", "— засчитывается", "— counted")
    else:
        verb = ("— есептелмейді", "— не засчитывается", "— not counted")
    text = Text(
        f"{fmt(s.date)}: {'; '.join(r.name.kk for r in names)} {verb[0]}",
        f"{fmt(s.date)}: {'; '.join(r.name.ru for r in names)} {verb[1]}",
        f"{fmt(s.date)}: {'; '.join(r.name.en for r in names)} {verb[2]}",
    )
    return Explanation(
        s.kind,
        text,
        s.date,
        name=main.name if main else None,
        source=main.source if main else None,
        estimated=any(r.estimated for r in names),
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    y += day.year
    return dt.date(y, m + 1, min(day.day, _pycal.monthrange(y, m + 1)[1]))


def _count(cal: Calendar, anchor, value: int, unit: str, backwards: bool):
    """(due, extra) for `value` `unit` from `anchor` (or before it); `extra` says which explanation
    lines follow the step's own line: None, ("skipped", lo, hi) or ("moved", raw, moved)."""
    if unit == "minutes":
        if not isinstance(anchor, dt.datetime):
            raise DeadlineError(
                "minutes_need_moment",
                Text(
                    "Минутпен есептелетін мерзімге күн емес, нақты уақыт сәті қажет.",
                    "Для срока в минутах нужен момент времени, а не дата.",
                    "A term in minutes needs a moment, not a date.",
                ),
            )
        return anchor + dt.timedelta(minutes=-value if backwards else value), None
    if isinstance(anchor, dt.datetime):
        day = local(anchor).date()
    else:
        day = anchor
    if unit == "working_days":
        if backwards:
            due = cal.add_working_days(day, -value)
            return due, ("skipped", due, day) if due <= day else ("skipped", *_skip_range(cal, due, day))
        due = cal.add_working_days(day, value)
        return due, ("skipped", day, due) if day <= due else ("skipped", *_skip_range(cal, day, due))
    sign = -1 if backwards else 1
    if unit == "calendar_days":
        raw = day + dt.timedelta(days=sign * value)
    elif unit == "calendar_months":
        raw = _add_months(day, sign * value)
    elif unit == "calendar_years":
        raw = _add_months(day, sign * 12 * value)
    else:
        raise DeadlineError(
            "unknown_unit",
            Text(
                f"«{unit}» мерзім бірлігі белгісіз.",
                f"Неизвестная единица срока «{unit}».",
                f"Unknown unit of a term {unit!r}.",
            ),
        )
    if cal.is_working_day(raw):
        return raw, None
    # "no later than N days before": the last working day on or before; otherwise art. 175
    moved = cal.working_day_on_or_before(raw) if backwards else cal.working_day_on_or_after(raw)
    return moved, ("moved", raw, moved)


def count_term(
    anchor: dt.date, value: int, unit: str, calendar: Calendar | None = None
) -> tuple[dt.date, dt.date | None]:
    """`value` `unit` counted from the day after `anchor` (Civil Code art. 173); a last day that is
    not a working day moves to the next working day (art. 175). Gives (due, the unmoved last day,
    or None when it was not moved)."""
    due, extra = _count(calendar or get_calendar(), anchor, value, unit, backwards=False)
    return due, (extra[1] if extra and extra[0] == "moved" else None)


def _moved_line(cal: Calendar, raw: dt.date, moved: dt.date, backwards: bool) -> Explanation:
    names = cal.reasons(raw)
    if backwards:
        return Explanation(
            "extension",
            Text(
                f"{fmt(raw)} жұмыс күні емес ({'; '.join(r.name.kk for r in names)}): соңғы жұмыс күні {fmt(moved)}",
                f"{fmt(raw)} не рабочий день ({'; '.join(r.name.ru for r in names)}): последний рабочий день до него {fmt(moved)}",
                f"{fmt(raw)} is not a working day ({'; '.join(r.name.en for r in names)}): the last working day before it is {fmt(moved)}",
            ),
            raw,
        )
    return Explanation(
        "extension",
        Text(
            f"Мерзім {fmt(raw)} жұмыс емес күнге түседі ({'; '.join(r.name.kk for r in names)}): келесі жұмыс күні {fmt(moved)} аяқталады",
            f"Срок оканчивается в нерабочий день {fmt(raw)} ({'; '.join(r.name.ru for r in names)}): переносится на следующий рабочий день {fmt(moved)}",
            f"The term ends on a non-working day, {fmt(raw)} ({'; '.join(r.name.en for r in names)}): it ends on the next working day, {fmt(moved)}",
        ),
        raw,
        source=TERM_ENDS_NEXT_WORKING_DAY,
    )


def _step_lines(cal: Calendar, rule: StepRule, anchor_key: str, anchor, step_due, extra) -> list[Explanation]:
    """A counted step's lines: what it counts from and to, then the skipped days or the move."""
    backwards = anchor_key == "due"
    an = ANCHOR_NAMES[anchor_key]
    u = _UNITS.get(rule.unit) or Text(rule.unit, rule.unit, rule.unit)
    a_txt = _dt_text(anchor) if isinstance(anchor, dt.datetime) else fmt(anchor)
    d_txt = _dt_text(step_due) if isinstance(step_due, dt.datetime) else fmt(step_due)
    if backwards:
        text = Text(
            f"{an.kk} ({a_txt}) дейін {rule.value} {u.kk}: {d_txt} кешіктірмей",
            f"за {rule.value} {u.ru} до: {an.ru} ({a_txt}): не позднее {d_txt}",
            f"{rule.value} {u.en} before {an.en} ({a_txt}): no later than {d_txt}",
        )
    else:
        text = Text(
            f"{an.kk} ({a_txt}) кейін {rule.value} {u.kk} ішінде: {d_txt} дейін",
            f"в течение {rule.value} {u.ru} после: {an.ru} ({a_txt}): до {d_txt}",
            f"within {rule.value} {u.en} after {an.en} ({a_txt}): by {d_txt}",
        )
    lines = [
        Explanation(
            "step",
            text,
            step_due if isinstance(step_due, dt.date) and not isinstance(step_due, dt.datetime) else None,
            source=rule.citation,
        )
    ]
    if extra is not None:
        if extra[0] == "skipped":
            lines.extend(_skip_lines(cal, extra[1], extra[2]))
        else:
            lines.append(_moved_line(cal, extra[1], extra[2], backwards))
    return lines


def _hearing_unknown_lines(due, citation: Citation) -> list[Explanation]:
    return [Explanation("note", _HEARING_UNKNOWN, due, source=citation)]


def due_date(
    term: Term,
    channel: str,
    submitted: dt.datetime,
    calendar: Calendar | None = None,
    schedule: Schedule | None = None,
) -> dt.date | dt.datetime:
    """The service's due date only (the fast scalar path, no explanation)."""
    if submitted.tzinfo is None:
        local(submitted)  # raises: every datetime must be aware
    if term.unit == "minutes":
        return local(submitted) + dt.timedelta(minutes=term.value)
    cal = calendar or get_calendar()
    if schedule is None:
        if channel not in _DEFAULT_SCHEDULES:
            raise _unknown_channel(channel)
        schedule = _DEFAULT_SCHEDULES[channel]
    reg = _reg_day(channel, submitted.astimezone(ALMATY), schedule, cal)[0]
    return cal.add_working_days(reg, term.value)


def compute_deadline(
    term: Term,
    steps: Mapping[str, StepRule] | Iterable[StepRule],
    channel: str,
    submitted: dt.datetime,
    *,
    schedule: Schedule | None = None,
    schedule_citation: Citation | None = None,
    calendar: Calendar | None = None,
    events: Mapping[str, dt.date | dt.datetime] | None = None,
) -> DeadlineResult:
    """Every date of a case, explained. `steps` come from the catalogue version; a step it lacks is
    not emitted. `events` are the dates of things that already happened (they replace the latest
    permitted dates that are otherwise planned). The dates are computed here; the explanation lines
    are written when first read (`.explanation`, `as_dict()`, `render()`)."""
    if term is None:
        raise _no_term()
    if channel not in CHANNELS:
        raise _unknown_channel(channel)
    if steps.__class__ is tuple or steps.__class__ is list or not isinstance(steps, Mapping):
        rules = {s.step: s for s in steps}
    else:
        rules = dict(steps)
    cal = calendar or get_calendar()
    events = dict(events) if events else {}
    submitted_local = local(submitted)

    if term.unit == "minutes":
        reg = submitted_local.date()
        due: dt.date | dt.datetime = submitted_local + dt.timedelta(minutes=term.value)
        plan = (
            _minute_lines,
            (submitted_local, due, term, schedule_citation or (schedule.citation if schedule else None)),
        )
        anchor_reg: dt.date | dt.datetime = submitted_local
    else:
        citation = (
            schedule_citation
            if channel == "portal"
            else rules["courier_to_provider"].citation
            if channel == "state_corp" and "courier_to_provider" in rules
            else None
        )
        sched = schedule or _DEFAULT_SCHEDULES[channel]
        reg, why_code = _reg_day(channel, submitted_local, sched, cal)
        due = cal.add_working_days(reg, term.value)
        lo, hi = _skip_range(cal, reg, due)
        plan = (
            _term_lines,
            (channel, submitted_local, reg, why_code, sched, cal, citation, term, due, lo, hi),
        )
        anchor_reg = reg

    # --- steps ------------------------------------------------------------------------------------
    registered = events.get("registered", anchor_reg)
    out: list[StepDeadline] = []
    planned: dict[str, dt.date | dt.datetime | None] = {}
    state_corp = channel == "state_corp"

    for code, anchor_key in STEP_ANCHORS.items():
        rule = rules.get(code)
        if rule is None:
            continue
        if state_corp is False and code in STATE_CORP_ONLY:
            continue
        # the anchor: a recorded event, else what the plan so far says
        fallback = None
        if anchor_key in events:
            anchor = events[anchor_key]
        elif anchor_key == "registered":
            anchor = registered
        elif anchor_key == "due":
            anchor = due
        elif anchor_key == "documents_received":
            if state_corp:
                anchor = planned.get("courier_to_provider")
            else:
                anchor = registered
        elif anchor_key == "completeness_check" or anchor_key == "preliminary_refusal":
            anchor = planned.get(anchor_key)
        elif anchor_key == "hearing":
            anchor = planned.get("hearing_objection")
            if anchor is None:
                fallback = "term"
        elif anchor_key == "result_at_state_corp":
            anchor = planned.get("result_to_state_corp")
        elif anchor_key == "complaint_registered_provider" or anchor_key == "complaint_registered_authority":
            anchor = events.get("complaint_registered")
        else:
            anchor = None
        if anchor is None:
            if fallback == "term":
                # The hearing's date is not known yet: the final decision stays bounded by the term.
                out.append(
                    _step(
                        code,
                        due,
                        "due",
                        due,
                        rule,
                        None,
                        None,
                        (_hearing_unknown_lines, (due, term.citation)),
                    )
                )
                planned[code] = due
            else:
                out.append(_step(code, None, anchor_key, None, rule, anchor_key, (), None))
                planned[code] = None
            continue
        step_due, extra = _count(cal, anchor, rule.value, rule.unit, anchor_key == "due")
        out.append(
            _step(
                code,
                step_due,
                anchor_key,
                anchor,
                rule,
                None,
                None,
                (_step_lines, (cal, rule, anchor_key, anchor, step_due, extra)),
            )
        )
        planned[code] = step_due

    r = _new(_NewResult)
    r.channel = channel
    r.submitted = submitted_local
    r.registered_on = reg
    r.term = term
    r.due = due
    r.steps = tuple(out)
    r._explanation = None
    r._plan = plan
    r.__class__ = DeadlineResult
    return r


def render(result: DeadlineResult, lang: str = "kk") -> list[str]:
    """The explanation as text lines in one language."""
    lines = [e.text.get(lang) for e in result.explanation]
    for s in result.steps:
        for e in s.explanation:
            lines.append(f"{s.step}: {e.text.get(lang)}")
        if s.waiting_for:
            lines.append(
                f"{s.step}: — ({ANCHOR_NAMES.get(s.waiting_for, Text('', '', s.waiting_for)).get(lang)})"
            )
    return lines
