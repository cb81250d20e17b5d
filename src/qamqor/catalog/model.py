"""Typed catalogue objects (built by `loader.py` from the YAML definitions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from qamqor.catalog.procedure import Procedure
from qamqor.catalog.provenance import FactSource, source_of
from qamqor.rules.grounds import Ground, Obligation
from qamqor.rules.logic import Compiled
from qamqor.rules.schedules import DEFAULT_SCHEDULE, Schedule, get_schedule
from qamqor.rules.types import Citation, DatedParameter, Interpretation, StepRule, Term, Text, Unknown


class UnknownService(KeyError):
    """No service with that slug in the catalogue."""

    def __init__(self, slug: str):
        super().__init__(slug)
        self.slug = slug

    def __str__(self) -> str:
        return f"unknown service {self.slug!r}"


@dataclass(frozen=True, slots=True)
class Channel:
    channel: str
    max_wait_minutes: int | None
    max_service_minutes: int | None
    citation: Citation
    # whose registered address an office of this channel receives at (e.g. `001` annex 1 row 7
    # item 2: the applicant's or the child's); empty: the text sets no territorial rule
    reception_at_registration_of: tuple[str, ...] = ()
    reception_citation: Citation | None = None
    # the documents are shown in the original for checking and the originals given back (e.g. `001`
    # annex 1 row 8): the office records it when it accepts the application
    originals_returned: bool = False
    originals_citation: Citation | None = None

    def as_dict(self) -> dict:
        out = {
            "channel": self.channel,
            "max_wait_minutes": self.max_wait_minutes,
            "max_service_minutes": self.max_service_minutes,
            "citation": self.citation.as_dict(),
        }
        if self.reception_at_registration_of:
            out["reception_at_registration_of"] = list(self.reception_at_registration_of)
            out["reception_citation"] = self.reception_citation.as_dict()
        if self.originals_returned:
            out["originals_returned"] = True
            out["originals_citation"] = self.originals_citation.as_dict()
        return out


@dataclass(frozen=True, slots=True)
class Result:
    code: str
    text: Text
    citation: Citation

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text.as_dict(), "citation": self.citation.as_dict()}


@dataclass(frozen=True, slots=True)
class Fee:
    free: bool | None
    amount_mci: float | None
    citation: Citation

    def as_dict(self) -> dict:
        return {"free": self.free, "amount_mci": self.amount_mci, "citation": self.citation.as_dict()}


@dataclass(frozen=True, slots=True)
class Document:
    code: str
    name: Text
    channels: tuple[str, ...]
    condition: Compiled | None
    condition_text: Text | None
    registry: str | None
    citation: Citation

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name.as_dict(),
            "channels": list(self.channels),
            "condition": self.condition.source if self.condition is not None else None,
            "condition_text": self.condition_text.as_dict() if self.condition_text else None,
            "registry": self.registry,
            "citation": self.citation.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class FactSpec:
    """What the definition declares about one fact (`facts:` of a version): the values no rule names
    (the rest of a closed set comes from the rules that read the fact), a numeric range, or a format."""

    path: str
    other_values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    format: str | None = None  # "country": an ISO 3166-1 alpha-2 code
    reason: str = ""


@dataclass(frozen=True, slots=True)
class EditionGap:
    """A period before a version in which the service was in force under editions whose text is not
    in the sources (`editions_not_in_sources_before:` of a version): the answer there is
    `edition_not_in_sources`, not `not_in_force`."""

    start: dt.date
    end: dt.date  # exclusive: the version's in_force_from
    start_certainty: str
    citation: Citation
    note: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "until": self.end.isoformat(),
            "from_certainty": self.start_certainty,
            "citation": self.citation.as_dict(),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class HomeVisit:
    """Documents taken at the recipient's home (`home_visit:` of a version; `000` §13): who may ask
    (`eligible`), through which channels the request comes (`request_channels`, the text's;
    `interpreted_request_channels`, a reading the text does not force, with `note`), which sources
    the fact of eligibility accepts (`eligibility_sources`, with their certainty), and the channel
    whose intake (and deadlines) the visit uses."""

    eligible: Text
    request_channels: tuple[str, ...]
    interpreted_request_channels: tuple[str, ...]
    eligibility_sources: tuple[str, ...]
    eligibility_certainty: str  # exact | interpretation
    intake_channel: str
    citation: Citation
    note: str = ""

    def accepts_request(self, channel: str) -> bool:
        return channel in self.request_channels or channel in self.interpreted_request_channels

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible.as_dict(),
            "request_channels": list(self.request_channels),
            "interpreted_request_channels": list(self.interpreted_request_channels),
            "eligibility_sources": list(self.eligibility_sources),
            "eligibility_certainty": self.eligibility_certainty,
            "intake_channel": self.intake_channel,
            "citation": self.citation.as_dict(),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class LegalBasis:
    text: Text
    citation: Citation

    def as_dict(self) -> dict:
        return {"text": self.text.as_dict(), "citation": self.citation.as_dict()}


@dataclass(frozen=True, slots=True)
class ServiceVersion:
    slug: str
    id: str
    in_force_from: dt.date
    in_force_until: dt.date | None  # exclusive
    in_force_from_certainty: str
    in_force_until_certainty: str
    window_note: str | None
    source_status: str  # complete | incomplete_source
    legal_basis: LegalBasis
    names: Text
    provider_kinds: tuple[str, ...]
    provider_kinds_citation: Citation | None
    channels: tuple[Channel, ...]
    term: Term | None
    form: tuple[str, ...]
    form_citation: Citation | None
    results: tuple[Result, ...]
    fee: Fee | None
    schedules: dict[str, str]
    schedules_citation: Citation | None
    documents: tuple[Document, ...]
    grounds: tuple[Ground, ...]
    obligations: tuple[Obligation, ...]
    steps: tuple[StepRule, ...]
    unknown: tuple[Unknown, ...] = field(default_factory=tuple)
    fact_sources: tuple[FactSource, ...] = ()  # which sources the law accepts per fact (provenance.py)
    facts_read: frozenset[str] = frozenset()  # every fact path its grounds, obligations and documents read
    procedure: Procedure | None = None
    # the hours of the State Corporation's duty offices, where the requirements list gives them
    duty_schedules: dict[str, str] = field(default_factory=dict)
    duty_schedules_citation: Citation | None = None
    facts: dict[str, FactSpec] = field(default_factory=dict)  # declared values, ranges, formats
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # numeric ranges, for the engine
    interpretations: tuple[Interpretation, ...] = ()  # readings of the version as a whole (its window…)
    edition_gap: EditionGap | None = None  # before this version: editions not in the sources
    home_visit: HomeVisit | None = None  # documents taken at home (e.g. `000` §13); None: the text gives none

    def fact_source(self, path: str) -> FactSource | None:
        """The accepted sources of a fact of this version (None: not a fact its rules read)."""
        return source_of(self.fact_sources, path) if path in self.facts_read else None

    @property
    def needs_consent(self) -> bool:
        """Whether a rule of this version reads the consent to protected personal data (a refusal
        ground where it is missing: e.g. `001` annex 1 row 9 item 15, `003` annex 2 row 9)."""
        return "consent_personal_data" in self.facts_read

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day < self.in_force_until)

    def step(self, code: str) -> StepRule | None:
        for s in self.steps:
            if s.step == code:
                return s
        return None

    def channel(self, code: str) -> Channel | None:
        for c in self.channels:
            if c.channel == code:
                return c
        return None

    @property
    def channel_codes(self) -> tuple[str, ...]:
        return tuple(c.channel for c in self.channels)

    def office_schedule(self, channel: str, *, duty: bool = False) -> Schedule | None:
        """The hours an office of `channel` takes applications under this version: a duty office's own
        where the version gives one (e.g. `003` annex 2 row 7 item 2), else the channel's."""
        if duty and channel in self.duty_schedules:
            return get_schedule(self.duty_schedules[channel])
        return self.schedule_for(channel)

    def schedule_for(self, channel: str) -> Schedule | None:
        """The office schedule an application through `channel` is counted with under this version:
        the one the version names (`schedules`), else the channel's default (`DEFAULT_SCHEDULE`),
        the same one `rules.deadlines.compute_deadline` counts with for `schedule=None`. Passing the
        result on therefore changes no date; it names the schedule that applied.

        An id the version names but `rules.schedules` does not have raises `UnknownSchedule` rather
        than falling back to the default: another office's hours would give a wrong date that looks
        right (the loader refuses such a definition, so only a catalogue built by hand can carry one).
        None only for a channel the deadline engine does not know at all; `compute_deadline` then
        refuses that channel itself (`DeadlineError`)."""
        schedule_id = (self.schedules or {}).get(channel) or DEFAULT_SCHEDULE.get(channel)
        return None if schedule_id is None else get_schedule(schedule_id)

    def window_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_until": self.in_force_until.isoformat() if self.in_force_until else None,
            "in_force_from_certainty": self.in_force_from_certainty,
            "in_force_until_certainty": self.in_force_until_certainty,
            "window_note": self.window_note,
            "source_status": self.source_status,
            "legal_basis": self.legal_basis.as_dict(),
            "editions_not_in_sources_before": self.edition_gap.as_dict() if self.edition_gap else None,
            "interpretations": [i.as_dict() for i in self.interpretations],
        }


@dataclass(frozen=True, slots=True)
class Service:
    slug: str
    order_item: int | None
    names: Text
    versions: tuple[ServiceVersion, ...]  # sorted by in_force_from, non-overlapping
    unknown: tuple[Unknown, ...] = ()

    def version_on(self, day: dt.date) -> ServiceVersion | None:
        for v in self.versions:
            if v.in_force_on(day):
                return v
        return None

    def version_by_id(self, version_id: str) -> ServiceVersion | None:
        for v in self.versions:
            if v.id == version_id:
                return v
        return None

    def edition_gap_on(self, day: dt.date) -> EditionGap | None:
        """The period of editions not in the sources that covers `day`, if any."""
        for v in self.versions:
            if v.edition_gap is not None and v.edition_gap.covers(day):
                return v.edition_gap
        return None

    def status_on(self, day: dt.date) -> str:
        """in_force | incomplete_source | edition_not_in_sources (in force under an edition whose text
        is not in the sources) | not_yet_in_force | repealed."""
        v = self.version_on(day)
        if v is not None:
            return "incomplete_source" if v.source_status == "incomplete_source" else "in_force"
        if self.edition_gap_on(day) is not None:
            return "edition_not_in_sources"
        first = self.versions[0] if self.versions else None
        if first is not None and day < (
            first.edition_gap.start if first.edition_gap else first.in_force_from
        ):
            return "not_yet_in_force"
        return "repealed"


@dataclass(frozen=True, slots=True)
class Catalog:
    services: dict[str, Service]
    parameters: dict[str, DatedParameter]
    _params_by_day: dict = field(default_factory=dict, compare=False, repr=False)

    def service(self, slug: str) -> Service:
        try:
            return self.services[slug]
        except KeyError:
            raise UnknownService(slug) from None

    def placement_version(self, kind: str, day: dt.date) -> ServiceVersion | None:
        """The version in force on `day` whose grant records a placement of `kind` in the data bank
        (its `procedure.placement`)."""
        for service in self.services.values():
            v = service.version_on(day)
            if v is not None and v.procedure is not None and v.procedure.placement == kind:
                return v
        return None

    def params_on(self, day: dt.date) -> dict[str, float]:
        """The parameter values in force on a day (memoised: the catalogue is immutable once loaded)."""
        found = self._params_by_day.get(day)
        if found is None:
            found = {code: v.value for code, p in self.parameters.items() if (v := p.on(day)) is not None}
            self._params_by_day[day] = found
        return found
