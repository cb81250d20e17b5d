"""`qamqor serve`, `qamqor worker`, `qamqor manage`, `qamqor demo-data`.

Every command that touches data reads its location from `--data-dir`, else `QAMQOR_DATA_DIR`, else
the per-user data folder; `DATABASE_URL` (PostgreSQL) replaces the SQLite file.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess  # nosec B404  # starts our own web server and workers
import sys
import time

from qamqor.cli import UsageError


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $QAMQOR_DATA_DIR or the per-user data folder); "
        "DATABASE_URL selects PostgreSQL instead of the SQLite file in it",
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, not {port}")
    return port


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="create the database if needed, load demo data, run the web server and a worker"
    )
    p.add_argument("--port", type=_port, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--web-workers", type=_positive, default=2, help="web server processes (default 2)")
    p.add_argument(
        "--web-threads",
        type=_positive,
        default=WEB_THREADS,
        help=f"threads per web server process (default {WEB_THREADS})",
    )
    p.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    p.add_argument(
        "--production",
        action="store_true",
        help="production mode (also when DATABASE_URL is set): no demo data; needs QAMQOR_SECRET_KEY, "
        "QAMQOR_ALLOWED_HOSTS and QAMQOR_HTTPS (docs/decisions/0018-production-mode.md)",
    )
    p.add_argument(
        "--no-worker", action="store_true", help="do not start a task worker (run `qamqor worker` elsewhere)"
    )
    _add_data_dir(p)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("worker", help="run background task workers (monitoring feed) without the web server")
    p.add_argument("--processes", type=_positive, default=1, help="worker processes on this host (default 1)")
    p.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle (default 1)")
    p.add_argument("--worker-id", help="unique id of this worker (default: random)")
    _add_data_dir(p)
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("manage", help="run a Django management command (e.g. `qamqor manage migrate`)")
    _add_data_dir(p)
    p.add_argument("args", nargs=argparse.REMAINDER, help="the management command and its arguments")
    p.set_defaults(handler=cmd_manage)

    p = sub.add_parser("demo-data", help="create the database if needed and load the demo data (idempotent)")
    _add_data_dir(p)
    p.set_defaults(handler=cmd_demo_data)


# --- helpers --------------------------------------------------------------------------------------


def _setup(data_dir: str | None) -> None:
    if data_dir:
        path = os.path.abspath(os.path.expanduser(data_dir))
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the data folder {path}: {exc.strerror}") from None
        if not os.access(path, os.W_OK):
            raise UsageError(f"the data folder {path} is not writable")
        data_dir = path
    from django.core.exceptions import ImproperlyConfigured

    from qamqor.project import setup

    try:
        setup(data_dir)
    except ImproperlyConfigured as exc:  # e.g. production mode without its settings: one line
        raise UsageError(str(exc).splitlines()[0]) from None
    _check_database()


def _choose_mode(production: bool) -> str:
    """Set QAMQOR_MODE for this process and its children: production when asked for or when
    DATABASE_URL is set, else demo; a production start without its settings exits 2 (one line)."""
    from qamqor.project.paths import database_url
    from qamqor.project.production import missing

    mode = "production" if production or database_url() else "demo"
    if mode == "production":
        problems = missing(os.environ)
        if problems:
            raise UsageError("production mode refuses to start: " + "; ".join(problems))
    os.environ["QAMQOR_MODE"] = mode
    return mode


def _check_database() -> None:
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot open the database ({_where()}): {first}") from None


def _where() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return str(db["NAME"])
    return f"PostgreSQL {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _print_logins(logins) -> None:
    if not logins:
        return
    print("Demo log-ins (user / password / role):")
    width = max(len(u["username"]) for u in logins)
    for u in logins:
        print(f"  {u['username']:<{width}}  {u['password']}  {u['role']}  {u.get('where', '')}".rstrip())


def _print_demo(result) -> None:
    if not result.created:
        print("Demo data already present.")
        return
    print(f"Demo data loaded: {result.applications} applications in different stages.")
    for line in result.skipped:
        print(f"  skipped: {line}")


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.project.settings")
    return env


# The web server for the 2-core machine it is sized on (issues 4 and 5, bench/README.md): granian
# (HTTP in Rust, the application on Python threads), one process per core, each with a few threads
# so that one request's database round trips overlap another's Python work (the GIL is released
# while waiting); HTTP/1.1 connections are kept alive, so a client's next request does not pay for a
# new connection. Why granian and not gunicorn: docs/decisions/0011-web-server.md, `bench/servers.py`.
WEB_THREADS = 4


def web_command(
    host: str,
    port: int,
    *,
    workers: int = 2,
    threads: int = WEB_THREADS,
    access_log: bool = True,
) -> list[str]:
    """The command line of the web server (`qamqor serve` runs it; the benches run the same)."""
    cmd = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        # an idle thread is kept (with its database connection) for the longest granian allows
        "--blocking-threads-idle-timeout",
        "600",
        "--backlog",
        "512",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level",
        "warning",
    ]
    if access_log:
        cmd.append("--access-log")
    cmd.append("qamqor.project.wsgi:served")
    return cmd


def worker_command(*, batch: bool = False, interval: float = 1.0, worker_id: str | None = None) -> list[str]:
    """The command line of one worker process (django-tasks-db's `db_worker` with a heartbeat, so
    that what it holds is reclaimed if it dies: `qamqor_worker`, monitoring.leases; all queues)."""
    cmd = [
        sys.executable,
        "-m",
        "django",
        "qamqor_worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--interval",
        str(interval),
        "--verbosity",
        "1",
    ]
    if batch:
        cmd.append("--batch")
    if worker_id:
        cmd += ["--worker-id", worker_id]
    return cmd


def _stop(procs: list[subprocess.Popen], timeout: float = 10.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --- commands -------------------------------------------------------------------------------------


def cmd_manage(args) -> int:
    argv = list(args.args)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise UsageError("name a management command, e.g. `qamqor manage migrate`")
    _setup(args.data_dir)
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["qamqor manage", *argv])
    except SystemExit as exc:  # Django exits on its own usage errors
        return int(exc.code or 0)
    return 0


def cmd_demo_data(args) -> int:
    _setup(args.data_dir)
    from django.conf import settings

    if settings.QAMQOR_PRODUCTION:
        raise UsageError("the demo data is not loaded in production mode")
    _migrate()
    from qamqor.demo import load_demo_data

    result = load_demo_data()
    print(f"Database: {_where()}")
    _print_demo(result)
    _print_logins(result.logins)
    return 0


def cmd_worker(args) -> int:
    _setup(args.data_dir)
    _migrate()
    from qamqor.monitoring.services import ensure_daily_reconciliation

    ensure_daily_reconciliation()
    from qamqor.project.recurring import ensure_recurring

    ensure_recurring()
    print(f"Database: {_where()}")
    if args.processes == 1:
        from django.core.management import call_command

        options = {
            "queue_name": "*",
            "reload": False,
            "interval": args.interval,
            "batch": args.batch,
            "verbosity": 1,
        }
        if args.worker_id:
            options["worker_id"] = args.worker_id
        call_command("qamqor_worker", **options)
        return 0
    procs = []
    for i in range(args.processes):
        wid = f"{args.worker_id}-{i}" if args.worker_id else None
        procs.append(
            subprocess.Popen(  # nosec B603  # our own worker command, no shell
                worker_command(batch=args.batch, interval=args.interval, worker_id=wid), env=_child_env()
            )
        )
    try:
        codes = [p.wait() for p in procs]
    except KeyboardInterrupt:
        _stop(procs)
        return 130
    return max(codes)


def cmd_serve(args) -> int:
    if not _port_free(args.host, args.port):
        raise UsageError(f"port {args.port} on {args.host} is in use; choose another with --port")
    mode = _choose_mode(args.production)
    _setup(args.data_dir)
    print(f"Database: {_where()}")
    if mode == "demo":
        print("DEMO MODE: demo users with a published password; not for real data (--production).")
    else:
        print("Production mode: no demo data; HTTPS, secure cookies and log-in lockout on.")
    _migrate()
    logins = []
    if mode == "demo" and not args.no_demo:
        from qamqor.demo import load_demo_data

        result = load_demo_data()
        logins = result.logins
        _print_demo(result)
    from qamqor.monitoring.services import ensure_daily_reconciliation

    ensure_daily_reconciliation()
    from qamqor.project.recurring import ensure_recurring

    ensure_recurring()

    env = _child_env()
    procs: list[subprocess.Popen] = []
    web = web_command(args.host, args.port, workers=args.web_workers, threads=args.web_threads)
    procs.append(subprocess.Popen(web, env=env))  # nosec B603  # our own server command, no shell
    if not args.no_worker:
        procs.append(subprocess.Popen(worker_command(), env=env))  # nosec B603
    host = f"[{args.host}]" if ":" in args.host else args.host
    if args.host in ("0.0.0.0", "::"):  # nosec B104  # a comparison: the URL to print for a wildcard bind
        host = "127.0.0.1"
    base = f"http://{host}:{args.port}"
    print(f"Qamqor is running: {base}/")
    print(f"  Portal:       {base}/portal/   (recipients)")
    print(f"  Back office:  {base}/backoffice/   (officers and operators; sign in at {base}/sign-in/)")
    print(f"  API:          {base}/api/v1/")
    print(f"  API docs:     {base}/api/docs/   (OpenAPI schema: {base}/api/schema/)")
    print(
        "  Worker:       "
        + ("started (monitoring feed)" if not args.no_worker else "not started (--no-worker)")
    )
    _print_logins(logins)
    print("Press Ctrl-C to stop.", flush=True)

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        while True:
            for p in procs:
                code = p.poll()
                if code is not None:
                    print(f"qamqor: a server process stopped (exit code {code}); stopping.", file=sys.stderr)
                    _stop(procs)
                    return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("Stopping…", flush=True)
        _stop(procs)
        return 0
