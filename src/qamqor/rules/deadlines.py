"""Every date of a case: registration, the service term and the procedural steps, each explained.

Plain data in, plain data out: a `Term` and the version's `StepRule`s (from the catalogue), the
channel, the aware submission datetime, and optionally the schedule, the calendar and the dates of
events that already happened (`events`, e.g. {"hearing": date(2026, 3, 27)}). Nothing reads the clock.

Counting (docs/decisions/0003-working-time.md): a term set in working days runs from the day after
registration (Civil Code art. 176), so the n-th working day strictly after the registration day is
the due date; the State Corporation's acceptance day is never counted. A term in calendar units that
ends on a non-working day ends on the next working day (art. 177). Minute terms (fully automated
services) run around the clock from the moment of submission.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .calendar import ALMATY, ART_176, ART_177, Calendar, SkippedDay, fmt, get_calendar, local
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
    """The inputs cannot give a deadline (no term, unknown channel, naive datetime...)."""


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


@dataclass(frozen=True, slots=True)
class StepDeadline:
    step: str
    due: dt.date | dt.datetime | None  # None: waits for an event (`waiting_for`)
    counted_from: str
    anchor: dt.date | dt.datetime | None
    value: int
    unit: str
    citation: Citation
    explanation: tuple[Explanation, ...] = ()
    waiting_for: str | None = None

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


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    channel: str
    submitted: dt.datetime
    registered_on: dt.date
    term: Term
    due: dt.date | dt.datetime  # a date for working-day terms, an aware datetime for minute terms
    steps: tuple[StepDeadline, ...]
    explanation: tuple[Explanation, ...]

    def step(self, code: str) -> StepDeadline | None:
        return next((s for s in self.steps if s.step == code), None)

    def as_dict(self) -> dict:
        return {
            "channel": self.channel,
            "submitted": self.submitted.isoformat(),
            "registered_on": self.registered_on.isoformat(),
            "term": {
                "value": self.term.value,
                "unit": self.term.unit,
                "citation": self.term.citation.as_dict(),
            },
            "due": _iso(self.due),
            "steps": [s.as_dict() for s in self.steps],
            "explanation": [e.as_dict() for e in self.explanation],
        }


def _iso(v) -> str | None:
    return None if v is None else v.isoformat()


def _dt_text(at: dt.datetime) -> str:
    return f"{fmt(at.date())} {at.strftime('%H:%M')}"


# --- registration ---------------------------------------------------------------------------------
def registration_date(
    channel: str, submitted: dt.datetime, schedule: Schedule | None = None, calendar: Calendar | None = None
) -> dt.date:
    """The registration day: the day of acceptance at an office; on the portal, the next working day
    for an application made after working hours (18:30), on a weekend or on a holiday."""
    if channel not in CHANNELS:
        raise DeadlineError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
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


def _registration(channel, submitted, schedule, calendar, citation) -> tuple[dt.date, Explanation]:
    if channel not in CHANNELS:
        raise DeadlineError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    cal = calendar or get_calendar()
    sched = schedule or get_schedule(DEFAULT_SCHEDULE[channel])
    t = local(submitted)
    reg, why_code = _reg_day(channel, t, sched, cal)
    day = t.date()
    place = _CHANNEL_NAMES[channel]
    if why_code != "office":
        src = citation or sched.citation
        cutoff = sched.after_hours_from
        cut = f"{cutoff // 60:02d}:{cutoff % 60:02d}"
        if why_code == "in_hours":
            return day, Explanation(
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
        return reg, Explanation(
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
    return day, Explanation("registration", text, day, source=citation or ART_176)


# --- counting -------------------------------------------------------------------------------------
def _skipped_lines(cal: Calendar, start: dt.date, end: dt.date) -> list[Explanation]:
    lo, hi = (start, end) if start <= end else (end - dt.timedelta(days=1), start - dt.timedelta(days=1))
    return [_skip_line(s) for s in cal.skipped(lo, hi)]


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
    """(due, extra explanation lines) for `value` `unit` from `anchor` (or before it)."""
    if unit == "minutes":
        if not isinstance(anchor, dt.datetime):
            raise DeadlineError("a term in minutes needs a moment, not a date")
        return anchor + dt.timedelta(minutes=-value if backwards else value), []
    day = anchor.date() if isinstance(anchor, dt.datetime) else anchor
    if isinstance(anchor, dt.datetime):
        day = local(anchor).date()
    if unit == "working_days":
        due = cal.add_working_days(day, -value if backwards else value)
        return due, _skipped_lines(cal, day, due) if not backwards else _skipped_lines(cal, due, day)
    sign = -1 if backwards else 1
    if unit == "calendar_days":
        raw = day + dt.timedelta(days=sign * value)
    elif unit == "calendar_months":
        raw = _add_months(day, sign * value)
    elif unit == "calendar_years":
        raw = _add_months(day, sign * 12 * value)
    else:
        raise DeadlineError(f"unknown unit {unit!r}")
    if cal.is_working_day(raw):
        return raw, []
    names = cal.reasons(raw)
    if backwards:  # "no later than N days before": the last working day on or before
        moved = cal.working_day_on_or_before(raw)
        line = Explanation(
            "extension",
            Text(
                f"{fmt(raw)} жұмыс күні емес ({'; '.join(r.name.kk for r in names)}): соңғы жұмыс күні {fmt(moved)}",
                f"{fmt(raw)} не рабочий день ({'; '.join(r.name.ru for r in names)}): последний рабочий день до него {fmt(moved)}",
                f"{fmt(raw)} is not a working day ({'; '.join(r.name.en for r in names)}): the last working day before it is {fmt(moved)}",
            ),
            raw,
        )
        return moved, [line]
    moved = cal.working_day_on_or_after(raw)
    line = Explanation(
        "extension",
        Text(
            f"Мерзім {fmt(raw)} жұмыс емес күнге түседі ({'; '.join(r.name.kk for r in names)}): келесі жұмыс күні {fmt(moved)} аяқталады",
            f"Срок оканчивается в нерабочий день {fmt(raw)} ({'; '.join(r.name.ru for r in names)}): переносится на следующий рабочий день {fmt(moved)}",
            f"The term ends on a non-working day, {fmt(raw)} ({'; '.join(r.name.en for r in names)}): it ends on the next working day, {fmt(moved)}",
        ),
        raw,
        source=ART_177,
    )
    return moved, [line]


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
            raise DeadlineError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
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
    permitted dates that are otherwise planned)."""
    if term is None:
        raise DeadlineError("the service version has no term (incomplete source)")
    if channel not in CHANNELS:
        raise DeadlineError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    if isinstance(steps, Mapping):
        rules = dict(steps)
    else:
        rules = {s.step: s for s in steps}
    cal = calendar or get_calendar()
    events = dict(events or {})
    submitted_local = local(submitted)
    lines: list[Explanation] = []

    if term.unit == "minutes":
        reg = submitted_local.date()
        due: dt.date | dt.datetime = submitted_local + dt.timedelta(minutes=term.value)
        lines.append(
            Explanation(
                "registration",
                Text(
                    f"Толық автоматтандырылған қызмет: өтініш {_dt_text(submitted_local)} тіркелді (тәулік бойы)",
                    f"Полностью автоматизированная услуга: заявление зарегистрировано {_dt_text(submitted_local)} (круглосуточно)",
                    f"Fully automated service: application registered at {_dt_text(submitted_local)} (around the clock)",
                ),
                reg,
                source=schedule_citation or (schedule.citation if schedule else None),
            )
        )
        lines.append(
            Explanation(
                "count",
                Text(
                    f"Мерзім {term.value} минут: {_dt_text(due)} дейін",
                    f"Срок {term.value} минут: до {_dt_text(due)}",
                    f"Term of {term.value} minutes: by {_dt_text(due)}",
                ),
                source=term.citation,
            )
        )
        anchor_reg: dt.date | dt.datetime = submitted_local
    else:
        sc_citation = (
            rules["courier_to_provider"].citation
            if channel == "state_corp" and "courier_to_provider" in rules
            else None
        )
        reg, reg_line = _registration(
            channel, submitted, schedule, cal, schedule_citation if channel == "portal" else sc_citation
        )
        lines.append(reg_line)
        due = cal.add_working_days(reg, term.value)
        start = reg + dt.timedelta(days=1)
        lines.append(
            Explanation(
                "count",
                Text(
                    f"Мерзім {term.value} жұмыс күні, {fmt(start)} бастап есептеледі: {fmt(due)} дейін",
                    f"Срок {term.value} раб. дн., исчисляется с {fmt(start)}: до {fmt(due)} включительно",
                    f"Term of {term.value} working days, counted from {fmt(start)}: due {fmt(due)} (inclusive)",
                ),
                due,
                source=term.citation,
            )
        )
        lines.append(
            Explanation(
                "note",
                Text(
                    "Мерзім оқиғадан кейінгі күннен басталады",
                    "Течение срока начинается на следующий день после события",
                    "A term starts on the day after the event",
                ),
                source=ART_176,
            )
        )
        lines.extend(_skipped_lines(cal, reg, due))
        anchor_reg = reg

    # --- steps ------------------------------------------------------------------------------------
    anchors: dict[str, dt.date | dt.datetime | None] = {
        "registered": events.get("registered", anchor_reg),
        "due": due,
    }
    out: list[StepDeadline] = []
    planned: dict[str, dt.date | dt.datetime | None] = {}

    def anchor_of(key: str):
        if key in events:
            return events[key], None
        if key in anchors:
            return anchors[key], None
        if key == "documents_received":
            if channel == "state_corp":
                if "courier_to_provider" in planned:
                    return planned["courier_to_provider"], None
                return None, None
            return anchors["registered"], None
        if key in ("completeness_check", "preliminary_refusal"):
            return planned.get(key), None
        if key == "hearing":
            if planned.get("hearing_objection") is not None:
                return planned["hearing_objection"], None
            return None, "term"
        if key == "result_at_state_corp":
            return planned.get("result_to_state_corp"), None
        if key == "complaint_registered_provider" or key == "complaint_registered_authority":
            return events.get("complaint_registered"), None
        return None, None

    for code, anchor_key in STEP_ANCHORS.items():
        rule = rules.get(code)
        if rule is None:
            continue
        if code in STATE_CORP_ONLY and channel != "state_corp":
            continue
        anchor, fallback = anchor_of(anchor_key)
        backwards = anchor_key == "due"
        step_lines: list[Explanation] = []
        if anchor is None and fallback == "term":
            # The hearing's date is not known yet: the final decision stays bounded by the term.
            step_due = due
            step_lines.append(
                Explanation(
                    "note",
                    Text(
                        "Тыңдау күні белгісіз: шешім мемлекеттік қызмет көрсету мерзімі ішінде",
                        "Дата заслушивания неизвестна: решение в пределах срока оказания услуги",
                        "The hearing's date is not known yet: the decision stays within the service term",
                    ),
                    due,
                    source=term.citation,
                )
            )
            out.append(
                StepDeadline(
                    code, step_due, "due", due, rule.value, rule.unit, rule.citation, tuple(step_lines)
                )
            )
            planned[code] = step_due
            continue
        if anchor is None:
            out.append(
                StepDeadline(
                    code,
                    None,
                    anchor_key,
                    None,
                    rule.value,
                    rule.unit,
                    rule.citation,
                    (),
                    waiting_for=anchor_key,
                )
            )
            planned[code] = None
            continue
        step_due, extra = _count(cal, anchor, rule.value, rule.unit, backwards)
        an = ANCHOR_NAMES[anchor_key]
        u = _UNITS.get(rule.unit, Text(rule.unit, rule.unit, rule.unit))
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
        step_lines.append(
            Explanation(
                "step",
                text,
                step_due if isinstance(step_due, dt.date) and not isinstance(step_due, dt.datetime) else None,
                source=rule.citation,
            )
        )
        step_lines.extend(extra)
        out.append(
            StepDeadline(
                code, step_due, anchor_key, anchor, rule.value, rule.unit, rule.citation, tuple(step_lines)
            )
        )
        planned[code] = step_due

    return DeadlineResult(channel, submitted_local, reg, term, due, tuple(out), tuple(lines))


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
