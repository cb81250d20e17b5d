"""Value types shared by the whole core.

Every rule carries a `Citation`: the seed file (or the external act) and the clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LANGS = ("kk", "ru", "en")

TermUnit = Literal["working_days", "minutes"]
StepUnit = Literal["working_days", "calendar_days", "calendar_months", "calendar_years", "minutes"]
ChannelCode = Literal["provider", "state_corp", "portal", "education_org"]
CHANNELS: tuple[str, ...] = ("provider", "state_corp", "portal", "education_org")
# The state information systems a catalogue document or fact may come from (`registry:` in a
# definition); the registries layer has one adapter per name, the data bank answers "databank".
REGISTRIES: tuple[str, ...] = (
    "population",
    "civil_registry",
    "courts",
    "criminal_records",
    "health",
    "education",
    "social_assistance",
    "digital_documents",
    "databank",
)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from: `source` is a seed file name (or an external act), `clause` the place in it."""

    source: str
    clause: str

    def __str__(self) -> str:
        return f"{self.source} {self.clause}"

    def as_dict(self) -> dict:
        return {"source": self.source, "clause": self.clause}


@dataclass(frozen=True, slots=True)
class Text:
    """A user-facing text in Kazakh (first), Russian and English."""

    kk: str
    ru: str
    en: str

    def get(self, lang: str) -> str:
        return getattr(self, lang) if lang in LANGS else self.kk

    def as_dict(self) -> dict:
        return {"kk": self.kk, "ru": self.ru, "en": self.en}


@dataclass(frozen=True, slots=True)
class Term:
    """The service term of row 3 of a requirements list."""

    value: int
    unit: TermUnit
    citation: Citation

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "citation": self.citation.as_dict()}


@dataclass(frozen=True, slots=True)
class StepRule:
    """A procedural step with a time limit, e.g. the completeness check within 1 WD.

    The step code fixes what the count runs from (see docs/catalog-format.md, "steps");
    the catalogue supplies the number, the unit and the clause.
    """

    step: str
    value: int
    unit: StepUnit
    citation: Citation
    note: Text | None = None

    def as_dict(self) -> dict:
        d = {"step": self.step, "value": self.value, "unit": self.unit, "citation": self.citation.as_dict()}
        if self.note is not None:
            d["note"] = self.note.as_dict()
        return d


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a text that does not force a single one (see `Interpretation`)."""

    code: str
    text: Text

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text.as_dict()}


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A reading the catalogue chose where the text allows more than one, said out loud: the chosen
    reading, the alternatives and the decision record that argues the choice (docs/decisions/)."""

    chosen: Reading
    alternatives: tuple[Reading, ...]
    decision: str  # path of the decision record, e.g. docs/decisions/0014-interpretations.md

    def as_dict(self) -> dict:
        return {
            "chosen": self.chosen.as_dict(),
            "alternatives": [a.as_dict() for a in self.alternatives],
            "decision": self.decision,
        }

    def line(self, lang: str) -> str:
        """One line for an explanation: the reading applied and where it is argued."""
        label = {"kk": "түсіндірме", "ru": "толкование", "en": "reading"}.get(lang, "reading")
        return f"{label}: {self.chosen.text.get(lang)} ({self.decision})"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A field the legal texts do not give, with the reason (never invented)."""

    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"field": self.field, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a dated parameter, in force from `valid_from` (inclusive)."""

    valid_from: object  # datetime.date
    value: float
    citation: Citation
    certainty: str = "confirmed"  # or "uncertain" (secondary source only)


@dataclass(frozen=True, slots=True)
class DatedParameter:
    code: str
    unit: str
    name: Text
    values: tuple[DatedValue, ...] = field(default_factory=tuple)

    def on(self, day) -> DatedValue | None:
        """The value in force on `day`, or None before the first known value."""
        found = None
        for v in self.values:  # sorted by valid_from, a handful of entries
            if v.valid_from <= day:
                found = v
            else:
                break
        return found
