"""Writing a batch of the history: ids taken under a table lock, every chained row linked into its
case's chain with the trail's own digest and link functions (`audit.chain.canonical_row`,
`link_hash`), then PostgreSQL `COPY` (psycopg's `cursor.copy`) or, on SQLite, `bulk_create`.

The writer takes the ids itself (the next after the highest of each table, the tables locked against
other writers for the batch's transaction, readers not blocked) because a row's digest covers its id.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db import connection

from qamqor.audit.chain import GENESIS, canonical_row, case_key, link_hash, spell

MODELS = {
    "person": "cases.Person",
    "application": "cases.Application",
    "children": None,  # the through table of Application.children
    "event": "cases.CaseEvent",
    "fact": "cases.CaseFact",
    "decision": "cases.Decision",
    "link": "audit.ChainLink",
    "head": "audit.ChainHead",
    "child": "databank.Child",
    "placement": "databank.Placement",
}
ORDER = tuple(MODELS)  # foreign keys first


def model(name: str):
    if name == "children":
        return apps.get_model("cases.Application").children.through
    return apps.get_model(MODELS[name])


def columns(name: str) -> list[str]:
    return [f.column for f in model(name)._meta.concrete_fields]


def defaults(name: str) -> dict:
    """Each column's value where a builder gives none (the field's default, else blank or NULL)."""
    out = {}
    for f in model(name)._meta.concrete_fields:
        if f.has_default():
            out[f.column] = f.get_default()
        elif f.null:
            out[f.column] = None
        elif f.get_internal_type() in ("CharField", "TextField", "SlugField"):
            out[f.column] = ""
    return out


class Ids:
    """The next id of each table, read under the batch's lock."""

    def __init__(self):
        self.next: dict[str, int] = {}
        with connection.cursor() as cur:
            for name in ORDER:
                if name == "head":
                    continue
                table = connection.ops.quote_name(model(name)._meta.db_table)
                cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # nosec B608  # our table name
                self.next[name] = cur.fetchone()[0] + 1

    def take(self, name: str, n: int = 1) -> int:
        first = self.next[name]
        self.next[name] += n
        return first


def lock_tables() -> None:
    """Other writers wait for the batch (readers do not); SQLite's write lock does the same."""
    if connection.vendor != "postgresql":
        return
    names = ", ".join(connection.ops.quote_name(model(n)._meta.db_table) for n in ORDER)
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")  # nosec B608  # our table names


def link_case(
    case_id: int, rows: list[tuple[str, dict]], links: list[dict], heads: list[dict], ids: Ids, at
) -> None:
    """Link a new case's rows, in the order given, into its chain (`case:<id>`), as the trail does."""
    key = case_key(case_id)
    prev, seq = GENESIS, 0
    first = ids.take("link", len(rows))
    for i, (table, row) in enumerate(rows):
        seq += 1
        digest = hashlib.sha256(
            canonical_row({c: spell(v) for c, v in row.items()}, spelled=True)
        ).hexdigest()
        h = link_hash(prev, key, seq, table, row["id"], digest)
        links.append(
            {
                "id": first + i,
                "chain_key": key,
                "seq": seq,
                "table": table,
                "row_id": row["id"],
                "row_digest": digest,
                "prev_hash": prev,
                "hash": h,
                "at": at,
            }
        )
        prev = h
    heads.append({"chain_key": key, "seq": seq, "hash": prev})


def write(batch: dict[str, list[dict]]) -> int:
    """Insert the batch's rows (every column given), foreign keys first; the number of rows."""
    total = 0
    for name in ORDER:
        rows = batch.get(name) or []
        if not rows:
            continue
        total += len(rows)
        if connection.vendor == "postgresql":
            _copy(name, rows)
        else:
            m = model(name)
            m.objects.bulk_create([m(**r) for r in rows], batch_size=500)
    return total


def _copy(name: str, rows: list[dict]) -> None:
    from psycopg.types.json import Jsonb

    m = model(name)
    fields = m._meta.concrete_fields
    cols = [f.column for f in fields]
    json_cols = {f.column for f in fields if f.get_internal_type() == "JSONField"}
    table = connection.ops.quote_name(m._meta.db_table)
    sql = f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in cols)}) FROM STDIN"  # nosec B608
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        for r in rows:
            copy.write_row([Jsonb(r[c]) if c in json_cols else r[c] for c in cols])


def reset_sequences() -> None:
    """PostgreSQL: each id sequence after the highest id written (SQLite keeps its own)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for name in ORDER:
            if name == "head":
                continue
            table = model(name)._meta.db_table
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))",  # nosec B608
                [table],
            )


def existing_iins(table: str, iins: list[str]) -> set[str]:
    m = apps.get_model(table)
    out: set[str] = set()
    for start in range(0, len(iins), 5000):
        out.update(m.objects.filter(iin__in=iins[start : start + 5000]).values_list("iin", flat=True))
    return out
