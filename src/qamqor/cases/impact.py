"""The impact of an amendment before it is signed (issue 16): every open case of a service, and
optionally every decision of a past period, judged again under a draft definition of that service.

Reads only. The facts are the ones the decision gate sees (`facts.current_facts`: the latest row of
each path whose source the case's pinned version accepts), judged twice with the batch engine
(`catalog.batch`): once under the catalogue in force (each case under its pinned version's date, as the
gate judges it), once under the draft. The draft is judged on one date, `on` (default: the day its
newest version enters into force), because the question is "what would these cases get under the new
text"; `as_submitted=True` judges each case under the draft version of its own submission date
instead (what the amendment changes for the dates it covers). A sample of cases is re-judged by the
scalar engine, which must agree with the batch masks (`BatchResult.evaluation` raises otherwise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from qamqor.cases.actions.common import catalog as active
from qamqor.cases.actions.common import local_date
from qamqor.cases.actions.facts import current_facts
from qamqor.cases.models import Application, CaseFact, Decision, DecisionKind
from qamqor.cases.transitions import TERMINAL
from qamqor.catalog.batch import evaluate_batch
from qamqor.catalog.loader import load_draft_service
from qamqor.catalog.model import Catalog, Service

# what a recorded decision counts as, beside the engine's answers
_RECORDED = {
    DecisionKind.GRANT: "grant",
    DecisionKind.PRELIMINARY_REFUSAL: "refuse",
    DecisionKind.FINAL_REFUSAL: "refuse",
}


@dataclass
class Change:
    number: str
    provider: str
    month: str  # YYYY-MM of submission
    before: str
    after: str
    grounds_before: tuple[int, ...]
    grounds_after: tuple[int, ...]


@dataclass
class ImpactReport:
    service: str
    draft_version: str
    scope: str  # "open" or "decided FROM..TO"
    judged_on: str  # "as submitted" or the draft's date
    cases: int = 0
    changed: int = 0
    transitions: Counter = field(default_factory=Counter)  # (before, after) → cases
    grounds_fired_now: Counter = field(default_factory=Counter)  # ground item → cases newly refused on it
    grounds_no_longer: Counter = field(default_factory=Counter)  # ground item → cases it no longer stops
    facts_to_collect: Counter = field(default_factory=Counter)  # fact → changed cases now waiting for it
    by_provider_month: dict = field(default_factory=lambda: defaultdict(Counter))
    sample: list[Change] = field(default_factory=list)
    checked_by_scalar: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "service": self.service,
            "draft_version": self.draft_version,
            "scope": self.scope,
            "judged_on": self.judged_on,
            "cases": self.cases,
            "changed": self.changed,
            "transitions": [
                {"before": b, "after": a, "cases": n} for (b, a), n in sorted(self.transitions.items())
            ],
            "grounds_fired_now": dict(sorted(self.grounds_fired_now.items())),
            "grounds_no_longer": dict(sorted(self.grounds_no_longer.items())),
            "facts_to_collect": dict(sorted(self.facts_to_collect.items())),
            "by_provider_month": [
                {"provider": p, "month": m, **{f"{b}->{a}": n for (b, a), n in sorted(c.items())}}
                for (p, m), c in sorted(self.by_provider_month.items())
            ],
            "sample": [dataclasses.asdict(c) for c in self.sample],
            "checked_by_scalar": self.checked_by_scalar,
            "seconds": round(self.seconds, 3),
        }


def draft_catalog(current: Catalog, draft: Service) -> Catalog:
    """The catalogue in force with one service replaced by its draft."""
    current.service(draft.slug)  # a draft amends a service the catalogue has (UnknownService otherwise)
    return dataclasses.replace(current, services={**current.services, draft.slug: draft}, _params_by_day={})


def _cases_in_scope(slug: str, decided: tuple[dt.date, dt.date] | None):
    cases = Application.objects.filter(service_slug=slug).select_related("provider")
    if decided is None:
        return list(cases.exclude(status__in=list(TERMINAL)).order_by("id")), {}
    start, end = decided
    recorded = {}
    rows = Decision.objects.filter(
        application__service_slug=slug,
        kind__in=list(_RECORDED),
        decided_at__date__gte=start,
        decided_at__date__lte=end,
    ).values_list("application_id", "kind")
    for app_id, kind in rows.order_by("decided_at", "id"):
        recorded[app_id] = _RECORDED[kind]  # the last decision of the case in the period
    return list(cases.filter(id__in=list(recorded)).order_by("id")), recorded


def _documents(cases, catalog: Catalog, slug: str) -> tuple[list[dict], list[dt.date]]:
    """The facts document of each case as the gate sees it, and each case's submission date."""
    rows_by_case: dict[int, list] = defaultdict(list)
    ids = [c.id for c in cases]
    for start in range(0, len(ids), 5000):  # bounded IN lists
        for row in CaseFact.objects.filter(application_id__in=ids[start : start + 5000]).order_by("id"):
            rows_by_case[row.application_id].append(row)
    service = catalog.service(slug)
    documents, dates = [], []
    for case in cases:
        on = local_date(case.submitted_at)
        version = service.version_by_id(case.catalogue_version) or service.version_on(on)
        facts = (
            current_facts(case, version, on=on, rows=rows_by_case.get(case.id, [])).facts if version else {}
        )
        documents.append(facts)
        dates.append(on)
    return documents, dates


def analyse_impact(
    draft_path: Path | str,
    *,
    on: dt.date | None = None,
    as_submitted: bool = False,
    decided: tuple[dt.date, dt.date] | None = None,
    sample: int = 10,
    check: int = 50,
    seed: int = 0,
) -> ImpactReport:
    """How the draft would change the answers for the open cases (or the decisions of `decided`)."""
    started = time.perf_counter()
    draft = load_draft_service(Path(draft_path))
    current = active()
    amended = draft_catalog(current, draft)
    newest = max(draft.versions, key=lambda v: v.in_force_from)
    judged_on = on or newest.in_force_from
    cases, recorded = _cases_in_scope(draft.slug, decided)
    scope = "open" if decided is None else f"decided {decided[0].isoformat()}..{decided[1].isoformat()}"
    report = ImpactReport(
        service=draft.slug,
        draft_version=newest.id,
        scope=scope,
        judged_on="as submitted" if as_submitted else judged_on.isoformat(),
        cases=len(cases),
    )
    if not cases:
        report.seconds = time.perf_counter() - started
        return report
    documents, dates = _documents(cases, current, draft.slug)
    before = evaluate_batch(current, draft.slug, documents, dates)
    after = evaluate_batch(
        amended, draft.slug, documents, dates if as_submitted else [judged_on] * len(cases)
    )
    rng = random.Random(seed)  # nosec B311  # which cases to show and re-check: no secret
    for i in sorted(rng.sample(range(len(cases)), min(check, len(cases)))):  # the scalar engine agrees
        before.evaluation(i, documents[i])
        after.evaluation(i, documents[i])
        report.checked_by_scalar += 1
    changes: list[Change] = []
    for i, case in enumerate(cases):
        was = recorded.get(case.id) or before.decision(i)
        now = after.decision(i)
        fired_before, fired_after = before.fired_items(i), after.fired_items(i)
        if was == now and (now != "refuse" or fired_before == fired_after):
            continue
        report.changed += 1
        report.transitions[(was, now)] += 1
        report.grounds_fired_now.update(set(fired_after) - set(fired_before))
        report.grounds_no_longer.update(set(fired_before) - set(fired_after))
        if now == "needs_facts":
            report.facts_to_collect.update(after.missing_facts(i))
        month = dates[i].strftime("%Y-%m")
        report.by_provider_month[(case.provider.code, month)][(was, now)] += 1
        changes.append(Change(case.number, case.provider.code, month, was, now, fired_before, fired_after))
    report.sample = sorted(rng.sample(changes, min(sample, len(changes))), key=lambda c: c.number)
    report.seconds = time.perf_counter() - started
    return report
