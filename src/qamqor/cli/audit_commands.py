"""`qamqor audit verify [--case ID] [--day YYYY-MM-DD]`: the tamper-evident trail checked (decision 0019).

Exit 0 with a one-line summary when every chain is intact, 1 naming the first broken link (table,
row id, expected vs found), 2 on bad input. It runs the `audit_verify` management command.
"""

from __future__ import annotations

from qamqor.cli._common import open_database, parse_date


def register(sub) -> None:
    p = sub.add_parser("audit", help="the tamper-evident audit trail")
    group = p.add_subparsers(dest="audit_command", required=True)
    v = group.add_parser("verify", help="walk the hash chains; exit 1 naming the first broken link")
    v.add_argument("--case", type=int, metavar="ID", help="only the chain of this case (its id)")
    v.add_argument("--day", metavar="YYYY-MM-DD", help="only the chain of this day (rows without a case)")
    v.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $QAMQOR_DATA_DIR or the per-user data folder); "
        "DATABASE_URL selects PostgreSQL instead",
    )
    v.set_defaults(handler=cmd_verify)


def cmd_verify(args) -> int:
    day = parse_date(args.day, "day") if args.day else None
    open_database(args.data_dir)
    from django.core.management import call_command

    argv = []
    if args.case is not None:
        argv += ["--case", str(args.case)]
    if day is not None:
        argv += ["--day", day.isoformat()]
    try:  # in this process and its connection (`manage` would close every connection at the end)
        call_command("audit_verify", *argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
