# The complaint's events refuse UPDATE and DELETE in PostgreSQL itself, as the case's do (decision
# 0019; the function is audit's migration 0004's).

from django.db import migrations

TABLE = "complaints_complaintevent"


def _trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE TRIGGER "{TABLE}_append_only" BEFORE UPDATE OR DELETE ON "{TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION qamqor_append_only()"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_append_only" ON "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("audit", "0004_append_only_triggers")]
    operations = [migrations.RunPython(_trigger, _drop)]
