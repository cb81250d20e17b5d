"""The facts of many cases read from PostgreSQL in columns, for the batch engine (issue 16: the
impact of an amendment over every open case of a country's history in seconds).

What it reads is exactly what `facts.current_facts` gives the decision gate, case by case: the
latest row of each path (by id), kept only when the case's version reads that path and accepts its
source (and registry); the consent fact from the application where the version reads it. Instead of
one Python object per fact row, PostgreSQL picks the latest rows, applies the acceptance table and
returns one aggregated row per (path, kind of value, category): the row numbers and the values as
delimited text, which NumPy parses in C. Only what has no compact form — a non-empty list, a date
not written as YYYY-MM-DD — comes back as JSON, row by row. `tests/cases/test_impact_columns.py`
compares the table with the row-by-row one on PostgreSQL; `bench/impact.py` measures both.

Everything is read in one REPEATABLE READ, READ ONLY transaction, so the scope and the facts are of
one snapshot; it needs no write and may run on a replica (docs/deployment.md).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from qamqor.catalog.model import Service
from qamqor.rules import vector
from qamqor.rules.calendar import ALMATY
from qamqor.rules.logic import MISSING
from qamqor.rules.vector import Column, FactsTable, Plan, VectorError, column_from_values, list_column

CONSENT_PATH = "consent_personal_data"  # gate.CONSENT_FACT, read from the application itself


@dataclass
class ScopeColumns:
    """The cases in scope, ordered by id: the arrays the report needs beside the facts."""

    ids: np.ndarray  # int64
    days: np.ndarray  # int32 YYYYMMDD: the submission's local date
    provider_ids: np.ndarray  # int64
    versions: list[str | None]  # the version each case is judged under (None: none in force)
    table: FactsTable


def available() -> bool:
    return connection.vendor == "postgresql"


def _ids(data) -> np.ndarray:
    """int8send's big-endian bytes, concatenated (string_agg of bytea), as int64."""
    return np.frombuffer(bytes(data or b""), ">i8").astype(np.int64)


def _int32(data) -> np.ndarray:
    return np.frombuffer(bytes(data or b""), ">i4").astype(np.int32)


def _float64(data) -> np.ndarray:
    return np.frombuffer(bytes(data or b""), ">f8").astype(np.float64)


def _text(data) -> str:
    return bytes(data or b"").decode()


def _check_paths(service: Service, plan: Plan) -> None:
    """The reader takes a stored path as a whole fact; a version reading a path inside another (or
    around it) would need the nesting that `set_path` builds: refuse rather than judge it wrongly."""
    read = set().union(*(v.facts_read for v in service.versions)) | set(plan.fact_paths)
    for a in read:
        for b in read:
            if a != b and b.startswith(a + "."):
                raise VectorError(f"{service.slug}: facts {a} and {b} nest; read them row by row")


def _version_codes(service: Service, pinned: str | None, days: np.ndarray) -> np.ndarray:
    """Per case (index into `service.versions`, -1 for none) the version it is judged under, as the
    gate takes it: its pinned one if the catalogue has it, else the first in force on its submission
    day (`version_by_id(...) or version_on(day)`)."""
    for k, v in enumerate(service.versions):
        if v.id == pinned:
            return np.full(len(days), k, np.int16)
    codes = np.full(len(days), -1, np.int16)
    for k in reversed(range(len(service.versions))):  # the first in catalogue order wins
        v = service.versions[k]
        start = vector.date_to_int(v.in_force_from)
        stop = vector.date_to_int(v.in_force_until) if v.in_force_until else 99991231
        codes[(days >= start) & (days < stop)] = k
    return codes


_SCOPE = """
    SELECT a.catalogue_version,
           string_agg(int8send(a.id::int8), ''::bytea),
           string_agg(int4send(to_char(a.submitted_at AT TIME ZONE %(tz)s, 'YYYYMMDD')::int4), ''::bytea),
           string_agg(int8send(a.provider_id::int8), ''::bytea),
           string_agg(CASE WHEN a.consent THEN '1' ELSE '0' END, '')
    FROM cases_application a WHERE a.id IN ({scope})
    GROUP BY a.catalogue_version"""

# The latest row of each (case, path) the plan reads, grouped by everything that decides how it
# counts: the row's source and registry (whether the case's version accepts them is decided in
# NumPy, per row, from the version each case is judged under), the kind of value and, for strings, the value itself (a category). Within a
# group the aggregates see the rows in one order, so the ids and the values line up without an
# ORDER BY (which would sort millions of rows once more).
_FACTS = """
    WITH latest AS (
      SELECT DISTINCT ON (f.application_id, f.path) f.application_id, f.path, f.value, f.source, f.registry
      FROM cases_casefact f
      WHERE f.application_id IN ({scope}) AND f.path = ANY(%(paths)s::text[])
        AND f.application_id BETWEEN %(lo)s AND %(hi)s
      ORDER BY f.application_id, f.path, f.id DESC
    ),
    typed AS (
      SELECT l.application_id, l.path, l.value, l.source, l.registry,
        CASE
          WHEN l.path = ANY(%(lists)s::text[]) THEN
            CASE WHEN l.value = '[]'::jsonb THEN 'empty' WHEN jsonb_typeof(l.value) = 'null' THEN 'null'
                 ELSE 'json' END
          WHEN l.path = ANY(%(dates)s::text[]) THEN
            CASE WHEN jsonb_typeof(l.value) = 'string'
                      AND (l.value #>> '{{}}') ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' THEN 'date'
                 WHEN jsonb_typeof(l.value) = 'null' THEN 'null' ELSE 'json' END
          ELSE jsonb_typeof(l.value)
        END AS kind
      FROM latest l
    )
    SELECT path, source, registry, kind, CASE WHEN kind = 'string' THEN value #>> '{{}}' END,
      string_agg(int8send(application_id::int8), ''::bytea),
      COALESCE(  -- (every aggregate sees every row: the FILTERs keep each to its kind)
        convert_to(string_agg(CASE WHEN value = 'true'::jsonb THEN '1' ELSE '0' END, '')
                   FILTER (WHERE kind = 'boolean'), 'UTF8'),
        string_agg(float8send(value::float8), ''::bytea) FILTER (WHERE kind = 'number'),
        string_agg(int4send(replace(value #>> '{{}}', '-', '')::int4), ''::bytea) FILTER (WHERE kind = 'date'),
        convert_to((json_agg(value) FILTER (WHERE kind IN ('json', 'object', 'array')))::text, 'UTF8')
      ),
      bool_and(kind <> 'number' OR value::text !~ '[.eE]')
    FROM typed GROUP BY 1, 2, 3, 4, 5"""


def _named(scope_sql: str, n: int) -> str:
    """The ORM's `%s` placeholders as named ones, so the two kinds can be mixed."""
    parts = scope_sql.split("%s")
    if len(parts) != n + 1:
        raise VectorError("the scope's SQL has an unexpected number of placeholders")
    return "".join(p + (f"%(s{i})s" if i < n else "") for i, p in enumerate(parts))


def read_columns(scope_queryset, service: Service, plan: Plan, *, readers: int | None = None) -> ScopeColumns:
    """The facts table of the cases of `scope_queryset` (a queryset of applications), in id order.

    With many cases the facts are read by `readers` connections at once, each a range of ids, all
    in the snapshot of the first (`pg_export_snapshot`, as pg_dump's parallel jobs do): PostgreSQL
    works on one range per server process."""
    _check_paths(service, plan)
    sql, sparams = scope_queryset.order_by().values("id").query.sql_with_params()
    scope = _named(sql, len(sparams))
    params = {f"s{i}": p for i, p in enumerate(sparams)}
    params.update(
        tz=ALMATY.key,
        paths=sorted(plan.fact_paths - {CONSENT_PATH}),
        lists=sorted(plan.list_paths),
        dates=sorted(plan.date_paths),
    )
    if readers is None:
        readers = getattr(settings, "QAMQOR_IMPACT_READERS", 2)
    # Inside a caller's transaction the isolation is the caller's and other connections cannot see
    # its rows: one reader, in that transaction.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cur:
        restore = _begin(cur, nested)
        cur.execute(_SCOPE.format(scope=scope), params)  # nosec B608  # ORM-compiled scope, values bound
        scope_groups = cur.fetchall()
        ids = np.sort(np.concatenate([_ids(g[1]) for g in scope_groups])) if scope_groups else _ids(b"")
        ranges = _ranges(ids, readers if len(ids) >= PARALLEL_FROM and not nested else 1)
        if len(ranges) == 1:
            fact_groups = _read_facts(cur, scope, params, *ranges[0])
        else:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            with ThreadPoolExecutor(len(ranges)) as pool:
                parts = pool.map(lambda r: _read_facts_in(snapshot, scope, params, *r), ranges)
                fact_groups = [g for part in parts for g in part]
        if restore is not None:
            cur.execute("SELECT set_config('work_mem', %s, true)", [restore])
    return _assemble(service, plan, scope_groups, fact_groups)


PARALLEL_FROM = 20_000  # below this one connection reads faster than several start


def _begin(cur, nested: bool = False) -> str | None:
    """Our own transaction: one snapshot for every query, reading only. The sort of a few million
    rows in memory rather than in temporary files (this transaction only; put back for a caller's)."""
    restore = None
    if nested:
        cur.execute("SELECT current_setting('work_mem')")
        restore = cur.fetchone()[0]
    else:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    cur.execute("SET LOCAL work_mem = '256MB'")
    return restore


def _ranges(ids: np.ndarray, k: int) -> list[tuple[int, int]]:
    """`k` ranges of ids with about as many cases each (the whole scope when there is one)."""
    if not len(ids):
        return [(0, 0)]
    cuts = [ids[len(ids) * j // k] for j in range(k)] + [ids[-1] + 1]
    return [(int(cuts[j]), int(cuts[j + 1]) - 1) for j in range(k) if cuts[j + 1] > cuts[j]]


def _read_facts(cur, scope: str, params: dict, lo: int, hi: int) -> list:
    cur.execute(_FACTS.format(scope=scope), {**params, "lo": lo, "hi": hi})  # nosec B608  # as above
    return cur.fetchall()


def _read_facts_in(snapshot: str, scope: str, params: dict, lo: int, hi: int) -> list:
    """One range of ids, on this thread's own connection, in the snapshot of the first."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            _begin(cur)
            if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):  # a utility statement: no bound parameter
                raise VectorError(f"unexpected snapshot id {snapshot!r}")
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return _read_facts(cur, scope, params, lo, hi)
    finally:
        connection.close()


def _assemble(service: Service, plan: Plan, scope_groups, fact_groups) -> ScopeColumns:
    ids_, days_, providers_, consent_, codes_ = [], [], [], [], []
    for pinned, i, d, p, c in scope_groups:
        ids_.append(_ids(i))
        days_.append(_int32(d))
        providers_.append(_ids(p))
        consent_.append(np.frombuffer(c.encode(), np.uint8) == ord("1"))
        codes_.append(_version_codes(service, pinned, days_[-1]))

    def joined(arrays, dtype):
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype)

    ids = joined(ids_, np.int64)
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    n = len(ids)
    days, providers = joined(days_, np.int32)[order], joined(providers_, np.int64)[order]
    consent, codes = joined(consent_, bool)[order], joined(codes_, np.int16)[order]
    versions = [service.versions[k].id if k >= 0 else None for k in codes.tolist()]
    consent_read = np.array([v.needs_consent for v in service.versions] + [False], bool)[codes]
    groups: dict[str, list] = {}
    for path, source, registry, kind, category, id_bytes, data, integral in fact_groups:
        idx = np.searchsorted(ids, _ids(id_bytes))
        values = _decode(kind, data)
        keep = _accepted(service, path, source, registry or None, codes[idx])
        if not keep.any():
            continue
        if not keep.all():
            idx = idx[keep]
            if isinstance(values, list):
                values = [x for x, k in zip(values, keep.tolist(), strict=True) if k]
            elif values is not None:
                values = values[keep]
        groups.setdefault(path, []).append((kind, category, idx, values, integral))
    table = FactsTable(n)
    for path in sorted(plan.fact_paths - plan.list_paths):
        if path == CONSENT_PATH:
            table.columns[path] = _consent_column(consent, consent_read)
        elif path in plan.date_paths:
            table.columns[path] = _date_column(n, groups.get(path, []), path)
        else:
            table.columns[path] = _scalar_column(n, groups.get(path, []), path)
    for path in sorted(plan.list_paths):
        table.lists[path] = _list(n, groups.get(path, []), plan, path)
    return ScopeColumns(ids, days, providers, versions, table)


def _decode(kind: str, data):
    """A group's values: an array for the compact kinds, a list of JSON values for the rest."""
    if data is None:
        return None
    if kind == "boolean":
        return np.frombuffer(bytes(data), np.uint8) == ord("1")
    if kind == "number":
        return _float64(data)
    if kind == "date":
        return _int32(data)
    return json.loads(_text(data))


def _accepted(
    service: Service, path: str, source: str, registry: str | None, codes: np.ndarray
) -> np.ndarray:
    """Per row: the case's version reads `path` and accepts a row of this source and registry
    (`current_facts`: `version.fact_source(path).accepts(source, registry)`)."""
    ok = np.zeros(len(service.versions) + 1, bool)  # index -1: no version in force, nothing kept
    for k, v in enumerate(service.versions):
        rule = v.fact_source(path)
        ok[k] = rule is not None and rule.accepts(source, registry)
    return ok[codes]


def _absent(n: int, present: np.ndarray) -> np.ndarray | None:
    return None if present.all() else ~present


def _consent_column(consent: np.ndarray, read: np.ndarray) -> Column:
    if not read.any():  # no case's version reads it: as `column_from_values` of absent keys only
        return Column("null", np.zeros(len(read), np.int8), _absent(len(read), read), None)
    return Column("bool", consent & read, _absent(len(consent), read), None)


def _scalar_column(n: int, groups, path: str) -> Column:
    present = np.zeros(n, bool)
    null = np.zeros(n, bool)
    kinds = set()
    for kind, _c, rows, _v, _i in groups:
        present[rows] = True
        if kind == "null":
            null[rows] = True
        else:
            kinds.add(kind)
    if kinds & {"object", "array"}:
        bad = "dict" if "object" in kinds else "list"
        raise VectorError(f"{path}: a value of type {bad} is not a fact the batch path takes")
    names = {"boolean": "bool", "number": "number", "string": "string"}
    if len(kinds) > 1:
        raise VectorError(f"{path}: values of different types {sorted(names[k] for k in kinds)}")
    missing = _absent(n, present)
    nl = null if null.any() else None
    if not kinds:
        return Column("null", np.zeros(n, np.int8), missing, nl)
    kind = kinds.pop()
    if kind == "boolean":
        arr = np.zeros(n, bool)
        for _k, _c, rows, values, _i in groups:
            if _k == "boolean":
                arr[rows] = values
        return Column("bool", arr, missing, nl)
    if kind == "number":
        arr = np.zeros(n, np.float64)
        integral = True
        for _k, _c, rows, values, whole in groups:
            if _k == "number":
                arr[rows] = values
                integral = integral and bool(whole)
        return Column("number", arr, missing, nl, integral=integral)
    cats = tuple(sorted({c for k, c, *_ in groups if k == "string"}))
    code = {c: i for i, c in enumerate(cats)}
    arr = np.full(n, -1, np.int32)
    for _k, c, rows, _v, _i in groups:
        if _k == "string":
            arr[rows] = code[c]
    return Column("string", arr, missing, nl, categories=cats)


def _real_days(x: np.ndarray) -> np.ndarray:
    """Which YYYYMMDD numbers are days of the calendar: built as a day from year, month and day,
    a real one reads back the same (30 February becomes 2 March and does not)."""
    y, m, d = x // 10000, x // 100 % 100, x % 100
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1)
    months = (y.astype("int64") - 1970) * 12 + np.clip(m, 1, 12) - 1
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (np.clip(d, 1, 31) - 1)
    return ok & (days.astype("datetime64[M]") == months.astype("datetime64[M]"))


def _date_column(n: int, groups, path: str) -> Column:
    """As `column_from_values(..., date=True)`: a YYYY-MM-DD string is its day when it is a real
    date; anything else present (null included) is a null; other spellings go through the parser."""
    present = np.zeros(n, bool)
    null = np.zeros(n, bool)
    arr = np.zeros(n, np.int32)
    for kind, _c, rows, values, _i in groups:
        present[rows] = True
        if kind == "date":
            x = values
            ok = _real_days(x)
            arr[rows] = np.where(ok, x, 0)
            null[rows[~ok]] = True
        elif kind == "null":
            null[rows] = True
        else:  # written some other way: the scalar parser decides, row by row
            col = column_from_values(values, date=True, where=path)
            arr[rows] = col.values
            if col.null is not None:
                null[rows[col.null]] = True
    return Column("date", arr, _absent(n, present), null if null.any() else None)


def _list(n: int, groups, plan: Plan, path: str):
    values: list = [MISSING] * n
    for kind, _c, rows, items, _i in groups:
        if kind == "empty":
            for i in rows.tolist():
                values[i] = []
        elif kind == "null":
            for i in rows.tolist():
                values[i] = None
        else:
            for i, v in zip(rows.tolist(), items, strict=True):
                values[i] = v
    return list_column(values, plan, path)
