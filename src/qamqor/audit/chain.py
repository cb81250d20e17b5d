"""The tamper-evident trail: rows of the case record and the logs, hash-chained (decision 0019).

Each chained row gets a link in `ChainLink`, written in the same transaction as the row: the digest of
the row's content (SHA-256 of a canonical JSON of its fields) and the hash of the link before it in
its chain, so a row changed, deleted or slipped in behind the application's back no longer matches
its link, and a link changed or deleted no longer matches the next one (`qamqor.audit.verify`).

A row belongs to the chain of its case (`case:<id>`) where it has one, else to a chain of its day
(`day:YYYY-MM-DD/<n>`, the local date of the row's moment; a few per day, see `DAY_CHAINS`). Appends to one chain are serialised by a lock
on its head row (`ChainHead`, an upsert that returns the head locked), so concurrent writers cannot
fork it. The audit app sits below `cases` and `registries`, so it names their models by label.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models.signals import post_save
from django.utils import timezone

GENESIS = "0" * 64
HEAD_TABLE = "audit_chainhead"
_local = threading.local()


@dataclass(frozen=True)
class Chained:
    """A model whose rows are chained: the field naming its case and the field of its moment."""

    label: str
    case_field: str
    at_field: str


CHAINED = (
    Chained("cases.CaseEvent", "application_id", "at"),
    Chained("cases.CaseFact", "application_id", "at"),
    Chained("cases.Decision", "application_id", "decided_at"),
    Chained("registries.Consent", "case_id", "given_at"),  # revocation appends a revision link
    Chained("registries.RegistryQuery", "case_id", "at"),
    Chained("audit.PersonalDataAccess", "case_id", "at"),
    Chained("complaints.ComplaintEvent", "application_id_ref", "at"),
    Chained("audit.AdminChange", "case_id", "at"),  # the administration's changes (decision 0026)
)


def chained_models() -> list[tuple[type, Chained]]:
    return [(apps.get_model(c.label), c) for c in CHAINED]


def spec_of(model) -> Chained | None:
    label = model._meta.label
    return next((c for c in CHAINED if c.label == label), None)


# --- digests -------------------------------------------------------------------------------------


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _norm(value):
    """A value as the database gives it back, in one spelling (moments in UTC)."""
    if type(value) in _PLAIN:  # most leaves of a JSON column: nothing to respell
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def canonical(obj) -> bytes:
    """The row's content: every concrete field by column name, keys sorted, compact UTF-8 JSON."""
    data = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if value is not None and not f.is_relation and f.get_internal_type() != "JSONField":
            value = f.to_python(value)  # as it reads back: a lazy text as str, an ISO string as a moment
        data[f.column] = value
    return canonical_row(data)


def canonical_row(data: dict, *, spelled: bool = False) -> bytes:
    """The canonical bytes of a row given as {column: value as the database gives it back}: what
    `canonical` makes of a model instance. A bulk writer that builds rows without model instances
    (the sandbox history, `qamqor.demo.history`) digests them with this same function; `spelled`:
    its values are already in their one spelling (`spell`), which spares walking big JSON values (a
    value JSON cannot write then fails loudly rather than digesting differently)."""
    normed = data if spelled else {column: _norm(value) for column, value in data.items()}
    return json.dumps(normed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def spell(value):
    """A column's value in its one spelling, without walking into a JSON value built of JSON types."""
    return value if isinstance(value, dict | list) else _norm(value)


def row_digest(obj) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


def link_hash(prev_hash: str, chain_key: str, seq: int, table: str, row_id: int, digest: str) -> str:
    text = f"{prev_hash}\n{chain_key}\n{seq}\n{table}\n{row_id}\n{digest}"
    return hashlib.sha256(text.encode()).hexdigest()


# A day's rows without a case are spread over a few chains, one per writer thread (a hash of the
# process and thread), so that writers of the day do not queue on one head: the day is the set of
# chains `day:YYYY-MM-DD/<n>`, and `audit verify --day` walks them all.
DAY_CHAINS = 16


def day_key(day: dt.date, shard: int | None = None) -> str:
    """The chains of a day (`shard` None: their common prefix)."""
    prefix = f"day:{day.isoformat()}/"
    return prefix if shard is None else f"{prefix}{shard}"


def _shard() -> int:
    return hash((os.getpid(), threading.get_ident())) % DAY_CHAINS


def case_key(case_id) -> str:
    return f"case:{case_id}"


def chain_key(obj, spec: Chained) -> str:
    case_id = getattr(obj, spec.case_field)
    if case_id is not None:
        return case_key(case_id)
    at = getattr(obj, spec.at_field)
    return day_key(timezone.localdate(at) if timezone.is_aware(at) else at.date(), _shard())


# --- appending -----------------------------------------------------------------------------------


def _lock_head(connection, key: str) -> tuple[int, str]:
    """The chain's head (last seq, last hash), created if new and locked until the transaction ends;
    a writer waiting on the lock then reads the head its predecessor committed (PostgreSQL re-reads a
    locked row under READ COMMITTED). SQLite: an upsert that changes nothing, which takes the
    database's write lock."""
    table = connection.ops.quote_name(HEAD_TABLE)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a row lock, no new row version for an existing head
            lock = f"SELECT seq, hash FROM {table} WHERE chain_key = %s FOR UPDATE"  # nosec B608  # table name is ours, quoted; values bound
            cursor.execute(lock, [key])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    f"INSERT INTO {table} (chain_key, seq, hash) VALUES (%s, 0, %s) ON CONFLICT DO NOTHING",  # nosec B608
                    [key, GENESIS],
                )
                cursor.execute(lock, [key])
                row = cursor.fetchone()
        else:
            cursor.execute(
                f"INSERT INTO {table} (chain_key, seq, hash) VALUES (%s, 0, %s) "
                f"ON CONFLICT (chain_key) DO UPDATE SET seq = {table}.seq RETURNING seq, hash",  # nosec B608
                [key, GENESIS],
            )
            row = cursor.fetchone()
    return row[0], row[1]


def _set_head(connection, key: str, seq: int, hash_: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(HEAD_TABLE)} SET seq = %s, hash = %s WHERE chain_key = %s",  # nosec B608
            [seq, hash_, key],
        )


@contextmanager
def batched(*, new_case_chains: bool = False):
    """The rows linked inside the block are linked together when it ends (one head lock and one
    INSERT of links per chain, instead of one per write). With `new_case_chains` the case chains
    written are new (a submission's): their head is inserted, not read, so nothing waits for an
    answer; a head that already exists makes that INSERT fail, never a fork."""
    if getattr(_local, "pending", None) is not None:  # already inside one: it links these too
        yield
        return
    _local.pending = []
    try:
        yield
        pending = _local.pending
    finally:
        _local.pending = None
    _append(pending, using=None, new_case_chains=new_case_chains)


def append(objs: Iterable, *, using: str | None = None) -> None:
    """Link the saved rows `objs` (any chained models, in the order written) to their chains, in the
    caller's transaction. Rows of unchained models are ignored."""
    pending = getattr(_local, "pending", None)
    if pending is not None and using is None:
        pending.extend(objs)
        return
    _append(objs, using=using)


def _append(objs: Iterable, *, using: str | None, new_case_chains: bool = False) -> None:
    from qamqor.audit.models import ChainHead, ChainLink
    from qamqor.db.inserts import insert, insert_rows

    by_chain: dict[str, list] = defaultdict(list)
    for obj in objs:
        spec = spec_of(type(obj))
        if spec is not None:
            by_chain[chain_key(obj, spec)].append(obj)
    if not by_chain:
        return
    using = using or router.db_for_write(ChainLink)
    connection = connections[using]
    now = timezone.now()
    with nullcontext() if connection.in_atomic_block else transaction.atomic(using=using):
        for key in sorted(by_chain):  # one order for every writer: no deadlock between two chains
            new = new_case_chains and key.startswith("case:")
            seq, prev = (0, GENESIS) if new else _lock_head(connection, key)
            links = []
            for obj in by_chain[key]:
                seq += 1
                table = obj._meta.db_table
                digest = row_digest(obj)
                prev_hash, prev = prev, link_hash(prev, key, seq, table, obj.pk, digest)
                links.append(
                    ChainLink(
                        chain_key=key,
                        seq=seq,
                        table=table,
                        row_id=obj.pk,
                        row_digest=digest,
                        prev_hash=prev_hash,
                        hash=prev,
                        at=now,
                    )
                )
            insert_rows(links, using=using)
            if new:
                insert(ChainHead(chain_key=key, seq=seq, hash=prev), using=using)
            else:
                _set_head(connection, key, seq, prev)


def _on_save(sender, instance, created, raw=False, using=None, update_fields=None, **kwargs):
    # a created row gets its link; a permitted change (a consent's revocation) a revision link
    append([instance], using=None if using == "default" else using)


def connect() -> None:
    """Rows written one at a time (`save`, `create`, `db.inserts.insert`) are linked by `post_save`;
    the bulk paths (`bulk_create`, `insert_rows`) call `append` themselves."""
    for model, _spec in chained_models():
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-chain-{model._meta.label}")
