"""The sandbox history (`qamqor sandbox history`, decision 0027): a small one generated once for the
module, then checked the way a reader of the database would: every case's status is its last event's,
the events follow the transition table, decisions exist exactly for decision moves, the trail verifies,
the seasons show, open cases are few, recent and dated, and the same seed gives the same history."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db import transaction

from qamqor.audit.verify import verify
from qamqor.cases.models import Application, CaseEvent, CaseFact, Decision
from qamqor.cases.transitions import TERMINAL, candidates
from qamqor.databank.models import Placement
from qamqor.demo.history import generate_history
from qamqor.rules.calendar import ALMATY

UNTIL = dt.date(2026, 12, 1)
N = 2000


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield generate_history(N, seed=7, until=UNTIL)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def cases(history, db):
    return {a.pk: a for a in Application.objects.filter(number__contains="-H007")}


def _events(ids):
    out = defaultdict(list)
    for e in CaseEvent.objects.filter(application_id__in=ids).order_by("application_id", "seq"):
        out[e.application_id].append(e)
    return out


def test_every_case_status_is_its_last_event_and_moves_follow_the_table(cases):
    assert len(cases) == N
    events = _events(list(cases))
    for pk, case in cases.items():
        evs = events[pk]
        assert [e.seq for e in evs] == list(range(1, case.version + 1)), case.number
        assert evs[-1].to_status == case.status
        assert evs[0].action == "submit" and evs[0].from_status == ""
        for before, e in zip(evs, evs[1:], strict=False):
            assert e.from_status == before.to_status
            assert e.at >= before.at, case.number
            rows = [t for t in candidates(e.from_status, e.to_status, case.channel) if t.action == e.action]
            assert rows and any(e.actor_role in t.roles for t in rows), (case.number, e.action, e.actor_role)
            assert e.legal_basis.get("citations") is not None


def test_decisions_exist_exactly_for_decision_moves_with_their_grounds(cases):
    events = _events(list(cases))
    decisions = defaultdict(list)
    for d in Decision.objects.filter(application_id__in=list(cases)):
        decisions[d.application_id].append(d)
    decides = {"grant": "grant", "issue_preliminary_refusal": "preliminary_refusal"}
    decides |= {"issue_final_refusal": "final_refusal", "issue_automated_refusal": "final_refusal"}
    decided = 0
    for pk, case in cases.items():
        moves = [(decides[e.action], e.at) for e in events[pk] if e.action in decides]
        made = sorted((d.kind, d.decided_at) for d in decisions[pk])
        assert sorted(moves) == made, case.number
        finals = [d for d in decisions[pk] if d.kind in ("grant", "final_refusal")]
        assert len(finals) <= 1
        if finals:
            decided += 1
            final = finals[0]
            assert case.outcome == ("granted" if final.kind == "grant" else "refused")
            assert final.evaluation["decision"] == ("grant" if final.kind == "grant" else "refuse")
            assert bool(final.grounds) == (final.kind != "grant")
            assert final.catalogue_version == case.catalogue_version
        else:
            assert case.outcome == ""
    assert decided > N * 0.8


def test_the_trail_of_the_history_verifies(history, db):
    report = verify()
    assert report.intact, [str(b) for b in report.breaks[:3]]
    assert report.rows == history.rows["event"] + history.rows["fact"] + history.rows["decision"]


def test_camps_swell_before_summer(cases):
    months = Counter(
        a.submitted_at.astimezone(ALMATY).month for a in cases.values() if a.service_slug == "camp-referral"
    )
    spring = months[4] + months[5] + months[6]
    autumn = months[10] + months[11] + months[12]
    assert spring > 3 * autumn, months


def test_open_cases_are_few_recent_and_dated(cases):
    open_ = [a for a in cases.values() if a.status not in TERMINAL]
    assert 0.01 * N <= len(open_) <= 0.08 * N
    recent = [a for a in open_ if (UNTIL - a.submitted_at.astimezone(ALMATY).date()).days <= 180]
    assert len(recent) >= 0.8 * len(open_)
    for a in open_:
        assert a.due_date is not None and a.registered_on is not None, a.number
        assert a.deadlines.get("due") == a.due_date.isoformat()
    closed = [a for a in cases.values() if a.status in TERMINAL]
    assert all(a.registered_on is not None for a in closed)


def test_everything_happened_before_the_end(cases):
    end = dt.datetime.combine(UNTIL, dt.time(0), ALMATY)
    assert not CaseEvent.objects.filter(application_id__in=list(cases), at__gte=end).exists()
    assert not CaseFact.objects.filter(application_id__in=list(cases), at__gte=end).exists()


def test_granted_placements_are_in_the_data_bank(cases):
    granted = {
        pk
        for pk, a in cases.items()
        if a.outcome == "granted"
        and a.service_slug in ("guardianship-establishment", "foster-family-placement", "patronage-placement")
    }
    assert granted
    placed = {p.case_id: p for p in Placement.objects.filter(case_id__in=list(granted))}
    assert set(placed) == granted
    for pk, p in placed.items():
        grant = Decision.objects.get(application_id=pk, kind="grant")
        assert p.decision_id == grant.pk and p.source == "sandbox"
        assert p.carer_iin == cases[pk].applicant.iin


def _fingerprint(seed: int) -> list:
    with transaction.atomic():
        generate_history(150, seed=seed, years=4, until=UNTIL)
        rows = list(
            Application.objects.filter(number__contains=f"-H{seed:03X}")
            .order_by("number")
            .values_list("number", "service_slug", "channel", "status", "submitted_at", "applicant__iin")
        )
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_gives_the_same_history(history, db):
    first = _fingerprint(11)
    assert first and first == _fingerprint(11)
    assert [r[1:] for r in first] != [r[1:] for r in _fingerprint(12)]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--applications", "0"], "--applications must be at least 1"),
        (["--applications", "ten"], "not a whole number"),
        (["--applications", "10", "--years", "40"], "--years must be between 1 and 15"),
        (["--applications", "10", "--until", "31.02.2026"], "--until"),
    ],
)
def test_bad_arguments_are_usage_errors_and_write_nothing(args, message, capsys, db):
    from qamqor.cli import main

    before = Application.objects.count()
    assert main(["sandbox", "history", *args]) == 2
    assert message in capsys.readouterr().err
    assert Application.objects.count() == before
