"""The sandbox registries' cross-process outage switch (demo and sandbox only; decision 0030).

`set_outage(kinds, seconds)` writes one `SandboxOutage` row per registry with the moment it comes
back; `refuse_if_down(kind)` — called by `registries.services` before it asks a sandbox adapter —
raises the registry's refusal while that moment is ahead of the database's clock. The row, not a
variable of one process, is the switch: the web servers and the workers see the same outage, as they
would a real registry's. `failures` stays the in-process switch of the unit tests.

The check is made only for the sandbox adapters and never in production mode (`QAMQOR_PRODUCTION`):
a production deployment cannot be made to refuse queries from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models.functions import Now
from django.utils import timezone

from qamqor.registries.types import REGISTRY_KINDS, RegistryTimeout, RegistryUnavailable

MODES = ("error", "timeout")


class OutageRefused(ValueError):
    """The switch cannot be set (production mode, an unknown registry or mode, a negative time)."""


def enabled() -> bool:
    return not getattr(settings, "QAMQOR_PRODUCTION", False)


def set_outage(
    kinds: Iterable[str], seconds: float, *, mode: str = "error", now: dt.datetime | None = None
) -> dt.datetime:
    """Take the sandbox registries `kinds` down for `seconds` from `now` (0: back at once); returns
    the moment they answer again."""
    from qamqor.registries.models import SandboxOutage

    if not enabled():
        raise OutageRefused("production mode: the sandbox outage switch is off")
    kinds = list(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in REGISTRY_KINDS]
    if unknown or not kinds:
        raise OutageRefused(
            f"unknown registry {unknown[0] if unknown else ''!r} (one of {', '.join(REGISTRY_KINDS)})"
        )
    if mode not in MODES:
        raise OutageRefused(f"mode must be one of {', '.join(MODES)}")
    if seconds < 0:
        raise OutageRefused("the outage's length cannot be negative")
    until = (now or timezone.now()) + dt.timedelta(seconds=seconds)
    for kind in kinds:
        SandboxOutage.objects.update_or_create(registry=kind, defaults={"until": until, "mode": mode})
    return until


def refuse_if_down(kind: str) -> None:
    """Raise the refusal of registry `kind` while its sandbox outage lasts (the database's clock)."""
    from qamqor.registries.models import SandboxOutage

    if not enabled():
        return
    mode = SandboxOutage.objects.filter(registry=kind, until__gt=Now()).values_list("mode", flat=True).first()
    if mode is None:
        return
    if mode == "timeout":
        raise RegistryTimeout(kind, "no answer in time (sandbox outage)")
    raise RegistryUnavailable(kind, "connection refused (sandbox outage)")


def outages() -> list[dict]:
    """Every registry's switch, for the CLI and the bench: registry, until, down now, mode."""
    from qamqor.registries.models import SandboxOutage

    now = timezone.now()
    return [
        {"registry": o.registry, "until": o.until, "down": o.until > now, "mode": o.mode}
        for o in SandboxOutage.objects.order_by("registry")
    ]
