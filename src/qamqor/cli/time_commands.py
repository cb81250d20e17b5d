"""`qamqor deadline`, `qamqor calendar`, `qamqor workdays`: working time from the shell (no Django)."""

from __future__ import annotations

import datetime as dt

from qamqor.cli import UsageError
from qamqor.cli._common import fmt_date, parse_date, print_json

LANG_CHOICES = ("kk", "ru", "en")
CHANNEL_CHOICES = ("provider", "state_corp", "portal", "education_org")


def register(sub) -> None:
    p = sub.add_parser(
        "deadline",
        help="every date of a case: registration, the due date and the steps, explained",
        description=(
            "Compute the registration day, the due date and the step deadlines of an application. "
            "--submitted is an ISO datetime; without an offset it is read as Asia/Almaty local time."
        ),
    )
    p.add_argument("slug")
    p.add_argument("--channel", required=True, choices=CHANNEL_CHOICES)
    p.add_argument("--submitted", required=True, help="ISO datetime, e.g. 2026-03-20T18:31+05:00")
    p.add_argument(
        "--on-version", help="use the catalogue version in force on this date (default: the submission day)"
    )
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deadline)

    p = sub.add_parser("calendar", help="non-working days and worked weekend days of a year, with sources")
    p.add_argument("year", type=int)
    p.add_argument("--lang", choices=LANG_CHOICES, default="kk")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_calendar)

    p = sub.add_parser("workdays", help="working-day arithmetic on the Kazakhstan calendar")
    wsub = p.add_subparsers(dest="workdays_command", required=True)
    a = wsub.add_parser(
        "add",
        help="the N-th working day after DATE",
        description="Print the N-th working day strictly after DATE (N < 0: before it), as terms are counted "
        "(Civil Code art. 173: a term runs from the next day).",
    )
    a.add_argument("date")
    a.add_argument("n", type=int)
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_workdays_add)
    b = wsub.add_parser(
        "between",
        help="working days after the first date up to and including the second",
        description="Count the working days strictly after START up to and including END, the way terms are "
        "counted (so `workdays add START N` is the first day where `between START day` reaches N). "
        "Negative when END is before START.",
    )
    b.add_argument("start")
    b.add_argument("end")
    b.add_argument("--json", action="store_true")
    b.set_defaults(handler=cmd_workdays_between)


def _calendar():
    from qamqor.rules.calendar import CalendarError, get_calendar

    try:
        return get_calendar()
    except CalendarError as exc:
        raise UsageError(str(exc)) from None


def _parse_submitted(value: str) -> dt.datetime:
    from qamqor.rules.calendar import ALMATY

    try:
        at = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"malformed --submitted {value!r}: expected an ISO datetime, e.g. 2026-03-20T18:31+05:00"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ALMATY)
    return at


def cmd_deadline(args) -> int:
    from qamqor.catalog import UnknownService, load_catalog
    from qamqor.rules.calendar import CalendarError, fmt
    from qamqor.rules.deadlines import DeadlineError, compute_deadline, render

    submitted = _parse_submitted(args.submitted)
    from qamqor.rules.calendar import local

    on = parse_date(args.on_version, "--on-version date") if args.on_version else local(submitted).date()
    catalog = load_catalog()
    try:
        service = catalog.service(args.slug)
    except UnknownService:
        raise UsageError(
            f"unknown service {args.slug!r} (known: {', '.join(sorted(catalog.services))})"
        ) from None
    version = service.version_on(on)
    if version is None:
        raise UsageError(f"service {args.slug!r} has no version in force on {fmt(on)}")
    if version.term is None:
        raise UsageError(
            f"service {args.slug!r} ({version.id}) has no term in the legal texts (incomplete source)"
        )
    offered = tuple(c.channel for c in version.channels)
    if args.channel not in offered:
        raise UsageError(
            f"service {args.slug!r} ({version.id}) is not offered through {args.channel!r} (channels: {', '.join(offered)})"
        )
    schedule = version.schedule_for(args.channel)  # the loader has checked every schedule id it names
    try:
        result = compute_deadline(
            version.term,
            version.steps,
            args.channel,
            submitted,
            schedule=schedule,
            schedule_citation=version.schedules_citation if args.channel == "portal" else None,
        )
    except (CalendarError, DeadlineError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        data = {"slug": args.slug, "version": version.id, "schedule": schedule.id, **result.as_dict()}
        print_json(data)
        return 0
    due = result.due
    due_txt = fmt(due) if not isinstance(due, dt.datetime) else f"{fmt(due.date())} {due.strftime('%H:%M')}"
    print(f"{args.slug} · {version.id} · {args.channel}")
    print(f"registered_on: {fmt_date(result.registered_on)}")
    print(f"term: {result.term.value} {result.term.unit} ({result.term.citation})")
    print(f"due: {due_txt}")
    for s in result.steps:
        if s.due is None:
            when = f"— (waits for {s.waiting_for})"
        elif isinstance(s.due, dt.datetime):
            when = f"{fmt(s.due.date())} {s.due.strftime('%H:%M')}"
        else:
            when = fmt(s.due)
        print(f"  {s.step}: {when}  [{s.citation}]")
    print()
    for line in render(result, args.lang):
        print(line)
    return 0


def cmd_calendar(args) -> int:
    from qamqor.rules.calendar import CalendarError

    cal = _calendar()
    try:
        data = cal.year(args.year)
    except CalendarError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json(data)
        return 0
    for d in data["non_working_days"]:
        day = dt.date.fromisoformat(d["date"])
        est = " (estimated)" if d.get("estimated") else ""
        print(
            f"{fmt_date(day)}  {d['kind']:<8}  {d['names'][args.lang]}{est}  [{d['source']['source']} {d['source']['clause']}]"
        )
    for w in data["worked_days"]:
        day = dt.date.fromisoformat(w["date"])
        print(
            f"{fmt_date(day)}  worked    {w['reason'][args.lang]}  [{w['source']['source']} {w['source']['clause']}]"
        )
    return 0


def cmd_workdays_add(args) -> int:
    from qamqor.rules.calendar import CalendarError

    day = parse_date(args.date)
    cal = _calendar()
    try:
        result = cal.add_working_days(day, args.n)
    except CalendarError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json({"date": day.isoformat(), "n": args.n, "result": result.isoformat()})
    else:
        print(fmt_date(result))
    return 0


def cmd_workdays_between(args) -> int:
    from qamqor.rules.calendar import CalendarError

    start, end = parse_date(args.start, "start date"), parse_date(args.end, "end date")
    cal = _calendar()
    try:
        n = cal.working_days_between(start, end)
    except CalendarError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print_json({"start": start.isoformat(), "end": end.isoformat(), "working_days": n})
    else:
        print(n)
    return 0
