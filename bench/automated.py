"""Automated guardianship-certificate benchmark: latency at 1, 8 and 32 clients vs a trivial endpoint.

A scratch PostgreSQL database on the loopback server (created here, dropped afterwards), a small
sandbox population whose guardianships are loaded into the data bank, the real web server
(granian, as `qamqor serve` runs it). Then for each concurrency: `POST
/api/v1/services/guardianship-certificate/requests` (grants and refusals mixed), and in the same run
the trivial authenticated endpoint `GET /api/v1/me/` of the same server; p50/p99 of both and the
ratio of the p50s.

    python bench/automated.py [--seconds 4] [--concurrency 1,8,32] [--web-workers 2]

Targets (issue 5): p99 ≤ 200 ms at 32 clients on the 2-core machine (the law, 004 row 3, allows
30 minutes), and certificate p50 ≤ 3 × the trivial endpoint's p50. Loopback only; every phase is
bounded in time; the script stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ADMIN_URL = os.environ.get("POSTGRES_BENCH_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SETUP = r"""
import json, sys
from qamqor.project import setup
setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from rest_framework.authtoken.models import Token
from qamqor.accounts.models import User
from qamqor.databank.services import load_sandbox_placements
from qamqor.registries.sandbox import current_population
pop = current_population()
load_sandbox_placements(pop)
out = []
kids = pop.placed_children("guardianship")[:40]
for k in kids.tolist():
    g = pop.iin_of(int(pop["guardian"][k]))
    user = User.objects.filter(iin=g).first() or User.objects.create_user(username="b" + g, iin=g, role="recipient")
    out.append({"token": Token.objects.get_or_create(user=user)[0].key, "child_iin": pop.iin_of(k), "grant": True})
# refusals: the same recipients asking about a child they are not the guardian of
guardian_of = {o["child_iin"]: o["token"] for o in out}
for item in list(out[:10]):
    other = next(o["child_iin"] for o in out if guardian_of[o["child_iin"]] != item["token"])
    out.append({"token": item["token"], "child_iin": other, "grant": False})
json.dump(out, sys.stdout)
"""


from harness import cpu_per_request, cpu_snapshot, free_port, wait_http  # noqa: E402


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _spread(clients: int) -> list[int]:
    """Client threads per load process: at most 4 processes (the load shares the 2 cores)."""
    procs = min(clients, 4)
    return [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]


def run_phase(port: int, clients: int, seconds: float, make_request) -> tuple[list[float], int]:
    """`clients` keep-alive connections, each sending back to back for `seconds`; the clients run as
    threads in a few forked processes (so one Python process's GIL does not add to the latencies)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()
    start = time.monotonic() + 0.3  # all processes start together (CLOCK_MONOTONIC is system-wide)
    stop = start + seconds

    def worker(i: int, lat: list[float], errors: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        time.sleep(max(start - time.monotonic(), 0))
        while time.monotonic() < stop:
            method, path, body, headers, expect = make_request(i, n)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                ok = resp.status == expect[0] and (expect[1] is None or expect[1](data))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            dt_ = time.perf_counter() - t0
            if ok:
                lat.append(dt_)
            else:
                errors[0] += 1
            n += 1
        conn.close()

    def proc(first: int, n: int) -> None:
        lat: list[float] = []
        errors = [0]
        threads = [threading.Thread(target=worker, args=(first + k, lat, errors)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        queue.put((lat, errors[0]))

    procs, first = [], 0
    for n in _spread(clients):
        procs.append(ctx.Process(target=proc, args=(first, n)))
        first += n
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return [x for part in parts for x in part[0]], sum(part[1] for part in parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--people", type=int, default=20000)
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]

    import psycopg

    name = f"qamqor_bench_auto_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"no PostgreSQL at {ADMIN_URL}: {exc}", file=sys.stderr)
        return 1
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="qamqor-bench-auto-") as data_dir:
            env = {
                **os.environ,
                "QAMQOR_DATA_DIR": data_dir,
                "DATABASE_URL": f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}",
                "QAMQOR_SANDBOX_SEED": "5",
                "QAMQOR_MODE": "demo",  # a bench, not a deployment: no HTTPS redirect (0018)
                "DJANGO_SETTINGS_MODULE": "qamqor.project.settings",
            }
            env.pop("QAMQOR_DEBUG", None)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "qamqor",
                    "sandbox",
                    "generate",
                    "--people",
                    str(args.people),
                    "--seed",
                    "5",
                    "--no-progress",
                ],
                env=env,
                check=True,
            )
            items = json.loads(
                subprocess.run(
                    [sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True
                ).stdout
            )
            port = free_port()
            from qamqor.cli.server_commands import web_command

            server = subprocess.Popen(  # the command line `qamqor serve` runs (access log included)
                web_command("127.0.0.1", port, workers=args.web_workers, threads=args.threads),
                env=env,
                stdout=subprocess.DEVNULL,
            )
            wait_http(port)

            def cert(i: int, n: int):
                it = items[(i * 7 + n) % len(items)]
                body = json.dumps({"child_iin": it["child_iin"], "consent": True})
                want = b'"grant"' if it["grant"] else b'"refuse"'
                return (
                    "POST",
                    "/api/v1/services/guardianship-certificate/requests",
                    body,
                    {"Authorization": f"Token {it['token']}", "Content-Type": "application/json"},
                    (201, lambda d, w=want: w in d),
                )

            def trivial(i: int, n: int):
                it = items[(i * 7 + n) % len(items)]
                return ("GET", "/api/v1/me/", None, {"Authorization": f"Token {it['token']}"}, (200, None))

            # warm-up at the highest concurrency, so that every server thread has its connection,
            # its prepared statements and the catalogue before anything is measured
            run_phase(port, max(levels), 1.5, cert)
            run_phase(port, max(levels), 0.5, trivial)
            print(
                f"PostgreSQL, granian {args.web_workers} workers × {args.threads} threads (keep-alive), {args.seconds:.0f} s "
                f"per phase, {len(items)} recipients ({sum(i['grant'] for i in items)} guardians)"
            )
            print(
                f"{'clients':>7} {'endpoint':<22} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>8} "
                f"{'p99 ms':>8}"
            )
            verdict = []
            for c in levels:
                rows = {}
                for label, fn in (("certificate (POST)", cert), ("trivial GET /me/", trivial)):
                    before = cpu_snapshot(server.pid)
                    lat, err = run_phase(port, c, args.seconds, fn)
                    cpu = cpu_per_request(before, cpu_snapshot(server.pid), len(lat))
                    rows[label] = lat
                    print(
                        f"{c:>7} {label:<22} {len(lat):>8} {err:>6} {len(lat) / args.seconds:>7.0f} "
                        f"{pct(lat, 50) * 1000:>8.1f} {pct(lat, 99) * 1000:>8.1f}   {cpu}",
                        flush=True,
                    )
                ratio = pct(rows["certificate (POST)"], 50) / pct(rows["trivial GET /me/"], 50)
                print(f"{c:>7} ratio certificate/trivial p50: {ratio:.2f}×")
                verdict.append(
                    (
                        c,
                        pct(rows["certificate (POST)"], 99) * 1000,
                        ratio,
                        statistics.fmean(rows["certificate (POST)"]) * 1000,
                    )
                )
            last = verdict[-1]
            print(
                f"target at {last[0]} clients: p99 {last[1]:.0f} ms ≤ 200 ms: {'yes' if last[1] <= 200 else 'NO'}; "
                f"p50 ratio {last[2]:.2f}× ≤ 3×: {'yes' if last[2] <= 3 else 'NO'} "
                f"(the law allows 30 minutes = 1 800 000 ms)"
            )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
