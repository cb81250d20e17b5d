"""The rows of one batch of cases: the people (applicant and child), the application with its dates,
its events, facts and decisions (each linked into the case's chain), and the data bank's record of a
granted placement (marked `sandbox`: the history is the sandbox's, not an order Qamqor issued)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qamqor.cases.transitions import TERMINAL
from qamqor.demo.history import store
from qamqor.rules.calendar import ALMATY

TABLES = {"event": "cases_caseevent", "fact": "cases_casefact", "decision": "cases_decision"}
RANK = {"fact": 0, "event": 1, "decision": 2}
CAMP_AGES = (7, 15)


def _birth(submitted: dt.datetime, lo: int, hi: int, r: float) -> dt.date:
    day = submitted.astimezone(ALMATY).date()
    return day - dt.timedelta(days=int(365.25 * lo + r * 365.25 * (hi - lo)))


def batch_rows(drawn, ids, people, end, catalog, rnd, result, deadlines_of) -> dict[str, list[dict]]:
    from qamqor.demo.history.cases import build_case

    out: dict[str, list[dict]] = {name: [] for name in store.ORDER}
    blank = {name: store.defaults(name) for name in store.ORDER}
    now = timezone.now()
    applicants: list[dict] = []
    for i, c in enumerate(drawn):
        if applicants and rnd() < 0.25:  # someone who applied before (for another child or service)
            applicant = applicants[int(rnd() * len(applicants))]
        else:
            applicant = people.row(ids.take("person"), _birth(c.submitted_at, 22, 55, rnd()), rnd() < 0.3, i)
            applicants.append(applicant)
            out["person"].append(applicant)
        lo, hi = CAMP_AGES if c.plan.version.slug == "camp-referral" else (0, 17)
        child = people.row(ids.take("person"), _birth(c.submitted_at, lo, hi, rnd()), rnd() < 0.5, i + 3)
        out["person"].append(child)
        case_id = ids.take("application")
        built = build_case(c, case_id, end, catalog, _cal(), rnd)
        app = _application(c, case_id, applicant, built, result.applications + i, people.seed_tag)
        office_kind = c.office[2] if c.office else None
        is_open = built.status not in TERMINAL
        app.update(deadlines_of(app, c.plan.version, office_kind, catalog, explained=is_open))
        out["application"].append(blank["application"] | app)
        out["children"].append(
            {"id": ids.take("children"), "application_id": case_id, "person_id": child["id"]}
        )
        chained = []
        for name, rows in (("event", built.events), ("fact", built.facts), ("decision", built.decisions)):
            for r in rows:
                row = blank[name] | r | {"id": ids.take(name)}
                out[name].append(row)
                at = row["decided_at"] if name == "decision" else row["at"]
                chained.append((at, RANK[name], TABLES[name], row))
        chained.sort(key=lambda x: (x[0], x[1]))
        store.link_case(case_id, [(t, r) for _, _, t, r in chained], out["link"], out["head"], ids, now)
        result.open_cases += is_open
        kind = c.plan.version.procedure.placement if c.plan.version.procedure else None
        if kind and built.placement_on is not None:
            grant = next(
                d for d in out["decision"][::-1] if d["application_id"] == case_id and d["kind"] == "grant"
            )
            out["child"].append(
                blank["child"]
                | {"id": ids.take("child"), "iin": child["iin"], "birth_date": child["birth_date"]}
                | {"registered_on": built.placement_on, "source": "sandbox"}
            )
            out["placement"].append(
                blank["placement"]
                | {"id": ids.take("placement"), "kind": kind, "carer_iin": applicant["iin"]}
                | {
                    "child_iin": child["iin"],
                    "started_on": built.placement_on,
                    "provider_code": c.provider[2],
                }
                | {"case_id": case_id, "case_number": app["number"], "decision_id": grant["id"]}
                | {"source": "sandbox", "recorded_at": grant["decided_at"]}
            )
    taken = store.existing_iins("cases.Person", [p["iin"] for p in out["person"]])
    if taken:
        raise ValueError(
            f"{len(taken)} IIN(s) of the history are already in the database: use another --seed"
        )
    return out


def _cal():
    from qamqor.rules.calendar import get_calendar

    return get_calendar()


def _application(c, case_id: int, applicant: dict, built, index: int, seed_tag: str) -> dict:
    v = c.plan.version
    local = c.submitted_at.astimezone(ALMATY)
    office_channel = c.channel != "portal"
    submitter = (c.office[1] if c.channel == "state_corp" else c.provider[1]) if office_channel else None
    snapshot: dict = {}
    for f in built.facts:
        node = snapshot
        *head, last = f["path"].split(".")
        for part in head:
            node = node.setdefault(part, {})
        node[last] = f["value"]
    last_at = max(e["at"] for e in built.events)
    return {
        "id": case_id,
        "number": f"QMQ-{local:%Y%m%d}-H{seed_tag}{index:06X}",
        "service_slug": v.slug,
        "catalogue_version": v.id,
        "procedure_source": v.procedure.text if v.procedure else "",
        "channel": c.channel,
        "status": built.status,
        "version": built.version,
        "applicant_id": applicant["id"],
        "provider_id": c.provider[0],
        "office_id": c.office[0] if c.office else None,
        "submitted_by_id": submitter,
        "submitted_at": c.submitted_at,
        "consent": c.profile.consent,
        "consent_at": c.submitted_at if c.profile.consent else None,
        "facts": snapshot,
        "idempotency_key": None,
        "outcome": built.outcome,
        "hearing_at": built.changes.get("hearing_at"),
        "hearing_place": built.changes.get("hearing_place", ""),
        "custody_started_at": built.changes.get("custody_started_at"),
        "handed_over_on": built.changes.get("handed_over_on", ""),
        "created_at": c.submitted_at,
        "updated_at": last_at,
    }
