"""Review: the data of the state systems, an official's findings, the hearing and its objection term.

The registries are asked through the e-government gateway with the recipient's consent
(`003_4cf6e905af0d21d2.txt` §8, `002_eefeb2ec619131ea.txt` annex 11 §9): `collect_registry_data`
records each answer as a fact with its registry and the consent-ledger entry; a registry that does
not answer parks the case ("awaiting registry data") until it does (`cases.wiring`). An official's
findings are facts with evidence (`record_official_findings`). The hearing of APC art. 74 and the
lapse of the objection term (the definition's `hearing_objection` step) follow a preliminary refusal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from contextvars import ContextVar

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import local_date, now, version_of
from qamqor.cases.actions.deadlines import term_of
from qamqor.cases.actions.facts import record_databank_fact, record_findings, record_registry_facts
from qamqor.cases.actions.issuing import document_guard
from qamqor.cases.actions.moves import move_case
from qamqor.cases.exceptions import DeadlinePassed
from qamqor.cases.models import Application, CaseEvent, Document, DocumentSource
from qamqor.cases.transitions import BEFORE_REVIEW, Status

TRAINING_FACT = "applicant.psych_training_certificate"
log = logging.getLogger("qamqor.cases")


def start_review(case, *, actor, at=None, expected_version=None, idempotency_key=None) -> CaseEvent:
    return move_case(
        case,
        Status.IN_REVIEW,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def consent_of(case: Application, at: dt.datetime):
    """The consent-ledger entry of the case: the application's consent, entered in the ledger the
    first time a registry is asked under it (None without consent: nothing is asked)."""
    from qamqor.registries.models import Consent
    from qamqor.registries.services import give_consent

    if not case.consent:
        return None
    found = Consent.objects.filter(case_id=case.pk, revoked_at__isnull=True).order_by("-given_at").first()
    if found is not None:
        return found
    return give_consent(
        # the portal's request signed by the recipient, or the consent box of a paper application
        method=Consent.Method.PORTAL if case.channel == "portal" else Consent.Method.APPLICATION,
        recipient_iin=case.applicant.iin,
        subject_iins=[c.iin for c in case.children.all()],
        at=case.consent_at or at,
        case=case,
        service_slug=case.service_slug,
    )


def _training_certificate(
    case: Application, version, consent, at: dt.datetime, answered_since: dt.datetime | None = None
) -> None:
    """Whether the data bank holds the recipient's training certificate (asked only when the rules
    read it, the definition takes it from the data bank and the consent covers the recipient; written
    to the ledger). A record found is a fact; no record leaves the question to the other sources (a
    certificate may predate the data bank). Not asked again in the collection that asked it already
    (`answered_since`: its fact, if any, is recorded since)."""
    from qamqor.databank.models import TrainingCertificate
    from qamqor.registries.models import Outcome, RegistryQuery

    rule = version.fact_source(TRAINING_FACT)
    if rule is None or "databank" not in rule.accept:
        return
    if consent is None or not consent.covers(case.applicant.iin, at):
        return
    if (
        answered_since is not None
        and RegistryQuery.objects.filter(
            case_id=case.pk,
            consent=consent,
            registry="databank",
            method="training_certificate",
            subject_iin=case.applicant.iin,
            at__gte=answered_since,
            at__lte=at,
            outcome__in=(Outcome.ANSWERED, Outcome.NOT_FOUND),
        ).exists()
    ):
        return
    cert = (
        TrainingCertificate.objects.filter(person_iin=case.applicant.iin, issued_on__lte=local_date(at))
        .order_by("-issued_on")
        .first()
    )
    RegistryQuery.objects.create(
        at=at,
        registry="databank",
        method="training_certificate",
        subject_iin=case.applicant.iin,
        actor=None,
        actor_role="system",
        case_id=case.pk,
        case_number=case.number,
        purpose=case.service_slug,
        legal_basis=[rule.citation.as_dict()],
        legal_basis_source=rule.citation.source,
        legal_basis_clause=rule.citation.clause,
        consent=consent,
        outcome=Outcome.ANSWERED if cert else Outcome.NOT_FOUND,
        source_reference=f"DATABANK-TC-{cert.pk}" if cert else "",
    )
    if cert is not None:
        record_databank_fact(
            case, TRAINING_FACT, True, reference=f"training certificate {cert.number}", at=at
        )


def _record_supplied_documents(case: Application, documents, at: dt.datetime) -> None:
    """The documents a registry supplied count for the completeness check like uploaded ones."""
    have = set(case.documents.values_list("code", flat=True))
    Document.objects.bulk_create(
        [
            Document(
                application=case,
                code=d["code"],
                source=DocumentSource.REGISTRY,
                registry=d.get("registry") or "",
                filename="; ".join(str(s.get("reference", "")) for s in d.get("source") or [])[:255],
                received_at=at,
            )
            for d in documents
            if d.get("status") == "supplied" and d["code"] not in have
        ]
    )


# Set while `collect_registry_data` asks: it parks the case itself, under its own idempotency key, when
# a registry does not answer (`cases.wiring` parks a case for a deferral made by anyone else).
_collecting: ContextVar[bool] = ContextVar("collecting_registry_data", default=False)


def collecting() -> bool:
    return _collecting.get()


def _collected(case: Application, idempotency_key: str | None) -> dict | None:
    """The summary of the request this key already made (a retry after a lost answer), else None: the
    registries are not asked again, nor the case parked twice."""
    if not idempotency_key:
        return None
    event = CaseEvent.objects.filter(
        application_id=case.pk,
        idempotency_key=idempotency_key,
        action__in=("collect_registry_data", "await_registry_data"),
    ).first()
    if event is None:
        return None
    case.refresh_from_db()
    payload = event.payload or {}
    return {
        "documents": [],
        "facts": {},
        "facts_meta": {},
        "ask": [],
        "received": list(payload.get("received", [])),
        "awaiting": list(payload.get("awaiting", [])),
        "no_consent": False,
        "reused": [],
        "replayed": True,
    }


def collect_registry_data(
    case,
    *,
    actor=None,
    at=None,
    expected_version=None,
    idempotency_key=None,
    announce: bool = True,
    answered_since: dt.datetime | None = None,
) -> dict:
    """Ask the registries (once only: what they answered is recorded) for the documents and the facts
    the rules read; record each answer with its source. Returns the prefill summary (documents
    supplied or asked for, facts found, queries still waiting). A registry that does not answer parks
    the case in "awaiting registry data" with this step's key (the query waits and is retried:
    `registries.services`); a retry with the same key is answered from what the first did. Made in
    review, and from submission on (the portal's application, the counter's; the case stays where it
    is): a document a registry holds is then never asked of the applicant (decision 0029);
    `announce=False` (the fully automated path, which records its own steps) writes no event before
    the review.

    One collection, one question per registry (`003_4cf6e905af0d21d2.txt` §8,
    `002_eefeb2ec619131ea.txt` annex 11 §9; decision 0033): a collection is the step made by a person,
    at filing or by the automated path, together with its continuation when the last query it left
    waiting answers (`cases.wiring`, which passes `answered_since`: the moment that query was first
    asked). The continuation uses every answer the case received since under the same consent —
    "nothing on record" included, the one just retried too — and asks only what never answered or was
    never asked; a consent revoked meanwhile re-uses nothing (and asks nothing). A step made by a
    person (`answered_since` None: an officer's in review, on a later day) starts a new collection
    and asks again: the decision rests on what the registries hold when the officer asks."""
    from qamqor.registries.prefill import prefill_case

    replayed = _collected(case, idempotency_key)
    if replayed is not None:
        return replayed
    at = now(at)
    if case.status == Status.AWAITING_REGISTRY_DATA:
        # its queries wait and are retried (registries.services): asking again would only duplicate
        # them. The table allows this step from review alone: the move is refused with its reason.
        move_case(
            case,
            Status.IN_REVIEW,
            action="collect_registry_data",
            actor=actor,
            at=at,
            expected_version=expected_version,
        )
    version = version_of(case)
    with transaction.atomic():
        token = _collecting.set(True)
        try:
            consent = consent_of(case, at)
            pre = prefill_case(
                case,
                version,
                consent=consent,
                actor=actor,
                at=at,
                due_at=case.due_at,
                answered_since=answered_since,
            )
        finally:
            _collecting.reset(token)
        record_registry_facts(case, pre["facts_meta"], consent=consent, at=at)
        _record_supplied_documents(case, pre["documents"], at)
        _training_certificate(case, version, consent, at, answered_since)
        case.refresh_from_db()
        payload = {
            "received": sorted(pre["facts_meta"]),
            "awaiting": list(pre["awaiting"]),
            "documents": [
                {"code": d["code"], "registry": d["registry"], "status": d["status"]}
                for d in pre["documents"]
                if d.get("registry")
            ],
        }
        if pre.get("reused"):  # the ledger entries whose answers this continuation used, not re-asked
            payload["reused"] = pre["reused"]
        if case.status == Status.IN_REVIEW and pre["awaiting"]:
            await_registry_data(
                case,
                actor=actor,
                registries=_awaited_registries(pre["awaiting"]),
                at=at,
                expected_version=expected_version,
                idempotency_key=idempotency_key,
                payload=payload,
            )
        elif case.status == Status.IN_REVIEW or (announce and case.status in BEFORE_REVIEW):
            # before the review a silent registry leaves the case where it is, its documents shown as
            # pending and never asked of the applicant (decision 0029)
            move_case(
                case,
                case.status,
                action="collect_registry_data",
                actor=actor,
                at=at,
                expected_version=expected_version,
                idempotency_key=idempotency_key,
                payload=payload,
            )
    return pre


def ask_registries_on_filing(case, *, actor=None, at=None) -> dict | None:
    """Right after an application is filed (the portal's, the counter's), with the consent it carries
    (decision 0025): `collect_registry_data`, so that a document a registry holds is never asked of
    the applicant (`003` §8, `002` annex 11 §9; decision 0029). The filed application stands whatever
    happens here: a silent registry leaves a query retried until it answers (`registries.tasks`), and
    an error is logged and left to the review, which asks again. None when nothing could be asked."""
    try:
        return collect_registry_data(case, actor=actor, at=at, announce=True)
    except Exception:  # noqa: BLE001 - the application is filed; the review asks the registries again
        log.exception("registries not asked for application %s", case.pk)
        return None


def _awaited_registries(pending_ids) -> list[str]:
    from qamqor.registries.models import PendingQuery

    return sorted(
        set(PendingQuery.objects.filter(pk__in=list(pending_ids)).values_list("registry", flat=True))
    )


def await_registry_data(
    case,
    *,
    actor=None,
    registries: Iterable[str] = (),
    at=None,
    expected_version=None,
    idempotency_key=None,
    payload: Mapping | None = None,
) -> CaseEvent:
    """Data requested from state information systems through the e-government gateway (`003` §8)."""
    return move_case(
        case,
        Status.AWAITING_REGISTRY_DATA,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={**dict(payload or {}), "registries": list(registries)},
    )


def receive_registry_data(
    case, *, actor=None, at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The registries answered: back to review (the answers are recorded by `collect_registry_data`)."""
    return move_case(
        case,
        Status.IN_REVIEW,
        action="receive_registry_data",
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
    )


def record_official_findings(
    case,
    *,
    actor,
    findings: Mapping,
    evidence: Mapping[str, str],
    at=None,
    expected_version=None,
    idempotency_key=None,
    action: str = "record_findings",
    payload: Mapping | None = None,
) -> CaseEvent:
    """An official's findings (facts the definition takes from an official), each with its evidence,
    recorded with an event of their own; the case stays where it is. `action`/`payload`: the move's
    name and what its event says besides the findings (a complaint's review names the complaint)."""
    at = now(at)
    with transaction.atomic():
        event = move_case(
            case,
            case.status,
            action=action,
            actor=actor,
            at=at,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            payload={**dict(payload or {}), "findings": {str(k): v for k, v in findings.items()}},
        )
        if event.seq == case.version:  # not a replay: the facts go with their event
            record_findings(case, findings, evidence=evidence, actor=actor, at=at)
    return event


def hold_hearing(
    case, *, actor, position: str = "", at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The hearing (APC art. 74) with the recipient's position; its record is issued with the move
    (`issuing`)."""
    return move_case(
        case,
        Status.HEARING_HELD,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        payload={"position": position},
        guard=document_guard("hold_hearing", actor=actor, info={"position": position}),
        recompute=True,
    )


def notice_delivery(case: Application) -> CaseEvent | None:
    """The recorded delivery of the current preliminary-refusal notice (None: none recorded yet)."""
    issued = (
        case.events.filter(action="issue_preliminary_refusal").order_by("-seq").values_list("seq", flat=True)
    )
    last = issued.first()
    if last is None:
        return None
    return case.events.filter(action="record_notice_delivery", seq__gt=last).order_by("seq").first()


def record_notice_delivery(
    case, *, delivered_at: dt.datetime, channel: str, receipt: str, message_ref
) -> CaseEvent | None:
    """The preliminary-refusal notice reached the recipient: the channel, the moment it reports and
    its receipt are recorded as the case's event, at that moment; the objection term counts from it
    (`deadlines.EVENT_ANCHORS`). Only the first delivery, and only while the hearing is awaited."""
    case.refresh_from_db()
    if case.status != Status.PRELIMINARY_REFUSAL or notice_delivery(case) is not None:
        return None
    return move_case(
        case,
        Status.PRELIMINARY_REFUSAL,
        action="record_notice_delivery",
        actor=None,
        at=delivered_at,
        idempotency_key=f"notice-delivery:{message_ref}",
        payload={
            "channel": channel,
            "delivered_at": delivered_at,
            "receipt": receipt,
            "message": message_ref,
        },
        recompute=True,
    )


def lapse_objection_term(
    case, *, actor=None, at=None, expected_version=None, idempotency_key=None
) -> CaseEvent:
    """The recipient did not respond: once the objection term (the definition's `hearing_objection`
    step, counted from the receipt of the notice: its recorded delivery) has passed, the body decides on
    the materials it has. Refused before the notice's delivery is recorded, before the term ends, and
    when the definition gives no such term (it cannot be said to lapse)."""

    def guard(locked, at, t):
        if notice_delivery(locked) is None:
            raise DeadlinePassed(
                _(
                    "The notice of the preliminary refusal has no recorded delivery: the objection term "
                    "counts from its receipt and has not started."
                ),
                code="notice_not_delivered",
            )
        term = term_of(locked, "hearing_objection")
        if term.due is None:
            raise DeadlinePassed(
                _("The definition of this service gives no objection term: hold the hearing instead."),
                code="term_unknown",
                details={"reason": term.unknown},
            )
        if local_date(at) <= term.due:
            raise DeadlinePassed(
                _("The objection term runs until %(day)s inclusive; it has not lapsed yet.")
                % {"day": f"{term.due:%d.%m.%Y}"},
                code="too_early",
                details={"term_ends": term.due.isoformat()},
            )
        return {"term_ended": term.due}

    return move_case(
        case,
        Status.OBJECTION_TERM_LAPSED,
        actor=actor,
        at=at,
        expected_version=expected_version,
        idempotency_key=idempotency_key,
        guard=guard,
        recompute=True,
    )
