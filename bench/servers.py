"""Web server benchmark: the same application under granian (what `qamqor serve` runs) and under
gunicorn's gthread workers (the baseline, `bench` extra), in one run.

One scratch PostgreSQL database, both servers started on it at once with the same processes ×
threads, then alternating phases (so that a slower minute of the machine hits both alike):
submissions `POST /api/v1/applications/` and the trivial authenticated `GET /api/v1/me/`, each at a
fixed concurrency. Prints for each server and endpoint the rate and the CPU per request of the
server and of PostgreSQL, then the ratios granian ÷ gunicorn. Why it matters: on the 2-core
machine the server, PostgreSQL and the load share the cores, so the server's CPU per request is
the intake rate (issue 4, docs/decisions/0011-web-server.md).

    python bench/servers.py [--seconds 2] [--rounds 6] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import intake
from harness import KeepAliveClient, cpu_snapshot, free_port, office_hours_server, request_bytes, wait_http


def gunicorn_command(host: str, port: int, *, workers: int, threads: int) -> list[str]:
    """The baseline: gunicorn's threaded workers with keep-alive and the access log, sized alike."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "qamqor.project.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "5",
        "--backlog",
        "512",
        "--log-level",
        "warning",
        "--access-logfile",
        "-",
    ]


def get_phase(port: int, tokens: list[str], concurrency: int, seconds: float) -> tuple[float, int]:
    def client(k: int, start: float, stop: float) -> tuple[int, int]:
        conn = KeepAliveClient(port)
        request = request_bytes(
            "GET", "/api/v1/me/", None, {"Authorization": f"Token {tokens[k % len(tokens)]}"}
        )
        ok = errors = 0
        time.sleep(max(start - time.monotonic(), 0))
        while time.monotonic() < stop:
            status, _ = conn.send(request)
            ok, errors = (ok + 1, errors) if status == 200 else (ok, errors + 1)
        conn.close()
        return ok, errors

    return intake._in_processes(concurrency, seconds, client)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each phase (default 2)")
    ap.add_argument("--rounds", type=int, default=6, help="phases per server and endpoint (default 6)")
    ap.add_argument("--concurrency", type=int, default=8, help="client connections (default 8)")
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--web-threads", type=int, default=4)
    args = ap.parse_args()
    try:
        import gunicorn  # noqa: F401
        import psycopg

        psycopg.connect(intake.ADMIN_URL, connect_timeout=2).close()
    except Exception as exc:  # noqa: BLE001
        print(f"skipped: needs the bench extra (gunicorn) and PostgreSQL at {intake.ADMIN_URL}: {exc}")
        return 0
    from qamqor.cli.server_commands import web_command

    dbname = f"qamqor_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(intake.ADMIN_URL, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{dbname}"')
    env = dict(
        os.environ,
        QAMQOR_DATA_DIR=tempfile.mkdtemp(prefix="qamqor-bench-"),
        DJANGO_SETTINGS_MODULE="qamqor.project.settings",
        QAMQOR_DEBUG="0",
        QAMQOR_MODE="demo",  # a bench, not a deployment: no HTTPS redirect (docs/decisions/0018)
        DATABASE_URL=intake.ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname,
    )
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    try:
        seeded = subprocess.run(
            [sys.executable, "-c", intake.SEED], env=env, check=True, capture_output=True, text=True
        )
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        size = {"workers": args.web_workers, "threads": args.web_threads}
        for name, command in (("granian", web_command), ("gunicorn", gunicorn_command)):
            port = free_port()
            argv, server_env = office_hours_server(command("127.0.0.1", port, **size), env)
            proc = subprocess.Popen(argv, env=server_env, stdout=subprocess.DEVNULL)
            servers[name] = (proc, port)
        for _proc, port in servers.values():
            wait_http(port)
            intake.api_phase(port, world["tokens"], world["iins"], args.concurrency, 1.0)  # warm-up
            get_phase(port, world["tokens"], args.concurrency, 0.5)
        phases = {
            "POST submission": lambda port: intake.api_phase(
                port, world["tokens"], world["iins"], args.concurrency, args.seconds
            ),
            "GET /me/": lambda port: get_phase(port, world["tokens"], args.concurrency, args.seconds),
        }
        totals = {(s, e): [0, 0.0, 0.0, 0] for s in servers for e in phases}  # done, server, pg, errors
        for r in range(args.rounds):
            order = list(servers) if r % 2 == 0 else list(servers)[::-1]
            for endpoint, phase in phases.items():
                for name in order:
                    proc, port = servers[name]
                    before = cpu_snapshot(proc.pid)
                    rate, errors = phase(port)
                    after = cpu_snapshot(proc.pid)
                    t = totals[(name, endpoint)]
                    t[0] += round(rate * args.seconds)
                    t[1] += after["server"] - before["server"]
                    t[2] += after["postgres"] - before["postgres"]
                    t[3] += errors
        span = args.rounds * args.seconds
        print(
            f"{args.web_workers} processes × {args.web_threads} threads, {args.concurrency} clients, "
            f"{args.rounds} alternating phases of {args.seconds:.0f} s each"
        )
        print(f"{'server':9s} {'endpoint':16s} {'req/s':>8s} {'server CPU ms':>14s} {'PostgreSQL ms':>14s}")
        for (name, endpoint), (done, srv, pg, errors) in totals.items():
            print(
                f"{name:9s} {endpoint:16s} {done / span:8.1f} {srv / max(done, 1) * 1000:14.2f} "
                f"{pg / max(done, 1) * 1000:14.2f}" + (f"   ({errors} errors)" if errors else "")
            )
        print()
        for endpoint in phases:
            g, b = totals[("granian", endpoint)], totals[("gunicorn", endpoint)]
            rate = g[0] / max(b[0], 1)
            cpu = (g[1] / max(g[0], 1)) / (b[1] / max(b[0], 1)) if b[1] else float("nan")
            print(f"{endpoint:16s} granian ÷ gunicorn: rate {rate:.2f}×, server CPU per request {cpu:.2f}×")
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(30)
        with psycopg.connect(intake.ADMIN_URL, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
