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
