"""Our own records of what the state information systems answer (pure Python, no Django).

Every adapter, real or sandbox, returns these dataclasses, never a foreign payload. A record
carries its `Source`: which registry said it and under which reference, so that a case can show
where each fact came from (the "once only" principle: `003_4cf6e905af0d21d2.txt` §8,
`002_eefeb2ec619131ea.txt` annex 11 §9).
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import asdict, dataclass, field, fields
from types import UnionType
from typing import Any, Literal

from qamqor.rules.types import REGISTRIES, Citation, Text

# Registry codes: the same words as `registry:` of a catalogue document (docs/catalog-format.md).
RegistryKind = Literal[
    "population",
    "civil_registry",
    "courts",
    "criminal_records",
    "health",
    "education",
    "social_assistance",
    "digital_documents",
]
REGISTRY_KINDS: tuple[str, ...] = tuple(r for r in REGISTRIES if r != "databank")  # one adapter each

# What each registry is, in the three languages (shown as the "source" of a supplied document).
REGISTRY_NAMES: dict[str, Text] = {
    "population": Text(
        "Жеке тұлғалар мемлекеттік деректер қоры",
        "Государственная база данных «Физические лица»",
        "population register (individuals' state database)",
    ),
    "civil_registry": Text(
        "«АХАЖ тіркеу пункті» ақпараттық жүйесі",
        "ИС «Пункт регистрации ЗАГС»",
        "civil registry information system",
    ),
    "courts": Text(
        "Соттардың ақпараттық жүйесі", "Информационная система судов", "courts' information system"
    ),
    "criminal_records": Text("Соттылық туралы мәліметтер", "Сведения о судимости", "criminal records"),
    "health": Text(
        "Денсаулық сақтау ақпараттық жүйесі",
        "Информационная система здравоохранения",
        "health information system",
    ),
    "education": Text(
        "Білім беру ақпараттық жүйесі", "Информационная система образования", "education information system"
    ),
    "social_assistance": Text(
        "Атаулы әлеуметтік көмек жүйесі",
        "Система адресной социальной помощи",
        "targeted social assistance system",
    ),
    "digital_documents": Text(
        "Цифрлық құжаттар сервисі", "Сервис цифровых документов", "digital-documents service"
    ),
}

# The legal basis of fetching from the state systems through the e-government gateway.
GATEWAY_BASIS = (
    Citation("003_4cf6e905af0d21d2.txt", "§8"),
    Citation("002_eefeb2ec619131ea.txt", "annex 11 §9"),
)


# --- errors ------------------------------------------------------------------------------------
class RegistryError(Exception):
    """A registry did not answer (the query may be retried)."""

    kind: str = ""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


class RegistryTimeout(RegistryError):
    """The registry did not answer in time."""


class RegistryUnavailable(RegistryError):
    """The registry answered with an error or refused the connection."""


class OtpRejected(Exception):
    """The digital-documents service refused the one-time password (wrong, expired or used)."""


# --- records -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: the registry code and the registry's own reference."""

    registry: str
    reference: str

    def as_dict(self) -> dict:
        return {"registry": self.registry, "reference": self.reference}

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        return cls(str(data["registry"]), str(data["reference"]))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class _Record:
    __slots__ = ()

    def as_dict(self) -> dict:
        return _jsonable(asdict(self))  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict):
        """The record `as_dict` wrote, typed again (dates, sources): a kept answer is read by the
        same code as a fresh one (`registries.prefill`), so it must be the same record."""
        hints = typing.get_type_hints(cls)
        return cls(**{f.name: rebuild(hints[f.name], data.get(f.name)) for f in fields(cls)})  # type: ignore[arg-type]


def rebuild(hint: Any, value: Any) -> Any:
    """`value`, as `as_dict`/JSON gave it, as the type `hint` says: a date from its ISO text, a record
    or a `Source` from its dict, a tuple of them from a list, None where the hint allows it."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, UnionType):
        # a record's fields are `X | None`: None is handled above, so the one other member decides
        (member,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return rebuild(member, value)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return tuple(rebuild(item, v) for v in value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, _Record | Source):
        return hint.from_dict(value)
    return value


@dataclass(frozen=True, slots=True)
class IdentityDocument(_Record):
    """Population register: a person and their identity document."""

    iin: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    sex: str  # male | female
    citizenship: str  # ISO 3166 alpha-3, e.g. KAZ
    document_kind: str  # id_card | passport | birth_certificate (minors without an id card)
    document_number: str
    issued_on: dt.date
    valid_until: dt.date | None
    address: str
    region: str
    source: Source


@dataclass(frozen=True, slots=True)
class BirthRecord(_Record):
    child_iin: str
    birth_date: dt.date
    mother_iin: str | None
    father_iin: str | None
    record_number: str
    registered_on: dt.date
    source: Source


@dataclass(frozen=True, slots=True)
class MarriageRecord(_Record):
    husband_iin: str
    wife_iin: str
    registered_on: dt.date
    record_number: str
    dissolved_on: dt.date | None  # divorce record date, None while the marriage stands
    source: Source

    def in_force_on(self, day: dt.date) -> bool:
        return self.registered_on <= day and (self.dissolved_on is None or day < self.dissolved_on)


@dataclass(frozen=True, slots=True)
class DeathRecord(_Record):
    iin: str
    died_on: dt.date
    record_number: str
    source: Source


CourtDecisionKind = Literal[
    "parental_rights_deprived",
    "parental_rights_limited",
    "incapable",
    "limited_capacity",
    "adoption_cancelled",
    "removed_as_guardian",
]


@dataclass(frozen=True, slots=True)
class CourtDecision(_Record):
    iin: str
    kind: str  # CourtDecisionKind
    decided_on: dt.date
    in_force_on: dt.date
    court: str
    case_number: str
    through_fault: bool | None  # for adoption_cancelled: through the person's fault
    source: Source


@dataclass(frozen=True, slots=True)
class Conviction(_Record):
    iin: str
    category: str  # murder | intentional_harm_to_health | public_health_morality | sexual_inviolability
    #               | extremism | terrorism | human_trafficking | other
    intentional: bool
    convicted_on: dt.date
    expunged: bool  # the conviction is expunged or removed
    prosecution_terminated_art35: bool  # prosecution ended under CPC art. 35 p.1 items 1-2
    criminal_code_article: str
    source: Source


@dataclass(frozen=True, slots=True)
class DispensaryRecord(_Record):
    iin: str
    kind: str  # narcological | psychoneurological
    registered_on: dt.date
    deregistered_on: dt.date | None
    source: Source

    def active_on(self, day: dt.date) -> bool:
        return self.registered_on <= day and (self.deregistered_on is None or day < self.deregistered_on)


@dataclass(frozen=True, slots=True)
class DiseaseRecord(_Record):
    iin: str
    listed_in_order_692: bool  # one of the diseases of Order No. 692 (2015) barring guardianship
    diagnosed_on: dt.date
    source: Source


@dataclass(frozen=True, slots=True)
class SchoolEnrolment(_Record):
    iin: str
    school_number: int
    school_name: str
    grade: int  # class number 1..11
    letter: str  # class letter
    school_year: str  # "2025-2026"
    source: Source


@dataclass(frozen=True, slots=True)
class SocialAssistance(_Record):
    iin: str  # the family member the assistance is assigned to
    kind: str  # targeted_social_assistance
    assigned_from: dt.date
    assigned_until: dt.date | None
    source: Source

    def active_on(self, day: dt.date) -> bool:
        return self.assigned_from <= day and (self.assigned_until is None or day < self.assigned_until)


@dataclass(frozen=True, slots=True)
class OtpChallenge(_Record):
    """A request to the owner of a digital document: they receive a one-time password by SMS."""

    challenge_id: str
    owner_iin: str
    document_kind: str
    phone_masked: str


@dataclass(frozen=True, slots=True)
class DigitalDocument(_Record):
    owner_iin: str
    document_kind: str  # identity_card | birth_certificate | marriage_certificate | ...
    number: str
    issued_on: dt.date
    content: dict = field(default_factory=dict)
    source: Source | None = None
