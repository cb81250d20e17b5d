"""Illegal moves, append-only logs, optimistic concurrency, idempotency, availability, monitoring."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from helpers import at, submit_meeting
from qamqor.audit.models import AppendOnlyError, PersonalDataAccess
from qamqor.cases import actions as sv
from qamqor.cases.exceptions import ConcurrentUpdate, IllegalTransition, RoleNotAllowed, ServiceNotAvailable
from qamqor.cases.models import Application, CaseEvent
from qamqor.cases.transitions import TABLE, Status, basis_for

pytestmark = pytest.mark.django_db


def snapshot(case):
    case.refresh_from_db()
    return case.status, case.version, case.events.count(), case.outcome


def test_illegal_moves_are_refused_and_change_nothing(world):
    w = world
    case = submit_meeting(w)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as exc, translation.override("en"):
        sv.grant(case, actor=w.officer, at=at(2026, 2, 2, 11))  # straight from submitted
    with translation.override("en"):
        assert exc.value.code == "illegal_transition" and "submitted" in str(exc.value)
    with pytest.raises(IllegalTransition):
        sv.send_by_courier(case, actor=w.operator, at=at(2026, 2, 2, 11))  # not a State Corp case
    with pytest.raises(IllegalTransition):
        sv.move_case(case, "no_such_status", actor=w.officer, at=at(2026, 2, 2, 11))
    with pytest.raises(RoleNotAllowed):
        sv.register_at_provider(case, actor=w.recipient, at=at(2026, 2, 2, 11))
    with pytest.raises(RoleNotAllowed) as exc:
        sv.register_at_provider(case, actor=w.other_officer, at=at(2026, 2, 2, 11))
    assert exc.value.code == "other_provider"
    assert snapshot(case) == before
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 11))
    sv.withdraw(case, actor=w.recipient, at=at(2026, 2, 2, 12))
    with pytest.raises(IllegalTransition):  # a terminal status has no way out
        sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3))


def test_operator_of_another_office_may_not_act(world):
    w = world
    case = submit_meeting(w, channel="state_corp", office=w.office, actor=w.operator)
    with pytest.raises(RoleNotAllowed) as exc:
        sv.accept_at_front_office(case, actor=w.other_operator, at=at(2026, 2, 2, 10, 5))
    assert exc.value.code == "other_office"
    with pytest.raises(RoleNotAllowed):
        submit_meeting(w, channel="state_corp", office=w.office, actor=w.other_operator)


def test_events_and_access_log_are_append_only(world):
    w = world
    case = submit_meeting(w)
    ev = case.events.get()
    ev.payload = {"tampered": True}
    with pytest.raises(AppendOnlyError):
        ev.save()
    with pytest.raises(AppendOnlyError):
        ev.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=ev.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()
    assert CaseEvent.objects.get(pk=ev.pk).payload["channel"] == "provider"
    from qamqor.cases.access import get_case_for

    get_case_for(w.officer, case.pk)
    row = PersonalDataAccess.objects.get()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.update(purpose="nothing")


def test_concurrent_decisions_the_loser_gets_a_conflict_and_nothing_changes(world):
    w = world
    case = submit_meeting(w)
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 9))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 3, 9, 5))
    seen = case.version
    mine = Application.objects.get(pk=case.pk)
    theirs = Application.objects.get(pk=case.pk)
    sv.decide(mine, actor=w.officer, at=at(2026, 2, 3, 12), expected_version=seen)
    with pytest.raises(ConcurrentUpdate) as exc:
        sv.decide(
            theirs,
            actor=w.head,
            at=at(2026, 2, 3, 12, 1),
            expected_version=seen,
            findings={"officer.false_documents": True},
            evidence={"officer.false_documents": "x"},
            hearing_at=at(2026, 2, 5, 10),
            hearing_place="Room 1",
        )
    assert exc.value.details["version"] == seen + 1
    case.refresh_from_db()
    assert case.status == Status.GRANTED and case.decisions.count() == 1
    assert case.facts["officer"]["false_documents"] is False  # the winner's finding, not the loser's


def test_idempotent_retries(world):
    w = world
    a = submit_meeting(w, idempotency_key="req-1")
    b = submit_meeting(w, idempotency_key="req-1", at=at(2026, 2, 2, 10, 1))
    assert a.pk == b.pk and Application.objects.count() == 1
    e1 = sv.register_at_provider(a, actor=w.officer, at=at(2026, 2, 2, 10, 5), idempotency_key="mv-1")
    e2 = sv.register_at_provider(a, actor=w.officer, at=at(2026, 2, 2, 10, 6), idempotency_key="mv-1")
    assert e1.pk == e2.pk and a.version == 2 and a.events.count() == 2
    with pytest.raises(IllegalTransition) as exc:  # the same key for another move is an error
        sv.check_completeness(a, actor=w.officer, at=at(2026, 2, 3), idempotency_key="mv-1")
    assert exc.value.code == "idempotency_key_reused"
    with pytest.raises(IllegalTransition):
        submit_meeting(w, idempotency_key="req-1", applicant=w.other_person)


def test_a_retried_decision_with_findings_returns_the_decision_made(world):
    """bench/crash.py found it: the answer to `decide` lost (the server killed after the commit), the
    client's retry with the same key replayed the findings against a case already granted and was
    refused as `idempotency_key_reused`; the retry now gets the decision made, and nothing is added."""
    w = world
    case = submit_meeting(w)
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 9))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 3, 9, 5))
    seen = case.version
    findings = {"officer.false_documents": False}
    evidence = {"officer.false_documents": "Documents checked against the originals"}
    args = dict(
        actor=w.officer, findings=findings, evidence=evidence, expected_version=seen, idempotency_key="d-1"
    )
    first = sv.decide(case, at=at(2026, 2, 3, 12), **args)
    events = case.events.count()
    again = sv.decide(Application.objects.get(pk=case.pk), at=at(2026, 2, 3, 12, 1), **args)
    assert again.pk == first.pk and case.events.count() == events and case.decisions.count() == 1
    other = submit_meeting(w, applicant=w.other_person)
    sv.register_at_provider(other, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    sv.check_completeness(other, actor=w.officer, at=at(2026, 2, 3, 9))
    sv.start_review(other, actor=w.officer, at=at(2026, 2, 3, 9, 5))
    with pytest.raises(IllegalTransition) as exc:  # the key of another case's request stays refused
        sv.decide(other, at=at(2026, 2, 3, 12), **{**args, "expected_version": other.version})
    assert exc.value.code == "idempotency_key_reused"


def test_service_availability(world):
    w = world
    with pytest.raises(ServiceNotAvailable) as exc:
        submit_meeting(w, service_slug="minor-property-certificate")
    assert exc.value.code == "incomplete_source"
    with pytest.raises(ServiceNotAvailable) as exc:
        submit_meeting(w, channel="portal", actor=w.recipient)  # the meeting permission has no portal channel
    assert exc.value.code == "channel_not_offered"
    with pytest.raises(ServiceNotAvailable) as exc:
        submit_meeting(w, at=at(2022, 1, 10))
    assert exc.value.code == "not_in_force"
    with pytest.raises(ServiceNotAvailable) as exc:
        submit_meeting(w, service_slug="no-such-service")
    assert exc.value.code == "unknown_service"
    assert Application.objects.count() == 0


def test_every_move_reaches_the_monitoring_outbox(world):
    from qamqor.monitoring.models import StageOutbox

    w = world
    case = submit_meeting(w)
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    rows = StageOutbox.objects.filter(case_ref=str(case.pk)).order_by("id")
    assert [r.stage for r in rows] == ["submitted", "registered"]
    with pytest.raises(IllegalTransition):
        sv.grant(case, actor=w.officer)
    assert StageOutbox.objects.filter(case_ref=str(case.pk)).count() == 2


def _at_the_state_corp_in_transit(w):
    case = submit_meeting(w, channel="state_corp", office=w.office, actor=w.operator)
    sv.accept_at_front_office(case, actor=w.operator, at=at(2026, 2, 2, 10, 5))
    sv.send_by_courier(case, actor=w.operator, at=at(2026, 2, 2, 16))
    return case


def test_a_dated_move_writes_its_deadlines_with_its_own_update_of_the_case(world):
    """The receipt at the provider anchors the completeness check (1 WD, `003` §7): the dates that
    follow go out in the move's own UPDATE of the case, not in a second one."""
    w = world
    case = _at_the_state_corp_in_transit(w)
    planned = sv.step_due(case, "completeness_check")
    with CaptureQueriesContext(connection) as q:
        sv.receive_at_provider(case, actor=w.officer, at=at(2026, 2, 4, 9, 30))  # later than planned
    table = Application._meta.db_table
    updates = [x["sql"] for x in q.captured_queries if x["sql"].startswith("UPDATE") and table in x["sql"]]
    assert len(updates) == 1
    stored = Application.objects.get(pk=case.pk)
    assert sv.step_due(stored, "completeness_check") == dt.date(2026, 2, 5) != planned
    assert stored.version == 4 and case.deadlines == stored.deadlines
    # the same dates as a recomputation from the events written, the receipt's included
    assert sv.recompute_deadlines(stored, save=False) == stored.deadlines


def test_a_dated_move_that_fails_leaves_the_deadlines_as_they_were(world):
    w = world
    case = _at_the_state_corp_in_transit(w)
    before = Application.objects.get(pk=case.pk)
    with (
        mock.patch("qamqor.monitoring.services.insert", side_effect=RuntimeError("disk")),
        pytest.raises(RuntimeError),
    ):  # the monitoring outbox row is written in the move's transaction
        sv.receive_at_provider(case, actor=w.officer, at=at(2026, 2, 4, 9, 30))
    after = Application.objects.get(pk=case.pk)
    assert (after.status, after.version, after.deadlines) == (before.status, before.version, before.deadlines)
    assert not case.events.filter(action="receive_at_provider").exists()


def _grounded(t, text) -> bool:
    """A move's basis is exact, an analogy with the text it follows named, or unknown only where the
    catalogue says no seed speaks of the step (or a system step a text does not make automatic)."""
    from qamqor.catalog.procedure import AUTOMATED_STEPS, procedures

    b = basis_for(t, text)
    if b.certainty == "exact":
        return bool(b.citations)
    if b.certainty == "analogy":  # the text's own qualified entry, or the shared procedure named
        own = t.basis_key in procedures().texts.get(text, {})
        return bool(b.citations and b.note) and (own or "shared procedure of" in b.note)
    return t.basis_key in procedures().unknown_steps or t.basis_key in AUTOMATED_STEPS


def test_every_row_of_the_table_has_a_basis_for_every_procedure():
    from qamqor.catalog.procedure import procedures

    for t in TABLE:
        for text in procedures().texts:
            assert _grounded(t, text), (t.action, t.basis_key, text, basis_for(t, text))


def test_a_made_up_step_is_not_grounded():
    """The check above can fail: a basis key no text knows falls to "unknown" and is refused."""
    import dataclasses

    made_up = dataclasses.replace(TABLE[0], basis_key="no_such_step")
    assert basis_for(made_up, "003").certainty == "unknown"
    assert not _grounded(made_up, "003")


def test_people_and_users_are_validated(world):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from qamqor.accounts.models import Role, User
    from qamqor.cases.models import Person
    from qamqor.rules.iin import InvalidIin

    with pytest.raises(InvalidIin):
        Person.objects.create(
            iin="900101300127", last_name="X", first_name="Y", birth_date=dt.date(1990, 1, 1)
        )
    p = Person(iin="061211600012", last_name="A", first_name="B", birth_date=dt.date(2000, 1, 1), sex="male")
    p.save()
    assert (p.birth_date, p.sex) == (dt.date(2006, 12, 11), "female")  # taken from the IIN
    u = User(username="x", role=Role.PROVIDER_OFFICER)
    with pytest.raises(ValidationError):
        u.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", role=Role.FRONT_OFFICE_OPERATOR)
    admin = User.objects.create_superuser("root", password="x")
    assert admin.role == Role.ADMINISTRATOR
