"""R1 (issue 16): submissions and decisions through the API while the web server and the workers
are killed with SIGKILL at random moments and restarted.

    python bench/crash.py                            # 10 000 cases, kills every 2–8 s; PostgreSQL
    python bench/crash.py --cases 500 --kill-every 2,5
    python bench/crash.py --cases 1000 --decide-share 0.3 --kill-every 20,45 \
        --receiver-down 600 --registry-down 600 --sms-down 600      # R2: all three down 10 minutes

A scratch PostgreSQL database; the web server as `qamqor serve` runs it (granian, 2 processes) and
two `qamqor worker` processes (the monitoring feed's deliveries), each in its own process group, so
that SIGKILL takes a whole server with its children. Client threads each take a case through the API:
the submission (`Idempotency-Key`), then the officer's steps — register at the provider, check
completeness, start the review, decide with the findings (`If-Match` from the last ETag, a key per
step) — retrying a step with the same key whenever the connection drops or the server answers 5xx.
A killer thread kills the web server, a worker, or everything, every `--kill-every` seconds, and
restarts what it killed. Afterwards, with the killing stopped and the workers draining the feed:

- every acknowledged submission exists exactly once (by its key), with its events (no gap in `seq`,
  the case's status = its last event's, version = its last `seq`): nothing lost, nothing duplicated,
  no case between two states;
- every decided case has exactly one decision, and the ones decided were all acknowledged;
- every monitoring-feed record is delivered, and received once (`received_count` = 1 at the sandbox
  receiver; a resend after a kill is answered from its delivery key and counted);
- `qamqor audit verify` passes (the hash chains have no gap).

R2 (`--receiver-down`, `--registry-down`, `--sms-down`, `--email-down` S): the monitoring receiver,
every sandbox registry, the SMS and the e-mail gateway refuse for the first S seconds (the registries
and gateways through `qamqor sandbox outage`, read by every process from the database). A share of
the decided cases (`--registry-share`) asks the registries before the decision (a silent registry
parks it in "awaiting registry data"; resumer threads decide it once the answer has taken it back to
review); every other applicant gave a phone, every third has an e-mail. Afterwards also: every
registry query answered exactly once and no case left waiting, no case refused, every notification
delivered once per channel, the feed's days reconciled, the technical-problem protocols closed.

Exit 1 when any check fails. The anchor: Open Zaak lost 1,276 notifications after its receiver was
down 300 s; the earlier attack run here (2,000 submissions, 3 kills of the web server) lost nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import outages  # noqa: E402
from clients import Stats, case_status, decide_case, until_done  # noqa: E402
from harness import free_port, office_hours_server, wait_http  # noqa: E402
from intake import ADMIN_URL, SEED  # noqa: E402

CLI = "import sys; from qamqor.cli import main; sys.exit(main(sys.argv[1:]))"


class Server:
    """One OS process group (a web server with its children, or a worker)."""

    def __init__(self, name: str, command: list[str], env: dict, log) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True
        )

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def one_case(
    stats, port, token, iin, child, findings, documents, decide, phone="", registry=False, parked=None
):
    key = uuid.uuid4().hex
    body = {
        "service": "parent-meeting-permission",
        "channel": "provider",
        "provider": "bench-provider",
        "applicant": {"iin": iin, "last_name": "Бенчова", "first_name": "Айым", "phone": phone},
        "children": [{"iin": child, "last_name": "Бенчов", "first_name": "Ерлан"}],
        "facts": {},
        "consent": True,
        "documents": documents,
    }
    status, data, etag = until_done(stats, port, "POST", "/api/v1/applications/", token, body, key)
    if status not in (200, 201):
        with stats.lock:
            stats.refused.append(f"submit {status}: {str(data)[:200]}")
        return
    case_id = data["id"]
    with stats.lock:
        stats.acknowledged[key] = {"id": case_id, "number": data["number"]}
    if not decide:
        return
    version = int(etag.strip('"')) if etag else data.get("version")
    steps = ["register_at_provider", "check_completeness", "start_review"]
    steps += ["collect_registry_data"] if registry else []
    for name in steps:
        path = f"/api/v1/applications/{case_id}/actions/{name}/"
        status, data, etag = until_done(stats, port, "POST", path, token, {}, f"{key}-{name}", version)
        if status not in (200, 201):
            with stats.lock:
                stats.refused.append(f"{name} {status}: {str(data)[:200]}")
            return
        version = int(etag.strip('"')) if etag else data["version"]
    if registry and data.get("status") == "awaiting_registry_data":  # a silent registry parked it
        parked.put((case_id, key, port, token))
        return
    decide_case(stats, port, token, case_id, key, version, findings)


def package() -> list[dict]:
    """Every document the meeting permission lists at the provider's counter, handed in on paper."""
    from qamqor.catalog import active_catalog

    version = active_catalog().service("parent-meeting-permission").versions[-1]
    return [
        {"code": d.code, "source": "paper"}
        for d in version.documents
        if "provider" in d.channels and not d.code.startswith("application")
    ]


def officer_findings() -> dict:
    """Every fact an official finds for the meeting permission, none standing in the way."""
    import datetime as dt

    from qamqor.catalog import active_catalog
    from qamqor.catalog.evaluation import evaluate_service

    ev = evaluate_service(
        active_catalog(), "parent-meeting-permission", {"consent_personal_data": True}, dt.date.today()
    )
    return {name: False for name in ev.missing_facts if name.startswith("officer.")}


def recurring_jobs() -> list[str]:
    from qamqor.project.recurring import JOBS  # the jobs every deployment runs, one chain each

    return list(JOBS)


def killer(webs, workers, stop, every, rng, log):
    while not stop.wait(rng.uniform(*every)):
        choice = rng.random()
        if choice < 0.4:
            victims = [rng.choice(webs)]
        elif choice < 0.8:
            victims = [rng.choice(workers)]
        else:
            victims = webs + workers
        for v in victims:
            v.kill()
        log.append(f"{time.strftime('%H:%M:%S')} killed {', '.join(v.name for v in victims)}")
        for v in victims:
            v.start()


def check(url: str, stats: Stats, env: dict) -> dict:
    import psycopg

    out = {}
    with psycopg.connect(url) as c:
        rows = c.execute("SELECT id, number FROM cases_application").fetchall()
        by_number = {}
        for app_id, number in rows:
            by_number.setdefault(number, []).append(app_id)
        acked_numbers = {a["number"] for a in stats.acknowledged.values()}
        out["applications"] = len(rows)
        out["lost"] = len([n for n in acked_numbers if n not in by_number])
        out["duplicated"] = sum(len(v) - 1 for v in by_number.values()) + len(
            [n for n in by_number if n not in acked_numbers]
        )
        out["between_states"] = c.execute(
            """SELECT count(*) FROM cases_application a
               JOIN LATERAL (SELECT max(seq) AS last, count(*) AS n FROM cases_caseevent e
                             WHERE e.application_id = a.id) s ON true
               LEFT JOIN cases_caseevent le ON le.application_id = a.id AND le.seq = s.last
               WHERE a.version <> s.last OR s.n <> s.last OR le.to_status IS DISTINCT FROM a.status"""
        ).fetchone()[0]
        per_case = dict(
            c.execute(
                "SELECT application_id, count(*) FROM cases_decision GROUP BY application_id"
            ).fetchall()
        )
        out["decisions"] = sum(per_case.values())
        out["cases_with_two_decisions"] = sum(1 for n in per_case.values() if n > 1)
        out["decided_not_recorded"] = len([i for i in stats.decided if i not in per_case])
        out["feed_records"], out["feed_undelivered"] = c.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'delivered') FROM monitoring_stageoutbox"
        ).fetchone()
        chains = dict(
            c.execute(
                "SELECT args_kwargs->'args'->>0, count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path LIKE '%recurring%' AND status IN ('READY', 'RUNNING') GROUP BY 1"
            ).fetchall()
        )
        out["recurring_chains"] = chains
        out["refused_calls"] = c.execute(
            "SELECT coalesce(sum(calls), 0) FROM monitoring_sandboxswitch"
        ).fetchone()[0]
        out["protocols"] = c.execute("SELECT count(*) FROM monitoring_technicalproblemprotocol").fetchone()[0]
        out["received"], out["received_max"], out["resends_answered"] = c.execute(
            "SELECT count(*), coalesce(max(received_count), 0), coalesce(sum(received_count - 1), 0) "
            "FROM monitoring_sandboxstage"
        ).fetchone()
        out["registries"] = outages.check_registries(c)
        out["notifications"] = outages.check_notifications(c)
        out["protocol_check"] = outages.check_protocols(c)
    out["reconciliation"] = outages.reconcile_feed(env)
    verify = subprocess.run(
        [sys.executable, "-c", CLI, "audit", "verify"], env=env, capture_output=True, text=True
    )
    out["audit_verify"] = verify.returncode
    out["audit_verify_says"] = (verify.stdout or verify.stderr).strip().splitlines()[-1:] or [""]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--webs", type=int, default=2, help="web servers, each its own process group and port")
    ap.add_argument("--decide-share", type=float, default=0.5, help="share of cases taken to a decision")
    ap.add_argument("--kill-every", default="2,8", help="seconds between kills: MIN,MAX")
    ap.add_argument("--drain-timeout", type=float, default=600)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument(
        "--receiver-down",
        type=float,
        default=0,
        help="R2: the monitoring receiver refuses everything for this many seconds from the start",
    )
    ap.add_argument("--registry-down", type=float, default=0, help="R2: every sandbox registry refuses (s)")
    ap.add_argument("--sms-down", type=float, default=0, help="R2: the sandbox SMS gateway refuses (s)")
    ap.add_argument("--email-down", type=float, default=0, help="R2: the sandbox e-mail gateway refuses (s)")
    ap.add_argument(
        "--registry-share", type=float, default=0.5, help="share of decided cases asking the registries first"
    )
    ap.add_argument("--resumers", type=int, default=4, help="threads deciding the cases a registry parked")
    ap.add_argument(
        "--db-prefix",
        default=os.environ.get("QAMQOR_BENCH_DB_PREFIX", "qamqor_crash_"),
        help="the scratch database's name prefix (env QAMQOR_BENCH_DB_PREFIX; default qamqor_crash_)",
    )
    args = ap.parse_args()
    down = max(args.receiver_down, args.registry_down, args.sms_down, args.email_down)
    every = tuple(float(x) for x in args.kill_every.split(","))
    rng = random.Random(args.seed)

    import psycopg

    dbname = f"{args.db_prefix}{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{dbname}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    tmp = tempfile.mkdtemp(prefix="qamqor-crash-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(
        QAMQOR_DATA_DIR=tmp,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="qamqor.project.settings",
        QAMQOR_DEBUG="0",
        QAMQOR_MODE="demo",
        QAMQOR_TASK_HEARTBEAT_SECONDS="1",
        QAMQOR_TASK_LEASE_SECONDS="5",  # a killed worker's task is taken up within seconds
        OFFICE_CLOCK_ORIGIN=str(time.time()),  # a restarted server continues the same timeline
    )
    servers: list[Server] = []
    log = open(os.path.join(tmp, "servers.log"), "w")
    kills: list[str] = []
    try:
        seeded = subprocess.run(
            [sys.executable, "-c", SEED], env=env, check=True, capture_output=True, text=True
        )
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        # the sandbox population the registries answer from, made once before any server starts
        subprocess.run(
            [sys.executable, "-c", CLI, "sandbox", "generate", "--people", "2000", "--no-progress"],
            env=env,
            check=True,
            capture_output=True,
        )
        emails = outages.add_email_contacts(url, world["iins"])
        os.environ.update(DJANGO_SETTINGS_MODULE="qamqor.project.settings")
        findings, documents = officer_findings(), package()
        from qamqor.cli.server_commands import web_command

        ports = [free_port() for _ in range(args.webs)]
        webs = []
        for n, port in enumerate(ports):
            command, web_env = office_hours_server(web_command("127.0.0.1", port, workers=1, threads=4), env)
            webs.append(Server(f"web-{n}", command, web_env, log))
        for i in range(2):
            worker = [sys.executable, "-c", CLI, "worker", "--interval", "0.2", "--worker-id", f"crash-{i}"]
            servers.append(Server(f"worker-{i}", worker, env, log))
        servers[:0] = webs
        for s in servers:
            s.start()
        for port in ports:
            wait_http(port)
        work = []
        for i in range(args.cases):
            decide = rng.random() < args.decide_share
            work.append(
                (
                    world["tokens"][i % len(world["tokens"])],
                    world["iins"][i % 200],
                    world["iins"][(i * 7 + 3) % 200],
                    decide,
                    outages.phone(i % 200),
                    decide and rng.random() < args.registry_share,
                )
            )
        stats, stop = Stats(), threading.Event()
        lock, cursor = threading.Lock(), iter(range(len(work)))
        parked, clients_done = outages.Parked(), threading.Event()

        def client():
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                token, iin, child, decide, phone, registry = work[i]
                port = ports[i % len(ports)]
                one_case(stats, port, token, iin, child, findings, documents, decide, phone, registry, parked)

        def parked_status(item):
            case_id, _key, port, token = item
            return case_status(stats, port, token, case_id)

        def parked_decide(item, version):
            case_id, key, port, token = item
            return decide_case(stats, port, token, case_id, key, version, findings)

        started = time.monotonic()
        said = outages.take_down(env, registries=args.registry_down, sms=args.sms_down, email=args.email_down)
        for line in said:
            print(f"  down: {line}", flush=True)
        parked.give_up_at = started + down + args.drain_timeout
        if args.receiver_down:  # R2: the sandbox receiver refuses every delivery, then recovers
            with psycopg.connect(url, autocommit=True) as c:
                c.execute(
                    "INSERT INTO monitoring_sandboxswitch (fail_next, fail_always, calls) VALUES (0, true, 0)"
                )

            def recover():
                with psycopg.connect(url, autocommit=True) as c:
                    c.execute("UPDATE monitoring_sandboxswitch SET fail_always = false")
                print(f"  the monitoring receiver is back after {args.receiver_down:.0f} s", flush=True)

            threading.Timer(args.receiver_down, recover).start()
        kill_thread = threading.Thread(
            target=killer, args=(webs, servers[len(webs) :], stop, every, rng, kills), daemon=True
        )
        kill_thread.start()
        clients = [threading.Thread(target=client) for _ in range(args.clients)]
        resumers = [
            threading.Thread(
                target=outages.resumer, args=(parked, clients_done, parked_status, parked_decide)
            )
            for _ in range(args.resumers)
        ]
        for t in clients + resumers:
            t.start()
        last, load_seconds = time.monotonic(), None
        while any(t.is_alive() for t in clients + resumers):
            time.sleep(1)
            if not clients_done.is_set() and not any(t.is_alive() for t in clients):
                clients_done.set()
                load_seconds = time.monotonic() - started
            if time.monotonic() - last > 15:
                last = time.monotonic()
                print(
                    f"  {time.monotonic() - started:.0f} s: {len(stats.acknowledged)} acknowledged, "
                    f"{len(stats.decided)} decided, {parked.outstanding} waiting for a registry "
                    f"({parked.parked} parked), {len(kills)} kill rounds, {stats.retries} retries",
                    flush=True,
                )
        clients_done.set()
        load_seconds = load_seconds if load_seconds is not None else time.monotonic() - started
        stop.set()  # the killing goes on while parked cases are decided after the registries' return
        kill_thread.join()
        resumed_seconds = time.monotonic() - started
        # drain: the workers deliver what the feed and the notifications still hold, and retry the
        # registry queries; counted from the later of the end of the load and the last return
        drain_started = max(time.monotonic(), started + down)
        with psycopg.connect(url, autocommit=True) as c:
            while time.monotonic() - drain_started < args.drain_timeout:
                left = outages.left_to_drain(c)
                if not any(left.values()):
                    break
                time.sleep(1)
        drain = max(0.0, time.monotonic() - drain_started)
        drain_end = time.monotonic() - started
        result = check(url, stats, env)
    finally:
        for s in servers:
            s.stop()
        log.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    web_kills = sum(s.kills for s in servers if s.name.startswith("web"))
    worker_kills = sum(s.kills for s in servers if s.name.startswith("worker"))
    print()
    print(
        f"R1 crash: {args.cases} cases sent by {args.clients} clients in {load_seconds:.0f} s, "
        f"{len(kills)} kill rounds ({args.webs} web servers killed {web_kills}×, 2 workers {worker_kills}×), "
        f"{stats.retries} retried requests"
    )
    print(
        f"  acknowledged submissions {len(stats.acknowledged)}; applications stored {result['applications']}; "
        f"lost {result['lost']}; duplicated {result['duplicated']}; cases between two states "
        f"{result['between_states']}"
    )
    print(
        f"  decided by the clients {len(stats.decided)}; decisions stored {result['decisions']}; "
        f"cases with two decisions {result['cases_with_two_decisions']}; decided but not recorded "
        f"{result['decided_not_recorded']}"
    )
    print(
        f"  monitoring feed: {result['feed_records']} records, undelivered {result['feed_undelivered']} after "
        f"{drain:.0f} s of draining (from the end of the load or the receiver's return, the later); received {result['received']}, max received_count "
        f"{result['received_max']} ({result['resends_answered']} resends answered from their key)"
    )
    if args.receiver_down:
        print(
            f"  R2 receiver down {args.receiver_down:.0f} s: {result['refused_calls']} calls at the receiver in all; "
            f"technical-problem protocols opened {result['protocols']}"
        )
    r2_ok = outages.report(result, parked, args.registry_down, emails)
    print(
        f"  timeline: load {load_seconds:.0f} s, parked cases decided by {resumed_seconds:.0f} s, drained by "
        f"{drain_end:.0f} s (outages end at {down:.0f} s)"
    )
    print(
        f"  recurring jobs (deadline timers, registry retries, feed catch-up): queued chains per job "
        f"{result['recurring_chains']} (exactly one each: none missed, none doubled)"
    )
    print(f"  audit verify: exit {result['audit_verify']} ({result['audit_verify_says'][0]})")
    if stats.refused:
        print(f"  refused steps: {len(stats.refused)}; first: {stats.refused[0]}")
    ok = (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["between_states"] == 0
        and result["cases_with_two_decisions"] == 0
        and result["decided_not_recorded"] == 0
        and result["feed_undelivered"] == 0
        and result["received"] == result["feed_records"]
        and result["audit_verify"] == 0
        and result["recurring_chains"] == dict.fromkeys(recurring_jobs(), 1)
        and not stats.refused
        and r2_ok
        and (result["protocol_check"]["opened"] > 0) == bool(args.receiver_down)
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
