"""One case of the sandbox history as rows: its events (the steps of the transition table, in order,
each with its legal basis), its facts with their sources, its decisions with the rules' grounds,
and its dates from the catalogue's term through the deadline service. Everything happens on or
before `until`; a case whose next step would come later stays open at its last step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from qamqor.cases.actions.deadlines import recompute_deadlines
from qamqor.cases.models import Application
from qamqor.demo.history.plan import CONSENT, Profile, VersionPlan, evaluation_of, source_kind, step
from qamqor.rules.calendar import ALMATY

UTC = dt.UTC
OFFICER, OPERATOR, SYSTEM, RECIPIENT = "provider_officer", "front_office_operator", "system", "recipient"
EVIDENCE = "sandbox history: finding of the synthetic case file"


@dataclass
class Case:
    """What was drawn for one case (numbers from the generator's random streams)."""

    plan: VersionPlan
    channel: str
    submitted_at: dt.datetime
    provider: tuple[int, int, str]  # (provider id, its officer's user id, its code)
    office: tuple[int, int, str] | None  # (office id, its operator's user id, kind)
    fate: str  # granted | refused | refused_to_accept | withdrawn
    profile: Profile
    days: int  # working days from registration to the decision
    awaits_registry: bool
    stuck: bool  # stays open at its review


@dataclass
class Built:
    status: str
    version: int
    outcome: str
    events: list[dict] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    placement_on: dt.date | None = None


def at_local(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), ALMATY).astimezone(UTC)


def _moments(c: Case, cal, rnd) -> dict[str, dt.datetime]:
    """The moment of each stage: minutes apart for an automated service, working days apart otherwise."""
    t0 = c.submitted_at
    if c.plan.automated:
        return {k: t0 + dt.timedelta(seconds=20 * (i + 1)) for i, k in enumerate(AUTOMATED_ORDER)}
    day0 = t0.astimezone(ALMATY).date()
    reg = day0 if cal.is_working_day(day0) else cal.next_working_day(day0)

    def wd(n: int, lo: int = 9 * 60, hi: int = 18 * 60) -> dt.datetime:
        d = reg if n <= 0 else cal.add_working_days(reg, n)
        moment = at_local(d, lo + int(rnd() * (hi - lo)))
        return max(moment, t0 + dt.timedelta(minutes=5))

    d = max(2, c.days)
    out = {
        "register": t0 + dt.timedelta(minutes=3 + int(rnd() * 20)),
        "courier": wd(1),
        "receive": wd(2),
        "completeness": wd(min(2, d - 1) if c.channel != "state_corp" else 3),
        "review": wd(min(3, d - 1) if c.channel != "state_corp" else 4),
        "await": wd(max(4, d // 3)),
        "registry_answer": wd(max(5, d // 2)),
        "preliminary": wd(d + 1),
        "hearing": wd(d + 3),
        "decision": wd(d + (4 if c.fate == "refused" else 1)),
        "result": wd(d + (4 if c.fate == "refused" else 1), 17 * 60, 18 * 60),
        "custody": wd(d + 5),
        "handover": wd(d + 6 + int(rnd() * 5)),
        "withdraw": wd(max(1, d // 2)),
    }
    for a, b in (("completeness", "review"), ("review", "await"), ("await", "registry_answer")):
        if out[b] <= out[a]:
            out[b] = out[a] + dt.timedelta(minutes=30)
    return out


AUTOMATED_ORDER = ("register", "completeness", "review", "decision", "result", "handover")


def _path(c: Case) -> list[tuple[str, str, str, str]]:
    """(action, to status, role, moment key) of each step after the submission."""
    ch, granted = c.channel, c.fate == "granted"
    if c.plan.automated:
        decide = ("grant", "granted", SYSTEM, "decision") if granted else None
        return [
            ("register_on_portal", "registered", SYSTEM, "register"),
            ("check_completeness", "completeness_checked", SYSTEM, "completeness"),
            ("start_review", "in_review", SYSTEM, "review"),
            decide or ("issue_automated_refusal", "refused", SYSTEM, "decision"),
            ("issue_result", "result_issued", SYSTEM, "result"),
            ("deliver_to_cabinet", "delivered_to_cabinet", SYSTEM, "handover"),
        ]
    steps = {
        "portal": [("register_on_portal", "registered", SYSTEM, "register")],
        "provider": [("register_at_provider", "registered", OFFICER, "register")],
        "state_corp": [
            ("accept_at_front_office", "registered", OPERATOR, "register"),
            ("send_by_courier", "in_transit", OPERATOR, "courier"),
            ("receive_at_provider", "at_provider", OFFICER, "receive"),
        ],
    }[ch]
    if c.fate == "refused_to_accept":
        role = OPERATOR if ch == "state_corp" else OFFICER
        if ch == "state_corp" and len(steps) > 1 and c.days % 2:
            return [("refuse_to_accept", "refused_to_accept", role, "register")]
        return [*steps, ("refuse_to_accept", "refused_to_accept", OFFICER, "completeness")]
    steps = [
        *steps,
        ("check_completeness", "completeness_checked", OFFICER, "completeness"),
        ("start_review", "in_review", OFFICER, "review"),
    ]
    if c.awaits_registry:
        steps += [
            ("await_registry_data", "awaiting_registry_data", OFFICER, "await"),
            ("receive_registry_data", "in_review", SYSTEM, "registry_answer"),
        ]
    if c.fate == "withdrawn":
        return [*steps, ("withdraw", "withdrawn", RECIPIENT, "withdraw")]
    if granted:
        steps.append(("grant", "granted", OFFICER, "decision"))
    else:
        steps += [
            ("issue_preliminary_refusal", "preliminary_refusal", OFFICER, "preliminary"),
            ("hold_hearing", "hearing_held", OFFICER, "hearing"),
            ("issue_final_refusal", "refused", OFFICER, "decision"),
        ]
    steps.append(("issue_result", "result_issued", OFFICER, "result"))
    if ch == "portal":
        return [*steps, ("deliver_to_cabinet", "delivered_to_cabinet", SYSTEM, "result")]
    if ch == "state_corp":
        return [
            *steps,
            ("hold_at_state_corp", "held_at_state_corp", OPERATOR, "custody"),
            ("hand_over", "handed_over", OPERATOR, "handover"),
        ]
    return [*steps, ("hand_over", "handed_over", OFFICER, "handover")]


DECIDES = {"grant": "grant", "issue_preliminary_refusal": "preliminary_refusal"}
DECIDES |= {"issue_final_refusal": "final_refusal", "issue_automated_refusal": "final_refusal"}


def build_case(c: Case, case_id: int, until: dt.datetime, catalog, cal, rnd) -> Built:
    """The case's rows (ids left to the writer) up to `until`."""
    v = c.plan.version
    text = v.procedure.text if v.procedure else ""
    when = _moments(c, cal, rnd)
    actor = {
        OFFICER: c.provider[1],
        OPERATOR: c.office[1] if c.office else None,
        SYSTEM: None,
        RECIPIENT: None,
    }
    first_role = {"portal": RECIPIENT, "provider": OFFICER, "state_corp": OPERATOR}[c.channel]
    basis = c.plan.submit_basis[c.channel]
    out = Built("submitted", 1, "")
    out.events.append(
        _event(case_id, 1, "submit", "", "submitted", actor[first_role], first_role, c.submitted_at, basis)
        | {"payload": {"channel": c.channel, "catalogue_version": v.id, "consent": c.profile.consent}}
    )
    declared, later = _facts(c, v)
    out.facts += [
        _fact(case_id, p, val, k, reg, None, RECIPIENT, c.submitted_at) for p, val, k, reg in declared
    ]
    status, seq, last = "submitted", 1, c.submitted_at
    for action, target, role, key in _path(c):
        moment = max(when[key], last + dt.timedelta(minutes=1))  # steps in their order
        last = moment
        if moment > until or (c.stuck and action in DECIDES):
            break
        if (
            action in DECIDES
            and evaluation_of(catalog, v, c.profile, moment.astimezone(ALMATY).date()) is None
        ):
            break  # the rules of that day do not decide over these facts: the case waits in review
        if action == "check_completeness" or (c.plan.automated and action == "start_review"):
            for p, val, k, reg in later:  # the registries' and the data bank's answers
                if k != "officer":
                    out.facts.append(
                        _fact(case_id, p, val, k, reg, None, SYSTEM, moment - dt.timedelta(minutes=1))
                    )
        if action in ("grant", "issue_preliminary_refusal") and not c.plan.automated:
            for p, val, k, reg in later:  # the official's findings, just before the decision
                if k == "officer":
                    by = actor[OFFICER]
                    out.facts.append(
                        _fact(case_id, p, val, k, reg, by, OFFICER, moment - dt.timedelta(minutes=2))
                    )
        s = step(action, target, c.channel, role, text)
        seq += 1
        payload = {}
        if action == "issue_preliminary_refusal":
            hearing = when["hearing"]
            payload = {"hearing_at": hearing.isoformat(), "hearing_place": "the provider's office"}
            out.changes.update(hearing_at=hearing, hearing_place="the provider's office")
        if action == "hold_at_state_corp":
            out.changes["custody_started_at"] = moment
        if action == "hand_over":
            out.changes["handed_over_on"] = "identity_document"
        if s.transition.decides:
            decision = _decision(c, case_id, s.transition.decides, actor[role], moment, catalog, out.facts)
            out.decisions.append(decision)
            if s.transition.decides == "grant":
                out.outcome = "granted"
                out.placement_on = moment.astimezone(ALMATY).date()
            elif s.transition.decides == "final_refusal":
                out.outcome = "refused"
            basis = s.basis
            for g in decision["grounds"]:
                basis = basis + _basis_of(g)
        else:
            basis = s.basis
        out.events.append(
            _event(case_id, seq, action, status, target, actor[role], role, moment, basis)
            | {"payload": payload}
        )
        status = target
    out.status, out.version = status, seq
    return out


def _basis_of(ground: dict):
    from qamqor.catalog.procedure import Basis
    from qamqor.rules.types import Citation

    cit = ground["citation"]
    return Basis((Citation(cit["source"], cit["clause"]),))


def _facts(c: Case, v):
    """(declared at submission, collected later) as (path, value, source kind, registry)."""
    declared, later = [], []
    for path, value in sorted(c.profile.facts.items()):
        kind, registry = source_kind(v, path)
        (declared if kind == "declaration" else later).append((path, value, kind, registry))
    return declared, later


def _event(case_id, seq, action, from_status, to_status, actor_id, role, at, basis) -> dict:
    first = basis.first
    return {
        "application_id": case_id,
        "seq": seq,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": actor_id,
        "actor_role": role,
        "at": at,
        "legal_basis": basis.as_dict(),
        "legal_basis_source": first.source if first else "",
        "legal_basis_clause": first.clause if first else "",
        "idempotency_key": None,
    }


def _fact(case_id, path, value, kind, registry, actor_id, role, at) -> dict:
    return {
        "application_id": case_id,
        "path": path,
        "value": value.isoformat() if isinstance(value, dt.date) else value,
        "source": kind,
        "registry": registry or "",
        "reference": f"sandbox-history/{case_id}/{path}" if kind in ("registry", "databank") else "",
        "consent_reference": "",
        "document_id": None,
        "evidence": EVIDENCE if kind == "officer" else "",
        "actor_id": actor_id,
        "actor_role": role,
        "at": at,
    }


def _decision(c: Case, case_id, decides, actor_id, at, catalog, facts) -> dict:
    on = at.astimezone(ALMATY).date()
    record, grounds = evaluation_of(catalog, c.plan.version, c.profile, on)
    sources = {
        f["path"]: {
            "value": f["value"],
            "source": f["source"],
            **({"registry": f["registry"]} if f["registry"] else {}),
            **({"reference": f["reference"]} if f["reference"] else {}),
            **({"evidence": f["evidence"]} if f["evidence"] else {}),
            "at": f["at"].isoformat(),
            "actor_role": f["actor_role"],
        }
        for f in facts
    }
    if c.plan.version.needs_consent:
        sources[CONSENT] = {"value": c.profile.consent, "source": "consent", "at": c.submitted_at.isoformat()}
    grounds = [{**g, "reason": EVIDENCE} if g.get("judgement") else g for g in grounds]
    return {
        "application_id": case_id,
        "kind": decides,
        "decided_by_id": actor_id,
        "decided_at": at,
        "catalogue_version": c.plan.version.id,
        "evaluation": {**record, "fact_sources": sources},
        "grounds": grounds,
        "reasons": {},
    }


_DATES: dict[tuple, tuple] = {}


def deadlines_of(app: dict, version, office_kind: str | None, catalog, *, explained: bool) -> dict:
    """Registration, due date and steps through the deadline service (as at submission). `explained`:
    with the dates' explanations (the `deadlines` document the case page shows), for the open cases;
    a closed case gets its registration and due date only, which depend on the submission's day and
    half hour alone (the office schedules change on the hour or half hour), so they are reused."""
    local = app["submitted_at"].astimezone(ALMATY)
    key = (
        version.slug,
        version.id,
        app["channel"],
        office_kind,
        local.date(),
        local.hour,
        local.minute // 30,
    )
    if not explained and key in _DATES and version.term is not None and version.term.unit != "minutes":
        registered_on, due_date = _DATES[key]
        return {"deadlines": {}, "registered_on": registered_on, "due_date": due_date, "due_at": None}
    case = Application(
        service_slug=version.slug,
        catalogue_version=version.id,
        channel=app["channel"],
        submitted_at=app["submitted_at"],
        office_id=app["office_id"],
    )
    if office_kind is not None:
        from qamqor.accounts.models import StateCorpOffice

        case.office = StateCorpOffice(id=app["office_id"], kind=office_kind)
    recompute_deadlines(case, catalog=catalog, save=False)
    _DATES[key] = (case.registered_on, case.due_date)
    return {
        "deadlines": case.deadlines if explained else {},
        "registered_on": case.registered_on,
        "due_date": case.due_date,
        "due_at": case.due_at,
    }
