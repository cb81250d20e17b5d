"""`qamqor impact --draft FILE.yaml`: whom a draft amendment of a service would affect (issue 16).

Every open case of the draft's service (or, with `--decided FROM..TO`, every case decided in that
period) is judged again under the draft with the batch engine, a sample checked by the scalar engine;
the answer counts the changed decisions by direction, ground, provider and month and lists a sample
of cases to open. Exit 0 with the report, 2 on bad input (an unreadable or invalid draft, a bad date).
"""

from __future__ import annotations

from qamqor.cli import UsageError
from qamqor.cli._common import fmt_date, open_database, parse_date, print_json


def register(sub) -> None:
    p = sub.add_parser("impact", help="whom a draft amendment of a service would affect")
    p.add_argument("--draft", required=True, metavar="FILE.yaml", help="the draft service definition")
    p.add_argument(
        "--on",
        metavar="YYYY-MM-DD",
        help="judge under the draft version of this date "
        "(default: the day its newest version enters into force)",
    )
    p.add_argument(
        "--as-submitted",
        action="store_true",
        help="judge each case under the draft version of its own submission date",
    )
    p.add_argument(
        "--decided", metavar="FROM..TO", help="the decisions of this period instead of the open cases"
    )
    p.add_argument("--sample", type=int, default=10, help="changed cases to list (default 10)")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument("--data-dir", metavar="DIR", help="data folder; DATABASE_URL selects PostgreSQL instead")
    p.set_defaults(handler=cmd_impact)


def cmd_impact(args) -> int:
    on = parse_date(args.on, "on") if args.on else None
    decided = None
    if args.decided:
        start, sep, end = args.decided.partition("..")
        if not sep:
            raise UsageError(f"malformed period {args.decided!r}: expected FROM..TO (YYYY-MM-DD..YYYY-MM-DD)")
        decided = (parse_date(start, "period start"), parse_date(end, "period end"))
        if decided[0] > decided[1]:
            raise UsageError("the period ends before it starts")
    open_database(args.data_dir)
    from qamqor.cases.impact import analyse_impact
    from qamqor.catalog import UnknownService
    from qamqor.catalog.loader import CatalogError

    try:
        report = analyse_impact(
            args.draft, on=on, as_submitted=args.as_submitted, decided=decided, sample=args.sample
        )
    except FileNotFoundError:
        raise UsageError(f"no such draft file: {args.draft}") from None
    except CatalogError as exc:
        raise UsageError(f"the draft is not a valid service definition: {exc}") from None
    except UnknownService as exc:
        raise UsageError(f"the catalogue has no service {exc}: a draft amends an existing service") from None
    if args.json:
        print_json(report.as_dict())
        return 0
    d = report.as_dict()
    judged = d["judged_on"] if args.as_submitted else fmt_date(parse_date(d["judged_on"]))
    print(f"{d['service']}: draft {d['draft_version']}, {d['scope']} cases judged on {judged}")
    print(
        f"cases: {d['cases']}, changed: {d['changed']} "
        f"(facts read {'in columns' if d['reader'] == 'columns' else 'row by row'} in {d['read_seconds']} s; "
        f"scalar check on {d['checked_by_scalar']}; {d['seconds']} s in all)"
    )
    for t in d["transitions"]:
        print(f"  {t['before']:>12} → {t['after']:<12} {t['cases']}")
    if d["grounds_fired_now"]:
        print(
            "grounds newly standing in the way: "
            + ", ".join(f"item {k}: {v}" for k, v in d["grounds_fired_now"].items())
        )
    if d["grounds_no_longer"]:
        print(
            "grounds no longer standing: "
            + ", ".join(f"item {k}: {v}" for k, v in d["grounds_no_longer"].items())
        )
    if d["facts_to_collect"]:
        print(
            "facts the changed cases would wait for: "
            + ", ".join(f"{k}: {v}" for k, v in d["facts_to_collect"].items())
        )
    for row in d["by_provider_month"]:
        counts = ", ".join(f"{k}: {v}" for k, v in row.items() if k not in ("provider", "month"))
        print(f"  {row['provider']} {row['month']}: {counts}")
    for c in d["sample"]:
        print(
            f"  open {c['number']}: {c['before']} → {c['after']} (grounds {list(c['grounds_before'])} → "
            f"{list(c['grounds_after'])})"
        )
    return 0
