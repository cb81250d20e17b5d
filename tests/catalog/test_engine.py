"""The three-valued engine and the decision, on a small fixture catalogue."""

import datetime as dt

import pytest

from qamqor.catalog import evaluate_service
from qamqor.rules.logic import Context, ExpressionError, compile_expr, full_years

from .conftest import good_applicant

ON = dt.date(2025, 6, 2)


def ev(cat, facts, on=ON):
    return evaluate_service(cat, "demo-service", facts, on)


def test_complete_good_applicant_is_granted(demo_catalog):
    r = ev(demo_catalog, good_applicant())
    assert r.decision == "grant"
    assert r.grounds == () and r.missing_facts == ()
    assert r.version.id == "v2"


def test_each_ground_fires_with_citation_and_explanation(demo_catalog):
    r = ev(demo_catalog, good_applicant(applicant__birth_date="2010-01-01"))
    assert r.decision == "refuse"
    assert [g.item for g in r.grounds] == [1]
    g = r.grounds[0]
    assert str(g.citation) == "test.txt row 9 item 1"
    expl = g.explanation()
    assert expl["kk"].startswith("Кәмелетке толмаған") and "age(applicant.birth_date) = 15 < 18" in expl["en"]


def test_missing_fact_is_never_false(demo_catalog):
    r = ev(demo_catalog, good_applicant(consent_personal_data=...))
    assert r.decision == "needs_facts"
    assert r.missing_facts == ("consent_personal_data",)


def test_determined_any_or_all_forgets_irrelevant_missing_facts(demo_catalog):
    # a woman: ground 2's `all` is false whatever `married` is, so `married` is not asked for
    r = ev(demo_catalog, good_applicant(applicant__married=...))
    assert r.decision == "grant"
    # a man: now marriage decides
    r = ev(demo_catalog, good_applicant(applicant__married=..., applicant__sex="male"))
    assert r.decision == "needs_facts" and r.missing_facts == ("applicant.married",)


def test_exception_of_a_rule(demo_catalog):
    base = dict(applicant__sex="male", applicant__married=False)
    assert [g.item for g in ev(demo_catalog, good_applicant(**base)).grounds] == [2]
    r = ev(demo_catalog, good_applicant(**base, child__years_raised_by_applicant=3, child__mother_died_or_deprived=True))
    assert r.decision == "grant"
    excepted = [g for g in r.all_grounds if g.item == 2][0]
    assert excepted.status == "excepted" and excepted.exception.code == "raised_three_years"
    # 2 years and 11 months is not three years
    r = ev(demo_catalog, good_applicant(**base, child__years_raised_by_applicant=2.9, child__mother_died_or_deprived=True))
    assert [g.item for g in r.grounds] == [2]
    # the exception unknown while the rule holds: the ground is unknown
    r = ev(demo_catalog, good_applicant(**base, child__years_raised_by_applicant=5, child__mother_died_or_deprived=...))
    assert r.decision == "needs_facts" and r.missing_facts == ("child.mother_died_or_deprived",)


def test_dated_parameter_both_sides(demo_catalog):
    facts = good_applicant(applicant__monthly_income=48000, applicant__household_size=1)
    assert ev(demo_catalog, facts, dt.date(2025, 12, 31)).decision == "grant"  # 48 000 ≥ 46 228
    r = ev(demo_catalog, facts, dt.date(2026, 1, 1))  # 48 000 < 50 851
    assert [g.item for g in r.grounds] == [3]
    assert "50851" in r.grounds[0].explanation()["en"]


def test_parameter_unknown_before_its_first_value_and_zero_household(demo_catalog):
    # v2 is in force from 2025; the subsistence minimum is known from 2025: fine. Zero household: unknown.
    r = ev(demo_catalog, good_applicant(applicant__household_size=0))
    assert r.decision == "needs_facts"
    assert r.missing_facts == ("applicant.household_size",)


def test_list_items_with_item_level_exception(demo_catalog):
    murder = {"category": "murder", "expunged": False}
    assert [g.item for g in ev(demo_catalog, good_applicant(applicant__convictions=[murder])).grounds] == [4]
    terminated = {"category": "murder", "kind": "prosecution", "prosecution_terminated_rehabilitating": True}
    assert ev(demo_catalog, good_applicant(applicant__convictions=[terminated])).decision == "grant"
    # one terminated prosecution does not hide another conviction
    r = ev(demo_catalog, good_applicant(applicant__convictions=[terminated, murder]))
    assert [g.item for g in r.grounds] == [4]
    # the item field the exception needs is missing
    unclear = {"category": "terrorism", "kind": "prosecution"}
    r = ev(demo_catalog, good_applicant(applicant__convictions=[unclear]))
    assert r.decision == "needs_facts"
    assert r.missing_facts == ("applicant.convictions[].prosecution_terminated_rehabilitating",)
    assert ev(demo_catalog, good_applicant(applicant__convictions=[{"category": "negligent"}])).decision == "grant"


def test_version_by_date_and_not_in_force(demo_catalog):
    facts = good_applicant(applicant__sex="male", applicant__married=False)
    assert ev(demo_catalog, facts, dt.date(2024, 12, 31)).decision == "grant"  # v1 had no ground 2
    assert ev(demo_catalog, facts, dt.date(2025, 1, 1)).decision == "refuse"
    r = ev(demo_catalog, facts, dt.date(2023, 12, 31))
    assert r.decision == "not_in_force" and r.version is None and set(r.message) == {"kk", "ru", "en"}


def test_obligations_come_with_a_grant(demo_catalog):
    r = ev(demo_catalog, good_applicant(applicant__relation_to_child="relative", applicant__psych_training_certificate=False))
    assert r.decision == "grant"
    assert [o.code for o in r.obligations] == ["training_within_a_year"]
    assert r.obligations[0].due.as_dict() == {"value": 1, "unit": "calendar_years", "from": "decision"}
    assert ev(demo_catalog, good_applicant(applicant__relation_to_child="relative")).obligations == ()


@pytest.mark.parametrize(
    "born,on,years",
    [
        ("2008-03-01", "2026-02-28", 17),
        ("2008-03-01", "2026-03-01", 18),
        ("2008-02-29", "2026-02-28", 17),
        ("2008-02-29", "2026-03-01", 18),
    ],
)
def test_full_years(born, on, years):
    assert full_years(dt.date.fromisoformat(born), dt.date.fromisoformat(on)) == years


def test_kleene_truth_tables():
    def run(expr, facts):
        ctx = Context(facts=facts, on=ON, params={})
        return compile_expr(expr).fn(ctx), ctx.missing

    a, b = {"fact": "a"}, {"fact": "b"}
    assert run({"any": [a, b]}, {"a": True}) == (True, [])
    assert run({"any": [a, b]}, {"a": False}) == (None, ["b"])
    assert run({"all": [a, b]}, {"a": False}) == (False, [])
    assert run({"all": [a, b]}, {"a": True, "b": True}) == (True, [])
    assert run({"not": a}, {}) == (None, ["a"])
    # null is a value (e.g. no citizenship), not a missing fact
    assert run({"eq": [{"fact": "c"}, None]}, {"c": None}) == (True, [])
    assert run({"eq": [{"fact": "c"}, None]}, {}) == (None, ["c"])


@pytest.mark.parametrize(
    "bad",
    [{"frobnicate": 1}, {"all": []}, {"lt": [1]}, {"item": "x"}, {"eq": [1, 2], "ne": [1, 2]}, {"in": [{"fact": "a"}, 3]}],
)
def test_bad_expressions_are_rejected_when_compiling(bad):
    with pytest.raises(ExpressionError):
        compile_expr(bad)


def test_an_undecidable_duty_is_not_a_complete_grant(demo_catalog):
    # relative, training certificate unknown: the grant's duty cannot be told
    r = ev(demo_catalog, good_applicant(applicant__relation_to_child="relative", applicant__psych_training_certificate=...))
    assert r.decision == "needs_facts" and r.missing_facts == ("applicant.psych_training_certificate",)
    # a malformed value (not a boolean) names no missing fact, and still is no grant
    r = ev(demo_catalog, good_applicant(applicant__relation_to_child="relative", applicant__psych_training_certificate="yes"))
    assert r.decision == "needs_facts" and r.obligations == ()


def test_a_malformed_number_is_unknown_not_an_error(demo_catalog):
    r = ev(demo_catalog, good_applicant(applicant__monthly_income="a lot"))
    assert r.decision == "needs_facts"
