"""Due dates and full explained deadlines: the vectorised path, the scalar paths and a naive loop
over `holidays`, in one run.

    /work/venv/bin/python bench/deadlines.py [--cases 2000000] [--scalar 100000] [--naive 20000] [--full 5000]

Prints each rate and the ratios. Targets (issue 3): ≥ 2M due dates per second vectorised; the scalar
path ≤ 20 µs per deadline, i.e. a full `compute_deadline` (registration, due date, 4 steps, the
explanation ready to be rendered) ≤ 20 µs. Rendering the explanation (`as_dict()`, kk/ru/en texts)
is timed separately: it happens once, when a result is stored or shown. The naive baseline registers
the same way and then calls `holidays.country_holidays("KZ").get_nth_working_day` per case (its own
working-day function). The same random cases (portal channel, submitted 2020–2027, terms 1–19 WD)
feed all paths, and the results are checked to agree. A second full run uses every service of the
catalogue with a term, through every channel it offers (up to 10 steps each).
Full-path times are the best of 3 passes (the machine is shared); the as_dict time is (compute +
first as_dict) − compute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from qamqor.rules.calendar import get_calendar, local
from qamqor.rules.deadlines import compute_deadline, due_date
from qamqor.rules.types import Citation, StepRule, Term
from qamqor.rules.vector_deadlines import due_dates

UTC = dt.UTC
LO = int(dt.datetime(2020, 1, 1, tzinfo=UTC).timestamp())
HI = int(dt.datetime(2027, 12, 1, tzinfo=UTC).timestamp())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2_000_000)
    ap.add_argument("--scalar", type=int, default=100_000)
    ap.add_argument("--naive", type=int, default=20_000)
    ap.add_argument("--full", type=int, default=5_000, help="full explained deadlines (steps + explanation)")
    args = ap.parse_args()

    cal = get_calendar()
    rng = np.random.default_rng(2026)
    secs = rng.integers(LO, HI, args.cases)
    terms = rng.integers(1, 20, args.cases)
    submitted = secs.astype("datetime64[s]")
    due_dates("portal", submitted[:10], terms[:10], cal)  # warm up (offset table, numpy tables)

    t0 = time.perf_counter()
    vec = due_dates("portal", submitted, terms, cal)
    t_vec = time.perf_counter() - t0
    vec_rate = args.cases / t_vec

    n_s = min(args.scalar, args.cases)
    moments = [dt.datetime.fromtimestamp(s, UTC) for s in secs[:n_s].tolist()]
    term_objs = [Term(int(n), "working_days", Citation("bench", "bench")) for n in terms[:n_s].tolist()]
    t0 = time.perf_counter()
    scalar = [due_date(term, "portal", m, cal) for term, m in zip(term_objs, moments, strict=True)]
    t_scalar = time.perf_counter() - t0
    scalar_us = t_scalar / n_s * 1e6

    steps = (
        StepRule("completeness_check", 1, "working_days", Citation("bench", "§7")),
        StepRule("decision", 3, "working_days", Citation("bench", "§9")),
        StepRule("preliminary_refusal", 3, "working_days", Citation("bench", "§9")),
        StepRule("final_decision", 1, "working_days", Citation("bench", "§9")),
    )
    n_f = min(args.full, n_s)
    full_cases = list(zip(term_objs[:n_f], moments[:n_f], strict=True))

    def full_run(render: bool) -> None:
        for t, m in full_cases:
            r = compute_deadline(t, steps, "portal", m, calendar=cal)
            if render:
                r.as_dict()

    full_us = _best_us(full_run, False, n_f)
    render_us = _best_us(full_run, True, n_f) - full_us
    for t, m in full_cases[:1000]:
        r = compute_deadline(t, steps, "portal", m, calendar=cal)
        assert r.due == due_date(t, "portal", m, cal), "the full and the scalar due dates disagree"

    # every catalogue service with a term, through every channel it offers, with its schedule
    catalogue_cases = _catalogue_cases(moments[:n_f])
    n_c = len(catalogue_cases)

    def catalogue_run(render: bool) -> None:
        for v, ch, sch, cit, m in catalogue_cases:
            r = compute_deadline(v.term, v.steps, ch, m, schedule=sch, schedule_citation=cit, calendar=cal)
            if render:
                r.as_dict()

    cat_us = _best_us(catalogue_run, False, n_c)
    cat_render_us = _best_us(catalogue_run, True, n_c) - cat_us
    cat_steps = (
        sum(
            len(compute_deadline(v.term, v.steps, ch, m, schedule=sch, calendar=cal).steps)
            for v, ch, sch, _, m in catalogue_cases
        )
        / n_c
    )

    import holidays

    kz = holidays.country_holidays("KZ", years=range(2019, 2030))
    n_n = min(args.naive, n_s)
    t0 = time.perf_counter()
    naive = []
    for term, m in zip(term_objs[:n_n], moments[:n_n], strict=True):
        t = local(m)
        day = t.date()
        if not kz.is_working_day(day) or t.hour * 60 + t.minute >= 18 * 60 + 30:
            day = kz.get_nth_working_day(day, 1)
        naive.append(kz.get_nth_working_day(day, term.value))
    t_naive = time.perf_counter() - t0
    naive_us = t_naive / n_n * 1e6

    # the paths agree (the package has no corrections; none of ours changes 2020–2027 working days)
    vec_dates = vec[:n_s].astype(dt.date).tolist()
    assert vec_dates == scalar, "vectorised and scalar paths disagree"
    assert naive == scalar[:n_n], "the naive holidays loop disagrees"

    print(
        f"vectorised : {args.cases:>9,} due dates in {t_vec:.3f} s = {vec_rate / 1e6:.2f} M/s ({1e9 / vec_rate:.0f} ns each)"
    )
    print(f"scalar     : {n_s:>9,} due dates in {t_scalar:.3f} s = {scalar_us:.2f} µs each")
    print(f"full       : {n_f:>9,} explained deadlines (4 steps) = {full_us:.1f} µs each (result object)")
    print(
        f"  as_dict  : {n_f:>9,} first as_dict() renderings (kk/ru/en explanation) = {render_us:.1f} µs more each"
    )
    print(
        f"catalogue  : {n_c:>9,} explained deadlines (every service × channel, {cat_steps:.1f} steps avg) "
        f"= {cat_us:.1f} µs each; as_dict {cat_render_us:.1f} µs"
    )
    print(f"naive      : {n_n:>9,} holidays.get_nth_working_day loops = {naive_us:.1f} µs each")
    print(
        f"ratio vectorised/naive = {naive_us / (1e6 / vec_rate):,.0f}x; scalar/naive = {naive_us / scalar_us:,.1f}x; "
        f"full/naive = {naive_us / full_us:,.2f}x; full/scalar due date = {full_us / scalar_us:,.1f}x; "
        f"(full + as_dict)/naive = {naive_us / (full_us + render_us):,.2f}x"
    )
    print(
        f"targets: vectorised ≥ 2 M/s: {_verdict(vec_rate >= 2e6)}; "
        f"scalar due date ≤ 20 µs: {_verdict(scalar_us <= 20)}; "
        f"full explained deadline ≤ 20 µs: {_verdict(full_us <= 20)} ({full_us:.1f} µs); "
        f"catalogue mix ≤ 20 µs: {_verdict(cat_us <= 20)} ({cat_us:.1f} µs)"
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _best_us(run, render: bool, n: int, repeat: int = 3) -> float:
    """Best of `repeat` passes of `run(render)` over n deadlines, in µs per deadline. Each result is
    dropped once computed (and rendered), as a request would."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(render)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6


def _catalogue_cases(moments: list[dt.datetime]) -> list[tuple]:
    from qamqor.catalog import load_catalog

    combos = []
    for service in load_catalog().services.values():
        for v in service.versions:
            if v.term is None:
                continue
            for ch in v.channel_codes:
                sch = v.schedule_for(ch)
                combos.append((v, ch, sch, v.schedules_citation if ch == "portal" else None))
    return [(*combos[i % len(combos)], m) for i, m in enumerate(moments)]


if __name__ == "__main__":
    main()
