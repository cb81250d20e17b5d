"""Reads of the case layer: what the API and the pages show (access control: `cases.access`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import CharField, Expression, F, QuerySet

from qamqor.cases.access import cases_visible_to, get_case_for
from qamqor.cases.actions.common import version_of
from qamqor.cases.actions.deadlines import step_due
from qamqor.cases.actions.facts import current_facts
from qamqor.cases.exceptions import ServiceNotAvailable
from qamqor.cases.models import Application, DecisionKind
from qamqor.cases.transitions import TERMINAL, Status, basis_for, moves_from
from qamqor.rules.calendar import fmt, local, working_days_between
from qamqor.rules.types import LANGS

QUEUE_ROLES = ("provider_officer", "provider_head", "front_office_operator")
QUEUE_LIMIT = 500
# a decision move of the table is offered to the API as the one action "decide" besides its own name
DECIDE = "decide"


def detail_queryset() -> QuerySet[Application]:
    return Application.objects.select_related("applicant", "provider", "office").prefetch_related(
        "children", "documents", "decisions", "events", "fact_rows"
    )


def case_for(user, pk, *, purpose: str) -> Application:
    """The case if this user may see it (the personal-data read is logged), its relations loaded."""
    case = get_case_for(user, pk, purpose=purpose)
    return detail_queryset().get(pk=case.pk)


def case_by_idempotency_key(key: str) -> Application | None:
    return detail_queryset().filter(idempotency_key=key).first()


def allowed_actions(user, case: Application) -> list[str]:
    """The actions the table allows this user's role from the case's status (a decision move also
    offers `decide`, the official's one step that records findings and decides)."""
    role = getattr(user, "role", "")
    names: list[str] = []
    for t in moves_from(case.status, case.channel):
        if role in t.roles:
            for name in ((DECIDE,) if t.decides else ()) + (t.action,):
                if name not in names:
                    names.append(name)
    return names


def action_bases(user, case: Application) -> dict[str, dict]:
    """The legal basis of each action `allowed_actions` offers this user (the table's basis under the
    case's procedure text, as the event will record it; `decide` has its decision move's)."""
    role = getattr(user, "role", "")
    out: dict[str, dict] = {}
    for t in moves_from(case.status, case.channel):
        if role in t.roles:
            basis = basis_for(t, case.procedure_source).as_dict()
            for name in ((DECIDE,) if t.decides else ()) + (t.action,):
                out.setdefault(name, basis)
    return out


def fact_sources(case: Application, on: dt.date, *, rows=None) -> dict:
    """Every fact of the case with its source (registry, officer's finding, declaration…); `rows`
    when the caller has them (a fresh submission), else the (prefetched) relation."""
    try:
        version = version_of(case)
    except ServiceNotAvailable:  # a case whose version is gone shows no evaluation
        return {}
    rows = case.fact_rows.all() if rows is None else rows
    return current_facts(case, version, on=on, rows=rows).sources


def open_statuses() -> list[str]:
    """The statuses a case can wait in (not terminal), in the table's order (the queue's filter)."""
    return [str(x) for x in Status if x not in TERMINAL]


def visible_cases(user, *, status: str | None = None, service: str | None = None) -> QuerySet[Application]:
    qs = cases_visible_to(user).select_related("provider", "office")
    if status:
        qs = qs.filter(status=status)
    if service:
        qs = qs.filter(service_slug=service)
    return qs.order_by("-submitted_at", "-id")


class StepDue(Expression):
    """The latest day of one step as the case's stored dates give it (`deadlines.steps[*].due` of
    that step, text 'YYYY-MM-DD…'), read inside the database: the queue then never loads a row's
    whole `deadlines` document (~15 kB of explanation lines each; decoding them was most of the
    queue's time at 100 000 cases, decision 0026)."""

    output_field = CharField()

    def __init__(self, step: str):
        super().__init__()
        self.step = step

    def as_sql(self, compiler, connection):  # SQLite (and any JSON1 database)
        table = compiler.query.get_initial_alias()
        return (
            f"(SELECT json_extract(s.value, '$.due') FROM json_each({compiler.quote_name_unless_alias(table)}"  # nosec B608
            ".\"deadlines\", '$.steps') AS s WHERE json_extract(s.value, '$.step') = %s LIMIT 1)",
            [self.step],
        )

    def as_postgresql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return (
            f"(SELECT s->>'due' FROM jsonb_array_elements(CASE WHEN jsonb_typeof({table}.\"deadlines\"->'steps')"  # nosec B608
            f" = 'array' THEN {table}.\"deadlines\"->'steps' ELSE '[]'::jsonb END) AS s WHERE s->>'step' = %s LIMIT 1)",
            [self.step],
        )


def _prelim_due(case) -> dt.date | None:
    if "prelim_due" in case.__dict__:  # annotated by `work_queue`
        return dt.date.fromisoformat(case.prelim_due[:10]) if case.prelim_due else None
    return step_due(case, "preliminary_refusal")


def queue_flags(case: Application, today: dt.date, now: dt.datetime, within: int) -> dict:
    """Overdue and at-risk marks of an open case (at risk: its due date, or the latest day of the
    preliminary refusal, within `within` working days)."""
    if case.due_at is not None:
        overdue = now > case.due_at
        at_risk = not overdue and (case.due_at - now) <= dt.timedelta(minutes=settings.QAMQOR_AT_RISK_MINUTES)
        return {"overdue": overdue, "at_risk": at_risk, "watch": "due_at"}
    overdue = case.due_date is not None and today > case.due_date
    watch, at_risk = None, False
    if not overdue:
        dates = []
        if case.status in (Status.IN_REVIEW, Status.AWAITING_REGISTRY_DATA, Status.COMPLETENESS_CHECKED):
            prelim = _prelim_due(case)
            if prelim is not None and prelim >= today:
                dates.append(("preliminary_refusal", prelim))
        if case.due_date is not None:
            dates.append(("due_date", case.due_date))
        for name, day in sorted(dates, key=lambda x: x[1]):
            if working_days_between(today, day) <= within:
                at_risk, watch = True, name
                break
    return {"overdue": overdue, "at_risk": at_risk, "watch": watch}


def work_queue(user, *, service: str | None = None, status: str | None = None) -> QuerySet[Application]:
    """Open cases the user may see, by due date (no due date last); of one service or status if given."""
    # the terminal statuses sorted: the same SQL every time, the predicate of the queue's indexes
    qs = cases_visible_to(user).exclude(status__in=sorted(str(x) for x in TERMINAL))
    if service:
        qs = qs.filter(service_slug=service)
    if status:
        qs = qs.filter(status=status)
    # the list needs no personal data, no facts and of the dates only the due moment and the latest
    # day of a preliminary refusal: the applicant is not joined, the facts and `deadlines` not read
    return (
        qs.select_related(None)
        .select_related("provider", "office")
        .defer("facts", "deadlines")
        .annotate(prelim_due=StepDue("preliminary_refusal"))
        .order_by(F("due_date").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "submitted_at", "id")[
            :QUEUE_LIMIT
        ]
    )


QUEUE_PAGE_FIELDS = ("id", "number", "service_slug", "status", "due_date", "due_at", "submitted_at")


def queue_page(
    user, *, service: str | None = None, status: str | None = None, start: int = 0, size: int = 100
) -> list[Application]:
    """One page of the work queue for the pages: `size` + 1 rows from `start` (the extra one says
    whether a next page exists), only the columns a row shows, nothing joined (decision 0026)."""
    qs = work_queue(user, service=service, status=status).select_related(None).only(*QUEUE_PAGE_FIELDS)
    return list(qs[start : start + size + 1])


def cabinet_result(case: Application, lang: str = "kk") -> dict:
    """What the recipient's personal cabinet shows for an automated case: the result of the
    standard's row 5 (the notice and decision, or the motivated refusal with its grounds), the
    refusal to accept with the missing facts, or that the case is still waiting."""

    lang = lang if lang in LANGS else "kk"
    base = {"number": case.number, "service": case.service_slug, "status": case.status}
    if case.status == Status.REFUSED_TO_ACCEPT:
        event = case.events.filter(action="refuse_incomplete_automated").first()
        payload = event.payload if event else {}
        return {
            **base,
            "kind": "refusal_to_accept",
            "date": fmt(local(event.at).date()) if event else None,
            "missing_facts": payload.get("missing_facts", []),
            "text": (payload.get("reason") or {}).get(lang, ""),
            "legal_basis": event.legal_basis if event else {},
        }
    decision = case.decisions.order_by("-decided_at", "-id").first()
    if case.status != Status.DELIVERED_TO_CABINET or decision is None:
        return {**base, "kind": "pending", "date": None}
    version = version_of(case)
    refused = decision.kind != DecisionKind.GRANT
    result = next(
        (r for r in version.results if (r.code == "motivated_refusal") == refused),
        version.results[0] if version.results else None,
    )
    delivered = case.events.filter(action="deliver_to_cabinet").order_by("-seq").first()
    out = {
        **base,
        "kind": "motivated_refusal" if refused else "grant",
        "result": {
            "code": result.code,
            "text": result.text.get(lang),
            "citation": result.citation.as_dict(),
        }
        if result is not None
        else None,
        "date": fmt(local(decision.decided_at).date()),
        "delivered_at": fmt(local(delivered.at).date()) if delivered else None,
        "decided_automatically": decision.decided_by_id is None,
        "note": (decision.reasons.get("decided_automatically") or {}).get(lang, ""),
        "grounds": [
            {
                "item": g["item"],
                "code": g["code"],
                "citation": g["citation"],
                "text": g["explanation"].get(lang, ""),
            }
            for g in decision.grounds
        ],
        "judgement_not_examined": [
            {"item": j["item"], "code": j["code"], "note": j["note"].get(lang, "")}
            for j in decision.evaluation.get("judgement_not_examined", [])
        ],
    }
    if refused:
        out["no_hearing"] = (decision.reasons.get("no_hearing") or {}).get(lang, "")
    else:
        from qamqor.databank.models import Obligation

        out["duties"] = [
            {
                "code": o.code,
                "due_on": fmt(o.due_on),
                "citation": {"source": o.citation_source, "clause": o.citation_clause},
            }
            for o in Obligation.objects.filter(placement__case_id=case.pk).order_by("due_on", "id")
        ]
    return out


def issued_documents(case: Application, lang: str = "kk") -> list[dict]:
    """The documents issued for the case (results, receipts, notices, records), oldest first, as the
    pages list them: title in `lang`, short code, date, whether revoked or superseded. Their bytes:
    `issued_document` (the same stored file the API serves)."""
    from qamqor.cases.actions.issuing import documents_of
    from qamqor.documents import registry

    return [
        {
            "kind": d.kind,
            "title": registry.get(d.kind).title_in(lang if lang in LANGS else "kk"),
            "lang": d.lang,
            "code": d.display_code,
            "issued_on": d.issued_on,
            "revoked": d.revoked_at is not None,
            "superseded": d.superseded_by_id is not None,
        }
        for d in documents_of(case)
    ]


def issued_document(case: Application, code: str):
    """The case's issued document with this short code (typed in any form), or None."""
    from qamqor.cases.actions.issuing import documents_of
    from qamqor.documents import services

    normal = services.normalise_code(code)
    return documents_of(case).filter(code=normal).first() if normal else None


def custody_clock(case: Application, now: dt.datetime) -> dict:
    """The State Corporation's custody of a result (`003_4cf6e905af0d21d2.txt` §11): since when, for
    how long (the pinned version's `custody` step, in months), until when, and whether the term is
    over (the result may go to the provider). A version without the step: `ends` None, `unknown`."""
    from dateutil.relativedelta import relativedelta

    started = case.custody_started_at
    try:
        step = version_of(case).step("custody")
    except ServiceNotAvailable:
        step = None
    if started is None or step is None or step.unit != "calendar_months":
        return {
            "started": started,
            "ends": None,
            "months": None,
            "over": False,
            "unknown": True,
            "step": step,
        }
    ends = started + relativedelta(months=step.value)
    return {
        "started": started,
        "ends": ends,
        "months": step.value,
        "over": now >= ends,
        "unknown": False,
        "days_left": max(0, (local(ends).date() - local(now).date()).days),
        "step": step,
    }


def package(case: Application, at: dt.datetime) -> dict:
    """The case's documents as the completeness check sees them (`gate.missing_documents`), named
    from its pinned version: the copies held (uploaded, on paper, or supplied by a registry), the
    documents a state information system holds with the registry's state (received, pending, not
    asked yet, not found, no consent), the documents missing from the applicant and those expired
    (decision 0029). Empty lists once the case is closed (the check no longer runs)."""
    from qamqor.cases.actions.gate import missing_documents
    from qamqor.registries.types import REGISTRY_NAMES

    version = version_of(case)
    names = {d.code: d.name for d in version.documents}
    held = [
        {
            "code": d.code,
            "name": names.get(d.code),
            "source": d.source,
            "source_label": d.get_source_display(),
            "registry": d.registry,
            "registry_name": REGISTRY_NAMES.get(d.registry) if d.registry else None,
            "received_at": d.received_at,
            "valid_until": d.valid_until,
        }
        for d in case.documents.all()
    ]
    out = {"held": held, "from_registry": [], "missing": [], "expired": []}
    if case.status in TERMINAL:
        return out
    found = missing_documents(case, at=at)
    out["from_registry"] = [
        {**d, "name": names.get(d["code"]), "registry_name": REGISTRY_NAMES.get(d["registry"])}
        for d in found.from_registry
    ]
    out["missing"] = [{"code": c, "name": names.get(c)} for c in found.missing]
    out["expired"] = [{"code": c, "name": names.get(c)} for c in found.expired]
    return out
