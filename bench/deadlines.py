"""Due dates: the vectorised path, the scalar path and a naive loop over `holidays`, in one run.

    /work/venv/bin/python bench/deadlines.py [--cases 2000000] [--scalar 100000] [--naive 20000]

Prints each rate and the ratios. Targets (issue 3): ≥ 2M due dates per second vectorised; the scalar
path ≤ 20 µs per deadline. The naive baseline registers the same way and then calls
`holidays.country_holidays("KZ").get_nth_working_day` per case (its own working-day function).
The same random cases (portal channel, submitted 2020–2027, terms 1–19 WD) feed all three paths,
and the results are checked to agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from qamqor.rules.calendar import get_calendar, local
from qamqor.rules.deadlines import compute_deadline, due_date, registration_date
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
    t0 = time.perf_counter()
    for term, m in zip(term_objs[:n_f], moments[:n_f], strict=True):
        compute_deadline(term, steps, "portal", m, calendar=cal)
    full_us = (time.perf_counter() - t0) / n_f * 1e6

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
    assert registration_date("portal", moments[0], calendar=cal) <= scalar[0]

    print(
        f"vectorised : {args.cases:>9,} due dates in {t_vec:.3f} s = {vec_rate / 1e6:.2f} M/s ({1e9 / vec_rate:.0f} ns each)"
    )
    print(f"scalar     : {n_s:>9,} due dates in {t_scalar:.3f} s = {scalar_us:.2f} µs each")
    print(f"full       : {n_f:>9,} explained deadlines (4 steps) = {full_us:.1f} µs each")
    print(f"naive      : {n_n:>9,} holidays.get_nth_working_day loops = {naive_us:.1f} µs each")
    print(
        f"ratio vectorised/naive = {naive_us / (1e6 / vec_rate):,.0f}x; scalar/naive = {naive_us / scalar_us:,.1f}x"
    )
    print(
        f"targets: vectorised ≥ 2 M/s: {'OK' if vec_rate >= 2e6 else 'MISSED'}; "
        f"scalar ≤ 20 µs: {'OK' if scalar_us <= 20 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
