"""Migration monitoring 0003: the per-stage protocols left open by earlier versions become one
protocol per provider listing their stages, resolved when those stages are all delivered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
BEFORE, AFTER = [("monitoring", "0002_lean_indexes")], [("monitoring", "0003_protocol_per_outage")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_open_per_stage_protocols_are_merged_per_provider_and_settled():
    old = _migrate(BEFORE)
    Outbox = old.get_model("monitoring", "StageOutbox")
    Protocol = old.get_model("monitoring", "TechnicalProblemProtocol")

    def stage(n, provider, status="pending"):
        return Outbox.objects.create(
            delivery_key=f"{n}:1",
            case_ref=str(n),
            event_ref="1",
            stage="registered",
            moment=T0,
            provider_ref=provider,
            status=status,
        )

    held = [stage(1, "a"), stage(2, "a"), stage(3, "a", "delivered")]
    done = [stage(4, "b", "delivered"), stage(5, "b", "delivered")]
    for i, row in enumerate(held + done):
        Protocol.objects.create(
            outbox=row, provider_ref=row.provider_ref, detected_at=T0 + dt.timedelta(seconds=i), error="down"
        )
    try:
        new = _migrate(AFTER)
        Protocol = new.get_model("monitoring", "TechnicalProblemProtocol")
        unresolved = Protocol.objects.filter(resolved_at=None)
        assert unresolved.count() == 1  # provider a: two stages still pending
        first = unresolved.get()
        assert first.provider_ref == "a" and first.outbox_id == held[0].pk
        assert sorted(first.stages.values_list("pk", flat=True)) == sorted(r.pk for r in held)
        b = Protocol.objects.filter(provider_ref="b")
        assert all(p.status == "closed" and p.resolved_at for p in b)  # everything delivered
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
