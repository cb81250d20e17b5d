"""Placements in the data bank, the automated guardianship certificate, the relatives' duty."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from qamqor.databank import services
from qamqor.databank.models import CertificateRequest, Obligation
from qamqor.registries.models import RegistryQuery
from qamqor.rules.calendar import get_calendar
from qamqor.rules.iin import make_iin

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
GUARDIAN = make_iin(dt.date(1980, 4, 5), "female", 101)
OTHER = make_iin(dt.date(1979, 1, 9), "male", 102)
CHILD = make_iin(dt.date(2016, 7, 1), "male", 103)


def test_an_order_flows_into_the_data_bank_and_the_certificate_is_granted():
    services.record_placement(
        source="import",
        kind="guardianship",
        carer_iin=GUARDIAN,
        child_iin=CHILD,
        started_on=dt.date(2025, 5, 20),
        relation="other",
        order_number="No. 15",
    )
    req = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT)
    assert req.decision == "grant" and req.status == "delivered_to_cabinet" and req.grounds == []
    assert req.catalogue_version and req.placement.order_number == "No. 15"
    assert services.cabinet(GUARDIAN).get() == req
    text = services.certificate_text(req, "ru")
    assert text["kind"] == "certificate" and "20.05.2025" in text["text"]
    ledger = RegistryQuery.objects.filter(registry="databank").values_list(
        "subject_iin", "outcome", "legal_basis_source"
    )
    assert set(ledger) == {
        (GUARDIAN, "answered", "004_b3169fa141ba7fa6.txt"),
        (CHILD, "answered", "004_b3169fa141ba7fa6.txt"),
    }


def test_refusal_when_the_data_bank_has_no_record():
    services.record_placement(
        source="import", kind="guardianship", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2025, 5, 20)
    )
    req = services.request_guardianship_certificate(OTHER, CHILD, True, AT)
    assert req.decision == "refuse" and [g["item"] for g in req.grounds] == [1]
    assert req.grounds[0]["citation"] == {"source": "004_b3169fa141ba7fa6.txt", "clause": "row 9 item 1"}
    assert services.certificate_text(req)["kind"] == "motivated_refusal"


def test_a_placement_not_yet_started_or_ended_or_of_another_kind_is_no_record():
    services.record_placement(
        source="import", kind="foster_family", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2025, 5, 20)
    )
    assert services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT).decision == "refuse"
    p = services.record_placement(
        source="import", kind="guardianship", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2026, 4, 1)
    )
    assert services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT).decision == "refuse"
    services.end_placement(p, on=dt.date(2026, 5, 1))
    later = dt.datetime(2026, 5, 4, 10, 0, tzinfo=ALMATY)
    assert services.request_guardianship_certificate(GUARDIAN, CHILD, True, later).decision == "refuse"


def test_no_consent_refuses_without_reading_the_data_bank():
    services.record_placement(
        source="import", kind="guardianship", carer_iin=GUARDIAN, child_iin=CHILD, started_on=dt.date(2025, 5, 20)
    )
    req = services.request_guardianship_certificate(GUARDIAN, CHILD, False, AT)
    assert req.decision == "refuse" and [g["item"] for g in req.grounds] == [2]
    assert "databank" not in req.facts
    assert not RegistryQuery.objects.filter(registry="databank").exists()


def test_idempotent_request():
    a = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT, idempotency_key="k1")
    b = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT, idempotency_key="k1")
    assert a.pk == b.pk and CertificateRequest.objects.count() == 1


def test_a_concurrent_retry_under_the_same_key_gets_the_request_that_won(monkeypatch):
    # the retry passes the check before the transaction while the first request is still being
    # written; its INSERT then meets the unique key and it answers with the first request
    first = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT, idempotency_key="race")
    checks = []
    real = services._replayed_request

    def not_yet_committed(*args):
        checks.append(args)
        return None if len(checks) == 1 else real(*args)

    monkeypatch.setattr(services, "_replayed_request", not_yet_committed)
    again = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT, idempotency_key="race")
    assert again.pk == first.pk and len(checks) == 2
    assert CertificateRequest.objects.filter(idempotency_key="race").count() == 1


def test_an_idempotency_key_belongs_to_its_recipient():
    mine = services.request_guardianship_certificate(GUARDIAN, CHILD, True, AT, idempotency_key="same")
    # another recipient using the same key gets a request of their own, never the first one
    theirs = services.request_guardianship_certificate(OTHER, CHILD, True, AT, idempotency_key="same")
    assert theirs.pk != mine.pk and theirs.recipient_iin == OTHER and mine.recipient_iin == GUARDIAN
    # the same recipient reusing the key for another child is an error, and nothing is written
    from django.core.exceptions import ValidationError

    other_child = make_iin(dt.date(2017, 2, 2), "female", 104)
    with pytest.raises(ValidationError) as exc:
        services.request_guardianship_certificate(GUARDIAN, other_child, True, AT, idempotency_key="same")
    assert "idempotency_key" in exc.value.message_dict
    assert CertificateRequest.objects.count() == 2


def test_a_bad_iin_is_refused_as_input():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.request_guardianship_certificate(GUARDIAN, "123456789012", True, AT)


def test_relative_without_training_gets_a_one_year_duty_with_reminders_and_an_overdue_list():
    # 06.03.2025 + 1 calendar year = 06.03.2026, a Friday (working day)
    p = services.record_placement(
        source="import",
        kind="guardianship",
        carer_iin=GUARDIAN,
        child_iin=CHILD,
        started_on=dt.date(2025, 3, 6),
        relation="relative",
        provider_code="almaty-edu",
    )
    (ob,) = p.obligations.all()
    assert ob.code == "relatives_training_certificate" and ob.due_on == dt.date(2026, 3, 6)
    assert (ob.citation_source, ob.citation_clause) == ("001_9090383b8961739a.txt", "§15-1")
    reminders = {r.days_before: r.remind_on for r in ob.reminders.all()}
    assert reminders == {30: dt.date(2026, 2, 4), 7: dt.date(2026, 2, 27)}
    assert services.send_due_reminders(on=dt.date(2026, 2, 3)) == []
    assert [r.days_before for r in services.send_due_reminders(on=dt.date(2026, 2, 4))] == [30]
    assert services.send_due_reminders(on=dt.date(2026, 2, 5)) == []  # sent once
    assert list(services.overdue("almaty-edu", dt.date(2026, 3, 6))) == []
    assert list(services.overdue("almaty-edu", dt.date(2026, 3, 9))) == [ob]
    assert list(services.overdue("other-provider", dt.date(2026, 3, 9))) == []
    services.record_training_certificate(person_iin=GUARDIAN, number="PT-1", issued_on=dt.date(2026, 3, 10))
    ob.refresh_from_db()
    assert ob.status == "fulfilled" and ob.fulfilled_on == dt.date(2026, 3, 10)
    assert list(services.overdue("almaty-edu", dt.date(2026, 3, 11))) == []
    assert services.send_due_reminders(on=dt.date(2026, 3, 1)) == []  # fulfilled: no more reminders


def test_due_date_on_a_non_working_day_moves_to_the_next_working_day():
    # 22.03.2025 + 1 year = 22.03.2026, Nauryz (a holiday on a Sunday): the next working day
    p = services.record_placement(
        source="import",
        kind="foster_family",
        carer_iin=GUARDIAN,
        child_iin=CHILD,
        started_on=dt.date(2025, 3, 22),
        relation="stepparent",
    )
    (ob,) = p.obligations.all()
    cal = get_calendar()
    assert not cal.is_working_day(dt.date(2026, 3, 22))
    assert ob.due_on == cal.working_day_on_or_after(dt.date(2026, 3, 22)) and ob.due_on > dt.date(2026, 3, 22)
    assert "art. 175" in ob.explanation[-1]["en"]
    assert ob.citation_clause.startswith("new §12")


def test_no_duty_for_trained_relatives_close_relatives_or_strangers():
    services.record_training_certificate(person_iin=GUARDIAN, number="PT-0", issued_on=dt.date(2024, 1, 10))
    p1 = services.record_placement(
        source="import",
        kind="guardianship",
        carer_iin=GUARDIAN,
        child_iin=CHILD,
        started_on=dt.date(2025, 3, 6),
        relation="relative",
    )
    p2 = services.record_placement(
        source="import",
        kind="guardianship",
        carer_iin=OTHER,
        child_iin=CHILD,
        started_on=dt.date(2025, 3, 6),
        relation="close_relative",
    )
    p3 = services.record_placement(
        source="import",
        kind="guardianship",
        carer_iin=OTHER,
        child_iin=CHILD,
        started_on=dt.date(2025, 3, 6),
        relation="other",
    )
    assert not Obligation.objects.filter(placement__in=[p1, p2, p3]).exists()


def test_sandbox_placements_load_into_the_data_bank(sandbox_pop):
    n = services.load_sandbox_placements(sandbox_pop)
    assert n == sandbox_pop.placed_children().size > 0
    assert services.load_sandbox_placements(sandbox_pop) == 0  # idempotent
    r = int(sandbox_pop.placed_children("guardianship")[0])
    g = sandbox_pop.iin_of(int(sandbox_pop["guardian"][r]))
    placed = sandbox_pop.date("placed_on", r)
    at = dt.datetime.combine(max(placed, dt.date(2026, 1, 5)), dt.time(10), tzinfo=ALMATY)
    assert services.request_guardianship_certificate(g, sandbox_pop.iin_of(r), True, at).decision == "grant"
