"""Sandbox adapters: every registry interface answered from the synthetic population.

Each adapter takes an optional `population` (default: the process's sandbox) and `fail`
("timeout" | "error": start down, for demos of failure handling). References look like a
registry's own ("SBX-<registry>-..."), so a case shows where each fact came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from qamqor.registries.sandbox import failures
from qamqor.registries.sandbox.population import (
    CITIZENSHIPS,
    CLASS_LETTERS,
    CONVICTION_ARTICLES,
    CONVICTION_CATEGORIES,
    COURT_KINDS,
    DISPENSARY_KINDS,
    REGIONS,
    Population,
)
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
    OtpRejected,
    SchoolEnrolment,
    SocialAssistance,
    Source,
)


class _Sandbox:
    kind = ""
    sandbox = True  # `registries.services` consults the sandbox's outage switch first (outages.py)

    def __init__(self, population: Population | None = None, fail: str | None = None, **_options):
        self._population = population
        if fail:
            failures.fail(self.kind, fail)

    @property
    def pop(self) -> Population:
        if self._population is not None:
            return self._population
        from qamqor.registries.sandbox import current_population

        return current_population()

    def _row(self, iin: str) -> int | None:
        failures.check(self.kind)
        return self.pop.row(iin)

    def _src(self, *parts) -> Source:
        return Source(self.kind, "SBX-" + "-".join([self.kind.upper(), *[str(p) for p in parts]]))


class PopulationSandbox(_Sandbox):
    kind = "population"

    def identity(self, iin: str) -> IdentityDocument | None:
        r = self._row(iin)
        if r is None:
            return None
        p = self.pop
        last, first, middle = p.names(r)
        birth = p.date("birth", r)
        has_card = int(p["doc_number"][r]) > 0
        issued = p.date("doc_issued", r)
        return IdentityDocument(
            iin=p.iin_of(r),
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=birth,
            sex="male" if p["male"][r] else "female",
            citizenship=CITIZENSHIPS[int(p["citizen"][r])],
            document_kind="id_card" if has_card else "birth_certificate",
            document_number=f"{int(p['doc_number'][r]):09d}"
            if has_card
            else f"I-{p.iin_of(r)[:6]}-{r % 100000:05d}",
            issued_on=issued,
            valid_until=_add_years(issued, 10) if has_card else None,
            address=p.address(r),
            region=REGIONS[int(p["region"][r])],
            source=self._src(p.iin_of(r)),
        )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CivilRegistrySandbox(_Sandbox):
    kind = "civil_registry"

    def _birth(self, r: int) -> BirthRecord:
        p = self.pop
        m, f = int(p["mother"][r]), int(p["father"][r])
        b = p.date("birth", r)
        return BirthRecord(
            child_iin=p.iin_of(r),
            birth_date=b,
            mother_iin=p.iin_of(m) if m >= 0 else None,
            father_iin=p.iin_of(f) if f >= 0 else None,
            record_number=f"{b.year}-{r:07d}",
            registered_on=b + dt.timedelta(days=7),
            source=self._src("BIRTH", r),
        )

    def birth(self, child_iin: str) -> BirthRecord | None:
        r = self._row(child_iin)
        if r is None or int(self.pop["mother"][r]) < 0:
            return None
        return self._birth(r)

    def births_to(self, parent_iin: str) -> tuple[BirthRecord, ...]:
        r = self._row(parent_iin)
        if r is None:
            return ()
        col = "male" if self.pop["male"][r] else None
        rows = self.pop.rows_where("father" if col else "mother", r)
        return tuple(self._birth(int(c)) for c in rows)

    def marriages(self, iin: str) -> tuple[MarriageRecord, ...]:
        r = self._row(iin)
        if r is None:
            return ()
        p = self.pop
        s = int(p["spouse"][r])
        if s < 0:
            return ()
        husband, wife = (r, s) if p["male"][r] else (s, r)
        return (
            MarriageRecord(
                husband_iin=p.iin_of(husband),
                wife_iin=p.iin_of(wife),
                registered_on=p.date("married_on", r),
                record_number=f"M-{int(p['family'][r]):07d}",
                dissolved_on=p.date("divorced_on", r),
                source=self._src("MARRIAGE", int(p["family"][r])),
            ),
        )

    def death(self, iin: str) -> DeathRecord | None:
        r = self._row(iin)
        if r is None:
            return None
        died = self.pop.date("died_on", r)
        if died is None:
            return None
        return DeathRecord(self.pop.iin_of(r), died, f"D-{died.year}-{r:07d}", self._src("DEATH", r))


class CourtsSandbox(_Sandbox):
    kind = "courts"

    def decisions(self, iin: str) -> tuple[CourtDecision, ...]:
        r = self._row(iin)
        if r is None:
            return ()
        p = self.pop
        k = int(p["court_kind"][r])
        if k == 0:
            return ()
        on = p.date("court_on", r)
        kind = COURT_KINDS[k]
        return (
            CourtDecision(
                iin=p.iin_of(r),
                kind=kind,
                decided_on=on,
                in_force_on=on + dt.timedelta(days=30),
                court=f"{REGIONS[int(p['region'][r])]} аудандық соты",
                case_number=f"{on.year}-{r % 100000:05d}",
                through_fault=True if kind == "adoption_cancelled" else None,
                source=self._src(on.year, r),
            ),
        )


class CriminalRecordsSandbox(_Sandbox):
    kind = "criminal_records"

    def convictions(self, iin: str) -> tuple[Conviction, ...]:
        r = self._row(iin)
        if r is None:
            return ()
        p = self.pop
        c = int(p["conv_cat"][r])
        if c == 0:
            return ()
        return (
            Conviction(
                iin=p.iin_of(r),
                category=CONVICTION_CATEGORIES[c],
                intentional=bool(p["conv_intentional"][r]),
                convicted_on=p.date("conv_on", r),
                expunged=bool(p["conv_expunged"][r]),
                prosecution_terminated_art35=bool(p["conv_art35"][r]),
                criminal_code_article=CONVICTION_ARTICLES[c],
                source=self._src(r),
            ),
        )


class HealthSandbox(_Sandbox):
    kind = "health"

    def dispensary_records(self, iin: str) -> tuple[DispensaryRecord, ...]:
        r = self._row(iin)
        if r is None or int(self.pop["disp_kind"][r]) == 0:
            return ()
        p = self.pop
        return (
            DispensaryRecord(
                iin=p.iin_of(r),
                kind=DISPENSARY_KINDS[int(p["disp_kind"][r])],
                registered_on=p.date("disp_on", r),
                deregistered_on=p.date("disp_off", r),
                source=self._src("DISP", r),
            ),
        )

    def diseases(self, iin: str) -> tuple[DiseaseRecord, ...]:
        r = self._row(iin)
        if r is None:
            return ()
        on = self.pop.date("disease_on", r)
        if on is None:
            return ()
        return (DiseaseRecord(self.pop.iin_of(r), True, on, self._src("692", r)),)


class EducationSandbox(_Sandbox):
    kind = "education"

    def enrolment(self, iin: str) -> SchoolEnrolment | None:
        r = self._row(iin)
        if r is None:
            return None
        p = self.pop
        school = int(p["school"][r])
        if school == 0:
            return None
        y = p.as_of.year if p.as_of.month >= 9 else p.as_of.year - 1
        return SchoolEnrolment(
            iin=p.iin_of(r),
            school_number=school,
            school_name=f"№{school} жалпы білім беретін мектеп",
            grade=int(p["grade"][r]),
            letter=CLASS_LETTERS[int(p["letter"][r])],
            school_year=f"{y}-{y + 1}",
            source=self._src(school, r),
        )


class SocialAssistanceSandbox(_Sandbox):
    kind = "social_assistance"

    def assistance(self, iin: str) -> tuple[SocialAssistance, ...]:
        r = self._row(iin)
        if r is None:
            return ()
        p = self.pop
        role = int(p["role"][r])  # assistance is recorded on the family's mother (the first row)
        holder = r if role == 0 else (r - 1 if role == 1 else int(p["mother"][r]))
        start = p.date("tsa_from", holder) if holder >= 0 else None
        if start is None:
            return ()
        return (
            SocialAssistance(
                iin=p.iin_of(holder),
                kind="targeted_social_assistance",
                assigned_from=start,
                assigned_until=start + dt.timedelta(days=365),
                source=self._src(holder),
            ),
        )


class DigitalDocumentsSandbox(_Sandbox):
    """The one-time password is derived from the challenge (sandbox only: `sandbox_otp(challenge)`)."""

    kind = "digital_documents"
    KINDS = ("identity_card", "birth_certificate", "marriage_certificate")
    _SECRET = b"qamqor-sandbox-otp"

    def request_consent(self, owner_iin: str, document_kind: str) -> OtpChallenge:
        r = self._row(owner_iin)
        if r is None:
            raise OtpRejected(f"no user with IIN {owner_iin} on the portal")
        if document_kind not in self.KINDS:
            raise OtpRejected(f"unknown digital document kind {document_kind!r}")
        iin = self.pop.iin_of(r)
        cid = hashlib.sha256(f"{iin}:{document_kind}".encode()).hexdigest()[:20]
        return OtpChallenge(
            cid + ":" + iin + ":" + document_kind, iin, document_kind, "+7 7** *** ** " + iin[-2:]
        )

    @classmethod
    def sandbox_otp(cls, challenge_id: str) -> str:
        return (
            f"{int(hmac.new(cls._SECRET, challenge_id.encode(), 'sha256').hexdigest(), 16) % 1_000_000:06d}"
        )

    def fetch(self, challenge_id: str, otp: str) -> DigitalDocument:
        failures.check(self.kind)
        try:
            _cid, iin, kind = challenge_id.split(":")
        except ValueError:
            raise OtpRejected("unknown challenge") from None
        if not hmac.compare_digest(self.sandbox_otp(challenge_id), str(otp)):
            raise OtpRejected("wrong one-time password")
        r = self.pop.row(iin)
        if r is None:
            raise OtpRejected("unknown owner")
        p = self.pop
        last, first, middle = p.names(r)
        content = {
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "birth_date": p.date("birth", r),
        }
        if kind == "marriage_certificate":
            s = int(p["spouse"][r])
            if s < 0:
                raise OtpRejected("the owner has no marriage certificate")
            content["spouse_iin"] = p.iin_of(s)
            issued = p.date("married_on", r)
        elif kind == "birth_certificate":
            issued = p.date("birth", r) + dt.timedelta(days=7)
        else:
            issued = p.date("doc_issued", r)
        return DigitalDocument(
            iin, kind, f"DD-{kind[:3].upper()}-{r:08d}", issued, content, self._src(kind, r)
        )


SANDBOX_ADAPTERS = {
    "population": PopulationSandbox,
    "civil_registry": CivilRegistrySandbox,
    "courts": CourtsSandbox,
    "criminal_records": CriminalRecordsSandbox,
    "health": HealthSandbox,
    "education": EducationSandbox,
    "social_assistance": SocialAssistanceSandbox,
    "digital_documents": DigitalDocumentsSandbox,
}
