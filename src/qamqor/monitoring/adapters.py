"""Adapters to the monitoring information system of public services (003_4cf6e905af0d21d2.txt §12-1).

The seeds say the provider enters the stage of each service "in the order set by the authorised body
in the field of informatisation" (Law on public services art. 5 p.2 subp.11); that order and the
system's interface are not in the seeds, so only the sandbox is implemented. A real adapter
implements `MonitoringAdapter.send` and is selected by `QAMQOR_MONITORING["ADAPTER"]`.
"""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string


class DeliveryFailed(Exception):
    """The monitoring system did not accept the record (unreachable, error, timeout)."""


class MonitoringAdapter(Protocol):
    def send(self, record: dict) -> str:
        """Deliver one stage record; return the system's receipt. Must be idempotent per
        `record["delivery_key"]` (a resend returns the first receipt). Raise DeliveryFailed."""


class SandboxAdapter:
    """A stand-in monitoring system that stores what it receives in `SandboxStage`.

    It honours the delivery key like a real idempotent receiver: a resend is counted
    (`received_count`) but the stage is stored once and the first receipt is returned.
    `SandboxSwitch` makes it fail: `fail_next` calls, or always.
    """

    def send(self, record: dict) -> str:
        from qamqor.monitoring.models import SandboxStage, SandboxSwitch

        fail = False
        with transaction.atomic():
            switch = SandboxSwitch.objects.select_for_update().order_by("pk").first()
            if switch is not None:
                SandboxSwitch.objects.filter(pk=switch.pk).update(calls=F("calls") + 1)
                if switch.fail_always:
                    fail = True
                elif switch.fail_next > 0:
                    SandboxSwitch.objects.filter(pk=switch.pk).update(fail_next=F("fail_next") - 1)
                    fail = True
        if fail:
            raise DeliveryFailed("sandbox monitoring system unavailable (simulated)")
        delay = settings.QAMQOR_MONITORING.get("SANDBOX_DELAY_SECONDS") or 0
        if delay:
            time.sleep(delay)
        key = record["delivery_key"]
        receipt = "SBX-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        with transaction.atomic():
            existing = SandboxStage.objects.select_for_update().filter(delivery_key=key).first()
            if existing is not None:
                SandboxStage.objects.filter(pk=existing.pk).update(received_count=F("received_count") + 1)
                return existing.receipt
            SandboxStage.objects.create(delivery_key=key, record=record, receipt=receipt)
        return receipt


@lru_cache(maxsize=4)
def _adapter_for(path: str) -> MonitoringAdapter:
    return import_string(path)()


def get_adapter() -> MonitoringAdapter:
    return _adapter_for(settings.QAMQOR_MONITORING["ADAPTER"])


def set_sandbox_failures(*, fail_next: int = 0, fail_always: bool = False) -> None:
    """Tell the sandbox to fail (tests, demonstrations)."""
    from qamqor.monitoring.models import SandboxSwitch

    switch = SandboxSwitch.objects.order_by("pk").first() or SandboxSwitch()
    switch.fail_next = fail_next
    switch.fail_always = fail_always
    switch.save()
