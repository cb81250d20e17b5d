"""`insert(obj)`: `obj.save(force_insert=True)` for the rows the hot paths write, with the SQL compiled
once per connection instead of per row.

Compiling an INSERT (quoting every column name, preparing every value through the compiler's layers)
cost more CPU in the web server than PostgreSQL spends running it: on a submission the ORM spent
~1 ms per request building the SQL of four single-row INSERTs whose text never changes. Here the
statement text of a model's INSERT is built by the ORM's own compiler once per database connection
(the probe row's parameters are checked to be plain placeholders), and each row's values go through
the same `Field.pre_save` and `Field.get_db_prep_save` as `Model.save` calls, so the same values reach
the database. With PostgreSQL's server-side binding the identical text is also prepared by the server
(settings.py).

What `save()` does and this does too: related objects saved first are checked
(`_prepare_related_fields_for_save`), `pre_save(add=True)` (e.g. `auto_now_add`), the primary key
and `db_default` columns read back, `_state` set to "in the database", the error marks an enclosing
atomic block for rollback. `pre_save`/`post_save` are sent as `save_base`
sends them. It falls back to the ORM's own insert when anything else could be needed: parents
(multi-table inheritance), a `db_default`, a value that is an expression, a backend that cannot
return columns from an INSERT.
"""

from __future__ import annotations

import itertools
import re
import threading
from contextlib import contextmanager, nullcontext
from functools import partial

from django.db import connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend, normalize_json, task_enqueued

_local = threading.local()

try:
    from django.db.backends.postgresql.base import CursorMixin as _PgCursorMixin
    from psycopg import RawCursor as _PsycopgRawCursor

    class _RawBindingCursor(_PgCursorMixin, _PsycopgRawCursor):
        """Django's server-binding cursor with PostgreSQL's own `$n` placeholders."""

except Exception:  # noqa: BLE001 - no psycopg 3 (ImportError, ImproperlyConfigured): a plain block
    _RawBindingCursor = None


def _plan(model, pk_set: bool, n: int, connection):
    plans = getattr(_local, "plans", None)
    if plans is None or _local.connection is not connection:
        plans = _local.plans = {}
        _local.connection = connection
    plan = plans.get((model, pk_set, n), False)
    if plan is not False:
        return plan
    plan = None
    meta = model._meta
    if (
        connection.vendor in ("postgresql", "sqlite")
        and connection.features.can_return_columns_from_insert
        and not meta.parents
    ):
        fields = [f for f in meta.local_concrete_fields if not f.generated]
        if not pk_set:  # as Model._save_table: the auto field is left to the database
            fields = [f for f in fields if f is not meta.auto_field]
        returning = list(meta.db_returning_fields)
        if pk_set:  # the key is what was sent: nothing to read back for it
            returning = [f for f in returning if f is not meta.pk]
        if not any(f.has_db_default() for f in fields):  # DEFAULT would be inlined: let save() do it
            query = InsertQuery(model)
            query.insert_values(fields, [model() for _ in range(n)])
            compiler = query.get_compiler(connection=connection)
            compiler.returning_fields = returning
            # one VALUES row per object: PostgreSQL's compiler would send a few rows as one array per
            # column (`UNNEST`), which costs more to encode than it saves for the rows written here
            compiler.assemble_as_sql = partial(SQLInsertCompiler.assemble_as_sql, compiler)
            try:
                statements = compiler.as_sql()
            except Exception:  # noqa: BLE001 - a shape this module does not handle
                statements = []
            if len(statements) == 1:
                sql, params = statements[0]
                if len(params) == len(fields) * n and (
                    n == 1 or connection.features.can_return_rows_from_bulk_insert
                ):
                    cols = [f.get_col(meta.db_table) for f in returning]
                    plan = (sql, fields, returning, compiler, compiler.get_converters(cols))
    plans[(model, pk_set, n)] = plan
    return plan


def _run(model, objs: list, pk_set: bool, connection, using: str) -> bool:
    """Insert `objs` with the compiled statement; False (nothing done) when the plan does not apply."""
    plan = _plan(model, pk_set, len(objs), connection)
    if plan is None:
        return False
    sql, fields, returning, compiler, converters = plan
    values = []
    for obj in objs:
        for f in fields:
            value = f.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                return False
            values.append(f.get_db_prep_save(value, connection))
    batch = getattr(_local, "batch", None)
    if not returning and batch is not None and batch.connection is connection:
        batch.add(sql, values)  # sent with the others (`pipelined`)
        rows = []
    else:
        rows = _execute(sql, values, returning, len(objs), connection, using)
    if converters and rows:
        rows = list(compiler.apply_converters(rows, converters))
    for obj, row in zip(objs, rows, strict=False):
        for f, value in zip(returning, row, strict=True):
            setattr(obj, f.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return True


def _execute(sql: str, values: list, returning: list, n: int, connection, using: str) -> list:
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if not returning:
            return []
        if n == 1:
            return [connection.ops.fetch_returned_insert_columns(cursor, None)]
        return connection.ops.fetch_returned_insert_rows(cursor)


# --- pipelined writes (PostgreSQL) ---------------------------------------------------------------------
# A submission's rows (application, child links, event, outbox row, delivery task) depend on each
# other's keys only. Sent one by one, each INSERT waits for its RETURNING before the next is built,
# and each costs the web server a cursor, a round through the driver and a send on the socket, and
# PostgreSQL a statement of its own. Inside `pipelined()`:
# - the keys come from the rows' sequences ahead of time, a block per sequence and thread
#   (`_next_pk`, as PostgreSQL's own `CACHE 16` on a sequence), so nothing has to be read back;
# - the INSERTs that then read nothing back are held (`_Batch`) and sent as ONE statement
#   (`WITH q0 AS (INSERT …), q1 AS (INSERT …) INSERT …`: PostgreSQL runs every part), when the block
#   ends or just before any other statement runs on the connection (Django's execute wrapper), so
#   whatever the code inside reads or writes otherwise finds the held rows already there;
# - PostgreSQL's pipeline mode (psycopg) sends BEGIN and that statement in one round trip.
# Django's foreign keys on PostgreSQL are checked at commit (DEFERRABLE INITIALLY DEFERRED), so the
# order inside the statement does not matter. An error of a held or queued statement is raised when
# the block ends, as the same Django exception, and rolls back the enclosing atomic block.

PK_BLOCK = 16  # keys taken from a sequence at once; unused ones are gaps, as after any rollback


class _Batch:
    """INSERTs held inside `pipelined()`, sent as one statement."""

    def __init__(self, connection):
        self.connection = connection
        self.statements: list[str] = []
        self.params: list = []
        self.sending = False

    def add(self, sql: str, params: list) -> None:
        self.statements.append(sql)
        self.params.extend(params)

    def flush(self) -> None:
        if not self.statements:
            return
        text, numbered = _combined(tuple(self.statements))
        params, self.statements, self.params = self.params, [], []
        connection = self.connection
        self.sending = True
        try:
            if connection.queries_logged:  # the query log (DEBUG, tests) composes `%s` with the values
                with connection.cursor() as cursor:
                    cursor.execute(text, params)
            else:
                # psycopg converts `%s` with a cache only for statements under 4 KB and 50 parameters,
                # and a submission's is above both: this cursor takes PostgreSQL's `$n` as they are
                connection.validate_thread_sharing()
                with connection.make_cursor(_RawBindingCursor(connection.connection)) as cursor:
                    cursor.execute(numbered, params)
        finally:
            self.sending = False

    def before_other_statement(self, execute, sql, params, many, context):
        """Django execute wrapper: the held rows go first, so any other statement sees them."""
        if self.statements and not self.sending:
            self.flush()
        return execute(sql, params, many, context)


def _combined(statements: tuple[str, ...]) -> tuple[str, str]:
    """One statement running `statements` (INSERTs without RETURNING), with `%s` placeholders and
    with `$n` ones; both built once per shape."""
    cache = getattr(_local, "combined", None)
    if cache is None:
        cache = _local.combined = {}
    both = cache.get(statements)
    if both is None:
        text = statements[0]
        if len(statements) > 1:
            parts = ", ".join(f"q{i} AS ({t})" for i, t in enumerate(statements[:-1]))
            text = f"WITH {parts} {statements[-1]}"
        numbers = itertools.count(1)
        numbered = _PLACEHOLDER.sub(lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", text)
        if len(cache) >= 256:  # shapes vary with the number of children and documents: keep it bounded
            cache.clear()
        both = cache[statements] = (text, numbered)
    return both


_PLACEHOLDER = re.compile(r"%%|%s")  # the ORM's SQL: `%s` for a parameter, `%%` for a percent sign


@contextmanager
def pipelined(using: str = "default"):
    """Inside an atomic block on PostgreSQL, send the writes inside as one batch; elsewhere (SQLite,
    autocommit, already inside one) a plain block."""
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or not connection.in_atomic_block
        or getattr(_local, "pipelined", None) is not None
    ):
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    if not hasattr(raw, "pipeline") or _RawBindingCursor is None:  # psycopg2: no pipeline mode
        yield
        return
    # with client-side binding (behind a pooler) nothing is held: the statements go one by one
    batch = _Batch(connection) if connection.settings_dict["OPTIONS"].get("server_side_binding") else None
    with (
        connection.wrap_database_errors,
        raw.pipeline(),
        connection.execute_wrapper(batch.before_other_statement) if batch else nullcontext(),
    ):
        _local.pipelined, _local.batch = connection, batch
        try:
            yield
            if batch is not None:
                batch.flush()
        finally:
            _local.pipelined = _local.batch = None


def _next_pk(model, connection) -> int | None:
    """A key for a new row of `model` from its sequence, inside `pipelined()`; None elsewhere."""
    if getattr(_local, "pipelined", None) is not connection:
        return None
    auto = model._meta.auto_field
    if auto is None or model._meta.pk is not auto:
        return None
    pools = getattr(_local, "pks", None)
    if pools is None or _local.pks_connection is not connection:
        pools = _local.pks = {}
        _local.pks_connection = connection
    table = model._meta.db_table
    pool = pools.get(table)
    if not pool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), auto.column, PK_BLOCK],
            )
            pool = pools[table] = [row[0] for row in cursor.fetchall()][::-1]
    return pool.pop()


def insert(obj, using: str = "default"):
    """Insert the new model instance `obj` as `obj.save(force_insert=True, using=using)` does; returns obj."""
    model = type(obj)
    connection = connections[using]
    meta = model._meta
    if meta.auto_created or meta.parents:
        obj.save(force_insert=True, using=using)
        return obj
    obj._prepare_related_fields_for_save(operation_name="save")
    # the model signals as Model.save_base sends them (e.g. django-tasks-db's `run_after` default)
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    if obj.pk is None:  # as Model._save_table: a default primary key is set before the insert
        obj.pk = meta.pk.get_pk_value_on_save(obj)
    if obj.pk is None:
        obj.pk = _next_pk(model, connection)
    if not _run(model, [obj], obj.pk is not None, connection, using):
        with transaction.mark_for_rollback_on_error(using):  # the ORM's insert, as save_base runs it
            obj._save_table(raw=False, cls=model, force_insert=True, using=using)
        obj._state.db = using
        obj._state.adding = False
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
        )
    return obj


def insert_rows(objs, using: str = "default") -> list:
    """`Model.objects.bulk_create(objs)` for a few new instances of one model without primary keys
    (one multi-row INSERT, keys read back); returns the list."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    simple = all(type(o) is model and o.pk is None for o in objs) and not model._meta.pk.has_default()
    pk_set = False
    if simple:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        keys = [_next_pk(model, connection) for _ in objs]
        if None not in keys:
            for obj, key in zip(objs, keys, strict=True):
                obj.pk = key
            pk_set = True
    if not (simple and _run(model, objs, pk_set, connection, using)):
        model._default_manager.db_manager(using).bulk_create(objs)
    return objs


class TaskBackend(DatabaseBackend):
    """django-tasks-db's backend (settings.TASKS), its task row written by `insert`: the same fields
    as `DatabaseBackend._task_to_db_task` gives `DBTaskResult.objects.create`, the same row."""

    def enqueue(self, task, args, kwargs):
        # as DatabaseBackend.enqueue, with the result built once (its property imports the task and
        # copies it on every read: ~2 % of a submission, read twice there)
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                # a task to run at once is due *now*, not at django-tasks-db's "no time" (the maximum
                # date): the queue runs by priority, then by due time, and "no time" sorts after every
                # overdue retry, so during an outage fresh work (a new stage, a cabinet message) waited
                # behind all the retries of the refusing system (bench/crash.py R2 at 10,000 cases)
                run_after=task.run_after or timezone.now(),
                backend_name=self.alias,
            ),
            using=router.db_for_write(DBTaskResult),
        )
