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

import threading
from functools import partial

from django.db import connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler
from django_tasks_db.backend import DatabaseBackend, normalize_json

_local = threading.local()


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
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if not returning:
            rows = []
        elif len(objs) == 1:
            rows = [connection.ops.fetch_returned_insert_columns(cursor, None)]
        else:
            rows = connection.ops.fetch_returned_insert_rows(cursor)
    if converters and rows:
        rows = list(compiler.apply_converters(rows, converters))
    for obj, row in zip(objs, rows, strict=False):
        for f, value in zip(returning, row, strict=True):
            setattr(obj, f.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return True


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
    if simple:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
    if not (simple and _run(model, objs, False, connection, using)):
        model._default_manager.db_manager(using).bulk_create(objs)
    return objs


class TaskBackend(DatabaseBackend):
    """django-tasks-db's backend (settings.TASKS), its task row written by `insert`: the same fields
    as `DatabaseBackend._task_to_db_task` gives `DBTaskResult.objects.create`, the same row."""

    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        return insert(
            DBTaskResult(
                id=self._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after,
                backend_name=self.alias,
            ),
            using=router.db_for_write(DBTaskResult),
        )
