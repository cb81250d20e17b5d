"""The tamper-evident trail (issue 16 R7, decision 0019): every chained row is linked as it is
written; a row changed, deleted or slipped in behind the application's back, or a link removed, is
named by `qamqor audit verify`."""

from __future__ import annotations

import pytest

from helpers import MON, at, run_cli
from qamqor.audit.chain import case_key, day_key
from qamqor.audit.models import ChainLink
from qamqor.audit.verify import verify

pytestmark = pytest.mark.django_db

CASE_TABLES = ("cases_caseevent", "cases_casefact", "cases_decision", "audit_personaldataaccess")


def _rows(table, case_id):
    column = "case_id" if table.startswith("audit_") else "application_id"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE {column} = %s ORDER BY id", [case_id])
        return [r[0] for r in cursor.fetchall()]


def test_a_case_life_is_chained_and_verifies(granted_case, capsys):
    case_id = granted_case["id"]
    for table in CASE_TABLES:
        ids = _rows(table, case_id)
        assert ids, table
        linked = set(
            ChainLink.objects.filter(chain_key=case_key(case_id), table=table).values_list(
                "row_id", flat=True
            )
        )
        assert linked == set(ids), table
    seqs = list(ChainLink.objects.filter(chain_key=case_key(case_id)).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    report = verify()
    assert report.intact, [str(b) for b in report.breaks]
    code, out, err = run_cli(capsys, "audit", "verify", "--case", str(case_id))
    assert code == 0, err
    assert "intact" in out and len(out.strip().splitlines()) == 1


@pytest.mark.parametrize("table", CASE_TABLES)
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_a_row_changed_or_deleted_behind_the_back_is_named(granted_case, tamper, capsys, table, operation):
    case_id = granted_case["id"]
    victim = _rows(table, case_id)[0]
    if operation == "update":
        column = {
            "cases_caseevent": "actor_role",
            "cases_casefact": "actor_role",
            "cases_decision": "catalogue_version",
            "audit_personaldataaccess": "purpose",
        }[table]
        tamper(f"UPDATE {table} SET {column} = 'forged' WHERE id = %s", [victim])
    else:
        tamper(f"DELETE FROM {table} WHERE id = %s", [victim])
    report = verify(case_id=case_id)
    first = report.breaks[0]
    assert (first.table, first.row_id, first.problem) == (
        table,
        victim,
        "changed" if operation == "update" else "deleted",
    )
    link = ChainLink.objects.get(chain_key=case_key(case_id), table=table, row_id=victim)
    assert first.expected == link.row_digest and first.found != link.row_digest
    code, out, err = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert f"{table} row {victim}" in err.splitlines()[0]


def test_ledger_rows_without_a_case_are_chained_per_day(world, tamper, capsys):
    from qamqor.registries.models import RegistryQuery
    from qamqor.registries.services import give_consent, revoke_consent

    when = at(2026, 3, 2, 11)
    consent = give_consent(recipient_iin=world.aliya.iin, subject_iins=[world.aliya.iin], at=when)
    query = RegistryQuery.objects.create(
        at=when,
        registry="population",
        method="person",
        subject_iin=world.aliya.iin,
        actor_role="system",
        purpose="prefill",
        consent=consent,
        outcome="answered",
    )
    revoke_consent(consent, at=at(2026, 3, 2, 12))  # a permitted change: a revision link
    assert (
        ChainLink.objects.filter(
            chain_key__startswith=day_key(MON.date()), table="registries_consent"
        ).count()
        == 2
    )
    code, out, _ = run_cli(capsys, "audit", "verify", "--day", "2026-03-02")
    assert code == 0 and "intact" in out

    tamper("UPDATE registries_consent SET revoked_at = NULL WHERE id = %s", [consent.pk])
    tamper("UPDATE registries_registryquery SET outcome = 'not_found' WHERE id = %s", [query.pk])
    report = verify(day=MON.date())
    assert [(b.table, b.row_id, b.problem) for b in report.breaks] == [
        ("registries_registryquery", query.pk, "changed"),
        ("registries_consent", consent.pk, "changed"),
    ]
    code, _, err = run_cli(capsys, "audit", "verify", "--day", "2026-03-02")
    assert code == 1 and f"registries_registryquery row {query.pk}" in err


def test_a_row_slipped_in_and_links_removed_are_named(granted_case, tamper):
    case_id = granted_case["id"]
    key = case_key(case_id)
    pda = _rows("audit_personaldataaccess", case_id)[0]
    tamper(
        "INSERT INTO audit_personaldataaccess (actor_role, subject_iin, subject_kind, case_id, case_number,"
        " purpose, at) SELECT actor_role, subject_iin, subject_kind, case_id, case_number, purpose, at"
        " FROM audit_personaldataaccess WHERE id = %s",
        [pda],
    )
    report = verify(case_id=case_id)
    assert [b.problem for b in report.breaks] == ["unlinked"]

    links = list(ChainLink.objects.filter(chain_key=key).order_by("seq"))
    tamper("DELETE FROM audit_chainlink WHERE id = %s", [links[-1].pk])  # the tail cut off
    assert verify(case_id=case_id).breaks[0].problem == "head_mismatch"
    tamper("DELETE FROM audit_chainlink WHERE id = %s", [links[1].pk])  # a link from the middle
    first = verify(case_id=case_id).breaks[0]
    assert (first.chain_key, first.seq, first.problem) == (key, 2, "link_missing")


def test_a_forged_link_does_not_hide_a_change(granted_case, tamper):
    """Changing the row and rewriting its link's digest breaks the link's hash instead."""
    from qamqor.audit.chain import row_digest
    from qamqor.cases.models import CaseEvent

    case_id = granted_case["id"]
    event = CaseEvent.objects.filter(application_id=case_id).order_by("seq").first()
    tamper("UPDATE cases_caseevent SET actor_role = 'forged' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    tamper(
        "UPDATE audit_chainlink SET row_digest = %s WHERE \"table\" = 'cases_caseevent' AND row_id = %s",
        [row_digest(event), event.pk],
    )
    first = verify(case_id=case_id).breaks[0]
    assert first.problem == "link_changed"


def test_bad_day_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "audit", "verify", "--day", "03.12.2026")
    assert code == 2 and "YYYY-MM-DD" in err


def test_every_chained_row_changed_or_deleted_is_detected(granted_case, world, tamper, capsys):
    """R7's figure: each chained row of a granted case's life (and a day's ledger rows) changed, then
    deleted, one at a time behind the application's back: every one named as the first break."""
    from django.apps import apps
    from django.db import transaction

    from qamqor.audit.chain import CHAINED
    from qamqor.registries.models import RegistryQuery
    from qamqor.registries.services import give_consent

    consent = give_consent(recipient_iin=world.aliya.iin, subject_iins=[world.aliya.iin], at=MON)
    RegistryQuery.objects.create(
        at=MON,
        registry="population",
        method="person",
        subject_iin=world.aliya.iin,
        actor_role="system",
        purpose="prefill",
        consent=consent,
        outcome="answered",
    )
    from qamqor.cases.models import Application
    from qamqor.complaints.actions import file_complaint

    file_complaint(  # a complaint's event: chained in its case's chain
        Application.objects.get(pk=granted_case["id"]),
        actor=world.marat,
        route="provider_head",
        channel="portal",
        text="No answer.",
        complainant_name="Жұмабаев Марат",
        postal_address="Astana",
        phone="+77010000000",
        at=MON,
    )
    from qamqor.audit.models import AdminChange

    AdminChange.objects.create(
        actor_role="administrator", at=MON, action="added", model="accounts.Provider", object_id="1",
        object_repr="x", after={"code": "x"},
    )
    text_column = {
        "complaints_complaintevent": "actor_role",
        "cases_caseevent": "actor_role",
        "cases_casefact": "actor_role",
        "cases_decision": "catalogue_version",
        "registries_consent": "method",
        "registries_registryquery": "purpose",
        "audit_personaldataaccess": "purpose",
        "audit_adminchange": "object_repr",
    }
    tried = {"changed": 0, "deleted": 0}
    detected = {"changed": 0, "deleted": 0}
    assert verify().intact
    for link in ChainLink.objects.order_by("chain_key", "seq"):
        for problem, sql in (
            ("changed", f"UPDATE {link.table} SET {text_column[link.table]} = 'forged' WHERE id = %s"),
            ("deleted", f"DELETE FROM {link.table} WHERE id = %s"),
        ):
            with transaction.atomic():
                tamper(sql, [link.row_id])
                first = verify().breaks[0]
                tried[problem] += 1
                if (first.table, first.row_id, first.problem) == (link.table, link.row_id, problem):
                    detected[problem] += 1
                transaction.set_rollback(True)
    # every chained table had rows to tamper with
    assert (
        set(ChainLink.objects.values_list("table", flat=True))
        == set(text_column)
        == {apps.get_model(spec.label)._meta.db_table for spec in CHAINED}
    )
    assert tried["changed"] >= 10 and detected == tried, (tried, detected)
    with capsys.disabled():
        print(f"\nR7: rows changed {tried['changed']}, deleted {tried['deleted']}; detected {detected}")
