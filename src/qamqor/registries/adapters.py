"""The registry of adapter implementations (pure Python).

Which class answers each registry is configuration: `QAMQOR_REGISTRIES = {"population":
"qamqor.registries.sandbox.adapters.PopulationSandbox", ...}` in the Django settings (missing
kinds fall back to the sandbox), with per-kind constructor options in `QAMQOR_REGISTRY_OPTIONS`.
A real adapter is a class implementing the interface of `qamqor.registries.interfaces`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from typing import Any

from qamqor.registries.interfaces import INTERFACES
from qamqor.registries.types import REGISTRY_KINDS

DEFAULT_ADAPTERS: dict[str, str] = {
    "population": "qamqor.registries.sandbox.adapters.PopulationSandbox",
    "civil_registry": "qamqor.registries.sandbox.adapters.CivilRegistrySandbox",
    "courts": "qamqor.registries.sandbox.adapters.CourtsSandbox",
    "criminal_records": "qamqor.registries.sandbox.adapters.CriminalRecordsSandbox",
    "health": "qamqor.registries.sandbox.adapters.HealthSandbox",
    "education": "qamqor.registries.sandbox.adapters.EducationSandbox",
    "social_assistance": "qamqor.registries.sandbox.adapters.SocialAssistanceSandbox",
    "digital_documents": "qamqor.registries.sandbox.adapters.DigitalDocumentsSandbox",
}


class UnknownRegistry(KeyError):
    def __str__(self) -> str:
        return f"unknown registry {self.args[0]!r} (one of {', '.join(REGISTRY_KINDS)})"


class AdapterRegistry:
    """Builds and caches one adapter per registry kind from a dotted-path configuration."""

    def __init__(
        self, config: Mapping[str, str] | None = None, options: Mapping[str, Mapping[str, Any]] | None = None
    ):
        unknown = set(config or {}) - set(REGISTRY_KINDS)
        if unknown:
            raise UnknownRegistry(sorted(unknown)[0])
        self.paths = {**DEFAULT_ADAPTERS, **dict(config or {})}
        self.options = {k: dict(v) for k, v in (options or {}).items()}
        self._instances: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, kind: str):
        if kind not in self.paths:
            raise UnknownRegistry(kind)
        inst = self._instances.get(kind)
        if inst is None:
            with self._lock:
                inst = self._instances.get(kind)
                if inst is None:
                    module, _, name = self.paths[kind].rpartition(".")
                    cls = getattr(importlib.import_module(module), name)
                    inst = cls(**self.options.get(kind, {}))
                    if not isinstance(inst, INTERFACES[kind]):
                        raise TypeError(f"{self.paths[kind]} does not implement the {kind} interface")
                    self._instances[kind] = inst
        return inst

    def reset(self) -> None:
        with self._lock:
            self._instances.clear()
