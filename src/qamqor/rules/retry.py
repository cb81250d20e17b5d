"""Retry timing shared by the outboxes that call other systems (the monitoring feed, the registries).

Pure: the callers read their own settings and pass them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Past 2**62 doublings any cap a setting could name is reached; bounding the exponent keeps a float
# base from overflowing after a long outage (thousands of failed attempts).
_MAX_DOUBLINGS = 62

# The queue's order is priority, then the time a task may run (django-tasks-db): the drain after a
# return goes before every retry already due, however early (decision 0032); every other task keeps
# the default priority, 0, and runs in order of its due time.
DRAIN_PRIORITY = 10


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after `attempts` failures before the next try: base·2^(attempts−1), at most
    `cap`. No failure yet (attempts ≤ 1) waits `base`. The type follows the arguments (ints give an int)."""
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    return min(base * 2**doublings, cap)


def drain_tasks(backlog: int, batch: int) -> int:
    """How many batches of `batch` rows take a `backlog` (at least one when there is any)."""
    if backlog <= 0:
        return 0
    return -(-backlog // max(batch, 1))


def drain_batch(ids: Iterable, send: Callable[[object], str], *, limit: int, sent: str) -> tuple[dict, bool]:
    """Send `ids` in order until `limit` of them were `sent` or one is refused ("failed": the system
    is down again and the rest keep their retries). `send(id)` returns the item's status; statuses are
    counted. Returns (counts, refused). The drains of the monitoring feed, the gateways and the
    registries after an outage (decision 0032)."""
    counts: dict[str, int] = {}
    for item in ids:
        status = send(item)
        counts[status] = counts.get(status, 0) + 1
        if status == "failed":
            return counts, True
        if counts.get(sent, 0) >= limit:
            break
    return counts, False
