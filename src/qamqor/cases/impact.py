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

import numpy as np
from django.db import connection

from qamqor.accounts.models import Provider
from qamqor.cases import impact_columns
from qamqor.cases.actions.common import catalog as active
from qamqor.cases.actions.common import local_date
from qamqor.cases.actions.facts import current_facts
from qamqor.cases.models import Application, CaseFact, Decision, DecisionKind
from qamqor.cases.transitions import TERMINAL
from qamqor.catalog.batch import evaluate_batch, service_plan, table_from_documents
from qamqor.catalog.loader import load_draft_service
from qamqor.catalog.model import Catalog, Service
from qamqor.rules import vector
from qamqor.rules.calendar import ALMATY
from qamqor.rules.vector import DECISIONS, FactsTable

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
    reader: str = ""  # "columns" (PostgreSQL) or "rows" (current_facts, case by case)
    read_seconds: float = 0.0
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
            "reader": self.reader,
            "read_seconds": round(self.read_seconds, 3),
            "seconds": round(self.seconds, 3),
        }


def draft_catalog(current: Catalog, draft: Service) -> Catalog:
    """The catalogue in force with one service replaced by its draft."""
    current.service(draft.slug)  # a draft amends a service the catalogue has (UnknownService otherwise)
    return dataclasses.replace(current, services={**current.services, draft.slug: draft}, _params_by_day={})


def _cases_in_scope(slug: str, decided: tuple[dt.date, dt.date] | None):
    """The applications to judge (a queryset) and, for a past period, each one's last recorded
    decision in it."""
    cases = Application.objects.filter(service_slug=slug)
    if decided is None:
        return cases.exclude(status__in=list(TERMINAL)), {}
    start, end = decided
    # the period's days in Almaty as a range of moments (no conversion of every row's moment)
    first = dt.datetime.combine(start, dt.time.min, tzinfo=ALMATY)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=ALMATY)
    in_period = Decision.objects.filter(
        application__service_slug=slug,
        kind__in=list(_RECORDED),
        decided_at__gte=first,
        decided_at__lt=after,
    )
    recorded = {}
    if connection.vendor == "postgresql":  # the last one of each case, picked by the database
        last = in_period.order_by("application_id", "-decided_at", "-id").distinct("application_id")
        for app_id, kind in last.values_list("application_id", "kind").iterator(chunk_size=20_000):
            recorded[app_id] = _RECORDED[kind]
    else:
        for app_id, kind in in_period.order_by("decided_at", "id").values_list("application_id", "kind"):
            recorded[app_id] = _RECORDED[kind]  # the last decision of the case in the period
    return cases.filter(id__in=in_period.values("application_id")), recorded


def _documents(cases, catalog: Catalog, slug: str) -> tuple[list[dict], list[dt.date]]:
    """The facts document of each case as the gate sees it (`current_facts`, row by row), and each
    case's submission date."""
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


@dataclass
class _Scope:
    ids: np.ndarray
    days: np.ndarray  # int32 YYYYMMDD
    provider_ids: np.ndarray
    table: FactsTable
    reader: str


def read_scope(
    queryset, catalog: Catalog, slug: str, *, columns: bool | None = None, readers: int | None = None
) -> _Scope:
    """The facts of the cases of `queryset` in id order: from PostgreSQL in columns
    (`impact_columns`), or row by row through `current_facts` (SQLite, or `columns=False`)."""
    plan = service_plan(catalog, slug)
    if columns is None:
        columns = impact_columns.available()
    if columns:
        got = impact_columns.read_columns(queryset, catalog.service(slug), plan, readers=readers)
        return _Scope(got.ids, got.days, got.provider_ids, got.table, "columns")
    cases = list(queryset.order_by("id"))
    documents, dates = _documents(cases, catalog, slug)
    return _Scope(
        np.array([c.id for c in cases], np.int64),
        vector.dates_to_int(dates) if dates else np.zeros(0, np.int32),
        np.array([c.provider_id for c in cases], np.int64),
        table_from_documents(catalog, slug, documents),
        "rows",
    )


def _bits(mask_array: np.ndarray, width: int) -> list[tuple[int, np.ndarray]]:
    """(bit, rows having it) for each bit set somewhere in the array."""
    out = []
    for b in range(width):
        has = (mask_array >> b) & 1
        if has.any():
            out.append((b, has.astype(bool)))
    return out


def analyse_impact(
    draft_path: Path | str,
    *,
    on: dt.date | None = None,
    as_submitted: bool = False,
    decided: tuple[dt.date, dt.date] | None = None,
    sample: int = 10,
    check: int = 50,
    seed: int = 0,
    columns: bool | None = None,
) -> ImpactReport:
    """How the draft would change the answers for the open cases (or the decisions of `decided`)."""
    started = time.perf_counter()
    draft = load_draft_service(Path(draft_path))
    current = active()
    amended = draft_catalog(current, draft)
    newest = max(draft.versions, key=lambda v: v.in_force_from)
    judged_on = on or newest.in_force_from
    queryset, recorded = _cases_in_scope(draft.slug, decided)
    scope = "open" if decided is None else f"decided {decided[0].isoformat()}..{decided[1].isoformat()}"
    report = ImpactReport(
        service=draft.slug,
        draft_version=newest.id,
        scope=scope,
        judged_on="as submitted" if as_submitted else judged_on.isoformat(),
    )
    got = read_scope(queryset, current, draft.slug, columns=columns)
    report.reader = got.reader
    report.read_seconds = time.perf_counter() - started
    n = report.cases = len(got.ids)
    if not n:
        report.seconds = time.perf_counter() - started
        return report
    before = evaluate_batch(current, draft.slug, got.table, got.days)
    after = evaluate_batch(
        amended,
        draft.slug,
        got.table,
        got.days if as_submitted else np.full(n, vector.date_to_int(judged_on), np.int32),
    )
    was = before.result.decision.astype(np.int16)
    if recorded:
        codes = {name: k for k, name in enumerate(DECISIONS)}
        kept = np.array([codes[recorded[i]] for i in got.ids.tolist()], np.int16)
        was = kept
    now = after.result.decision.astype(np.int16)
    fb = before.result.fired.astype(np.uint64)
    fa = after.result.fired.astype(np.uint64)
    changed = (was != now) | ((now == vector.REFUSE) & (fb != fa))
    rows = np.flatnonzero(changed)
    report.changed = len(rows)
    for (b, a), k in Counter(zip(was[rows].tolist(), now[rows].tolist(), strict=True)).items():
        report.transitions[(DECISIONS[b], DECISIONS[a])] += k
    for bit, has in _bits(fa[rows] & ~fb[rows], 64):
        report.grounds_fired_now[bit + 1] = int(has.sum())
    for bit, has in _bits(fb[rows] & ~fa[rows], 64):
        report.grounds_no_longer[bit + 1] = int(has.sum())
    waiting = rows[now[rows] == vector.NEEDS_FACTS]
    for bit, has in _bits(after.result.missing[waiting].astype(np.uint64), len(after.plan.names)):
        report.facts_to_collect[after.plan.name(bit)] = int(has.sum())
    providers = dict(Provider.objects.values_list("id", "code"))
    months = (got.days[rows] // 100).tolist()
    for p, m, b, a in zip(
        got.provider_ids[rows].tolist(), months, was[rows].tolist(), now[rows].tolist(), strict=True
    ):
        report.by_provider_month[(providers.get(p, "?"), f"{m // 100:04d}-{m % 100:02d}")][
            (DECISIONS[b], DECISIONS[a])
        ] += 1
    rng = random.Random(seed)  # nosec B311  # which cases to show and re-check: no secret
    report.checked_by_scalar = _check_by_scalar(got, before, after, current, draft.slug, rng, check)
    picked = sorted(rng.sample(rows.tolist(), min(sample, len(rows))))
    numbers = dict(Application.objects.filter(id__in=got.ids[picked].tolist()).values_list("id", "number"))
    for i in picked:
        report.sample.append(
            Change(
                numbers[int(got.ids[i])],
                providers.get(int(got.provider_ids[i]), "?"),
                f"{got.days[i] // 10000:04d}-{got.days[i] // 100 % 100:02d}",
                DECISIONS[was[i]],
                DECISIONS[now[i]],
                before.fired_items(i),
                after.fired_items(i),
            )
        )
    report.sample.sort(key=lambda c: c.number)
    report.seconds = time.perf_counter() - started
    return report


def _check_by_scalar(got: _Scope, before, after, current: Catalog, slug: str, rng, check: int) -> int:
    """Re-judge a sample with the scalar engine on the facts as the gate reads them (`current_facts`,
    row by row): the batch answers must agree (`BatchResult.evaluation` raises otherwise). This also
    checks the columnar reader against the gate's own reading."""
    picked = sorted(rng.sample(range(len(got.ids)), min(check, len(got.ids))))
    if not picked:
        return 0
    by_id = {c.id: c for c in Application.objects.filter(id__in=got.ids[picked].tolist())}
    documents, _dates = _documents([by_id[int(got.ids[i])] for i in picked], current, slug)
    for i, facts in zip(picked, documents, strict=True):
        before.evaluation(i, facts)
        after.evaluation(i, facts)
    return len(picked)
