"""PostgreSQL: the append-only tables refuse UPDATE and DELETE in the database itself, and writers
appending to one chain at once do not fork it (decision 0019). Skipped on SQLite, where the models'
AppendOnlyModel guard is the only defence."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from qamqor.audit.chain import case_key
from qamqor.audit.models import ChainHead, ChainLink
from qamqor.audit.verify import verify


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL only")


APPEND_ONLY = (
    "cases_caseevent",
    "cases_casefact",
    "cases_decision",
    "registries_registryquery",
    "audit_personaldataaccess",
    "audit_chainlink",
    "complaints_complaintevent",
)


@pytest.mark.django_db
@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET id = id WHERE id = %s", "DELETE FROM {t} WHERE id = %s"]
)
def test_the_database_refuses_changes_to_append_only_tables(granted_case, world, table, statement):
    from qamqor.registries.models import RegistryQuery

    RegistryQuery.objects.create(
        at=timezone.now(),
        registry="population",
        method="person",
        subject_iin=world.marat.iin,
        actor_role="system",
        purpose="test",
        outcome="answered",
    )
    from qamqor.cases.models import Application
    from qamqor.complaints.actions import file_complaint

    file_complaint(
        Application.objects.get(pk=granted_case["id"]), actor=world.marat, route="provider_head",
        channel="portal", text="x", complainant_name="M", postal_address="A", phone="1",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {table}")
        (row_id,) = cursor.fetchone()
        assert row_id is not None
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(statement.format(t=table), [row_id])


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_chain_do_not_fork_it():
    from django.db import connections

    from qamqor.audit.services import log_reads

    threads, each, case_id = 8, 15, 987654
    start = threading.Barrier(threads)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic():
                    log_reads(
                        None, subjects=[(f"{n:06d}{i:06d}", "applicant")], purpose="race", case_id=case_id
                    )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors, errors
    seqs = list(
        ChainLink.objects.filter(chain_key=case_key(case_id)).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, threads * each + 1))
    assert ChainHead.objects.get(chain_key=case_key(case_id)).seq == threads * each
    report = verify(case_id=case_id)
    assert report.intact and report.links == threads * each, [str(b) for b in report.breaks]


@pytest.mark.django_db
def test_a_chain_head_moves_but_is_never_deleted(granted_case):
    key = case_key(granted_case["id"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainhead SET seq = seq WHERE chain_key = %s", [key])  # appends do this
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM audit_chainhead WHERE chain_key = %s", [key])
