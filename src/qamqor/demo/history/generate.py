"""`generate_history`: N applications over the last years, drawn day by day from the catalogue's
services in force (with the synthetic demand and seasons of `plan`), built case by case (`cases`) in
batches and written by `store`. Deterministic in (seed, N, years, until)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from qamqor.demo.history import plan as P
from qamqor.demo.history import store
from qamqor.demo.history.cases import Case, at_local, deadlines_of
from qamqor.rules.calendar import ALMATY, get_calendar
from qamqor.rules.iin import check_digit

BATCH = 20_000
BIG_CITIES = {"almaty-education": 11.0, "astana-education": 7.0, "shymkent-education": 6.0}
NOT_CASES = {
    "guardianship-certificate": "a data-bank certificate request (databank.CertificateRequest), not a case"
}
LAST = ("Ахметов", "Серікбаев", "Жұмабаев", "Омарова", "Сәрсенова", "Нұрланов", "Иванова", "Ким", "Әбілов")
FIRST = ("Айгүл", "Ерлан", "Дина", "Нұрлан", "Сәуле", "Арман", "Жанар", "Бауыржан", "Мадина", "Тимур")


@dataclass
class Result:
    applications: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    open_cases: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # service → why it has no cases

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _staff(providers, offices) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(id, officer's user id, code) of each provider, (id, operator's user id, kind) of each office;
    a provider or office without one gets a sandbox account (no password)."""
    from qamqor.accounts.models import User

    out_p, out_o = [], []
    for p in providers:
        u = User.objects.filter(provider=p, role="provider_officer").order_by("id").first()
        if u is None:
            u = User.objects.create_user(
                username=f"history-officer-{p.code}", role="provider_officer", provider=p
            )
        out_p.append((p.pk, u.pk, p.code))
    for o in offices:
        u = User.objects.filter(office=o, role="front_office_operator").order_by("id").first()
        if u is None:
            u = User.objects.create_user(
                username=f"history-operator-{o.code}", role="front_office_operator", office=o
            )
        out_o.append((o.pk, u.pk, o.kind))
    return out_p, out_o


def _organisations():
    """The providers and State Corporation offices the history spreads over (the demo's, created if
    missing, and any others in the database); providers of education organisations take no cases."""
    from qamqor.accounts.models import Provider, StateCorpOffice
    from qamqor.demo.loader import organisations as demo_organisations

    demo_organisations()
    providers = list(Provider.objects.exclude(kind="education_organisation").order_by("code"))
    return providers, list(StateCorpOffice.objects.order_by("code"))


def sample_days(plans, n: int, until: dt.date, years: int, rng) -> tuple[list, np.ndarray, np.ndarray]:
    """(cells, cell of each case, day ordinal of each case), sorted by day: every case on a day when its
    version is in force, office channels on working days only."""
    cal = get_calendar()
    start = until - dt.timedelta(days=round(365.25 * years))
    days = [start + dt.timedelta(d) for d in range((until - start).days)]
    working = np.array([cal.is_working_day(d) for d in days])
    month = np.array([d.month - 1 for d in days])
    growth = (1 + P.GROWTH) ** (np.arange(len(days)) / 365.25)
    cells, weights = [], []
    for slug, vps in plans.items():
        for vp in vps:
            if slug in NOT_CASES or not vp.usable:
                continue
            active = np.array([vp.version.in_force_on(d) and d >= vp.open_from for d in days])
            share = sum(P.CHANNEL_SHARE[c] for c in vp.channels)
            season = np.array(P.SEASON.get(slug, P.FLAT))[month]
            for ch in vp.channels:
                day_factor = np.where(working, 1.0, 0.4 if ch == "portal" else 0.0)
                w = (
                    P.DEMAND.get(slug, 1.0)
                    * P.CHANNEL_SHARE[ch]
                    / share
                    * season
                    * growth
                    * active
                    * day_factor
                )
                cells.append((vp, ch))
                weights.append(w)
    if not cells:
        raise ValueError("no service of the catalogue can be applied for in this period")
    W = np.stack(weights)
    flat = W.ravel() / W.sum()
    pick = rng.choice(flat.size, size=n, p=flat)
    cell, day = pick // len(days), pick % len(days)
    order = np.argsort(day, kind="stable")
    return cells, cell[order], day[order] + start.toordinal()


class People:
    """Valid, unique IINs: serials counted per (birth date, sex) from a high start, check digits from
    `rules.iin` (a serial whose number is never issued is skipped)."""

    def __init__(self, seed: int):
        self.next: dict[tuple[int, bool], int] = {}
        self.start = 3000 + (seed % 7) * 500
        self.seed_tag = f"{seed % 4096:03X}"

    def iin(self, birth: dt.date, male: bool) -> str:
        key = (birth.toordinal(), male)
        serial = self.next.get(key, self.start)
        century = 5 if birth.year >= 2000 else 3
        head = f"{birth:%y%m%d}{century + (0 if male else 1)}"
        while True:
            if serial > 9999:
                raise ValueError(f"more people born on {birth} than IIN serials left")
            c = check_digit(f"{head}{serial:04d}")
            serial += 1
            if c is not None:
                self.next[key] = serial
                return f"{head}{serial - 1:04d}{c}"

    def row(self, pid: int, birth: dt.date, male: bool, k: int) -> dict:
        return {
            "id": pid,
            "iin": self.iin(birth, male),
            "last_name": LAST[k % len(LAST)],
            "first_name": FIRST[(k // 7) % len(FIRST)],
            "middle_name": "",
            "birth_date": birth,
            "sex": "male" if male else "female",
            "address": "sandbox history",
            "phone": "",
        }


def generate_history(
    n: int,
    *,
    seed: int = 1,
    years: int = 10,
    until: dt.date | None = None,
    progress: bool = False,
    catalog=None,
) -> Result:
    from qamqor.cases.actions.common import catalog as active

    catalog = active(catalog)
    until = until or timezone.localdate()
    t0 = time.perf_counter()
    plans = P.plan_catalogue(catalog)
    result = Result()
    for slug, vps in plans.items():
        if slug in NOT_CASES:
            result.skipped[slug] = NOT_CASES[slug]
        elif not any(vp.usable for vp in vps):
            result.skipped[slug] = "; ".join(sorted({P.why_not(vp) for vp in vps}))
    with transaction.atomic():
        providers, offices = _organisations()
        staff_p, staff_o = _staff(providers, offices)
    pw = np.array([BIG_CITIES.get(code, 1.0) for _, _, code in staff_p])
    pw = pw / pw.sum()
    rng = np.random.default_rng([seed, 0])
    cells, cell_of, day_of = sample_days(plans, n, until, years, rng)
    people = People(seed)
    end = dt.datetime.combine(until, dt.time(0), ALMATY).astimezone(dt.UTC)
    bar = _bar(progress, n)
    for b, lo in enumerate(range(0, n, BATCH)):
        hi = min(n, lo + BATCH)
        rows = _batch(
            b, seed, cells, cell_of[lo:hi], day_of[lo:hi], staff_p, pw, staff_o, people, end, catalog, result
        )
        for k, v in rows.items():
            result.rows[k] = result.rows.get(k, 0) + v
        result.applications += hi - lo
        if bar is not None:
            bar.update(hi - lo)
    if bar is not None:
        bar.close()
    result.seconds = time.perf_counter() - t0
    return result


def _bar(enabled: bool, n: int):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=n, desc="applications", unit="app", file=sys.stderr, unit_scale=True)


def _draw(b, seed, cells, cell_of, day_of, staff_p, pw, staff_o, end) -> list[Case]:
    rng = np.random.default_rng([seed, 1, b])
    m = cell_of.size
    u = rng.random((m, 6))
    prov = rng.choice(len(staff_p), size=m, p=pw)
    office = rng.integers(0, max(1, len(staff_o)), size=m)
    beta = rng.beta(2.0, 2.5, size=m)
    late = rng.geometric(0.3, size=m)
    prof = rng.integers(0, 1 << 30, size=m)
    minute = rng.integers(9 * 60, 18 * 60, size=m)
    portal_minute = (rng.normal(14 * 60, 4 * 60, size=m) % (24 * 60)).astype(int)
    out = []
    for i in range(m):
        vp, ch = cells[cell_of[i]]
        day = dt.date.fromordinal(int(day_of[i]))
        submitted = at_local(day, int(portal_minute[i] if ch == "portal" else minute[i]))
        if submitted >= end:
            submitted = end - dt.timedelta(minutes=1 + i % 600)
        term = vp.version.term.value if vp.version.term.unit == "working_days" else 1
        days = 1 + int(beta[i] * term)
        if u[i, 1] < P.LATE:
            days = term + int(late[i])
        refusals = [p for p in vp.refusals if (p.consent or ch != "portal") and p.valid_from <= day]
        fate = "granted"
        if not vp.automated and ch != "portal" and u[i, 0] < P.REFUSED_TO_ACCEPT:
            fate = "refused_to_accept"
        elif not vp.automated and u[i, 0] > 1 - P.WITHDRAWN:
            fate = "withdrawn"
        elif refusals and u[i, 2] < P.REFUSED:
            fate = "refused"
        pool = refusals if fate == "refused" else [p for p in vp.grants if p.valid_from <= day]
        recent = (end - submitted).days < P.STUCK_WINDOW
        out.append(
            Case(
                plan=vp,
                channel=ch,
                submitted_at=submitted,
                provider=staff_p[prov[i]],
                office=staff_o[office[i]] if ch == "state_corp" else None,
                fate=fate,
                profile=pool[prof[i] % len(pool)],
                days=days,
                awaits_registry=bool(u[i, 3] < P.AWAITING_REGISTRY),
                stuck=bool(recent and u[i, 4] < P.STUCK_OPEN),
            )
        )
    return out


def _batch(
    b, seed, cells, cell_of, day_of, staff_p, pw, staff_o, people, end, catalog, result
) -> dict[str, int]:
    from qamqor.demo.history.rows import batch_rows

    drawn = _draw(b, seed, cells, cell_of, day_of, staff_p, pw, staff_o, end)
    rnd = np.random.default_rng([seed, 2, b]).random
    with transaction.atomic():
        store.lock_tables()
        ids = store.Ids()
        built = batch_rows(drawn, ids, people, end, catalog, rnd, result, deadlines_of)
        store.write(built)
        store.reset_sequences()  # the application's own writes go on after the batch's ids
    return {k: len(v) for k, v in built.items()}
