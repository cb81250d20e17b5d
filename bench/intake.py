"""Intake benchmark: submissions through the HTTP API vs raw inserts of the same rows, in one run.

For PostgreSQL (a scratch database on the loopback server, dropped afterwards) and for SQLite (a
temporary data folder): start the real web server (gunicorn, as `qamqor serve` does), submit
applications over HTTP at increasing concurrency for a few seconds each, then insert the same rows
(application, its event, its monitoring outbox row, its delivery task) with the raw driver, one
transaction per submission, and print both rates and their ratio.

    python bench/intake.py [--seconds 3] [--concurrency 1,4,8,16] [--only postgres|sqlite]

Target (issue 4): API ≥ 0.25 × raw, and ≥ 300 submissions/s on PostgreSQL on the 2-core machine.
Loopback only; every phase is bounded in time; the script stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ADMIN_URL = os.environ.get("POSTGRES_BENCH_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SEED = r"""
import datetime as dt, json, sys
from qamqor.project import setup
setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from qamqor.accounts.models import Provider
from qamqor.catalog import load_catalog
from qamqor.rules.iin import make_iin
p = Provider.objects.create(code="bench-provider", kind="city_education_administration", name_kk="Бенч",
                            name_ru="Бенч", name_en="Bench", region="Astana")
tokens = []
for i in range(4):
    u = get_user_model().objects.create(username=f"bench-officer-{i}", role="provider_officer", provider=p)
    tokens.append(Token.objects.create(user=u).key)
iins = [make_iin(dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28), "female", 100 + i) for i in range(200)]
print(json.dumps({"tokens": tokens, "iins": iins}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


def submission(iin: str, child: str) -> bytes:
    return json.dumps(
        {
            "service": "parent-meeting-permission",
            "channel": "provider",
            "provider": "bench-provider",
            "applicant": {"iin": iin, "last_name": "Бенчова", "first_name": "Айым"},
            "children": [{"iin": child, "last_name": "Бенчов", "first_name": "Ерлан"}],
            "facts": {"consent_personal_data": True},
            "consent": True,
        }
    ).encode()


def api_phase(
    port: int, tokens: list[str], iins: list[str], concurrency: int, seconds: float
) -> tuple[float, int]:
    stop = time.monotonic() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "Authorization": f"Token {tokens[k % len(tokens)]}"}
        n = 0
        while time.monotonic() < stop:
            body = submission(iins[(k * 7 + n) % len(iins)], iins[(k * 13 + n + 1) % len(iins)])
            conn.request("POST", "/api/v1/applications/", body, headers)
            r = conn.getresponse()
            r.read()
            if r.status == 201:
                counts[k] += 1
            else:
                errors[k] += 1
            n += 1
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0), sum(errors)


# --- raw inserts of the same rows ---------------------------------------------------------------------

TABLES = (
    "cases_application",
    "cases_caseevent",
    "monitoring_stageoutbox",
    "django_tasks_database_dbtaskresult",
)


def sample_rows(fetch) -> dict[str, dict]:
    """One submission's rows as written by the API (the newest application and what hangs off it)."""
    app = fetch("SELECT * FROM cases_application ORDER BY id DESC LIMIT 1")[0]
    event = fetch(f"SELECT * FROM cases_caseevent WHERE application_id = {app['id']} ORDER BY seq LIMIT 1")[0]
    outbox = fetch(f"SELECT * FROM monitoring_stageoutbox WHERE case_ref = '{app['id']}' LIMIT 1")[0]
    task = fetch("SELECT * FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at DESC LIMIT 1")[0]
    return {
        "cases_application": app,
        "cases_caseevent": event,
        "monitoring_stageoutbox": outbox,
        "django_tasks_database_dbtaskresult": task,
    }


def raw_phase(
    connect, placeholder: str, rows: dict[str, dict], concurrency: int, seconds: float, json_cols, adapt
) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * concurrency
    app_cols = [c for c in rows["cases_application"] if c != "id"]
    ev_cols = [c for c in rows["cases_caseevent"] if c not in ("id", "application_id")]
    ob_cols = [c for c in rows["monitoring_stageoutbox"] if c != "id"]
    tk_cols = list(rows["django_tasks_database_dbtaskresult"])

    def ins(table, cols, extra_cols=(), returning=False):
        all_cols = list(cols) + list(extra_cols)
        sql = (
            f"INSERT INTO {table} ({', '.join(all_cols)}) VALUES ({', '.join([placeholder] * len(all_cols))})"
        )
        return sql + (" RETURNING id" if returning else "")

    sql_app = ins("cases_application", app_cols, returning=True)
    sql_ev = ins("cases_caseevent", ev_cols, ("application_id",))
    sql_ob = ins("monitoring_stageoutbox", ob_cols)
    sql_tk = ins("django_tasks_database_dbtaskresult", tk_cols)

    def vals(table, cols, **override):
        return [adapt(table, c, override[c] if c in override else rows[table][c], json_cols) for c in cols]

    def worker(k: int):
        conn = connect()
        cur = conn.cursor()
        while time.monotonic() < stop:
            u = uuid.uuid4().hex
            cur.execute("BEGIN")
            cur.execute(sql_app, vals("cases_application", app_cols, number=f"RAW-{u}", idempotency_key=None))
            app_id = cur.fetchone()[0]
            cur.execute(sql_ev, vals("cases_caseevent", ev_cols, idempotency_key=None) + [app_id])
            cur.execute(
                sql_ob,
                vals("monitoring_stageoutbox", ob_cols, delivery_key=f"{app_id}:{u}", case_ref=str(app_id)),
            )
            cur.execute(sql_tk, vals("django_tasks_database_dbtaskresult", tk_cols, id=str(uuid.uuid4())))
            cur.execute("COMMIT")
            counts[k] += 1
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def _adapt_pg(table, col, value, json_cols):
    from psycopg.types.json import Jsonb

    if (table, col) in json_cols or isinstance(value, dict | list):
        return Jsonb(value)
    return value


def _adapt_sqlite(table, col, value, json_cols):
    return value


# --- one database --------------------------------------------------------------------------------------


def run_one(kind: str, seconds: float, levels: list[int], web_workers: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="qamqor-bench-")
    env = dict(
        os.environ, QAMQOR_DATA_DIR=tmp, DJANGO_SETTINGS_MODULE="qamqor.project.settings", QAMQOR_DEBUG="0"
    )
    env.pop("DATABASE_URL", None)
    dbname = None
    if kind == "postgres":
        import psycopg

        dbname = f"qamqor_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    server = None
    try:
        seeded = subprocess.run(
            [sys.executable, "-c", SEED], env=env, check=True, capture_output=True, text=True, timeout=300
        )
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qamqor.project.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(web_workers),
                "--log-level",
                "warning",
                "--preload",
            ],
            env=env,
        )
        wait_http(port)
        api_phase(port, world["tokens"], world["iins"], 2, 1.0)  # warm-up (not counted)
        api = {}
        for n in levels:
            rate, errors = api_phase(port, world["tokens"], world["iins"], n, seconds)
            api[n] = rate
            print(
                f"  {kind:8s} API  concurrency {n:3d}: {rate:8.1f} submissions/s"
                + (f"  ({errors} errors)" if errors else ""),
                flush=True,
            )
        server.terminate()
        server.wait(30)
        server = None

        if kind == "postgres":
            import psycopg
            from psycopg.rows import dict_row

            url = env["DATABASE_URL"]
            with psycopg.connect(url, row_factory=dict_row) as c:
                rows = sample_rows(lambda q: c.execute(q).fetchall())

            def connect():
                return psycopg.connect(url, autocommit=True)

            placeholder, adapt = "%s", _adapt_pg
        else:
            import sqlite3

            path = os.path.join(tmp, "qamqor.sqlite3")
            c = sqlite3.connect(path)
            c.row_factory = sqlite3.Row
            rows = sample_rows(lambda q: [dict(r) for r in c.execute(q).fetchall()])
            c.close()

            def connect():
                conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                return conn

            placeholder, adapt = "?", _adapt_sqlite
        raw = {}
        for n in sorted({1, max(levels)}):
            raw[n] = raw_phase(connect, placeholder, rows, n, seconds, set(), adapt)
            print(f"  {kind:8s} raw  concurrency {n:3d}: {raw[n]:8.1f} submissions/s", flush=True)
        return {"api": max(api.values()), "raw": max(raw.values())}
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if dbname:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each phase (default 3)")
    ap.add_argument("--concurrency", default="1,4,8,16", help="API client concurrency levels")
    ap.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    ap.add_argument("--only", choices=("postgres", "sqlite"))
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x]
    kinds = [args.only] if args.only else ["postgres", "sqlite"]
    results = {}
    for kind in kinds:
        if kind == "postgres":
            try:
                import psycopg

                psycopg.connect(ADMIN_URL, connect_timeout=2).close()
            except Exception as exc:  # noqa: BLE001
                print(f"postgres: skipped (no server at {ADMIN_URL}: {type(exc).__name__})")
                continue
        print(f"{kind}:", flush=True)
        results[kind] = run_one(kind, args.seconds, levels, args.web_workers)
    print()
    print(f"{'database':10s} {'API/s (best)':>13s} {'raw/s (best)':>13s} {'ratio':>7s}  target")
    for kind, r in results.items():
        ratio = r["api"] / r["raw"] if r["raw"] else float("nan")
        target = "ratio ≥ 0.25" + (" and ≥ 300/s" if kind == "postgres" else "")
        ok = ratio >= 0.25 and (kind != "postgres" or r["api"] >= 300)
        print(
            f"{kind:10s} {r['api']:13.1f} {r['raw']:13.1f} {ratio:7.3f}  {target}: {'met' if ok else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
