"""The batch glue: scenarios, one case's evaluation, dates, versions, the bench smoke run."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from qamqor.catalog import evaluate_service, load_catalog
from qamqor.catalog.batch import as_date_array, evaluate_batch, service_plan
from qamqor.catalog.loader import SCENARIOS_DIR, load_catalog_from
from qamqor.rules import vector
from qamqor.rules.logic import full_years

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
SLUG = "guardianship-establishment"


def test_age_from_yyyymmdd_matches_full_years_every_day():
    """(on − born) // 10000 is full_years for every pair of days around 29 February and year ends."""
    days = [dt.date(2023, 12, 25) + dt.timedelta(d) for d in range(0, 800, 3)]
    born = [
        dt.date(y, m, d)
        for y in (1996, 2000, 2005, 2008)
        for (m, d) in ((2, 28), (2, 29), (3, 1), (12, 31), (1, 1))
        if not (m == 2 and d == 29 and y % 4)
    ]
    on = vector.dates_to_int(days)[:, None]
    b = vector.dates_to_int(born)[None, :]
    got = (on - b) // 10000
    want = np.array([[full_years(x, y) for x in born] for y in days])
    assert (got == want).all()
    # the hot pass compares with a threshold instead: age < k ⇔ born > on − 10000·k
    for k in (0, 1, 17, 18, 19, 26):
        assert ((b > on - 10000 * k) == (want < k)).all(), k


def test_owner_of_items_by_blocks_matches_bisection():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 3000))
        counts = rng.choice([0, 1, 2, 6], size=n, p=[0.7, 0.2, 0.08, 0.02])
        bounds = np.zeros(n + 1, np.int64)
        np.cumsum(counts, out=bounds[1:])
        if not bounds[-1]:
            continue
        items = np.sort(rng.choice(int(bounds[-1]), int(rng.integers(1, bounds[-1] + 1)), replace=False))
        want = np.searchsorted(bounds, items, side="right") - 1
        for step in (1, 3, 16, 256):
            assert (vector._owners(bounds, items, step) == want).all()


def test_absent_facts_as_rows_or_as_a_mask():
    catalog = load_catalog_from(DATA / "definitions", DATA / "params.yaml")
    plan = service_plan(catalog, "synthetic")
    rng = np.random.default_rng(3)
    n = 500
    absent = rng.random(n) < 0.2
    results = []
    for missing in (absent, np.flatnonzero(absent)):
        table = vector.FactsTable(n)
        table.columns["p.flag_a"] = vector.column("bool", rng.random(n) < 2, missing=missing)
        table.columns["p.flag_b"] = vector.column("bool", np.zeros(n, bool))
        on = np.full(n, vector.date_to_int(dt.date(2025, 3, 1)), np.int32)
        results.append(vector.evaluate(plan, table, on, chunk=64))
    assert (results[0].fired == results[1].fired).all() and (results[0].missing == results[1].missing).all()
    assert ((results[0].fired >> 1 & 1) == ~absent).all()  # ground 2: flag_a ∧ ¬flag_b, where present
    with pytest.raises(vector.VectorError, match="sorted"):
        vector.column("bool", np.zeros(3, bool), missing=np.array([2, 1]))


@pytest.mark.parametrize(
    "slug", [SLUG, "foster-family-placement", "patronage-placement", "parent-meeting-permission", "camp-referral"]
)
def test_scenarios_through_the_batch_path(slug):
    catalog = load_catalog()
    spec = yaml.safe_load((SCENARIOS_DIR / f"{slug}.yaml").read_text(encoding="utf-8"))
    scenarios = spec["scenarios"]
    docs = [s["facts"] for s in scenarios]
    dates = [s["on"] for s in scenarios]
    res = evaluate_batch(catalog, slug, docs, dates, chunk=4)
    for i, s in enumerate(scenarios):
        expect = s["expect"]
        assert res.decision(i) == expect["decision"], s["name"]
        assert list(res.fired_items(i)) == sorted(expect.get("grounds", [])), s["name"]
        if "missing_facts" in expect:
            assert list(res.missing_facts(i)) == sorted(expect["missing_facts"]), s["name"]


def test_one_case_as_the_scalar_dict_with_citations():
    catalog = load_catalog()
    doc = {"applicant": {"birth_date": "2010-05-01"}, "consent_personal_data": False}
    res = evaluate_batch(catalog, SLUG, [doc], [dt.date(2026, 3, 2)])
    d = res.as_dict(0, doc)
    assert d["decision"] == "refuse"
    items = [g["item"] for g in d["grounds"]]
    assert items == [1, 15]
    assert all(g["citation"]["source"] and g["explanation"]["kk"] for g in d["grounds"])
    # rebuilt from the table, the same case gives the same result
    assert res.as_dict(0)["grounds"] == d["grounds"]


def test_dates_and_versions_per_case():
    catalog = load_catalog()
    service = catalog.service(SLUG)
    first = service.versions[0].in_force_from
    gap = service.versions[0].edition_gap.start  # editions not in the seeds before the first version
    days = [first - dt.timedelta(1), first, dt.date(2026, 1, 1), gap - dt.timedelta(1), gap]
    res = evaluate_batch(catalog, SLUG, [{}] * 5, days)
    assert res.decision(0) == "edition_not_in_sources" and res.version_id(0) is None
    assert res.version_id(1) == service.versions[0].id
    assert res.decision(2) == "needs_facts" and "consent_personal_data" in res.missing_facts(2)
    assert res.decision(3) == "not_in_force" and res.decision(4) == "edition_not_in_sources"
    for i, day in enumerate(days):  # as the scalar path says
        assert res.decision(i) == evaluate_service(catalog, SLUG, {}, day).decision
    as_int = as_date_array(np.array(days, dtype="datetime64[D]"))
    assert list(as_int) == [vector.date_to_int(d) for d in days]


def test_plan_is_cached_per_catalogue():
    catalog = load_catalog()
    assert service_plan(catalog, SLUG) is service_plan(catalog, SLUG)


def test_a_mixed_type_column_is_refused_clearly():
    catalog = load_catalog()
    with pytest.raises(vector.VectorError, match="different types"):
        evaluate_batch(
            catalog,
            SLUG,
            [{"applicant": {"sex": "male"}}, {"applicant": {"sex": 1}}],
            [dt.date(2026, 1, 1)] * 2,
        )


def test_the_batch_path_needs_only_the_loaded_catalogue(tmp_path):
    """Exceptions inside `some` come from the compiled sources: no definition file is read."""
    shutil.copytree(DATA / "definitions", tmp_path / "definitions")
    catalog = load_catalog_from(tmp_path / "definitions", DATA / "params.yaml")
    shutil.rmtree(tmp_path / "definitions")
    base = {"birth": "1980-01-01", "status": "zz", "kind": None, "flag_a": False, "flag_b": True}
    base |= {"income": 1, "size": 1, "years": 0, "score": 0, "limit": 5, "sex": "male"}
    item = {"cat": "x", "since": "2020-01-01", "n": 1}
    docs = [{"p": base | {"items": [item | {"ok": ok}]}} for ok in (False, True)]
    res = evaluate_batch(catalog, "synthetic", docs, [dt.date(2025, 3, 1)] * 2)
    # ground 7 fires on the item unless it is settled (`ok`); ground 3 fires on `sex: male`
    assert res.fired_items(0) == (3, 7) and res.fired_items(1) == (3,)


def test_an_unknown_duty_with_no_missing_fact_asks_for_facts():
    """grounds.decide: no ground fires, a duty's condition is a value that is not a boolean (or
    null): needs_facts, with no fact to name and the duty not listed."""
    catalog = load_catalog_from(DATA / "definitions", DATA / "params.yaml")
    facts = {"birth": "1990-01-01", "status": "zz", "items": []}
    for notes in ([True, False, None], ["yes", "no", None], [3, 0, None]):
        docs = [{"p": facts | {"note": v}} for v in notes]
        res = evaluate_batch(catalog, "synthetic", docs, [dt.date(2024, 5, 1)] * 3)
        for i, v in enumerate(notes):
            want = (
                ("grant", ("duty_note",))
                if v is True
                else ("grant", ())
                if v is False
                else ("needs_facts", ())
            )
            assert (res.decision(i), res.obligation_codes(i)) == want, v
            assert res.missing_facts(i) == ()
            assert res.evaluation(i, docs[i]).decision == want[0]


def test_a_value_the_batch_cannot_type_is_refused_clearly():
    catalog = load_catalog_from(DATA / "definitions", DATA / "params.yaml")
    with pytest.raises(vector.VectorError, match="type dict"):
        evaluate_batch(catalog, "synthetic", [{"p": {"note": {"a": 1}}}], [dt.date(2024, 5, 1)])


def test_bench_smoke():
    """bench/rules.py runs end to end at a small N and the three paths agree."""
    pytest.importorskip("openfisca_core", reason="the bench extra (openfisca-core) is not installed")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "rules.py"),
            "--n",
            "2000",
            "--loop-sample",
            "300",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 differ" in proc.stdout
    assert "OpenFisca" in proc.stdout
    # the synthetic population is the one the bench describes (~18 % refused), not one a code shift
    # in its categories turns into refusals
    import re

    refused = float(re.search(r"\(refused ([0-9.]+)%\)", proc.stdout).group(1))
    assert 10 < refused < 30, proc.stdout
