"""One interface per state information system (pure Python, no Django).

Adapters implement these Protocols and return the dataclasses of `qamqor.registries.types`. An
unreachable registry raises `RegistryTimeout` / `RegistryUnavailable`; "nothing on record" is
`None` or an empty tuple, never an error. Dates are arguments: no adapter reads the clock.
"""

from __future__ import annotations

import typing
from typing import Any, Protocol, runtime_checkable

from qamqor.registries.types import (
    BirthRecord,
    Conviction,
    CourtDecision,
    DeathRecord,
    DigitalDocument,
    DiseaseRecord,
    DispensaryRecord,
    IdentityDocument,
    MarriageRecord,
    OtpChallenge,
    SchoolEnrolment,
    SocialAssistance,
    rebuild,
)


@runtime_checkable
class PopulationRegister(Protocol):
    """Identity documents by IIN (`003_4cf6e905af0d21d2.txt` §8)."""

    kind: str  # "population"

    def identity(self, iin: str) -> IdentityDocument | None: ...


@runtime_checkable
class CivilRegistry(Protocol):
    """Births, marriages, divorces and deaths (the civil registry IS, `002_eefeb2ec619131ea.txt` annex 11 §9)."""

    kind: str  # "civil_registry"

    def birth(self, child_iin: str) -> BirthRecord | None: ...

    def births_to(self, parent_iin: str) -> tuple[BirthRecord, ...]: ...

    def marriages(self, iin: str) -> tuple[MarriageRecord, ...]: ...

    def death(self, iin: str) -> DeathRecord | None: ...


@runtime_checkable
class Courts(Protocol):
    """Court decisions on a person: parental rights deprived or limited, incapacity, adoption cancelled."""

    kind: str  # "courts"

    def decisions(self, iin: str) -> tuple[CourtDecision, ...]: ...


@runtime_checkable
class CriminalRecords(Protocol):
    kind: str  # "criminal_records"

    def convictions(self, iin: str) -> tuple[Conviction, ...]: ...


@runtime_checkable
class Health(Protocol):
    """Dispensary registration and the diseases of Order No. 692."""

    kind: str  # "health"

    def dispensary_records(self, iin: str) -> tuple[DispensaryRecord, ...]: ...

    def diseases(self, iin: str) -> tuple[DiseaseRecord, ...]: ...


@runtime_checkable
class Education(Protocol):
    kind: str  # "education"

    def enrolment(self, iin: str) -> SchoolEnrolment | None: ...


@runtime_checkable
class SocialAssistanceRegistry(Protocol):
    kind: str  # "social_assistance"

    def assistance(self, iin: str) -> tuple[SocialAssistance, ...]: ...


@runtime_checkable
class DigitalDocuments(Protocol):
    """A document is shared only after its owner's one-time password (`003_4cf6e905af0d21d2.txt` §8)."""

    kind: str  # "digital_documents"

    def request_consent(self, owner_iin: str, document_kind: str) -> OtpChallenge: ...

    def fetch(self, challenge_id: str, otp: str) -> DigitalDocument: ...


INTERFACES: dict[str, type] = {
    "population": PopulationRegister,
    "civil_registry": CivilRegistry,
    "courts": Courts,
    "criminal_records": CriminalRecords,
    "health": Health,
    "education": Education,
    "social_assistance": SocialAssistanceRegistry,
    "digital_documents": DigitalDocuments,
}


def value_from_dict(kind: str, method: str, data: Any) -> Any:
    """What `kind.method` returns, rebuilt from its JSON form (`services.serialise`): the method's
    own return annotation says which record, and whether one, none or a tuple of them."""
    return rebuild(typing.get_type_hints(getattr(INTERFACES[kind], method))["return"], data)
