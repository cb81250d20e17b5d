# The tamper-evident trail (decision 0019): the rows written before it get their links, and on
# PostgreSQL the append-only tables refuse UPDATE and DELETE in the database itself. SQLite has no
# such trigger here: there the models' AppendOnlyModel guard is the only defence, and `audit verify`
# the way to notice.

from django.db import migrations

APPEND_ONLY = (
    "cases_caseevent",
    "cases_casefact",
    "cases_decision",
    "registries_registryquery",
    "audit_personaldataaccess",
    "audit_chainlink",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION qamqor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'qamqor: % on % refused: the table is append-only (decision 0019)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def _triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # its `%` are RAISE placeholders, not parameters
    for table in APPEND_ONLY:
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION qamqor_append_only()"
        )
    # a chain's head moves forward with every append, but is never removed (a cut-off tail shows)
    schema_editor.execute(
        'CREATE TRIGGER "audit_chainhead_kept" BEFORE DELETE ON "audit_chainhead" '
        "FOR EACH ROW EXECUTE FUNCTION qamqor_append_only()"
    )


def _drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP TRIGGER IF EXISTS "audit_chainhead_kept" ON "audit_chainhead"')
    for table in APPEND_ONLY:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS qamqor_append_only()")


def _link_existing(apps, schema_editor):
    from qamqor.audit.chain import CHAINED, append

    using = schema_editor.connection.alias
    for spec in CHAINED:
        try:
            model = apps.get_model(spec.label)
        except LookupError:  # a chained model made by a later migration (it has no rows yet)
            continue
        batch = []
        for row in model._base_manager.using(using).order_by(spec.at_field, "pk").iterator(chunk_size=2000):
            batch.append(row)
            if len(batch) == 2000:
                append(batch, using=using)
                batch = []
        append(batch, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_chain"),
        ("cases", "0004_provenance"),
        ("registries", "0002_lean_indexes"),
    ]

    operations = [
        migrations.RunPython(_link_existing, migrations.RunPython.noop),
        migrations.RunPython(_triggers, _drop_triggers),
    ]
