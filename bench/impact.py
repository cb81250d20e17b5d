"""The impact of a draft amendment on a large database (issue 16: "≤ 10 s for all open cases of
the 10M history"), with the facts read in columns from PostgreSQL against the row-by-row reader
(`current_facts`, the decision gate's own) in the same run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qamqor_history python bench/impact.py \
        [--service guardianship-establishment] [--drop 11] [--decided 2016-01-01..2026-12-01] \
        [--compare 20000] [--readers 2]

The draft is the shipped definition with a version from 01.01.2027 without ground `--drop`. The
scope is the service's open cases, or with `--decided` every case decided in that period. Printed:
the whole analysis (`analyse_impact`, columns) with its read time; then, on the first `--compare`
cases of the scope, both readers side by side (seconds, cases per second, ratio) and whether their
tables and the batch decisions over them are identical.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--service", default="guardianship-establishment")
    ap.add_argument("--drop", type=int, default=11, help="the ground the draft leaves out (default 11)")
    ap.add_argument(
        "--decided", metavar="FROM..TO", help="the decisions of this period instead of the open cases"
    )
    ap.add_argument("--compare", type=int, default=20_000, help="cases read by both readers (default 20000)")
    ap.add_argument("--readers", type=int, default=2, help="connections reading the facts (default 2)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QAMQOR_MODE", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the columnar reader is PostgreSQL's: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    settings.QAMQOR_IMPACT_READERS = args.readers  # analyse_impact reads it
    import numpy as np

    from qamqor.cases.actions.common import catalog
    from qamqor.cases.impact import _cases_in_scope, analyse_impact, read_scope
    from qamqor.cases.models import Application
    from qamqor.catalog.batch import evaluate_batch, tables_equal
    from qamqor.catalog.drafts import draft_without_ground

    decided = None
    if args.decided:
        start, _sep, end = args.decided.partition("..")
        decided = (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    print(f"{Application.objects.count():,} applications in the database; service {args.service}")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            draft = draft_without_ground(args.service, args.drop, Path(tmp))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        report = analyse_impact(draft, decided=decided, check=50)
    d = report.as_dict()
    print(
        f"analyse_impact ({d['scope']}): {d['cases']:,} cases, {d['changed']:,} changed, "
        f"facts read in columns in {d['read_seconds']:.2f} s, {d['seconds']:.2f} s in all "
        f"({d['cases'] / max(d['seconds'], 1e-9):,.0f} cases/s); scalar engine agreed on "
        f"{d['checked_by_scalar']} sampled cases (read row by row)"
    )
    for t in d["transitions"]:
        print(f"    {t['before']:>12} → {t['after']:<12} {t['cases']:,}")

    cat = catalog()
    scope, _recorded = _cases_in_scope(args.service, decided)
    first = list(scope.order_by("id").values_list("id", flat=True)[: args.compare])
    subset = Application.objects.filter(id__in=first)
    t0 = time.perf_counter()
    cols = read_scope(subset, cat, args.service, columns=True, readers=args.readers)
    t1 = time.perf_counter()
    rows = read_scope(subset, cat, args.service, columns=False)
    t2 = time.perf_counter()
    difference = (
        "ids or days differ"
        if list(cols.ids) != list(rows.ids) or list(cols.days) != list(rows.days)
        else tables_equal(cols.table, rows.table)
    )
    same = difference is None
    a = evaluate_batch(cat, args.service, cols.table, cols.days).result
    b = evaluate_batch(cat, args.service, rows.table, rows.days).result
    agree = bool(np.array_equal(a.decision, b.decision) and np.array_equal(a.fired, b.fired))
    n = len(first)
    print(f"\nthe first {n:,} cases of the scope, both readers in this run:")
    print(f"    {'reader':<34}{'seconds':>9}{'cases/s':>11}")
    print(f"    {'columns (PostgreSQL aggregates)':<34}{t1 - t0:>9.2f}{n / max(t1 - t0, 1e-9):>11,.0f}")
    print(f"    {'row by row (current_facts)':<34}{t2 - t1:>9.2f}{n / max(t2 - t1, 1e-9):>11,.0f}")
    print(f"    ratio rows ÷ columns: {(t2 - t1) / max(t1 - t0, 1e-9):.1f}×")
    print(
        f"    tables identical: {same}{'' if same else f' ({difference})'}; batch decisions and grounds identical: {agree}"
    )
    return 0 if same and agree else 1


if __name__ == "__main__":
    sys.exit(main())
