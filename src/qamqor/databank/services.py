"""Data bank services: record a placement, the automated guardianship certificate, carers' duties.

* `record_placement` is called when a guardianship (foster, patronage) order is issued. When the
  carer is a relative or step-parent without the training certificate, the catalogue's obligation
  `relatives_training_certificate` (`001_9090383b8961739a.txt` §15-1, new §12) becomes a duty due one
  calendar year after the placement; a due date on a non-working day moves to the next working day
  (Civil Code art. 175, as in `qamqor.rules.deadlines`).
* `request_guardianship_certificate` decides `guardianship-certificate` (`004`) with no human step:
  the two grounds of row 9 are evaluated by the catalogue from the data bank and the consent.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.audit.chain import append as append_to_trail
from qamqor.audit.chain import batched as trail_batch
from qamqor.databank.models import (
    CertificateRequest,
    Child,
    Obligation,
    Placement,
    PlacementKind,
    Reminder,
    Source,
    TrainingCertificate,
)
from qamqor.db.inserts import insert, insert_rows, pipelined
from qamqor.registries.models import Outcome, RegistryQuery
from qamqor.registries.services import give_consent
from qamqor.rules.calendar import TERM_ENDS_NEXT_WORKING_DAY, fmt, get_calendar, local
from qamqor.rules.deadlines import count_term
from qamqor.rules.iin import InvalidIin, validate_iin
from qamqor.rules.types import Citation

certificate_decided = Signal()  # sender=CertificateRequest, request=CertificateRequest
obligation_reminder_due = Signal()  # sender=Reminder, reminder=Reminder
obligation_created = Signal()  # sender=Obligation, obligation=Obligation

CERTIFICATE_SLUG = "guardianship-certificate"
DATABANK_BASIS = Citation("004_b3169fa141ba7fa6.txt", "row 9 item 1")
DEFAULT_REMINDER_DAYS = (30, 7)


def catalog():
    """The active catalogue (`qamqor.catalog.active_catalog`), the one the case services use too."""
    from qamqor.catalog import active_catalog

    return active_catalog()


def reminder_days() -> tuple[int, ...]:
    return tuple(getattr(settings, "QAMQOR_OBLIGATION_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def _check_iin(value: str, field: str) -> str:
    try:
        return validate_iin(value).iin
    except InvalidIin as exc:  # the reason (format, check digit...) stays in the code
        raise ValidationError(
            {
                field: ValidationError(
                    _("Enter a valid IIN: 12 digits with a correct check digit."), code=f"iin_{exc.code}"
                )
            }
        ) from None


# --- placements and certificates -----------------------------------------------------------------
class PlacementRefused(ValidationError):
    """A placement that no decision passed through the gate of the case layer stands behind."""


# Who confirms that a decision passed the gate: the case layer registers it (cases.wiring), so that
# the data bank never takes a Qamqor placement on anybody's word (issue 10: a carer/ward record only
# from a gated grant, once per placement). fn(decision_id, case_id, kind, carer_iin, child_iin) -> bool
_grant_verifier = None


def set_grant_verifier(fn) -> None:
    global _grant_verifier
    _grant_verifier = fn


def record_placement(
    *,
    kind: str,
    carer_iin: str,
    child_iin: str,
    started_on: dt.date,
    relation: str = "",
    order_number: str = "",
    provider_code: str = "",
    case=None,
    source: str = Source.QAMQOR,
    decision_id: int | None = None,
    at: dt.datetime | None = None,
) -> Placement:
    """Record the guardian (carer) and the ward; open the relatives' duty when the catalogue says so.

    A placement recorded by Qamqor itself needs the id of the gated grant it follows (checked with the
    case layer's verifier) and is recorded once per decision and child; the sandbox population and
    imports of the earlier data bank carry no decision of ours."""
    if kind not in PlacementKind.values:
        raise ValidationError(
            {
                "kind": ValidationError(
                    _("Unknown placement kind “%(kind)s”.") % {"kind": kind}, code="unknown_kind"
                )
            }
        )
    carer_iin, child_iin = _check_iin(carer_iin, "carer_iin"), _check_iin(child_iin, "child_iin")
    at = at or timezone.now()
    case_id = getattr(case, "pk", case)
    if source == Source.QAMQOR and (
        decision_id is None
        or _grant_verifier is None
        or not _grant_verifier(decision_id, case_id, kind, carer_iin, child_iin)
    ):
        raise PlacementRefused(
            _("The data bank records a placement only from a granted decision that passed the rules."),
            code="not_a_gated_grant",
        )
    with transaction.atomic():
        Child.objects.get_or_create(
            iin=child_iin,
            defaults={
                "birth_date": validate_iin(child_iin).birth_date,
                "registered_on": started_on,
                "source": source,
            },
        )
        placement = Placement.objects.create(
            kind=kind,
            carer_iin=carer_iin,
            child_iin=child_iin,
            started_on=started_on,
            relation=relation,
            order_number=order_number,
            provider_code=provider_code,
            case_id=case_id,
            case_number=str(getattr(case, "number", "") or ""),
            decision_id=decision_id,
            source=source,
            recorded_at=at,
        )
        _open_duties(placement)
    return placement


def end_placement(placement: Placement, *, on: dt.date) -> Placement:
    placement.ended_on = on
    placement.save(update_fields=["ended_on"])
    return placement


def has_training_certificate(iin: str, on: dt.date) -> bool:
    return TrainingCertificate.objects.filter(person_iin=iin, issued_on__lte=on).exists()


def _open_duties(placement: Placement) -> list[Obligation]:
    """The duties of the placement's service version in force on the start date (rules from the catalogue)."""
    from qamqor.rules.grounds import decide

    # the version in force on the start date of the service whose grant records this kind of placement
    version = catalog().placement_version(placement.kind, placement.started_on)
    if version is None or not version.obligations:
        return []
    facts = {
        "applicant": {
            "psych_training_certificate": has_training_certificate(placement.carer_iin, placement.started_on)
        }
    }
    if placement.relation:
        facts["applicant"]["relation_to_child"] = placement.relation
    outcome = decide(
        (), version.obligations, facts, placement.started_on, catalog().params_on(placement.started_on)
    )
    created = []
    for ob in outcome.obligations:
        if ob.due is None:
            continue
        due_on, lines = due_date(placement.started_on, ob.due.value, ob.due.unit)
        o = Obligation.objects.create(
            placement=placement,
            code=ob.code,
            carer_iin=placement.carer_iin,
            provider_code=placement.provider_code,
            citation_source=ob.citation.source,
            citation_clause=ob.citation.clause,
            due_on=due_on,
            explanation=lines,
        )
        Reminder.objects.bulk_create(
            [
                Reminder(obligation=o, days_before=d, remind_on=reminder_date(due_on, d))
                for d in reminder_days()
            ]
        )
        obligation_created.send(sender=Obligation, obligation=o)
        created.append(o)
    return created


def due_date(start: dt.date, value: int, unit: str) -> tuple[dt.date, list[dict]]:
    """`value` `unit` from `start` (rules.deadlines.count_term); a non-working last day moves forward."""
    due, moved_from = count_term(start, value, unit)
    if unit == "working_days":
        return due, []
    raw = moved_from or due
    lines = [
        {
            "kk": f"{fmt(start)} бастап {value} ({unit}): {fmt(raw)}",
            "ru": f"{value} ({unit}) с {fmt(start)}: {fmt(raw)}",
            "en": f"{value} {unit.replace('_', ' ')} from {fmt(start)}: {fmt(raw)}",
        }
    ]
    if moved_from is None:
        return due, lines
    lines.append(
        {
            "kk": f"{fmt(raw)} жұмыс күні емес: мерзім келесі жұмыс күні {fmt(due)} аяқталады ({TERM_ENDS_NEXT_WORKING_DAY})",
            "ru": f"{fmt(raw)} нерабочий день: срок оканчивается в следующий рабочий день {fmt(due)} ({TERM_ENDS_NEXT_WORKING_DAY})",
            "en": f"{fmt(raw)} is not a working day: the term ends on the next working day, {fmt(due)} ({TERM_ENDS_NEXT_WORKING_DAY})",
        }
    )
    return due, lines


def reminder_date(due_on: dt.date, days_before: int) -> dt.date:
    """`days_before` calendar days before the due date, on the last working day on or before it."""
    return get_calendar().working_day_on_or_before(due_on - dt.timedelta(days=days_before))


def record_training_certificate(
    *,
    person_iin: str,
    number: str,
    issued_on: dt.date,
    issuer: str = "",
    recorded_on: dt.date | None = None,
    source: str = Source.QAMQOR,
) -> TrainingCertificate:
    """Record a training certificate; it fulfils the person's open duties (on the day it is recorded)."""
    person_iin = _check_iin(person_iin, "person_iin")
    recorded_on = recorded_on or issued_on
    with transaction.atomic():
        cert, _ = TrainingCertificate.objects.get_or_create(
            person_iin=person_iin,
            number=number,
            defaults={"issued_on": issued_on, "issuer": issuer, "recorded_on": recorded_on, "source": source},
        )
        Obligation.objects.filter(
            carer_iin=person_iin, status=Obligation.Status.OPEN, code="relatives_training_certificate"
        ).update(status=Obligation.Status.FULFILLED, fulfilled_on=recorded_on, certificate=cert)
    return cert


def overdue(provider_code: str | None, on: dt.date):
    """Open duties past their due date (the provider's overdue list)."""
    qs = Obligation.objects.filter(status=Obligation.Status.OPEN, due_on__lt=on)
    return qs.filter(provider_code=provider_code) if provider_code is not None else qs


def send_due_reminders(*, on: dt.date, at: dt.datetime | None = None) -> list[Reminder]:
    """Mark the reminders due on or before `on` (open duties only) as sent and signal them."""
    at = at or timezone.now()
    out = []
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update()
            .select_related("obligation")
            .filter(sent_at__isnull=True, remind_on__lte=on, obligation__status=Obligation.Status.OPEN)
        )
        for r in due:
            r.sent_at = at
            r.save(update_fields=["sent_at"])
            obligation_reminder_due.send(sender=Reminder, reminder=r)
            out.append(r)
    return out


# --- the fully automated guardianship certificate (004) ------------------------------------------
def guardian_record(carer_iin: str, child_iin: str, on: dt.date) -> Placement | None:
    """The data bank's record of this person as guardian or custodian of this child on that day."""
    pk = _guardian_record_id(carer_iin, child_iin, on)
    return None if pk is None else Placement.objects.get(pk=pk)


def _guardian_record_id(carer_iin: str, child_iin: str, on: dt.date) -> int | None:
    """The same lookup as one prepared SQL statement (the automated path's hot spot; indexed)."""
    from django.db import connection

    table = connection.ops.quote_name(Placement._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {table} WHERE carer_iin = %s AND child_iin = %s AND kind = %s AND started_on <= %s "  # nosec B608  # our table, values bound
            "AND (ended_on IS NULL OR ended_on > %s) ORDER BY started_on DESC, id DESC LIMIT 1",
            [carer_iin, child_iin, PlacementKind.GUARDIANSHIP.value, on, on],
        )
        row = cur.fetchone()
    return None if row is None else int(row[0])


def _recipient_iin(recipient) -> str:
    iin = recipient if isinstance(recipient, str) else getattr(recipient, "iin", None)
    if not iin:
        raise ValidationError({"recipient": ValidationError(_("The recipient has no IIN."), code="no_iin")})
    return _check_iin(iin, "recipient")


def _replayed_request(recipient_iin: str, idempotency_key: str, child_iin: str) -> CertificateRequest | None:
    """The recipient's earlier request under this key; the same key for another child is an error."""
    existing = CertificateRequest.objects.filter(
        recipient_iin=recipient_iin, idempotency_key=idempotency_key
    ).first()
    if existing is not None and existing.child_iin != child_iin:
        raise ValidationError(
            {"idempotency_key": _("This idempotency key was already used for another request.")},
            code="idempotency_key_reused",
        )
    return existing


def request_guardianship_certificate(
    recipient,
    child_iin: str,
    consent: bool,
    at: dt.datetime | None = None,
    *,
    idempotency_key: str | None = None,
) -> CertificateRequest:
    """Decide a certificate request with no human step; the result lands in the recipient's cabinet."""
    at = at or timezone.now()
    recipient_iin = _recipient_iin(recipient)
    child_iin = _check_iin(child_iin, "child_iin")
    if idempotency_key:
        existing = _replayed_request(recipient_iin, idempotency_key, child_iin)
        if existing is not None:
            return existing
    on = local(at).date()
    user = None if isinstance(recipient, str) else recipient
    try:
        # the writes (consent, the two ledger rows, the request) go as one batch on PostgreSQL
        # (`pipelined`); a concurrent request under the same key fails at the end of it, and the
        # transaction is then rolled back before the winner is read (outside it)
        with transaction.atomic():
            with pipelined(), trail_batch():  # the trail's links at the end: its day chain locked briefly
                req = _decide_certificate(user, recipient_iin, child_iin, consent, at, on, idempotency_key)
            certificate_decided.send(sender=CertificateRequest, request=req)
    except IntegrityError:
        if idempotency_key and (winner := _replayed_request(recipient_iin, idempotency_key, child_iin)):
            return winner
        raise
    return req


def _decide_certificate(
    user, recipient_iin, child_iin, consent, at, on, idempotency_key
) -> CertificateRequest:
    """The consent, the data-bank read with its two ledger rows, the decision and the request row."""
    from qamqor.catalog import evaluate_service

    consent_row = None
    facts: dict = {"consent_personal_data": bool(consent)}
    placement = None
    if consent:  # no consent, no query: the data bank is not read and ground 2 decides
        # the read first, then its consent and its two ledger rows, so that every write of the request
        # goes in one batch: they commit together, so no read is ever on record without its consent
        placement = _guardian_record_id(recipient_iin, child_iin, on)
        consent_row = give_consent(
            recipient_iin=recipient_iin, subject_iins=[child_iin], at=at, service_slug=CERTIFICATE_SLUG
        )
        facts["databank"] = {"guardian_record_found": placement is not None}
        basis = [DATABANK_BASIS.as_dict()]
        append_to_trail(insert_rows(  # RegistryQuery.objects.bulk_create, its SQL compiled once (project.inserts)
            [
                RegistryQuery(
                    at=at,
                    registry="databank",
                    method="guardian_record",
                    subject_iin=iin,
                    actor=user,
                    actor_role="system",
                    purpose=CERTIFICATE_SLUG,
                    legal_basis=basis,
                    legal_basis_source=DATABANK_BASIS.source,
                    legal_basis_clause=DATABANK_BASIS.clause,
                    consent=consent_row,
                    outcome=Outcome.ANSWERED if placement else Outcome.NOT_FOUND,
                    source_reference=f"DATABANK-{placement}" if placement else "",
                )
                for iin in (recipient_iin, child_iin)
            ]
        ))  # and their links (decision 0019)
    evaluation = evaluate_service(catalog(), CERTIFICATE_SLUG, facts, on)
    return insert(  # CertificateRequest.objects.create, its SQL compiled once (project.inserts)
        CertificateRequest(
            recipient=user,
            recipient_iin=recipient_iin,
            child_iin=child_iin,
            consent=bool(consent),
            consent_ref=consent_row,
            requested_at=at,
            decided_at=at,
            catalogue_version=evaluation.version.id if evaluation.version else "",
            decision=evaluation.decision,
            status="delivered_to_cabinet" if evaluation.decision in ("grant", "refuse") else "not_accepted",
            grounds=[g.as_dict() for g in evaluation.grounds],
            facts=facts,
            placement_id=placement if evaluation.decision == "grant" else None,
            number=f"GC-{on:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
            idempotency_key=idempotency_key,
        )
    )


def cabinet(recipient_iin: str):
    """The recipient's certificates and refusals (their personal cabinet), newest first."""
    return CertificateRequest.objects.filter(recipient_iin=recipient_iin)


def certificate_text(req: CertificateRequest, lang: str = "kk") -> dict:
    """What the recipient sees: the certificate or the motivated refusal with its grounds."""
    if req.decision == "grant" and req.placement is not None:
        p = req.placement
        body = {
            "kk": f"{req.recipient_iin} ЖСН иесі {fmt(p.started_on)} бастап {req.child_iin} ЖСН баланың қорғаншысы "
            f"(қамқоршысы) болып табылады (Республикалық деректер банкі).",
            "ru": f"Владелец ИИН {req.recipient_iin} является опекуном (попечителем) ребёнка с ИИН {req.child_iin} "
            f"с {fmt(p.started_on)} (республиканский банк данных).",
            "en": f"The holder of IIN {req.recipient_iin} is the guardian (custodian) of the child with IIN "
            f"{req.child_iin} since {fmt(p.started_on)} (Republican data bank).",
        }
        kind = "certificate"
    else:
        body = {
            lang_: "; ".join(g["explanation"][lang_] for g in req.grounds) for lang_ in ("kk", "ru", "en")
        }
        kind = "motivated_refusal"
    return {
        "number": req.number,
        "kind": kind,
        "date": fmt(local(req.decided_at).date()),
        "text": body.get(lang, body["kk"]),
        "texts": body,
    }


# --- the sandbox's data bank ------------------------------------------------------------------------
def load_sandbox_placements(pop, *, limit: int | None = None, at: dt.datetime | None = None) -> int:
    """Copy the sandbox population's placements and training certificates into the data bank (idempotent)."""
    import numpy as np

    from qamqor.registries.sandbox.population import PLACEMENT_KINDS

    at = at or timezone.now()
    rows = pop.placed_children()
    if limit is not None:
        rows = rows[:limit]
    if Placement.objects.filter(source=Source.SANDBOX).count() >= rows.size:
        return 0
    existing = set(Placement.objects.filter(source=Source.SANDBOX).values_list("carer_iin", "child_iin"))
    placements, children = [], []
    for r in rows.tolist():
        g = int(pop["guardian"][r])
        carer, child = pop.iin_of(g), pop.iin_of(r)
        if (carer, child) in existing:
            continue
        started = pop.date("placed_on", r)
        placements.append(
            Placement(
                kind=PLACEMENT_KINDS[int(pop["placement_kind"][r])],
                carer_iin=carer,
                child_iin=child,
                started_on=started,
                relation="relative" if pop["placement_relative"][r] else "other",
                order_number=f"SBX-{r}",
                source=Source.SANDBOX,
                recorded_at=at,
            )
        )
        children.append(
            Child(iin=child, birth_date=pop.date("birth", r), registered_on=started, source=Source.SANDBOX)
        )
    with transaction.atomic():
        Child.objects.bulk_create(children, ignore_conflicts=True)
        Placement.objects.bulk_create(placements, batch_size=2000)
        trained = np.flatnonzero(~np.isnat(pop["trained_on"]))
        TrainingCertificate.objects.bulk_create(
            [
                TrainingCertificate(
                    person_iin=pop.iin_of(int(t)),
                    number=f"SBX-T-{int(t)}",
                    issued_on=pop.date("trained_on", int(t)),
                    recorded_on=pop.date("trained_on", int(t)),
                    source=Source.SANDBOX,
                )
                for t in trained
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
    return len(placements)
