"""`qamqor audit verify [--case ID] [--day YYYY-MM-DD]`: the tamper-evident trail checked (decision 0019).

Exit 0 with a one-line summary when every chain is intact, 1 naming the first broken link (table,
row id, expected vs found), 2 on bad input. It runs the `audit_verify` management command as
`qamqor manage audit_verify` would.
"""

from __future__ import annotations

import argparse

from qamqor.cli._common import parse_date


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
    from qamqor.cli.server_commands import cmd_manage

    day = parse_date(args.day, "day") if args.day else None
    argv = ["audit_verify"]
    if args.case is not None:
        argv += ["--case", str(args.case)]
    if day is not None:
        argv += ["--day", day.isoformat()]
    return cmd_manage(argparse.Namespace(args=argv, data_dir=args.data_dir))
