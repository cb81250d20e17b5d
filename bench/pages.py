"""The pages' server time with many cases (issue 13): the officer's queue, the case page and the
recipient's status page, beside a static file served by the same stack in the same run.

    python bench/pages.py                 # 100 000 cases in a scratch PostgreSQL database
    python bench/pages.py --n 5000        # a short run

What it does: a scratch database on the local PostgreSQL server (`--admin-url`), the migrations, the
demo data (`qamqor serve`'s), then N copies of the demo's cases of one provider (their events, facts,
documents and children, as bulk inserts: the pages read them as they read any case); then `--requests`
GETs of each page through Django's test client in this process (the whole middleware stack and the
template, no network), p50 and p99 in ms, and the same for `/static/qamqor/pages.css` (WhiteNoise).
Targets (issue 13): p50 ≤ 50 ms and p99 ≤ 150 ms for each page; the monitoring dashboard (head of
the provider, and an auditor over every provider) ≤ 300 ms (issue 16). Exit code 1 when one misses.
`--keep NAME` fills the database NAME once and reuses it on later runs (for profiling).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid

TARGET_P50, TARGET_P99 = 50.0, 150.0
DASHBOARD_TARGET = 300.0  # issue 16: the monitoring dashboard within 300 ms (p50 and p99 here)


def scratch_database(admin_url: str, keep: str | None = None) -> tuple[str, str, bool]:
    """(name, url, fresh): a new scratch database, or the kept one `keep` (made when absent)."""
    import psycopg

    name = keep or f"qamqor_bench_pages_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}", not exists


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _clone(row, application_id: int, *skip: str):
    """A copy of a case's row (event, fact, document) for another case."""
    drop = {"id", "application_id", *skip}
    values = {
        f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if f.attname not in drop
    }
    return type(row)(**values, application_id=application_id)


def copy_cases(n: int) -> None:
    """N copies of the demo cases of `astana-education` (the demo officer's provider)."""
    from qamqor.cases.models import Application, CaseEvent, CaseFact, Document

    base = list(Application.objects.filter(provider__code="astana-education").order_by("id"))
    events = {a.pk: list(a.events.all()) for a in base}
    facts = {a.pk: list(a.fact_rows.all()) for a in base}
    docs = {a.pk: list(a.documents.all()) for a in base}
    kids = {a.pk: list(a.children.values_list("id", flat=True)) for a in base}
    through = Application.children.through
    skip = {"id", "number", "idempotency_key"}
    fields = [f.attname for f in Application._meta.concrete_fields if f.attname not in skip]
    step = 2000
    for start in range(0, n, step):
        sources = [base[i % len(base)] for i in range(start, min(n, start + step))]
        made = Application.objects.bulk_create(
            [
                Application(number=f"BENCH-{start + i:07d}", **{f: getattr(src, f) for f in fields})
                for i, src in enumerate(sources)
            ]
        )
        rows_e, rows_f, rows_d, rows_c = [], [], [], []
        for src, new in zip(sources, made, strict=True):
            rows_e += [_clone(e, new.pk, "idempotency_key") for e in events[src.pk]]
            rows_f += [_clone(x, new.pk) for x in facts[src.pk]]
            rows_d += [_clone(d, new.pk) for d in docs[src.pk]]
            rows_c += [through(application_id=new.pk, person_id=k) for k in kids[src.pk]]
        CaseEvent.objects.bulk_create(rows_e)
        CaseFact.objects.bulk_create(rows_f)
        Document.objects.bulk_create(rows_d)
        through.objects.bulk_create(rows_c)


def timed(client, urls: list[str], requests: int) -> tuple[float, float]:
    times = []
    for i in range(requests):
        url = urls[i % len(urls)]
        t0 = time.perf_counter()
        r = client.get(url)
        b"".join(r) if r.streaming else r.content
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="cases copied (default 100 000)")
    ap.add_argument("--requests", type=int, default=200, help="GETs per page (default 200)")
    ap.add_argument(
        "--admin-url",
        default=os.environ.get("POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument(
        "--keep",
        metavar="NAME",
        help="use (and keep) the database NAME: filled on the first run, reused as is afterwards",
    )
    args = ap.parse_args(argv)

    name, url, fresh = scratch_database(args.admin_url, args.keep)
    os.environ["DATABASE_URL"] = url
    os.environ["QAMQOR_MODE"] = "demo"  # the demo data on PostgreSQL (decision 0018: otherwise production)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from qamqor.cases.models import Application
        from qamqor.demo import load_demo_data

        call_command("migrate", verbosity=0)  # a kept database gets the newer migrations too
        if fresh:
            load_demo_data()
            t0 = time.perf_counter()
            copy_cases(args.n)
            print(f"{args.n} cases copied in {time.perf_counter() - t0:.1f} s")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{Application.objects.count()} cases in the database (PostgreSQL {name})")
        users = get_user_model().objects
        officer, aliya = users.get(username="astana-officer"), users.get(username="recipient-aliya")
        head, auditor = users.get(username="astana-head"), users.get(username="demo-auditor")
        rng = random.Random(158)
        ids = list(Application.objects.filter(provider__code="astana-education").values_list("id", flat=True))
        mine = list(Application.objects.filter(applicant__iin=aliya.iin).values_list("id", flat=True))
        staff, recipient, anonymous, chief, everyone = Client(), Client(), Client(), Client(), Client()
        staff.force_login(officer)
        recipient.force_login(aliya)
        chief.force_login(head)
        everyone.force_login(auditor)
        pages = [
            ("static file (baseline)", anonymous, ["/static/qamqor/pages.css"]),
            ("officer's queue (100 rows a page)", staff, ["/backoffice/"]),
            ("case page", staff, [f"/backoffice/cases/{rng.choice(ids)}/" for _ in range(50)]),
            (
                "recipient's status page",
                recipient,
                [f"/portal/applications/{rng.choice(mine)}/" for _ in range(50)],
            ),
            ("dashboard (provider's head)", chief, ["/backoffice/monitoring/"]),
            ("dashboard (auditor: all)", everyone, ["/backoffice/monitoring/"]),
        ]
        for _label, client, urls in pages:  # warm-up: connections, templates, the catalogue
            timed(client, urls, 5)
        failed = False
        base = None
        print(
            f"{'page':32} {'p50 ms':>8} {'p99 ms':>8} {'p50 / static':>13}  target p50 ≤ {TARGET_P50:g}, p99 ≤ {TARGET_P99:g}"
        )
        for label, client, urls in pages:
            p50, p99 = timed(client, urls, args.requests)
            if base is None:
                base = p50
                print(f"{label:32} {p50:8.2f} {p99:8.2f} {'1.0':>13}")
                continue
            if label.startswith("dashboard"):
                ok = p50 <= DASHBOARD_TARGET and p99 <= DASHBOARD_TARGET
            else:
                ok = p50 <= TARGET_P50 and p99 <= TARGET_P99
            failed |= not ok
            print(f"{label:32} {p50:8.2f} {p99:8.2f} {p50 / base:13.1f}  {'PASS' if ok else 'FAIL'}")
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.admin_url, name)


if __name__ == "__main__":
    sys.exit(main())
