"""`project.inserts`: the compiled INSERT writes the same row as the ORM's save/bulk_create."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from qamqor.db.inserts import insert, insert_rows
from qamqor.monitoring.models import StageOutbox
from qamqor.registries.models import Consent, RegistryQuery

pytestmark = pytest.mark.django_db


def _outbox(key: str) -> StageOutbox:
    return StageOutbox(
        delivery_key=key,
        case_ref="1",
        event_ref="2",
        stage="submitted",
        moment=timezone.now(),
        service="s",
        provider_ref="p",
        payload={"number": "N-1", "list": [1, "ә"]},
    )


def _row(model, pk) -> dict:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return model.objects.filter(pk=pk).values(*fields).get()


def test_insert_writes_what_save_writes_and_marks_the_instance_saved():
    a, b = _outbox("k1"), _outbox("k2")
    b.moment = a.moment
    a.save(force_insert=True)
    insert(b)
    assert b.pk is not None and b.pk != a.pk
    assert not b._state.adding and b._state.db == "default"
    ra, rb = _row(StageOutbox, a.pk), _row(StageOutbox, b.pk)
    assert ra.pop("delivery_key") == "k1" and rb.pop("delivery_key") == "k2"
    assert ra.pop("created_at") <= rb.pop("created_at")  # auto_now_add set by both
    assert ra == rb


def test_insert_sends_the_model_signals_as_save_does():
    seen = []

    def before(sender, instance, **kw):
        seen.append(("pre", instance.pk, kw["raw"], kw["update_fields"]))
        instance.service = "set-by-receiver"

    def after(sender, instance, created, **kw):
        seen.append(("post", instance.pk is not None, created))

    pre_save.connect(before, sender=StageOutbox)
    post_save.connect(after, sender=StageOutbox)
    try:
        row = insert(_outbox("k3"))
    finally:
        pre_save.disconnect(before, sender=StageOutbox)
        post_save.disconnect(after, sender=StageOutbox)
    assert seen == [("pre", None, False, None), ("post", True, True)]
    assert StageOutbox.objects.get(pk=row.pk).service == "set-by-receiver"


def test_insert_rows_writes_what_bulk_create_writes():
    at = timezone.now()
    consent = Consent.objects.create(
        recipient_iin="850101400011", subject_iins=["850101400011"], method="portal", given_at=at
    )

    def rows(n):
        return [
            RegistryQuery(
                at=at,
                registry="databank",
                method="guardian_record",
                subject_iin=f"85010140001{i}",
                actor_role="system",
                purpose="p",
                legal_basis=[{"source": "004", "clause": "row 9"}],
                consent=consent,
                outcome="answered",
            )
            for i in range(n)
        ]

    made, ours = RegistryQuery.objects.bulk_create(rows(2)), insert_rows(rows(2))
    assert all(o.pk is not None and not o._state.adding for o in ours)
    assert [_row(RegistryQuery, o.pk) for o in made] == [_row(RegistryQuery, o.pk) for o in ours]
    assert insert_rows([]) == []


def test_insert_of_a_row_that_breaks_a_constraint_raises_and_rolls_back_the_block():
    from django.db import IntegrityError, transaction

    insert(_outbox("dup"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(_outbox("dup"))
    assert StageOutbox.objects.filter(delivery_key="dup").count() == 1


# --- pipelined(): one batch of writes on PostgreSQL, a plain block elsewhere ----------------------------


def _inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if "INSERT" in q["sql"]]


def test_pipelined_writes_go_as_one_statement_and_are_there_after_the_block():
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from qamqor.db.inserts import pipelined

    with CaptureQueriesContext(connection) as q, transaction.atomic(), pipelined():
        rows = [insert(_outbox(f"p{i}")) for i in range(3)]
        assert all(r.pk is not None and not r._state.adding for r in rows)
    stored = {r.pk: r.delivery_key for r in StageOutbox.objects.filter(delivery_key__startswith="p")}
    assert stored == {r.pk: r.delivery_key for r in rows}
    if connection.vendor == "postgresql":
        [sql] = _inserts(q)  # the three rows, one statement
        assert sql.startswith("WITH q0 AS (INSERT") and sql.count("INSERT INTO") == 3
    else:
        assert len(_inserts(q)) == 3  # SQLite: as without the block


def test_a_read_inside_the_block_sees_the_rows_held_so_far():
    from django.db import transaction

    from qamqor.db.inserts import pipelined

    with transaction.atomic(), pipelined():
        first = insert(_outbox("r1"))
        assert StageOutbox.objects.filter(pk=first.pk).exists()  # sent before the read
        second = insert(_outbox("r2"))
    assert set(StageOutbox.objects.values_list("delivery_key", flat=True)) >= {"r1", "r2"}
    assert second.pk != first.pk


def test_a_held_row_that_breaks_a_constraint_raises_at_the_end_and_nothing_stays():
    from django.db import IntegrityError, transaction

    from qamqor.db.inserts import pipelined

    insert(_outbox("dup2"))
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        insert(_outbox("fresh"))
        insert(_outbox("dup2"))
    assert not StageOutbox.objects.filter(delivery_key="fresh").exists()
    assert StageOutbox.objects.filter(delivery_key="dup2").count() == 1
    insert(_outbox("after"))  # the connection is usable again
    assert StageOutbox.objects.filter(delivery_key="after").exists()


@pytest.mark.django_db(transaction=True)
def test_outside_an_atomic_block_pipelined_is_a_plain_block():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qamqor.db.inserts import pipelined

    assert not connection.in_atomic_block  # autocommit: each INSERT is its own transaction
    with CaptureQueriesContext(connection) as q, pipelined():
        insert(_outbox("plain"))
        assert StageOutbox.objects.filter(delivery_key="plain").exists()  # written at once, not held
    assert len(_inserts(q)) == 1


@pytest.mark.django_db(transaction=True)
def test_keys_from_sequence_blocks_do_not_collide_across_connections():
    import threading

    from django.db import connection, connections, transaction

    from qamqor.db.inserts import pipelined

    if connection.vendor != "postgresql":
        pytest.skip("key blocks are taken on PostgreSQL only")
    keys: list[int] = []

    def work(k: int):
        try:
            for i in range(20):
                with transaction.atomic(), pipelined():
                    keys.append(insert(_outbox(f"t{k}-{i}")).pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 60 and len(set(keys)) == 60
    assert StageOutbox.objects.filter(delivery_key__startswith="t").count() == 60


def test_the_combined_statement_numbers_the_parameters_and_keeps_percent_signs():
    from qamqor.db.inserts import _combined

    text, numbered = _combined(
        ("INSERT INTO a (x, y) VALUES (%s, %s)", "INSERT INTO b (z) VALUES ('5%%', %s)")
    )
    assert text == "WITH q0 AS (INSERT INTO a (x, y) VALUES (%s, %s)) INSERT INTO b (z) VALUES ('5%%', %s)"
    assert numbered == "WITH q0 AS (INSERT INTO a (x, y) VALUES ($1, $2)) INSERT INTO b (z) VALUES ('5%', $3)"
    assert _combined(("INSERT INTO c (w) VALUES (%s)",)) == (
        "INSERT INTO c (w) VALUES (%s)",
        "INSERT INTO c (w) VALUES ($1)",
    )
