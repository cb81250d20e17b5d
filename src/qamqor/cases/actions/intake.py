"""Intake: filing an application and its acceptance on each channel.

`submit` pins the service and the catalogue version in force on the submission date, checks the
channel, the provider, the submitter and every declared fact against the definition's accepted
sources (`cases.actions.facts`), and inserts the application with its children, documents, facts,
the `submitted` event and its monitoring outbox row in one transaction. On the portal the system
accepts at once ("request accepted" with the date of the result, `002_eefeb2ec619131ea.txt`
annex 11 §7), in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qamqor.audit.chain import append as append_to_trail
from qamqor.audit.chain import batched as trail_batch
from qamqor.cases.actions.common import catalog, jsonable, local_date, now, role_of, version_of
from qamqor.cases.actions.deadlines import lateness, office_hours, recompute_deadlines
from qamqor.cases.actions.facts import declared_fact_rows
from qamqor.cases.actions.issuing import document_guard
from qamqor.cases.actions.moves import move_case, write_event
from qamqor.cases.actions.reception import check_home_visit, check_reception
from qamqor.cases.exceptions import CaseError, IllegalTransition, RoleNotAllowed, ServiceNotAvailable
from qamqor.cases.models import Application, CaseEvent, Channel, Document, Person
from qamqor.cases.transitions import OPERATOR, PROVIDER_STAFF, RECIPIENT, Status
from qamqor.catalog.procedure import Basis, procedures
from qamqor.db.inserts import insert, insert_rows, pipelined

# the basis key of the `submitted` event on each channel (catalog/procedures.yaml)
INTAKE_BASIS_KEY = {
    "provider": "intake_provider",
    "education_org": "intake_provider",
    "state_corp": "intake_state_corp",
    "portal": "intake_portal",
}


@dataclass(frozen=True)
class Submission:
    """What `submit` wrote: the application, its `submitted` event (None for an idempotent replay),
    its documents and children (as written; no re-read needed to answer the submitter)."""

    case: Application
    event: CaseEvent | None
    documents: list[Document]
    children: list[Person]
    replayed: bool = False
    facts: tuple = ()  # the declared facts' rows


def _new_number(at: dt.datetime) -> str:
    return f"QMQ-{local_date(at):%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


def _check_submitter(channel: str, actor, applicant: Person, provider, office) -> None:
    role = role_of(actor)
    if channel == Channel.PORTAL:
        if role != RECIPIENT or actor.iin != applicant.iin:
            raise RoleNotAllowed(
                _("On the portal only the recipient applies, for themself."), code="portal_submitter"
            )
    elif channel == Channel.STATE_CORP:
        if role != OPERATOR or office is None or actor.office_id != office.pk:
            raise RoleNotAllowed(
                _("At the State Corporation an operator of that office accepts the application."),
                code="office_submitter",
            )
    elif role not in PROVIDER_STAFF or actor.provider_id != provider.pk:
        raise RoleNotAllowed(
            _("At the provider its own staff accept the application."), code="provider_submitter"
        )


def _check_office_open(version, channel: str, office, at: dt.datetime) -> None:
    """An office takes applications in its hours only: the provider's, the State Corporation's, or a
    State Corporation duty office's own where the version gives them (e.g. `003` annex 2 row 7); on
    a holiday or after hours the application is refused with the next opening. The portal is open
    around the clock (an application after hours is registered the next working day)."""
    from django.utils.translation import get_language

    from qamqor.accounts.working_time import case_calendar

    if channel == Channel.PORTAL:
        return
    schedule = office_hours(version, channel, office, local_date(at))
    calendar = case_calendar()
    if schedule is None or schedule.is_open(at, calendar):
        return
    opens = schedule.next_opening(at, calendar)
    raise ServiceNotAvailable(
        _("The office is closed at this time (%(hours)s): it next opens on %(when)s.")
        % {"hours": schedule.name.get((get_language() or "kk")[:2]), "when": f"{opens:%d.%m.%Y %H:%M}"},
        code="office_closed",
        details={
            "next_opening": opens.isoformat(),
            "schedule": schedule.id,
            "citation": schedule.citation.as_dict(),
        },
    )


def version_for_submission(service_slug: str, channel: str, provider, day: dt.date, given_catalog=None):
    """The version in force on `day`, if it takes applications on `channel` at this kind of provider."""
    from qamqor.catalog import UnknownService

    try:
        service = catalog(given_catalog).service(service_slug)
    except UnknownService:
        raise ServiceNotAvailable(
            _("Unknown service “%(slug)s”.") % {"slug": service_slug}, code="unknown_service"
        ) from None
    version = service.version_on(day)
    if version is None and service.status_on(day) == "edition_not_in_sources":
        raise ServiceNotAvailable(
            _(
                "The service “%(slug)s” was in force on %(day)s, but its rules of that date are not in the "
                "legal texts available; the application cannot be judged by this system."
            )
            % {"slug": service_slug, "day": f"{day:%d.%m.%Y}"},
            code="edition_not_in_sources",
        )
    if version is None:
        raise ServiceNotAvailable(
            _("The service “%(slug)s” is not in force on %(day)s.")
            % {"slug": service_slug, "day": f"{day:%d.%m.%Y}"},
            code="not_in_force",
        )
    if version.source_status == "incomplete_source":
        raise ServiceNotAvailable(
            _(
                "The requirements of this service are not in the legal texts available; applications are not accepted."
            ),
            code="incomplete_source",
        )
    if version.procedure is not None and version.procedure.decided_by != "case":
        raise ServiceNotAvailable(
            _("This service is decided by the data bank: apply through its own request."),
            code="own_request",
        )
    if channel not in version.channel_codes:
        raise ServiceNotAvailable(
            _("The service is not offered through the channel “%(ch)s”.") % {"ch": channel},
            code="channel_not_offered",
        )
    if version.provider_kinds and provider.kind not in version.provider_kinds:
        raise ServiceNotAvailable(
            _("This provider (%(kind)s) does not provide this service.") % {"kind": provider.kind},
            code="provider_kind",
        )
    return version


def submit(
    *,
    service_slug: str,
    channel: str,
    applicant: Person,
    provider,
    children: Iterable[Person] = (),
    office=None,
    actor=None,
    at: dt.datetime | None = None,
    facts: Mapping | None = None,
    consent: bool = False,
    documents: Iterable[Mapping] = (),
    idempotency_key: str | None = None,
    catalog=None,
    reads_shown: Iterable[tuple[str, str]] = (),
    registered_regions: Mapping[str, str] | None = None,
    home_visit: str | None = None,
) -> Submission:
    """File an application (see the module docstring). The same `idempotency_key` returns the same
    application. Everything that needs no lock is prepared before the transaction; the transaction
    only inserts (and, on the portal, makes the system's acceptance).

    `home_visit`: the reference of a home visit (`frontoffice`) at which the documents were taken at
    the recipient's home, where the version provides for it (`home_visit:` of the definition, e.g.
    `000` §13); the same intake as the counter of its channel, recorded on the `submitted` event
    with the clause, and the deadlines counted as for that channel."""
    if idempotency_key:
        existing = Application.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replayed(existing, applicant, service_slug)
    at = now(at)
    version = version_for_submission(service_slug, channel, provider, local_date(at), catalog)
    if channel == Channel.STATE_CORP and office is None:
        raise ValidationError({"office": _("An application at the State Corporation needs the office.")})
    _check_submitter(channel, actor, applicant, provider, office)
    check_home_visit(version, channel, home_visit)
    _check_office_open(version, channel, office, at)
    children = list(children)
    if any(c.iin == applicant.iin for c in children):
        raise ValidationError(
            {"children": _("The child cannot be the applicant.")}, code="child_is_applicant"
        )
    if channel == Channel.PORTAL and version.needs_consent and not consent:
        # the electronic application carries the consent; without it the portal cannot accept it
        raise CaseError(
            _(
                "Give the consent to the use of protected personal data: the service cannot be provided without it."
            ),
            code="consent_required",
        )
    case = Application(
        number=_new_number(at),
        service_slug=service_slug,
        catalogue_version=version.id,
        procedure_source=version.procedure.text if version.procedure else "",
        channel=channel,
        status=Status.SUBMITTED,
        version=1,
        applicant=applicant,
        provider=provider,
        office=office,
        submitted_by=actor,
        submitted_at=at,
        consent=bool(consent),
        consent_at=at if consent else None,
        facts=jsonable(dict(facts or {})),
        idempotency_key=idempotency_key,
    )
    fact_rows = declared_fact_rows(case, version, facts, actor=actor, at=at)  # refused before any write
    reception = check_reception(version, channel, office, applicant, children, registered_regions)
    # a new case has no events yet: its dates depend only on the submission (written with the INSERT)
    recompute_deadlines(case, catalog=catalog, save=False)
    basis = procedures().resolve(INTAKE_BASIS_KEY[channel], case.procedure_source)
    if version.legal_basis:
        basis = basis + Basis((version.legal_basis.citation,))
    if home_visit:
        basis = basis + Basis((version.home_visit.citation,))
    docs = [
        Document(
            code=d["code"],
            source=d.get("source", "uploaded"),
            registry=d.get("registry") or "",
            filename=d.get("filename", ""),
            sha256=d.get("sha256", ""),
            valid_until=d.get("valid_until"),
            received_at=at,
        )
        for d in documents
    ]
    portal = channel == Channel.PORTAL
    try:
        # a savepoint only where an IntegrityError is expected and handled (a concurrent retry with
        # the same key). The writes go as one batch (`pipelined`), ending inside the savepoint.
        with transaction.atomic() if portal else contextlib.nullcontext():
            with (
                transaction.atomic(savepoint=bool(idempotency_key)),
                pipelined(),
                trail_batch(new_case_chains=True),
            ):
                event = _insert(
                    case, children, docs, fact_rows, actor, at, basis, version, consent, reception, home_visit
                )
                _log_reads_shown(case, actor, at, reads_shown)
            if portal:
                register_on_portal(case, at=at)
    except IntegrityError:
        if idempotency_key:
            existing = Application.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replayed(existing, applicant, service_slug, check=False)
        raise
    return Submission(case=case, event=event, documents=docs, children=children, facts=tuple(fact_rows))


def _log_reads_shown(case, actor, at, subjects) -> None:
    """The submitter is answered with the stored record of people already on record (`reads_shown`:
    (iin, applicant | child)): a read of personal data, logged in the submission's own batch."""
    from qamqor.audit.models import PersonalDataAccess

    rows = [
        PersonalDataAccess(
            actor=actor,
            actor_role=role_of(actor),
            subject_iin=iin,
            subject_kind=kind,
            case_id=case.pk,
            case_number=case.number,
            purpose="submit",
            at=at,
        )
        for iin, kind in subjects
    ]
    if rows:
        insert_rows(rows)
        append_to_trail(rows)


def _insert(
    case, children, docs, fact_rows, actor, at, basis, version, consent, reception=None, home_visit=None
) -> CaseEvent:
    insert(case)  # case.save(force_insert=True), its SQL compiled once (db.inserts)
    if children:  # as `case.children.set(children)`, without its read of the current set
        through = Application.children.through
        insert_rows(
            [through(application_id=case.pk, person_id=pk) for pk in dict.fromkeys(c.pk for c in children)]
        )
    if docs:
        for doc in docs:
            doc.application = case
        insert_rows(docs)
    if fact_rows:
        for row in fact_rows:
            row.application = case
        insert_rows(fact_rows)
        append_to_trail(fact_rows)  # their links, with the event's (decision 0019)
    return write_event(
        case,
        action="submit",
        from_status="",
        actor=actor,
        at=at,
        basis=basis,
        payload={
            "channel": case.channel,
            "catalogue_version": version.id,
            "consent": bool(consent),
            **({"reception": reception} if reception else {}),
            **({"home_visit": home_visit} if home_visit else {}),
        },
        idempotency_key=None,
    )


def person_on_record(iin: str, last_name: str, first_name: str) -> Person:
    """The person with this IIN as on record (existing people are not changed, as the API's
    submission treats them); a new one with the names given, birth date and sex from the IIN."""
    person = Person.objects.filter(iin=iin).first()
    if person is None:
        person = Person(iin=iin, last_name=last_name, first_name=first_name)
        person.save()  # validates the IIN
    return person


def submit_application(**kwargs) -> Application:
    """`submit`, returning the application only."""
    return submit(**kwargs).case


def _replayed(existing: Application, applicant: Person, service_slug: str, *, check=True) -> Submission:
    if check and (existing.applicant_id != applicant.pk or existing.service_slug != service_slug):
        raise IllegalTransition(
            _("This idempotency key was already used for another request."), code="idempotency_key_reused"
        )
    return Submission(case=existing, event=None, documents=[], children=[], replayed=True)


def accept_at_front_office(
    case, *, actor, at=None, expected_version=None, idempotency_key=None, originals_returned: bool = False
) -> CaseEvent:
    """Receipt of acceptance at the State Corporation (e.g. `003` §4), issued with the move and
    signed with the office's key (`issuing`). Where the version has the documents shown in the
    original for checking and the originals returned (`001` annex 1 row 8), the operator confirms it
    (`originals_returned`) and the event records it with the clause; without it nothing moves."""
    originals = originals_check(case, originals_returned)
    return move_case(
        case,
        Status.REGISTERED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={
            "receipt": "acceptance",
            "office": getattr(case.office, "number", ""),
            **({"originals": originals} if originals else {}),
        },
        guard=document_guard("accept_at_front_office", actor=actor),
        recompute=True,
    )


def originals_check(case, originals_returned: bool) -> dict | None:
    """The originals duty of the case's channel under its pinned version (None: the text sets none)."""
    rule = version_of(case).channel(case.channel)
    if rule is None or not rule.originals_returned:
        return None
    if not originals_returned:
        raise CaseError(
            _(
                "Check the documents against their originals and give the originals back to the "
                "applicant, then confirm it (%(clause)s)."
            )
            % {"clause": rule.originals_citation.clause},
            code="originals_not_returned",
            details={"citation": rule.originals_citation.as_dict()},
        )
    return {"shown_and_returned": True, "citation": rule.originals_citation.as_dict()}


def register_on_portal(case, *, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """ "Request accepted" in the personal cabinet with the date of the result (`002` annex 11 §7)."""

    def guard(locked, at, t):
        return {
            "expected_result_date": locked.due_at or locked.due_date,
            "registered_on": locked.registered_on,
        }

    return move_case(
        case,
        Status.REGISTERED,
        actor=None,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
        recompute=True,
    )


def register_at_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.REGISTERED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        recompute=True,
    )


def send_by_courier(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The package goes to the provider by courier within its step's term (`003` §6)."""
    return move_case(
        case,
        Status.IN_TRANSIT,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=lateness("courier_to_provider"),
    )


def receive_at_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.AT_PROVIDER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        recompute=True,
    )
