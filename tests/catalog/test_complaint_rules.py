"""catalog/complaints.yaml: every rule cites its clause or says why it cannot; the routes of each
text as the seeds give them; the loader refuses a rule without a citation."""

from __future__ import annotations

import datetime as dt

import pytest

from qamqor.catalog.complaints import ComplaintCatalogError, complaint_rules, load_complaint_rules

S000 = "000_e53799d7e328390d.txt"


def every_rule(t):
    for r in t.routes.values():
        yield from (x for x in (r.addressed, r.forward, r.unless_satisfied, r.review) if x is not None)
    yield from t.channels.values()
    yield from (t.review_body, t.answer, t.escalate, t.court)


def test_every_rule_cites_a_clause_or_gives_its_reason():
    rules = complaint_rules()
    for name in rules.texts:
        for rule in every_rule(rules.for_text(name)):
            b = rule.basis
            assert b.citations or (b.certainty == "unknown" and b.note), (name, rule)
            if b.certainty == "analogy":
                assert b.note


def test_the_terms_of_the_texts():
    rules = complaint_rules()
    for text, clause6, clause7 in (
        ("003", "§13 para 6", "§13 para 7"),
        ("002", "annex 11 §14 para 6", "annex 11 §14 para 7"),
    ):
        t = rules.for_text(text)
        assert t.routes["provider_head"].forward.term == 3 and t.routes["provider_head"].review.term == 5
        assert t.routes["authorised_body"].review.term == 15
        assert t.routes["provider_head"].review.basis.citations[0].clause == clause6
        assert t.routes["authorised_body"].review.basis.citations[0].clause == clause7
        assert set(t.routes) == {"provider_head", "authorised_body"}  # no akimat or State Corporation head
    old = rules.for_text("000")
    assert set(old.routes) == {"provider_head", "akimat_head", "state_corp_head", "authorised_body"}
    assert old.routes["provider_head"].forward is None  # 000 has no forwarding step
    assert not old.routes["state_corp_head"].review.known  # no term given: unknown, with the reason
    assert old.routes["akimat_head"].review.basis.certainty == "analogy"
    assert old.court.basis.citations[0].clause == "§12" and old.escalate.to == "authorised_body"
    assert old.routes["authorised_body"].review.due(dt.date(2026, 3, 19)) == dt.date(
        2026, 4, 14
    )  # 15 WD over Nauryz


def test_a_text_without_complaint_clauses_follows_003_by_analogy():
    t = complaint_rules().for_text("001-guardianship")
    review = t.routes["provider_head"].review
    assert review.basis.certainty == "analogy" and "001-guardianship" in review.basis.note
    assert review.term == 5


def test_the_loader_refuses_a_rule_without_citation(tmp_path):
    import yaml

    from qamqor.catalog.complaints import COMPLAINTS_FILE

    raw = yaml.safe_load(COMPLAINTS_FILE.read_text(encoding="utf-8"))
    raw["texts"]["003"]["routes"]["provider_head"]["review"]["citations"] = []
    bad = tmp_path / "c.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ComplaintCatalogError, match="cites"):
        load_complaint_rules(bad)
    raw["texts"]["003"]["routes"]["provider_head"]["review"] = {
        "certainty": "unknown",
        "term": 5,
        "note": "x",
    }
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ComplaintCatalogError, match="unknown"):
        load_complaint_rules(bad)
    assert load_complaint_rules().texts["000"].court.basis.citations[0].source == S000
