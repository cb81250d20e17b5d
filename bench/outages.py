"""R2 (issue 16) for the registries and the SMS / e-mail gateways, used by `crash.py`.

`take_down` sets the sandboxes' cross-process outage switch through the command a demo uses (`qamqor
sandbox outage`, decision 0030): the web servers and the workers read it from the database, against
the database's clock. `Parked` holds the cases a silent registry parked in "awaiting registry data":
resumer threads look at them until the registry's answer takes them back to review, then decide
them. The checks after the run: every registry query answered once and no case left waiting, every
notification delivered once per channel, the monitoring feed reconciled day by day, its
technical-problem protocols closed.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time

CLI = "import sys; from qamqor.cli import main; sys.exit(main(sys.argv[1:]))"

RECONCILE = r"""
import json
from qamqor.project import setup
setup()
from qamqor.monitoring.models import StageOutbox
from qamqor.monitoring.services import ALMATY, reconcile
days = sorted({m.astimezone(ALMATY).date() for m in StageOutbox.objects.values_list("moment", flat=True)})
print(json.dumps([reconcile(d, requeue=False).as_dict() for d in days]))
"""


def take_down(env: dict, *, registries: float = 0, sms: float = 0, email: float = 0) -> list[str]:
    """`qamqor sandbox outage` for what the options name (one call per length); the lines it printed."""
    by_length: dict[float, list[str]] = {}
    for flags, seconds in ((["--registry", "all"], registries), (["--sms"], sms), (["--email"], email)):
        if seconds:
            by_length.setdefault(seconds, []).extend(flags)
    said = []
    for seconds, flags in by_length.items():
        done = subprocess.run(
            [sys.executable, "-c", CLI, "sandbox", "outage", *flags, "--for", f"{seconds:g}"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        said.append(done.stdout.strip())
    return said


def phone(i: int) -> str:
    """Every other applicant gave a phone with the application (SMS)."""
    return f"+7701{i:07d}" if i % 2 == 0 else ""


def add_email_contacts(url: str, iins: list[str]) -> int:
    """Every third applicant has an e-mail in their contact preferences (the e-mail channel)."""
    import psycopg

    rows = [(iin, f"bench{i}@example.kz") for i, iin in enumerate(iins) if i % 3 == 0]
    with psycopg.connect(url, autocommit=True) as c:
        with c.cursor() as cur:
            cur.executemany(
                "INSERT INTO notifications_contact (iin, phone, email, sms, by_email, updated_at) "
                "VALUES (%s, '', %s, true, true, now())",
                rows,
            )
    return len(rows)


class Parked:
    """Cases waiting for a registry: (case id, idempotency key, port, token). Resumers decide them
    once the case is back in review; `give_up_at` bounds the wait (a registry that never returns)."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.outstanding = 0
        self.parked = 0
        self.resumed = 0
        self.stuck: list[int] = []
        self.give_up_at = float("inf")

    def put(self, item) -> None:
        with self.lock:
            self.outstanding += 1
            self.parked += 1
        self.queue.put(item)

    def done(self, ok: bool, case_id: int) -> None:
        with self.lock:
            self.outstanding -= 1
            if ok:
                self.resumed += 1
            else:
                self.stuck.append(case_id)


def resumer(parked: Parked, clients_done: threading.Event, get_status, decide) -> None:
    """Look at each parked case again every second; decide it once a registry's answer has taken it
    back to review (`cases.wiring`)."""
    while True:
        try:
            item = parked.queue.get(timeout=1)
        except queue.Empty:
            if clients_done.is_set() and parked.outstanding == 0:
                return
            continue
        case_id = item[0]
        status, version = get_status(item)
        if status == "awaiting_registry_data" or status is None:
            if time.monotonic() > parked.give_up_at:
                parked.done(False, case_id)
                continue
            parked.queue.put(item)
            time.sleep(0.05 if parked.queue.qsize() > 1 else 1)
            continue
        parked.done(decide(item, version), case_id)


def left_to_drain(c) -> dict:
    """What the workers still have to do: feed records, registry queries, notification deliveries."""
    return {
        "feed": c.execute(
            "SELECT count(*) FROM monitoring_stageoutbox WHERE status <> 'delivered'"
        ).fetchone()[0],
        "registry_queries": c.execute(
            "SELECT count(*) FROM registries_pendingquery WHERE status = 'waiting'"
        ).fetchone()[0],
        "notifications": c.execute(
            "SELECT count(*) FROM notifications_delivery WHERE status <> 'delivered'"
        ).fetchone()[0],
    }


def check_registries(c) -> dict:
    out = {}
    out["pending"], out["pending_answered"], out["pending_waiting"] = c.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'answered'), count(*) FILTER (WHERE status = 'waiting') "
        "FROM registries_pendingquery"
    ).fetchone()
    # the answer to each waiting query: its successful retry in the ledger (attempt ≥ 2), once
    per = c.execute(
        """SELECT p.id, (SELECT count(*) FROM registries_registryquery q
                          WHERE q.case_id = p.case_id AND q.registry = p.registry AND q.method = p.method
                            AND q.subject_iin = p.subject_iin AND q.attempt >= 2
                            AND q.outcome IN ('answered', 'not_found'))
           FROM registries_pendingquery p"""
    ).fetchall()
    out["pending_answered_not_once"] = sum(1 for _pk, n in per if n != 1)
    out["refused_queries"] = c.execute(
        "SELECT count(*) FROM registries_registryquery WHERE outcome = 'failed'"
    ).fetchone()[0]
    out["cases_awaiting"], out["cases_awaiting_without_retry"] = c.execute(
        """SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM registries_pendingquery p WHERE p.case_id = a.id AND p.status = 'waiting'))
           FROM cases_application a WHERE a.status = 'awaiting_registry_data'"""
    ).fetchone()
    out["cases_parked"] = c.execute(
        "SELECT count(DISTINCT application_id) FROM cases_caseevent WHERE action = 'await_registry_data'"
    ).fetchone()[0]
    out["cases_collected"] = c.execute(
        "SELECT count(DISTINCT application_id) FROM cases_caseevent "
        "WHERE action IN ('collect_registry_data', 'await_registry_data')"
    ).fetchone()[0]
    out["refusals"] = c.execute(
        "SELECT count(*) FROM cases_application WHERE status IN ('refused', 'preliminary_refusal')"
    ).fetchone()[0]
    return out


def check_notifications(c) -> dict:
    out = {"channels": {}}
    for channel, total, delivered, failed_attempts, ok_not_once in c.execute(
        """SELECT d.channel, count(*), count(*) FILTER (WHERE d.status = 'delivered'),
                  coalesce(sum((SELECT count(*) FROM notifications_deliveryattempt t
                                WHERE t.delivery_id = d.id AND NOT t.ok)), 0),
                  count(*) FILTER (WHERE (SELECT count(*) FROM notifications_deliveryattempt t
                                          WHERE t.delivery_id = d.id AND t.ok) <> 1)
           FROM notifications_delivery d GROUP BY d.channel ORDER BY d.channel"""
    ).fetchall():
        out["channels"][channel] = {
            "deliveries": total,
            "delivered": delivered,
            "failed_attempts": int(failed_attempts),
            "not_exactly_one_success": ok_not_once,
        }
    for channel, rows, resent, missing in c.execute(
        """SELECT d.channel, count(o.id), coalesce(sum(o.received_count - 1), 0),
                  count(*) FILTER (WHERE o.id IS NULL)
           FROM notifications_delivery d JOIN notifications_message m ON m.id = d.message_id
           LEFT JOIN notifications_sandboxoutbox o
                  ON o.channel = d.channel AND o.dedup_key = 'qamqor-' || m.id || '-' || d.channel
           WHERE d.channel IN ('sms', 'email') GROUP BY d.channel"""
    ).fetchall():
        out["channels"][channel].update(
            gateway_received=rows, resends_answered=int(resent), not_at_gateway=missing
        )
    out["messages"] = c.execute("SELECT count(*) FROM notifications_message").fetchone()[0]
    return out


def check_protocols(c) -> dict:
    total, closed, stages = c.execute(
        """SELECT count(*), count(*) FILTER (WHERE resolved_at IS NOT NULL),
                  (SELECT count(*) FROM monitoring_technicalproblemprotocol_stages)
           FROM monitoring_technicalproblemprotocol"""
    ).fetchone()
    return {"opened": total, "closed": closed, "stages_held": stages}


def reconcile_feed(env: dict) -> list[dict]:
    done = subprocess.run([sys.executable, "-c", RECONCILE], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return [{"error": (done.stderr or "").strip().splitlines()[-1:]}]
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(result: dict, parked: Parked, registry_down: float, emails: int) -> bool:
    """Print the registries', notifications', reconciliation's and protocols' figures; True when they
    pass: every waiting query answered once, no case left waiting or refused, every notification
    delivered once per channel, every day reconciled, every protocol closed."""
    reg, notes, prot = result["registries"], result["notifications"], result["protocol_check"]
    print(
        f"  registries{f' down {registry_down:.0f} s' if registry_down else ''}: "
        f"{reg['cases_collected']} cases asked them, {reg['cases_parked']} parked awaiting registry data "
        f"({parked.parked} seen by the clients, {parked.resumed} decided after the return, {len(parked.stuck)} "
        f"given up); {reg['refused_queries']} refused queries in the ledger; {reg['pending']} waiting queries, "
        f"answered {reg['pending_answered']}, still waiting {reg['pending_waiting']}, not answered exactly "
        f"once {reg['pending_answered_not_once']}; cases left awaiting {reg['cases_awaiting']} "
        f"(without a pending retry {reg['cases_awaiting_without_retry']}); refusals {reg['refusals']}"
    )
    print(f"  notifications: {notes['messages']} messages; {emails} applicants with an e-mail")
    for channel, n in notes["channels"].items():
        print(
            f"    {channel}: {n['deliveries']} deliveries, delivered {n['delivered']}, failed attempts "
            f"{n['failed_attempts']}, not exactly one success {n['not_exactly_one_success']}"
            + (
                f", at the gateway {n['gateway_received']} (missing {n['not_at_gateway']}, resends answered "
                f"from the dedup key {n['resends_answered']})"
                if "gateway_received" in n
                else ""
            )
        )
    rec = result["reconciliation"]
    print(
        f"  reconciliation of the feed: {len(rec)} day(s), "
        + "; ".join(
            f"{d.get('day')}: {d.get('delivered')}/{d.get('total')} {'complete' if d.get('complete') else 'INCOMPLETE'}"
            for d in rec
        )
    )
    print(
        f"  technical-problem protocols (monitoring, 003 §12-1): opened {prot['opened']}, closed {prot['closed']}, "
        f"stages held {prot['stages_held']}; the registries and gateways: none (decision 0030)"
    )
    return (
        reg["pending_waiting"] == 0
        and reg["pending_answered_not_once"] == 0
        and reg["cases_awaiting"] == 0
        and reg["refusals"] == 0
        and not parked.stuck
        and all(
            n["delivered"] == n["deliveries"]
            and n["not_exactly_one_success"] == 0
            and n.get("not_at_gateway", 0) == 0
            for n in notes["channels"].values()
        )
        and bool(rec)
        and all(d.get("complete") for d in rec)
        and prot["opened"] == prot["closed"]
    )
