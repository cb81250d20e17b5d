"""`audit_verify`: walk the tamper-evident trail's chains (decision 0019); exit 1 naming the first
broken link, else 0 with a one-line summary."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from qamqor.audit.verify import verify


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"malformed day {value!r}: expected YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Check the hash chains of case events, facts, decisions, the consent ledger and the read log."

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, metavar="ID", help="only the chain of this case (its id)")
        parser.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="only the chain of this day")

    def handle(self, *args, case=None, day=None, **options):
        report = verify(case_id=case, day=day)
        if report.intact:
            self.stdout.write(report.summary())
            return
        self.stderr.write(f"first broken link: {report.breaks[0]}")
        self.stderr.write(report.summary())
        sys.exit(1)
