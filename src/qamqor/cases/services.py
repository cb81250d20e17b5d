"""The life of a case: every status change goes through `move_case`, each legal step has a service.

`move_case` checks the explicit transition table (`cases.transitions.TABLE`), locks the row, checks
the optimistic version, applies the step's own writes, bumps the version, writes an append-only
`CaseEvent` (actor, moment, from, to, legal basis, payload) and hands the event to the monitoring
feed (`003_4cf6e905af0d21d2.txt` §12-1) in the same transaction. An illegal move raises and changes
nothing. The clock is an argument (`at`); services default it to now, the rules never read it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qamqor.cases.exceptions import (
    ConcurrentUpdate,
    DeadlinePassed,
    IllegalTransition,
    RoleNotAllowed,
    ServiceNotAvailable,
)
from qamqor.cases.models import (
    Application,
    CaseEvent,
    Channel,
    Decision,
    DecisionKind,
    Document,
    Outcome,
    Person,
)
from qamqor.cases.transitions import (
    AUTOMATED_BASIS_KEYS,
    OPERATOR,
    PROVIDER_STAFF,
    RECIPIENT,
    SYSTEM,
    Basis,
    Status,
    Transition,
    basis_for,
    candidates,
    procedure_source_for,
    resolve_basis,
)
from qamqor.db.inserts import insert, insert_rows, pipelined
from qamqor.rules.calendar import ALMATY, get_calendar
from qamqor.rules.types import LANGS, Citation

# ------------------------------------------------------------------------------------------------
# helpers


def _now(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError(f"naive datetime {at.isoformat()}: give a time zone")
    return at


def _local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(ALMATY).date()


def role_of(actor) -> str:
    return SYSTEM if actor is None else actor.role


def in_languages(message) -> dict[str, str]:
    """A (lazy) message in kk / ru / en, for what is stored and shown in every language (as
    `rules.types.Text.as_dict()` stores the explanations)."""
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = str(message)
    return out


def _catalog(catalog=None):
    """The catalogue a caller passed, else the active one (`qamqor.catalog.use_catalog` sets it for
    the whole process, the data bank included)."""
    if catalog is not None:
        return catalog
    from qamqor.catalog import active_catalog

    return active_catalog()


def _as_basis(legal_basis) -> Basis:
    """Accept a Basis, a Citation, a {source, clause} dict or a list of those."""
    if legal_basis is None:
        return Basis(())
    if isinstance(legal_basis, Basis):
        return legal_basis
    if isinstance(legal_basis, Citation):
        return Basis((legal_basis,))
    if isinstance(legal_basis, Mapping):
        return Basis((Citation(str(legal_basis["source"]), str(legal_basis["clause"])),))
    if isinstance(legal_basis, Iterable):
        out = Basis(())
        for item in legal_basis:
            out = out + _as_basis(item)
        return out
    raise TypeError(f"cannot read a legal basis from {legal_basis!r}")


def _check_scope(case: Application, actor, role: str) -> None:
    """An actor acts only on cases of their own provider / office / person."""
    if role == SYSTEM:
        return
    if role in PROVIDER_STAFF and actor.provider_id != case.provider_id:
        raise RoleNotAllowed(_("This case belongs to another provider."), code="other_provider")
    if role == OPERATOR and actor.office_id != case.office_id:
        raise RoleNotAllowed(_("This case belongs to another State Corporation office."), code="other_office")
    if role == RECIPIENT and actor.iin != case.applicant.iin:
        raise RoleNotAllowed(_("Only the applicant may do this."), code="not_the_applicant")


def _notify_monitoring(event: CaseEvent, case: Application) -> None:
    """Hand the stage change to the monitoring feed (`003` §12-1) if that module is installed."""
    try:
        module = importlib.import_module("qamqor.monitoring.services")
    except ModuleNotFoundError as exc:
        if exc.name in ("qamqor.monitoring", "qamqor.monitoring.services"):
            return
        raise
    module.record_stage_change(
        event,
        case_id=case.pk,
        event_id=event.pk,
        stage=event.to_status,
        moment=event.at,
        service=case.service_slug,
        provider=case.provider.code,
        details={
            "number": case.number,
            "from": event.from_status,
            "action": event.action,
            "channel": case.channel,
            "catalogue_version": case.catalogue_version,
            # a stage reached after its statutory date (e.g. `003` §9's notice 3 WD before the
            # term) is reported as such: timeliness is what the monitoring system watches
            **({"late": True} if (event.payload or {}).get("late") is True else {}),
        },
    )


def _write_event(
    case: Application,
    *,
    action: str,
    from_status: str,
    actor,
    at: dt.datetime,
    basis: Basis,
    payload: dict | None,
    idempotency_key: str | None,
) -> CaseEvent:
    first = basis.first
    event = insert(
        CaseEvent(
            application=case,
            seq=case.version,
            action=action,
            from_status=from_status,
            to_status=case.status,
            actor=actor,
            actor_role=role_of(actor),
            at=at,
            legal_basis=basis.as_dict(),
            legal_basis_source=first.source if first else "",
            legal_basis_clause=first.clause if first else "",
            payload=_jsonable(payload or {}),
            idempotency_key=idempotency_key,
        )
    )  # CaseEvent.objects.create(...), its SQL compiled once (project.inserts)
    _notify_monitoring(event, case)
    return event


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Citation):
        return value.as_dict()
    if hasattr(value, "__html__") or type(value).__name__ == "__proxy__":  # lazy translation
        return str(value)
    return value


def _replay(idempotency_key: str | None, case: Application, to_status: str) -> CaseEvent | None:
    if not idempotency_key:
        return None
    existing = CaseEvent.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.application_id != case.pk or existing.to_status != to_status:
        raise IllegalTransition(
            _("This idempotency key was already used for another request."), code="idempotency_key_reused"
        )
    return existing


# ------------------------------------------------------------------------------------------------
# the one door


def move_case(
    case: Application,
    to_status: str,
    *,
    actor,
    at: dt.datetime | None = None,
    legal_basis=None,
    payload: dict | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    action: str | None = None,
    changes: Mapping[str, Any] | None = None,
    guard: Callable[[Application, dt.datetime, Transition], dict | None] | None = None,
    recompute: bool = False,
) -> CaseEvent:
    """Move `case` to `to_status`, or raise and change nothing.

    `legal_basis` adds citations to the table's own basis (e.g. a decision's grounds). `changes`
    are field values written on the case with the move; `guard(locked_case, at, transition)` may
    raise (e.g. `DeadlinePassed`) or return extra payload. A repeated `idempotency_key` returns the
    first event and does nothing. `expected_version` ≠ the case's version → `ConcurrentUpdate`.
    `recompute`: the move is a dated step of the case (`recompute_deadlines`); its dates are written
    with the move's own update of the case (the guard still sees the dates from before the move).
    """
    at = _now(at)
    to_status = Status(to_status).value if to_status in Status.values else to_status
    replay = _replay(idempotency_key, case, to_status)
    if replay is not None:
        case.refresh_from_db()
        return replay
    role = role_of(actor)
    try:
        with transaction.atomic():
            locked = (
                Application.objects.select_for_update()
                .select_related("applicant", "provider")
                .get(pk=case.pk)
            )
            replay = _replay(idempotency_key, locked, to_status)  # a concurrent retry won the lock
            if replay is not None:
                event = replay
            else:
                if expected_version is not None and locked.version != int(expected_version):
                    raise ConcurrentUpdate(
                        _("The case was changed by someone else (version %(have)s, you had %(expected)s).")
                        % {"have": locked.version, "expected": expected_version},
                        details={"version": locked.version, "expected_version": expected_version},
                    )
                rows = candidates(locked.status, to_status, locked.channel)
                if action:
                    rows = [r for r in rows if r.action == action]
                if not rows:
                    raise IllegalTransition(
                        _("A case cannot move from “%(src)s” to “%(dst)s” on the channel “%(ch)s”.")
                        % {
                            "src": Status(locked.status).label,
                            "dst": Status(to_status).label if to_status in Status.values else to_status,
                            "ch": Channel(locked.channel).label,
                        },
                        details={"from": locked.status, "to": to_status, "channel": locked.channel},
                    )
                allowed = [r for r in rows if role in r.roles]
                if not allowed:
                    raise RoleNotAllowed(
                        _("The role “%(role)s” may not make this move.") % {"role": role},
                        details={"roles": sorted({x for r in rows for x in r.roles})},
                    )
                transition = allowed[0]
                if transition.basis_key in AUTOMATED_BASIS_KEYS:
                    # the system's own decision rows exist only for versions decided by machine alone
                    from qamqor.cases.automated import require_full_automation

                    require_full_automation(locked)
                _check_scope(locked, actor, role)
                extra = guard(locked, at, transition) if guard else None
                basis = basis_for(transition, locked.procedure_source) + _as_basis(legal_basis)
                from_status = locked.status
                for field, value in (changes or {}).items():
                    setattr(locked, field, value)
                locked.status = to_status
                locked.version += 1
                if recompute:
                    # this move's event is written after the case row (it carries the new version),
                    # so its date is handed over: the dates then go out in the one UPDATE below
                    recompute_deadlines(locked, save=False, move=(transition.action, at))
                locked.save()
                event = _write_event(
                    locked,
                    action=transition.action,
                    from_status=from_status,
                    actor=actor,
                    at=at,
                    basis=basis,
                    payload={**(payload or {}), **(extra or {})},
                    idempotency_key=idempotency_key,
                )
    except IntegrityError:
        replay = _replay(idempotency_key, case, to_status)
        if replay is None:
            raise
        event = replay
    case.refresh_from_db()
    return event


# ------------------------------------------------------------------------------------------------
# submission


def _new_number(at: dt.datetime) -> str:
    return f"QMQ-{_local_date(at):%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


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


def submit_application(
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
) -> Application:
    """File an application. Pins the service and the catalogue version in force on the submission
    date; refuses a service that is unknown, not in force, `incomplete_source`, or not offered on the
    channel or by this kind of provider. The same `idempotency_key` returns the same application."""
    return submit(
        service_slug=service_slug,
        channel=channel,
        applicant=applicant,
        provider=provider,
        children=children,
        office=office,
        actor=actor,
        at=at,
        facts=facts,
        consent=consent,
        documents=documents,
        idempotency_key=idempotency_key,
        catalog=catalog,
    ).case


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
) -> Submission:
    """`submit_application`, returning what was written (see `Submission`).

    Everything that needs no lock is prepared before the transaction (the catalogue checks, the
    deadlines of a new case: no event has happened yet, so they depend only on the submission);
    the transaction then only inserts: the application, its children and documents, the `submitted`
    event and its monitoring outbox row (`003` §12-1), committed or rolled back together.
    """
    if idempotency_key:
        existing = Application.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replayed_submission(existing, applicant, service_slug)
    at = _now(at)
    day = _local_date(at)
    from qamqor.catalog import UnknownService

    cat = _catalog(catalog)
    try:
        service = cat.service(service_slug)
    except UnknownService:
        raise ServiceNotAvailable(
            _("Unknown service “%(slug)s”.") % {"slug": service_slug}, code="unknown_service"
        ) from None
    version = service.version_on(day)
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
    if channel == Channel.STATE_CORP and office is None:
        raise ValidationError({"office": _("An application at the State Corporation needs the office.")})
    _check_submitter(channel, actor, applicant, provider, office)
    children = list(children)
    lb = version.legal_basis.citation.source if version.legal_basis else None
    case = Application(
        number=_new_number(at),
        service_slug=service_slug,
        catalogue_version=version.id,
        procedure_source=procedure_source_for(service_slug, lb),
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
        facts=_jsonable(dict(facts or {})),
        idempotency_key=idempotency_key,
    )
    # a new case has no events yet: its dates depend only on the submission (one computation,
    # written with the INSERT rather than by a later UPDATE)
    recompute_deadlines(case, catalog=cat, save=False)
    basis = resolve_basis(INTAKE_BASIS_KEY[channel], case.procedure_source)
    basis = basis + Basis((version.legal_basis.citation,)) if version.legal_basis else basis
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
    through = Application.children.through
    try:
        # a savepoint only where an IntegrityError is expected and handled (a concurrent retry
        # with the same key); otherwise a failure rolls back the caller's transaction anyway. The
        # writes go as one batch (`pipelined`: PostgreSQL's pipeline mode), which ends inside the
        # savepoint, so a duplicate key is raised here.
        with transaction.atomic(savepoint=bool(idempotency_key)), pipelined():
            insert(case)  # case.save(force_insert=True), its SQL compiled once (project.inserts)
            if children:  # as `case.children.set(children)`, without its read of the current set
                insert_rows(
                    [
                        through(application_id=case.pk, person_id=pk)
                        for pk in dict.fromkeys(c.pk for c in children)
                    ]
                )
            if docs:
                for doc in docs:
                    doc.application = case
                insert_rows(docs)
            event = _write_event(
                case,
                action="submit",
                from_status="",
                actor=actor,
                at=at,
                basis=basis,
                payload={"channel": channel, "catalogue_version": version.id, "consent": bool(consent)},
                idempotency_key=None,
            )
    except IntegrityError:
        if idempotency_key:
            existing = Application.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replayed_submission(existing, applicant, service_slug, check=False)
        raise
    return Submission(case=case, event=event, documents=docs, children=children)


def _replayed_submission(existing: Application, applicant: Person, service_slug: str, *, check=True):
    if check and (existing.applicant_id != applicant.pk or existing.service_slug != service_slug):
        raise IllegalTransition(
            _("This idempotency key was already used for another request."),
            code="idempotency_key_reused",
        )
    return Submission(case=existing, event=None, documents=[], children=[], replayed=True)


# ------------------------------------------------------------------------------------------------
# deadlines


def _event_dates(case: Application, move: tuple[str, dt.datetime] | None = None) -> dict[str, dt.date]:
    """Dates of what already happened, in the vocabulary of `rules.deadlines` anchors; `move` is the
    (action, moment) of a move being made whose event is not written yet (the latest of all)."""
    mapping = {
        "accept_at_front_office": "registered",
        "receive_at_provider": "documents_received",
        "check_completeness": "completeness_check",
        "issue_preliminary_refusal": "preliminary_refusal",
        "hold_hearing": "hearing",
        "lapse_objection_term": "hearing",
        "hold_at_state_corp": "result_at_state_corp",
        "request_return": "resend_request",
    }
    out: dict[str, dt.date] = {}
    if case.pk is not None:
        for action, at in case.events.order_by("seq").values_list("action", "at"):
            key = mapping.get(action)
            if key:
                out[key] = _local_date(at)  # the latest occurrence wins (a resend may repeat)
    if move is not None and (key := mapping.get(move[0])):
        out[key] = _local_date(move[1])
    return out


def recompute_deadlines(
    case: Application, *, catalog=None, save: bool = True, move: tuple[str, dt.datetime] | None = None
) -> dict:
    """Recompute every date of the case (registration, due date, each step) with explanations,
    from the pinned catalogue version, the channel, the submission moment and what already happened
    (`move`: a move being made, not yet in the events; see `move_case(recompute=True)`)."""
    from qamqor.catalog import UnknownService
    from qamqor.rules.deadlines import DeadlineError, compute_deadline

    try:
        version = _catalog(catalog).service(case.service_slug).version_by_id(case.catalogue_version)
    except UnknownService:
        version = None
    # No dates: `{"unknown": {"code": <stable code>, "text": {"kk", "ru", "en"}}}`, the reason stored in
    # the three languages as the explanations are (codes: version_missing and DeadlineError's codes).
    unknown = None
    if version is None:
        unknown = {
            "code": "version_missing",
            "text": in_languages(_("The pinned catalogue version is gone.")),
        }
    else:
        # the version's schedule for the channel, else the channel's default; an id `rules.schedules`
        # lacks raises (the loader refuses it) instead of counting with another office's hours
        schedule = version.schedule_for(case.channel)
        try:
            result = compute_deadline(  # a version with no term (incomplete source): code no_term
                version.term,
                version.steps,
                case.channel,
                case.submitted_at,
                schedule=schedule,
                schedule_citation=version.schedules_citation,
                events=_event_dates(case, move),
            )
        except DeadlineError as exc:
            unknown = {"code": exc.code, "text": exc.text.as_dict()}
        else:
            case.deadlines = result.as_dict()
            case.registered_on = result.registered_on
            if isinstance(result.due, dt.datetime):
                case.due_at, case.due_date = result.due, result.due.astimezone(ALMATY).date()
            else:
                case.due_at, case.due_date = None, result.due
    if unknown is not None:
        case.deadlines = {"unknown": unknown}
        case.registered_on = case.due_date = case.due_at = None
    if save and case.pk is not None:
        Application.objects.filter(pk=case.pk).update(
            deadlines=case.deadlines,
            registered_on=case.registered_on,
            due_date=case.due_date,
            due_at=case.due_at,
        )
    return case.deadlines


def step_due(case: Application, step: str) -> dt.date | None:
    for s in (case.deadlines or {}).get("steps", []):
        if s.get("step") == step and s.get("due"):
            return dt.date.fromisoformat(s["due"][:10])
    return None


def _move_and_recompute(case, to_status, **kw) -> CaseEvent:
    """A move that is itself a dated step of the case (registration, receipt, the hearing...): the
    dates that follow from it are written with the move, in its transaction and its UPDATE."""
    return move_case(case, to_status, recompute=True, **kw)


# ------------------------------------------------------------------------------------------------
# intake


def accept_at_front_office(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """Receipt of acceptance at the State Corporation (e.g. `003` §4)."""
    return _move_and_recompute(
        case,
        Status.REGISTERED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"receipt": "acceptance", "office": getattr(case.office, "number", "")},
    )


def register_on_portal(case, *, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """ "Request accepted" in the personal cabinet with the date of the result (`002` annex 11 §7)."""

    def guard(locked, at, t):
        return {
            "expected_result_date": locked.due_at or locked.due_date,
            "registered_on": locked.registered_on,
        }

    return _move_and_recompute(
        case,
        Status.REGISTERED,
        actor=None,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
    )


def register_at_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return _move_and_recompute(
        case,
        Status.REGISTERED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def refuse_to_accept(
    case,
    *,
    actor,
    missing_documents: Iterable[str] = (),
    expired_documents: Iterable[str] = (),
    reason: str = "",
    at=None,
    expected_version=None,
    idempotency_key=None,
) -> CaseEvent:
    """An incomplete package or expired documents (`003` §7, `002` annex 11 §8): at the State
    Corporation the receipt of refusal to accept documents (annex 3 form: office number and address,
    service, the missing documents); at the provider a (motivated) refusal of further consideration."""
    missing, expired = list(missing_documents), list(expired_documents)
    if not missing and not expired:
        raise ValidationError(
            {"missing_documents": _("Name the missing or expired documents: the refusal lists them.")}
        )

    def guard(locked, at, t):
        if role_of(actor) == OPERATOR:
            office = locked.office
            return {
                "receipt": "annex_3_refusal_to_accept",
                "office_number": office.number,
                "office_address": office.address,
                "service": locked.service_slug,
                "copies": 2,
            }
        return {"refusal": "motivated_refusal_of_further_consideration"}

    return move_case(
        case,
        Status.REFUSED_TO_ACCEPT,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"missing_documents": missing, "expired_documents": expired, "reason": reason},
        guard=guard,
    )


def send_by_courier(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The package goes to the provider by courier within 1 WD (`003` §6)."""
    return move_case(
        case,
        Status.IN_TRANSIT,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=_lateness("courier_to_provider"),
    )


def receive_at_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return _move_and_recompute(
        case,
        Status.AT_PROVIDER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def check_completeness(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The package is complete (the check within 1 WD of receipt, `003` §7)."""
    return _move_and_recompute(
        case,
        Status.COMPLETENESS_CHECKED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=_lateness("completeness_check"),
    )


def start_review(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.IN_REVIEW,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def await_registry_data(
    case, *, actor=None, registries: Iterable[str] = (), at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """Data requested from state information systems through the e-government gateway (`003` §8)."""
    return move_case(
        case,
        Status.AWAITING_REGISTRY_DATA,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"registries": list(registries)},
    )


def receive_registry_data(
    case, *, actor=None, data: Mapping | None = None, at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The registries answered; their data are merged into the facts."""

    def guard(locked, at, t):
        return {"received": sorted((data or {}).keys())}

    facts = _merge(case.facts or {}, dict(data or {}))
    return move_case(
        case,
        Status.IN_REVIEW,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        changes={"facts": _jsonable(facts)},
        guard=guard,
    )


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _lateness(step: str, *, anchor_event: str | None = None, wd: int | None = None):
    """A guard that records (never blocks) whether the step was done after its time limit."""

    def guard(locked, at, t):
        due = step_due(locked, step)
        if due is None and anchor_event and wd is not None:
            last = locked.events.filter(action=anchor_event).order_by("-seq").first()
            if last is not None:
                due = get_calendar().add_working_days(_local_date(last.at), wd)
        if due is None:
            return {}
        return {"due_by": due, "late": _local_date(at) > due}

    return guard


# ------------------------------------------------------------------------------------------------
# decisions


def grant(
    case, *, actor, at=None, expected_version=None, idempotency_key=None, legal_basis=None
) -> CaseEvent:
    """The positive decision; a placement service's grant also records the carer and the ward in
    the Republican data bank, in the same transaction (cases.wiring)."""
    from qamqor.cases.wiring import record_placements_of_grant

    with transaction.atomic():
        event = move_case(
            case,
            Status.GRANTED,
            actor=actor,
            at=at,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            legal_basis=legal_basis,
            changes={"outcome": Outcome.GRANTED},
        )
        record_placements_of_grant(case, at=event.at)
    return event


def issue_preliminary_refusal(
    case,
    *,
    actor,
    hearing_at: dt.datetime,
    hearing_place: str,
    grounds: Iterable[Mapping] = (),
    at=None,
    expected_version=None,
    idempotency_key=None,
    legal_basis=None,
) -> CaseEvent:
    """The preliminary decision of refusal with the time and place of the hearing (`003` §9, APC
    art. 73), sent no later than 3 WD before the due date (the `preliminary_refusal` step)."""
    if not hearing_place or hearing_at is None:
        raise ValidationError({"hearing": _("The notice must give the time and the place of the hearing.")})
    if timezone.is_naive(hearing_at):
        raise ValidationError({"hearing_at": _("Give the hearing time with its time zone.")})

    def guard(locked, at, t):
        latest = step_due(locked, "preliminary_refusal")
        if latest is None:
            return {"deadline_unchecked": "no preliminary_refusal step for this service version"}
        if hearing_at <= at:
            raise ValidationError({"hearing_at": _("The hearing must be after the notice is sent.")})
        # A notice sent after its latest day is the provider's breach of `003` §9, recorded on the
        # event (and so in the monitoring feed); it cannot take away a refusal the grounds require.
        return {"latest": latest, "late": _local_date(at) > latest}

    return _move_and_recompute(
        case,
        Status.PRELIMINARY_REFUSAL,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        legal_basis=legal_basis,
        payload={"hearing_at": hearing_at, "hearing_place": hearing_place, "grounds": list(grounds)},
        changes={"hearing_at": hearing_at, "hearing_place": hearing_place},
        guard=guard,
    )


def hold_hearing(
    case, *, actor, position: str = "", at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The hearing (APC art. 74) with the recipient's position."""
    return _move_and_recompute(
        case,
        Status.HEARING_HELD,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"position": position},
    )


OBJECTION_TERM_WD = 2  # APC art. 73 [uncertain: secondary source, kazakhstan-facts.md]


def lapse_objection_term(
    case,
    *,
    actor=None,
    notice_received_on: dt.date | None = None,
    at=None,
    expected_version=None,
    idempotency_key=None,
) -> CaseEvent:
    """The recipient did not respond: once the objection term (2 WD after receiving the notice, APC
    art. 73) has passed, the body decides on the materials it has. Refused before the term ends."""

    def guard(locked, at, t):
        received = notice_received_on
        if received is None:
            sent = locked.events.filter(action="issue_preliminary_refusal").order_by("-seq").first()
            received = _local_date(sent.at)
        ends = get_calendar().add_working_days(received, OBJECTION_TERM_WD)
        if _local_date(at) <= ends:
            raise DeadlinePassed(
                _("The objection term runs until %(day)s inclusive; it has not lapsed yet.")
                % {"day": f"{ends:%d.%m.%Y}"},
                code="too_early",
                details={"term_ends": ends.isoformat()},
            )
        return {"notice_received_on": received, "term_ended": ends}

    return _move_and_recompute(
        case,
        Status.OBJECTION_TERM_LAPSED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
    )


def issue_final_refusal(
    case,
    *,
    actor,
    grounds: Iterable[Mapping] = (),
    at=None,
    expected_version=None,
    idempotency_key=None,
    legal_basis=None,
) -> CaseEvent:
    """The motivated refusal, within 1 WD after the hearing (`003` §9)."""
    return move_case(
        case,
        Status.REFUSED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        legal_basis=legal_basis,
        payload={"grounds": list(grounds)},
        changes={"outcome": Outcome.REFUSED},
        guard=_lateness("final_decision"),
    )


def issue_result(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.RESULT_ISSUED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"outcome": case.outcome},
        guard=_lateness("result_to_state_corp") if case.channel == Channel.STATE_CORP else None,
    )


def deliver_to_cabinet(case, *, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.DELIVERED_TO_CABINET,
        actor=None,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def hold_at_state_corp(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The result is kept at the State Corporation (one month, `003` §11)."""
    at = _now(at)
    return _move_and_recompute(
        case,
        Status.HELD_AT_STATE_CORP,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        changes={"custody_started_at": at},
    )


HANDOVER_DOCUMENTS = ("identity_document", "notarised_power_of_attorney")


def hand_over(
    case,
    *,
    actor,
    on: str,
    document_number: str = "",
    representative: str = "",
    at=None,
    expected_version=None,
    idempotency_key=None,
) -> CaseEvent:
    """The result handed over on an identity document, or to a representative on a notarised power
    of attorney (`003` §11)."""
    if on not in HANDOVER_DOCUMENTS:
        raise ValidationError(
            {"on": _("Hand over on an identity document or a notarised power of attorney.")}
        )
    if on == "notarised_power_of_attorney" and not representative:
        raise ValidationError({"representative": _("Name the representative holding the power of attorney.")})
    return move_case(
        case,
        Status.HANDED_OVER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"on": on, "document_number": document_number, "representative": representative},
        changes={"handed_over_on": on},
    )


# How long the State Corporation keeps an unclaimed result when the pinned version has no custody step
# in calendar months: "бір ай", one month (003 §11, 002 annex 11 §12, 000 §9).
CUSTODY_MONTHS = 1


def _custody_months(case: Application) -> int:
    """The custody term of the case in calendar months: the pinned version's step, else CUSTODY_MONTHS."""
    try:
        version = _catalog().service(case.service_slug).version_by_id(case.catalogue_version)
    except Exception:  # noqa: BLE001 - the catalogue may not know the service any more
        version = None
    step = version.step("custody") if version is not None else None
    if step is not None and step.unit == "calendar_months":
        return step.value
    return CUSTODY_MONTHS


def transfer_to_provider(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """After one month of custody the State Corporation hands the result to the provider (`003` §11)."""

    def guard(locked, at, t):
        months = _custody_months(locked)
        ends = locked.custody_started_at + relativedelta(months=months)
        if at < ends:
            raise DeadlinePassed(
                ngettext(  # the term the guard applies, never a fixed "one month"
                    "The State Corporation keeps the result for %(months)d month: not before %(day)s.",
                    "The State Corporation keeps the result for %(months)d months: not before %(day)s.",
                    months,
                )
                % {"months": months, "day": f"{ends.astimezone(ALMATY):%d.%m.%Y %H:%M}"},
                code="too_early",
                details={"custody_ends": ends.isoformat()},
            )
        return {"custody_started_at": locked.custody_started_at, "custody_months": months}

    return move_case(
        case,
        Status.TRANSFERRED_TO_PROVIDER,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
    )


def request_return(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The recipient came after the month: the State Corporation asks the provider for the result."""
    return _move_and_recompute(
        case,
        Status.RETURN_REQUESTED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def resend_to_state_corp(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    """The provider sends the result back within 1 WD of the request (`002` annex 11 §12)."""
    at = _now(at)
    return _move_and_recompute(
        case,
        Status.HELD_AT_STATE_CORP,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        changes={"custody_started_at": at},
        guard=_lateness("resend_transferred_result", anchor_event="request_return", wd=1),
    )


def withdraw(
    case, *, actor, reason: str = "", at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    return move_case(
        case,
        Status.WITHDRAWN,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"reason": reason},
    )


# ------------------------------------------------------------------------------------------------
# the decision through the legal core

JUDGEMENT_PREFIX = "officer."


def _earlier_reason(case: Application, code: str) -> str:
    """The written reason recorded for this ground in an earlier decision of the case (the final
    refusal after a hearing rests on the finding of the preliminary decision)."""
    for d in case.decisions.order_by("-decided_at", "-id"):
        for g in d.grounds or []:
            if g.get("code") == code and g.get("reason"):
                return g["reason"]
    return ""


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def decide(
    case: Application,
    *,
    actor,
    at: dt.datetime | None = None,
    findings: Mapping | None = None,
    reasons: Mapping | None = None,
    hearing_at: dt.datetime | None = None,
    hearing_place: str = "",
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    catalog=None,
) -> Decision:
    """Evaluate the legal core on the case's facts (plus the officer's `findings`) and act on it.

    `findings` are facts under `officer.*` (e.g. ``{"officer": {"false_documents": True}}`` or
    ``{"officer.false_documents": True}``); each true finding needs a non-empty written reason in
    `reasons` (keyed by the dotted fact), else `ValidationError`. Grant → granted. Refuse → the
    preliminary refusal with the hearing's time and place (never a direct refusal). needs_facts →
    `ValidationError` listing the missing facts. From a hearing: grant, or the motivated refusal.
    """
    at = _now(at)
    if role_of(actor) not in PROVIDER_STAFF:
        raise RoleNotAllowed(_("Only the provider's officer or head decides."), code="decider")
    flat: dict[str, Any] = {}
    _flatten("", dict(findings or {}), flat)
    reasons = {str(k): str(v).strip() for k, v in (reasons or {}).items()}
    for key, value in flat.items():
        full = key if key.startswith(JUDGEMENT_PREFIX) else JUDGEMENT_PREFIX + key
        if value is True and not reasons.get(full) and not reasons.get(key):
            raise ValidationError(
                {full: _("A finding that needs judgement must come with a written reason.")},
                code="reason_required",
            )
    officer: dict[str, Any] = {}
    for key, value in flat.items():
        path = key[len(JUDGEMENT_PREFIX) :] if key.startswith(JUDGEMENT_PREFIX) else key
        node = officer
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    facts = _merge(dict(case.facts or {}), {"officer": officer} if officer else {})

    from qamqor.catalog import evaluate_version

    cat = _catalog(catalog)
    version = cat.service(case.service_slug).version_by_id(case.catalogue_version)
    if version is None:
        raise ServiceNotAvailable(_("The pinned catalogue version is gone."), code="version_missing")
    evaluation = evaluate_version(cat, version, facts, _local_date(at))
    # By deciding, the officer makes the judgement findings they did not assert: false.
    not_found = [f for f in evaluation.missing_facts if f.startswith(JUDGEMENT_PREFIX)]
    if not_found:
        for f in not_found:
            node = facts.setdefault("officer", {})
            parts = f[len(JUDGEMENT_PREFIX) :].split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node.setdefault(parts[-1], False)
        evaluation = evaluate_version(cat, version, facts, _local_date(at))
    if evaluation.decision == "needs_facts":
        raise ValidationError(
            {"facts": _("Facts are missing: %(facts)s") % {"facts": ", ".join(evaluation.missing_facts)}},
            code="needs_facts",
        )
    if evaluation.decision not in ("grant", "refuse"):
        raise ServiceNotAvailable(str(evaluation.message or evaluation.decision), code=evaluation.decision)
    true_findings = {
        (k if k.startswith(JUDGEMENT_PREFIX) else JUDGEMENT_PREFIX + k): reasons.get(k)
        or reasons.get(JUDGEMENT_PREFIX + k)
        for k, v in flat.items()
        if v is True
    }
    grounds = []
    for g in evaluation.grounds:
        d = g.as_dict()
        if g.judgement:
            # the reason written for this ground's finding (officer.<code>), else those of every finding
            reason = (
                true_findings.get(JUDGEMENT_PREFIX + g.code)
                or "; ".join(r for r in true_findings.values() if r)
                or _earlier_reason(case, g.code)
            )
            if not reason:
                raise ValidationError(
                    {g.code: _("A ground that needs judgement must come with a written reason.")},
                    code="reason_required",
                )
            d["reason"] = reason
        grounds.append(d)
    basis = Basis(tuple(g.citation for g in evaluation.grounds))
    status = case.status
    with transaction.atomic():
        if officer:
            Application.objects.filter(pk=case.pk).update(facts=_jsonable(facts))
            case.facts = facts
        if evaluation.decision == "grant":
            kind = DecisionKind.GRANT
            event = grant(
                case, actor=actor, at=at, expected_version=expected_version, idempotency_key=idempotency_key
            )
        elif status in (Status.HEARING_HELD, Status.OBJECTION_TERM_LAPSED):
            kind = DecisionKind.FINAL_REFUSAL
            event = issue_final_refusal(
                case,
                actor=actor,
                at=at,
                grounds=grounds,
                legal_basis=basis,
                expected_version=expected_version,
                idempotency_key=idempotency_key,
            )
        else:
            kind = DecisionKind.PRELIMINARY_REFUSAL
            event = issue_preliminary_refusal(
                case,
                actor=actor,
                at=at,
                hearing_at=hearing_at,
                hearing_place=hearing_place,
                grounds=grounds,
                legal_basis=basis,
                expected_version=expected_version,
                idempotency_key=idempotency_key,
            )
        existing = Decision.objects.filter(application=case, decided_at=event.at, kind=kind).first()
        if existing is not None:  # an idempotent retry
            return existing
        return Decision.objects.create(
            application=case,
            kind=kind,
            decided_by=actor,
            decided_at=event.at,
            catalogue_version=case.catalogue_version,
            evaluation=_jsonable(evaluation.as_dict(full=True)),
            grounds=_jsonable(grounds),
            reasons=reasons,
        )
