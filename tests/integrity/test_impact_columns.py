"""Issue 16: the impact report reads the cases' facts from PostgreSQL in columns
(`cases.impact_columns`). The columns must be exactly what the decision gate reads case by case
(`facts.current_facts`): the latest row of each path, only from a source the case's version accepts,
the consent from the application; dates written otherwise, impossible dates, nulls and lists as the
scalar path takes them. Each test builds cases whose rows try one of those, and compares the two
readers column by column, then the batch decisions over both."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection

from qamqor.cases.actions.common import catalog
from qamqor.cases.impact import read_scope
from qamqor.cases.models import Application, CaseFact
from qamqor.catalog.batch import evaluate_batch, tables_equal

from .test_impact import SLUG, WHEN, _open_case


def _same_table(a, b):
    assert list(a.ids) == list(b.ids)
    assert np.array_equal(a.days, b.days) and np.array_equal(a.provider_ids, b.provider_ids)
    assert tables_equal(a.table, b.table) is None, tables_equal(a.table, b.table)


def _row(case, path, value, source=None, **extra):
    """A later row of `path`; by default from a source the case's version accepts for it."""
    if source is None:
        from qamqor.cases.actions.common import version_of

        rule = version_of(case).fact_source(path)
        source = rule.accept[0]
        if source == "registry" and rule.registries:
            extra.setdefault("registry", rule.registries[0])
    return CaseFact.objects.create(
        application=case, path=path, value=value, source=source, actor_role="officer", at=WHEN, **extra
    )


def _people(pop, n):
    from qamqor.cases.models import Person
    from qamqor.demo.placements import clean_rows

    clean, kids = clean_rows(pop)

    def person(row, name):
        return Person.objects.get_or_create(
            iin=pop.iin_of(int(row)), defaults={"last_name": name, "first_name": "S"}
        )[0]

    return [(person(clean[5 + i], f"A{i}"), person(kids[5 + i], f"K{i}")) for i in range(n)]


def _tricky_cases(pop, world):
    """Six open cases whose latest rows try every way a reader could go wrong."""
    made = [_open_case(world, a, k, income=1000 + 100_000 * i) for i, (a, k) in enumerate(_people(pop, 6))]
    c0, c1, c2, c3, c4, c5 = made
    _row(c0, "applicant.monthly_income", 999_999.5)  # superseded by a later row: the later one counts
    _row(c0, "applicant.monthly_income", 12)
    _row(c1, "applicant.birth_date", "19900228")  # another ISO spelling: the parser decides
    _row(c2, "applicant.birth_date", "1990-02-29")  # no such day: a null, as the scalar path has it
    _row(c3, "applicant.birth_date", None)
    _row(c4, "applicant.convictions", [{"kind": "theft", "category": "minor", "expunged": True}, "?"])
    _row(c5, "applicant.convictions", None)
    # the latest row from a source the definition does not accept for the path: the path is absent
    # (an earlier accepted row does not come back)
    _row(c1, "applicant.legal_capacity", "incapable", source="registry", registry="no-such-registry")
    _row(c2, "applicant.sex", "female", source="consent")
    Application.objects.filter(pk=c3.pk).update(consent=False)  # the consent fact from the application
    Application.objects.filter(pk=c4.pk).update(catalogue_version="")  # no pin: the version of its day
    return made


def _compare(queryset, **kw):
    cat = catalog()
    columns = read_scope(queryset, cat, SLUG, columns=True, **kw)
    rows = read_scope(queryset, cat, SLUG, columns=False)
    assert columns.reader == "columns" and rows.reader == "rows"
    _same_table(columns, rows)
    a = evaluate_batch(cat, SLUG, columns.table, columns.days)
    b = evaluate_batch(cat, SLUG, rows.table, rows.days)
    assert np.array_equal(a.result.decision, b.result.decision)
    assert np.array_equal(a.result.fired, b.result.fired)
    assert np.array_equal(a.result.missing, b.result.missing)
    return columns, a


@pytest.mark.django_db
def test_the_columns_are_what_the_gate_reads_case_by_case(pop, world):
    if connection.vendor != "postgresql":
        pytest.skip("the columnar reader is PostgreSQL's (DATABASE_URL=postgres://…)")
    made = _tricky_cases(pop, world)
    columns, result = _compare(Application.objects.filter(service_slug=SLUG))
    assert len(columns.ids) == len(made)
    income = columns.table.columns["applicant.monthly_income"]
    assert income.values[list(columns.ids).index(made[0].id)] == 12  # the latest row
    birth = columns.table.columns["applicant.birth_date"]
    assert birth.null is not None and birth.null.sum() == 2  # the impossible day and the null
    assert birth.values[list(columns.ids).index(made[1].id)] == 19900228  # the other spelling, parsed
    assert len(set(result.result.decision.tolist())) >= 1


@pytest.mark.django_db(transaction=True)
def test_several_readers_share_one_snapshot_and_agree(pop, world, monkeypatch):
    """With the scope split between two connections (each its own range of ids, in the snapshot
    the first exported), the table is the same; a case submitted while they read is not half in."""
    if connection.vendor != "postgresql":
        pytest.skip("the columnar reader is PostgreSQL's (DATABASE_URL=postgres://…)")
    from qamqor.cases import impact_columns

    _tricky_cases(pop, world)
    monkeypatch.setattr(impact_columns, "PARALLEL_FROM", 2)
    seen = []
    real = impact_columns._read_facts_in

    def spy(snapshot, *args):
        seen.append(snapshot)
        return real(snapshot, *args)

    monkeypatch.setattr(impact_columns, "_read_facts_in", spy)
    columns, _ = _compare(Application.objects.filter(service_slug=SLUG), readers=2)
    assert len(seen) == 2 and len(set(seen)) == 1  # two connections, one snapshot


def test_the_ranges_split_the_ids_without_loss():
    from qamqor.cases.impact_columns import _ranges

    ids = np.array([3, 4, 9, 10, 11, 40, 41, 100], np.int64)
    for k in (1, 2, 3, 8, 20):
        ranges = _ranges(ids, k)
        covered = [i for i in ids.tolist() if any(lo <= i <= hi for lo, hi in ranges)]
        assert covered == ids.tolist()
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # disjoint, in order
    assert _ranges(np.zeros(0, np.int64), 4) == [(0, 0)]


@pytest.mark.django_db
def test_a_past_period_is_read_in_columns_too(pop, world, tmp_path):
    """`--decided FROM..TO`: the cases of the period's decisions, each judged against its last
    recorded decision, read by the same columns."""
    if connection.vendor != "postgresql":
        pytest.skip("the columnar reader is PostgreSQL's (DATABASE_URL=postgres://…)")
    from helpers import at
    from qamqor.cases import actions as sv
    from qamqor.cases.impact import analyse_impact

    from .test_impact import _draft

    made = [
        _open_case(world, a, k, income=1000 + 500_000 * (i % 2)) for i, (a, k) in enumerate(_people(pop, 3))
    ]
    for case in made:
        sv.decide(case, actor=world.head, at=WHEN, hearing_at=at(2026, 3, 5, 11), hearing_place="Room 1")
    day = WHEN.date()
    by_columns = analyse_impact(_draft(tmp_path), decided=(day - dt.timedelta(days=1), day), columns=True)
    by_rows = analyse_impact(_draft(tmp_path), decided=(day - dt.timedelta(days=1), day), columns=False)
    assert by_columns.reader == "columns" and by_rows.reader == "rows"
    assert by_columns.cases == by_rows.cases == 3
    a, b = by_columns.as_dict(), by_rows.as_dict()
    for key in (
        "transitions",
        "grounds_fired_now",
        "grounds_no_longer",
        "facts_to_collect",
        "by_provider_month",
    ):
        assert a[key] == b[key], key


def test_the_comparison_notices_one_changed_cell():
    """`tables_equal`, which the readers' comparison rests on, names a difference of one value, one
    absent row or one list item."""
    import copy

    from qamqor.catalog.batch import table_from_documents

    cat = catalog()
    docs = [
        {"applicant": {"monthly_income": 10, "birth_date": "1990-01-02", "convictions": []}},
        {"applicant": {"monthly_income": 20, "convictions": [{"kind": "theft"}]}},
    ]
    base = table_from_documents(cat, SLUG, docs)
    assert tables_equal(base, table_from_documents(cat, SLUG, copy.deepcopy(docs))) is None
    changed = copy.deepcopy(docs)
    changed[1]["applicant"]["monthly_income"] = 21
    assert "monthly_income" in tables_equal(base, table_from_documents(cat, SLUG, changed))
    absent = copy.deepcopy(docs)
    del absent[0]["applicant"]["birth_date"]
    assert "birth_date" in tables_equal(base, table_from_documents(cat, SLUG, absent))
    item = copy.deepcopy(docs)
    item[1]["applicant"]["convictions"][0]["kind"] = "fraud"
    assert "convictions" in tables_equal(base, table_from_documents(cat, SLUG, item))


def test_a_day_is_real_exactly_when_the_calendar_has_it():
    """The reader's check of YYYY-MM-DD days agrees with `datetime.date` (leap years, 1900 and 2000
    included), as the scalar path's parser does."""
    from qamqor.cases.impact_columns import _real_days

    def real(v: int) -> bool:
        try:
            dt.date(v // 10000, v // 100 % 100, v % 100)
        except ValueError:
            return False
        return True

    days = np.array(
        [
            y * 10000 + m * 100 + d
            for y in (1899, 1900, 1996, 2000, 2023, 2024)
            for m in range(14)
            for d in range(33)
        ],
        np.int32,
    )
    assert _real_days(days).tolist() == [real(int(v)) for v in days]
