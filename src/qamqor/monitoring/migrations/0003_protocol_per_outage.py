# Issue 15: one technical-problem protocol per outage (and provider), listing the stages it held and
# resolving itself when they are all delivered, instead of one protocol per stage that never closed.

from django.db import migrations, models


def merge_open_protocols(apps, schema_editor):
    """Existing protocols: each lists its own stage; the unresolved ones of a provider are merged
    into the earliest, and a protocol whose stages are all delivered is resolved."""
    Protocol = apps.get_model("monitoring", "TechnicalProblemProtocol")
    for p in Protocol.objects.exclude(outbox=None):
        p.stages.add(p.outbox_id)
    keep = {}
    for p in Protocol.objects.exclude(status="closed").order_by("detected_at", "pk"):
        first = keep.setdefault(p.provider_ref, p)
        if first.pk != p.pk:
            first.stages.add(*p.stages.all())
            Protocol.objects.filter(pk=p.pk).update(resolved_at=p.detected_at, status="closed")
    for p in Protocol.objects.filter(resolved_at=None):
        if p.status == "closed" or not p.stages.filter(status="pending").exists():
            at = p.closed_at or p.detected_at
            Protocol.objects.filter(pk=p.pk).update(resolved_at=at, closed_at=at, status="closed")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_lean_indexes")]

    operations = [
        migrations.RemoveConstraint(
            model_name="technicalproblemprotocol", name="mon_one_open_protocol_per_stage"
        ),
        migrations.AlterField(
            model_name="technicalproblemprotocol",
            name="outbox",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="protocols",
                to="monitoring.stageoutbox",
            ),
        ),
        migrations.AddField(
            model_name="technicalproblemprotocol",
            name="stages",
            field=models.ManyToManyField(
                blank=True, related_name="held_by_protocols", to="monitoring.stageoutbox"
            ),
        ),
        migrations.AddField(
            model_name="technicalproblemprotocol",
            name="recovered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="technicalproblemprotocol",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(merge_open_protocols, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="technicalproblemprotocol",
            constraint=models.UniqueConstraint(
                condition=models.Q(resolved_at__isnull=True),
                fields=["provider_ref"],
                name="mon_one_unresolved_protocol_per_provider",
            ),
        ),
    ]
