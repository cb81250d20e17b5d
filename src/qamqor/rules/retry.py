"""Retry timing shared by the outboxes that call other systems (the monitoring feed, the registries).

Pure: the callers read their own settings and pass them in.
"""

from __future__ import annotations

# Past 2**62 doublings any cap a setting could name is reached; bounding the exponent keeps a float
# base from overflowing after a long outage (thousands of failed attempts).
_MAX_DOUBLINGS = 62

# The queue's order is priority, then the time a task may run (django-tasks-db): a task queued to run
# at once sorts after every overdue retry of an outage. The drain after a return goes first
# (decision 0032); every other task keeps the default priority, 0.
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
