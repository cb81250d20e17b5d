"""Judge many applications at once, each under the catalogue version in force on its own date.

The glue between the catalogue and `qamqor.rules.vector`: a service's versions are compiled once
to a batch plan (cached per catalogue), a list of facts documents (or synthetic columns) becomes a
columnar `FactsTable`, and `evaluate_batch` gives per case the version, the decision, the fired and
unknown grounds and the missing facts as arrays. One case's full `Evaluation` (fired grounds with
citations and explanations) is rendered by the scalar engine on that case's facts and checked
against the batch masks (`BatchResult.evaluation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qamqor.catalog.evaluation import Evaluation, evaluate_service
from qamqor.catalog.model import Catalog, Service
from qamqor.rules import vector
from qamqor.rules.vector import DECISIONS, FactsTable, Plan, VectorError, VectorResult

__all__ = [
    "BatchResult",
    "FactsTable",
    "VectorError",
    "evaluate_batch",
    "service_plan",
    "table_from_documents",
    "tables_equal",
]

_PLANS: dict[tuple[int, str], tuple[Catalog, Plan]] = {}


def service_plan(catalog: Catalog, slug: str) -> Plan:
    """The batch plan of a service (compiled once per catalogue object, from the loaded versions
    alone: the compiled sources carry every expression, `unless` inside `some` included)."""
    key = (id(catalog), slug)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    service = catalog.service(slug)
    plan = vector.compile_plan(service.versions, catalog.parameters)
    if len(_PLANS) > 64:
        _PLANS.clear()
    _PLANS[key] = (catalog, plan)
    return plan


def table_from_documents(
    catalog: Catalog,
    slug: str,
    documents: Sequence[Mapping[str, Any]],
) -> FactsTable:
    """The columnar table of facts documents (for the case system and tests)."""
    return vector.table_from_documents(documents, service_plan(catalog, slug))


def as_date_array(dates: Any) -> np.ndarray:
    """int32 YYYYMMDD from an array of that, of numpy datetime64, or a sequence of `date`s."""
    if isinstance(dates, np.ndarray):
        if dates.dtype.kind == "M":
            days = dates.astype("datetime64[D]")
            years = days.astype("datetime64[Y]")
            months = days.astype("datetime64[M]")
            y = years.astype(np.int64) + 1970
            m = (months - years).astype(np.int64) + 1
            d = (days - months).astype(np.int64) + 1
            return (y * 10000 + m * 100 + d).astype(np.int32)
        return dates.astype(np.int32, copy=False)
    return vector.dates_to_int(dates)


@dataclass(slots=True)
class BatchResult:
    catalog: Catalog
    service: Service
    plan: Plan
    table: FactsTable
    on: np.ndarray  # int32 YYYYMMDD per case
    result: VectorResult

    def __len__(self) -> int:
        return self.table.n

    def decision(self, i: int) -> str:
        return DECISIONS[int(self.result.decision[i])]

    def version_id(self, i: int) -> str | None:
        v = int(self.result.version[i])
        return self.plan.versions[v].id if v >= 0 else None

    def fired_items(self, i: int) -> tuple[int, ...]:
        return vector.items_of(self.result.fired[i])

    def unknown_items(self, i: int) -> tuple[int, ...]:
        return vector.items_of(self.result.unknown[i])

    def missing_facts(self, i: int) -> tuple[str, ...]:
        return self.plan.missing_names(self.result.missing[i])

    def obligation_codes(self, i: int) -> tuple[str, ...]:
        v = int(self.result.version[i])
        if v < 0:
            return ()
        mask = int(self.result.obligations[i])
        return tuple(o.code for j, o in enumerate(self.service.versions[v].obligations) if mask >> j & 1)

    def counts(self) -> dict[str, int]:
        c = np.bincount(self.result.decision, minlength=len(DECISIONS))
        return {name: int(c[k]) for k, name in enumerate(DECISIONS)}

    def evaluation(self, i: int, facts: Mapping[str, Any] | None = None) -> Evaluation:
        """Case i as the scalar path gives it (fired grounds with citations and explanations),
        computed on `facts` (default: the case rebuilt from the table) and checked against the
        batch result."""
        if facts is None:
            facts = self.table.document(i)
        on = vector.int_to_date(int(self.on[i]))
        ev = evaluate_service(self.catalog, self.service.slug, facts, on)
        got = (
            ev.decision,
            tuple(g.item for g in ev.grounds),
            tuple(ev.missing_facts),
            tuple(o.code for o in ev.obligations),
        )
        want = (self.decision(i), self.fired_items(i), self.missing_facts(i), self.obligation_codes(i))
        if got != want:
            raise VectorError(f"case {i}: the batch result {want} differs from the scalar one {got}")
        return ev

    def as_dict(self, i: int, facts: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.evaluation(i, facts).as_dict()


def evaluate_batch(
    catalog: Catalog,
    slug: str,
    table: FactsTable | Sequence[Mapping[str, Any]],
    dates: Any,
    *,
    chunk: int = vector.DEFAULT_CHUNK,
) -> BatchResult:
    """Evaluate every case (a `FactsTable`, or facts documents) on its own date, under the version
    of the service in force on that date. `dates`: int32 YYYYMMDD array, datetime64 array or
    a sequence of `datetime.date`."""
    service = catalog.service(slug)
    plan = service_plan(catalog, slug)
    if not isinstance(table, FactsTable):
        table = vector.table_from_documents(list(table), plan)
    if not isinstance(dates, np.ndarray):
        dates = list(dates)
        if dates and not isinstance(dates[0], dt.date):
            raise VectorError("dates must be datetime.date values or an int32 YYYYMMDD array")
    on = as_date_array(dates)
    result = vector.evaluate(plan, table, on, chunk=chunk)
    return BatchResult(catalog, service, plan, table, on, result)


def tables_equal(a: FactsTable, b: FactsTable) -> str | None:
    """None when the two tables hold the same facts column for column (kinds, categories, values,
    absent and null rows, list structure and item fields); else the first difference, named."""
    if a.n != b.n or set(a.columns) != set(b.columns) or set(a.lists) != set(b.lists):
        return f"shape: {a.n} vs {b.n} rows, columns {sorted(a.columns)} vs {sorted(b.columns)}"

    def same(x, y) -> bool:
        return (x is None and y is None) or (x is not None and y is not None and np.array_equal(x, y))

    def column_difference(where: str, x: vector.Column, y: vector.Column) -> str | None:
        if (x.kind, x.categories, x.integral) != (y.kind, y.categories, y.integral):
            return f"{where}: kind {x.kind}{x.categories} vs {y.kind}{y.categories}"
        for name in ("values", "missing", "null"):
            if not same(getattr(x, name), getattr(y, name)):
                return f"{where}: {name} differ"
        return None

    for path, col in b.columns.items():
        if (diff := column_difference(path, a.columns[path], col)) is not None:
            return diff
    for path, lc in b.lists.items():
        other = a.lists[path]
        for name in ("state", "offsets", "ok"):
            if not np.array_equal(getattr(other, name), getattr(lc, name)):
                return f"{path}: {name} differ"
        if set(other.fields) != set(lc.fields):
            return f"{path}: item fields differ"
        for field_name, col in lc.fields.items():
            if (
                diff := column_difference(f"{path}[].{field_name}", other.fields[field_name], col)
            ) is not None:
                return diff
    return None
