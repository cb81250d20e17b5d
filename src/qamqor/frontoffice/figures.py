"""The office-day figures of the electronic queue: pure functions over the tickets' moments.

Waiting runs from `waiting_since` (the booked slot's start, or the walk-in ticket's issue) to the call
to a window (a ticket called before its slot waited 0); service from the start to the end of service.
A share "within the limit" counts the measured tickets whose time is at most the limit the ticket
carries (the requirements list's, copied on the ticket); tickets without a limit are left out of the
share and counted as `no_limit`. p90 is the nearest-rank 90th percentile. No-shows are counted, not
measured (the person was not there to be served); tickets still waiting at `as_of` are counted, and
how many of them already wait longer than their limit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

SERVED, NO_SHOW, WAITING = "served", "no_show", "waiting"


@dataclass(frozen=True, slots=True)
class Visit:
    service: str
    kind: str  # booked | walk_in
    status: str  # waiting | called | in_service | served | no_show
    waiting_since: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    max_wait: int | None
    max_service: int | None


def minutes(a: dt.datetime, b: dt.datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 60)


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _measure(pairs: list[tuple[float, int | None]]) -> dict:
    values = [v for v, _ in pairs]
    limited = [(v, lim) for v, lim in pairs if lim is not None]
    within = sum(1 for v, lim in limited if v <= lim)
    return {
        "measured": len(values),
        "mean": sum(values) / len(values) if values else None,
        "p90": p90(values),
        "max": max(values) if values else None,
        "within_limit": within,
        "with_limit": len(limited),
        "share_within_limit": within / len(limited) if limited else None,
        "no_limit": len(values) - len(limited),
    }


def figures(visits: Iterable[Visit], as_of: dt.datetime) -> dict:
    """{count, booked, walk_in, served, no_show, waiting, open, overdue_waiting, wait{…}, service{…}}."""
    visits = list(visits)
    waits = [
        (minutes(v.waiting_since, v.called_at), v.max_wait)
        for v in visits
        if v.called_at is not None and v.status != NO_SHOW
    ]
    services = [
        (minutes(v.started_at, v.finished_at), v.max_service)
        for v in visits
        if v.status == SERVED and v.started_at is not None and v.finished_at is not None
    ]
    waiting = [v for v in visits if v.status == WAITING]
    return {
        "count": len(visits),
        "booked": sum(1 for v in visits if v.kind == "booked"),
        "walk_in": sum(1 for v in visits if v.kind == "walk_in"),
        "served": sum(1 for v in visits if v.status == SERVED),
        "no_show": sum(1 for v in visits if v.status == NO_SHOW),
        "waiting": len(waiting),
        "open": sum(1 for v in visits if v.status not in (SERVED, NO_SHOW, WAITING)),
        "overdue_waiting": sum(
            1 for v in waiting if v.max_wait is not None and minutes(v.waiting_since, as_of) > v.max_wait
        ),
        "wait": _measure(waits),
        "service": _measure(services),
    }


def office_day(visits: Iterable[Visit], as_of: dt.datetime) -> dict:
    """The office's figures for the day: `total` and `by_service` (slug → the same figures)."""
    visits = list(visits)
    by_service: dict[str, list[Visit]] = {}
    for v in visits:
        by_service.setdefault(v.service, []).append(v)
    return {
        "total": figures(visits, as_of),
        "by_service": {slug: figures(vs, as_of) for slug, vs in sorted(by_service.items())},
    }
