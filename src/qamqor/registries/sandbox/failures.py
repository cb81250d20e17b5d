"""Injected registry failures, to test "registry down, then back" (sandbox only).

`fail(kind, mode="timeout"|"error", times=None)` makes the next `times` calls to that registry's
sandbox adapter fail (None: until `restore(kind)`). Settings can start a registry down:
`QAMQOR_REGISTRY_OPTIONS = {"courts": {"fail": "timeout"}}`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from qamqor.registries.types import RegistryTimeout, RegistryUnavailable


@dataclass
class _Switch:
    mode: str
    remaining: int | None


_lock = threading.Lock()
_switches: dict[str, _Switch] = {}
calls: dict[str, int] = {}


def fail(kind: str, mode: str = "error", times: int | None = None) -> None:
    if mode not in ("timeout", "error"):
        raise ValueError("mode must be 'timeout' or 'error'")
    with _lock:
        _switches[kind] = _Switch(mode, times)


def restore(kind: str | None = None) -> None:
    with _lock:
        if kind is None:
            _switches.clear()
            calls.clear()
        else:
            _switches.pop(kind, None)


def check(kind: str) -> None:
    """Called by every sandbox adapter method before answering."""
    with _lock:
        calls[kind] = calls.get(kind, 0) + 1
        sw = _switches.get(kind)
        if sw is None:
            return
        if sw.remaining is not None:
            sw.remaining -= 1
            if sw.remaining <= 0:
                del _switches[kind]
        mode = sw.mode
    if mode == "timeout":
        raise RegistryTimeout(kind, "no answer in time (sandbox: injected timeout)")
    raise RegistryUnavailable(kind, "error answer (sandbox: injected failure)")
