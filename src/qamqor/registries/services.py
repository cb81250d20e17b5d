"""Query a state information system: consent first, a ledger row always, retries when it is down.

`query_registry` is the one door to the registries. No consent → no query: the refusal is itself
written to the ledger and `ConsentMissing` is raised (the service's "no consent" ground applies,
e.g. `004_b3169fa141ba7fa6.txt` row 9 item 2). A registry that times out or errs leaves a
`PendingQuery` that is retried with exponential back-off until it answers (never dropped), and
the signals below let the case domain move the case to `awaiting_registry_data` and back, and warn
the officer when the case's term is at risk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import Signal, receiver
from django.utils import timezone

from qamqor.db.inserts import insert
from qamqor.registries.adapters import AdapterRegistry, UnknownRegistry
from qamqor.registries.interfaces import INTERFACES, value_from_dict
from qamqor.registries.models import Consent, Outcome, PendingQuery, QueryAnswer, RegistryQuery
from qamqor.registries.types import GATEWAY_BASIS, RegistryError, Source
from qamqor.rules import retry
from qamqor.rules.types import Citation

log = logging.getLogger("qamqor.registries")

# Sent inside the transaction that records the event (receivers may move the case there too).
query_deferred = Signal()  # sender=PendingQuery, pending=PendingQuery
query_answered = Signal()  # sender=PendingQuery, pending=PendingQuery, answer=RegistryAnswer
query_at_risk = Signal()  # sender=PendingQuery, pending=PendingQuery

RETRY_DEFAULTS = {
    "BACKOFF_BASE_SECONDS": 10,  # wait before attempt n+1: base * 2**(n-1), at most BACKOFF_MAX
    "BACKOFF_MAX_SECONDS": 900,
    "AT_RISK_WORKING_DAYS": 1,  # warn when the case's term ends within this many working days
    "AT_RISK_MINUTES": 10,  # ... or within this many minutes (minute terms)
    "DRAIN_BATCH": 100,  # after a registry's return its waiting queries go in batches (decision 0032)
    "DRAIN_TASKS": 4,
}


class ConsentMissing(PermissionError):
    """No valid consent covers this person: the query was not made (and is recorded as refused)."""

    ground_code = "no_consent_personal_data"

    def __init__(self, subject_iin: str):
        super().__init__(f"no consent covers the data of {subject_iin}")
        self.subject_iin = subject_iin


class QueryDeferred(Exception):
    """The registry did not answer; the query waits in `pending` and will be retried."""

    def __init__(self, pending: PendingQuery, error: RegistryError):
        super().__init__(
            f"{error}; retry #{pending.attempts + 1} at {pending.next_attempt_at:%d.%m.%Y %H:%M}"
        )
        self.pending = pending
        self.error = error


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    registry: str
    method: str
    value: Any  # a record, a tuple of records, or None
    sources: tuple[Source, ...]
    query_id: int

    def as_dict(self) -> dict:
        return {
            "registry": self.registry,
            "method": self.method,
            "value": serialise(self.value),
            "sources": [s.as_dict() for s in self.sources],
            "query_id": self.query_id,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RegistryAnswer:
        """The answer `as_dict` stored, with its typed records (a kept answer re-used, not re-asked:
        `registries.prefill`)."""
        kind, method = data["registry"], data["method"]
        return cls(
            kind,
            method,
            value_from_dict(kind, method, data["value"]),
            tuple(Source.from_dict(s) for s in data.get("sources") or ()),
            int(data["query_id"]),
        )


def serialise(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return [serialise(v) for v in value]
    return value.as_dict() if hasattr(value, "as_dict") else value


def _sources(value: Any) -> tuple[Source, ...]:
    items = value if isinstance(value, tuple | list) else (value,)
    return tuple(s for s in (getattr(v, "source", None) for v in items if v is not None) if s is not None)


# --- configuration -------------------------------------------------------------------------------
_registry: AdapterRegistry | None = None


def registries() -> AdapterRegistry:
    """The adapters named in settings (`QAMQOR_REGISTRIES`, `QAMQOR_REGISTRY_OPTIONS`; sandbox by default)."""
    global _registry
    if _registry is None:
        _registry = AdapterRegistry(
            getattr(settings, "QAMQOR_REGISTRIES", None), getattr(settings, "QAMQOR_REGISTRY_OPTIONS", None)
        )
    return _registry


def retry_setting(key: str):
    return {**RETRY_DEFAULTS, **getattr(settings, "QAMQOR_REGISTRY_RETRY", {})}[key]


@receiver(setting_changed)
def _reset(setting, **kwargs):
    global _registry
    if setting in ("QAMQOR_REGISTRIES", "QAMQOR_REGISTRY_OPTIONS"):
        _registry = None


# --- consent -------------------------------------------------------------------------------------
def give_consent(
    *,
    recipient_iin: str,
    subject_iins: Iterable[str] = (),
    method: str = Consent.Method.PORTAL,
    at: dt.datetime | None = None,
    case=None,
    service_slug: str = "",
) -> Consent:
    """Record the recipient's consent covering themselves and `subject_iins` (e.g. their children)."""
    subjects = list(dict.fromkeys([recipient_iin, *subject_iins]))
    case_id, case_number = _case_ref(case)
    return insert(  # Consent.objects.create(...), its SQL compiled once (project.inserts)
        Consent(
            recipient_iin=recipient_iin,
            subject_iins=subjects,
            method=method,
            given_at=at or timezone.now(),
            case_id=case_id,
            case_number=case_number,
            service_slug=service_slug or getattr(case, "service_slug", ""),
        )
    )


def revoke_consent(consent: Consent, *, at: dt.datetime | None = None) -> Consent:
    consent.revoked_at = at or timezone.now()
    consent.save(update_fields=["revoked_at"])
    return consent


def _case_ref(case) -> tuple[int | None, str]:
    if case is None:
        return None, ""
    if isinstance(case, int):
        return case, ""
    return getattr(case, "pk", None), str(getattr(case, "number", "") or "")


def _actor_role(actor) -> str:
    if actor is None:
        return "system"
    return str(getattr(actor, "role", "") or "user")


def _basis(legal_basis: Sequence[Citation] | None) -> list[dict]:
    return [c.as_dict() for c in (legal_basis or GATEWAY_BASIS)]


# --- the query -----------------------------------------------------------------------------------
def _call(kind: str, method: str, subject_iin: str, args: Sequence[Any]):
    public = {m for m in dir(INTERFACES[kind]) if not m.startswith("_") and m != "kind"}
    if method not in public:
        raise ValueError(f"{kind} has no method {method!r} (one of {', '.join(sorted(public))})")
    impl = registries().get(kind)
    if getattr(impl, "sandbox", False):  # the sandbox's cross-process outage switch (decision 0030)
        from qamqor.registries.sandbox.outages import refuse_if_down

        refuse_if_down(kind)
    fn = getattr(impl, method)
    if kind == "digital_documents" and method == "fetch":
        return fn(*args)
    return fn(subject_iin, *args)


def query_registry(
    kind: str,
    method: str,
    subject_iin: str,
    *,
    actor,
    case,
    purpose: str,
    consent: Consent | None,
    args: Sequence[Any] = (),
    legal_basis: Sequence[Citation] | None = None,
    at: dt.datetime | None = None,
    case_due_at: dt.datetime | None = None,
    defer: bool = True,
    _attempt: int = 1,
) -> RegistryAnswer:
    """Ask registry `kind` (`method(subject_iin, *args)`), writing the ledger row in the same transaction.

    Raises `ConsentMissing` (nothing asked, the refusal recorded), `QueryDeferred` (the registry did
    not answer; a `PendingQuery` will retry it) or, with `defer=False`, the `RegistryError`.
    """
    if kind not in INTERFACES:
        raise UnknownRegistry(kind)
    at = at or timezone.now()
    case_id, case_number = _case_ref(case)
    basis = _basis(legal_basis)
    row = dict(
        at=at,
        registry=kind,
        method=method,
        subject_iin=subject_iin,
        actor=actor,
        actor_role=_actor_role(actor),
        case_id=case_id,
        case_number=case_number,
        purpose=purpose[:120],
        legal_basis=basis,
        legal_basis_source=basis[0]["source"] if basis else "",
        legal_basis_clause=basis[0]["clause"] if basis else "",
        consent=consent,
        attempt=_attempt,
    )
    if consent is None or not consent.covers(subject_iin, at):
        RegistryQuery.objects.create(outcome=Outcome.NO_CONSENT, **{**row, "consent": consent})
        raise ConsentMissing(subject_iin)
    pending = None
    with transaction.atomic():
        try:
            value = _call(kind, method, subject_iin, args)
        except RegistryError as exc:
            RegistryQuery.objects.create(outcome=Outcome.FAILED, error=str(exc)[:300], **row)
            error = exc
            if not defer:  # raised after the block, so that the ledger row is kept
                pending = None
            else:
                pending = PendingQuery.objects.create(
                    registry=kind,
                    method=method,
                    subject_iin=subject_iin,
                    args=list(args),
                    actor=actor,
                    case_id=case_id,
                    case_number=case_number,
                    purpose=purpose[:120],
                    legal_basis=basis,
                    consent=consent,
                    case_due_at=case_due_at,
                    attempts=1,
                    next_attempt_at=at + backoff(1),
                    last_error=str(exc)[:300],
                    created_at=at,
                )
                _schedule(pending)
                query_deferred.send(sender=PendingQuery, pending=pending)
                log.warning(
                    "registry %s did not answer (%s); case %s waits, retry at %s",
                    kind,
                    exc,
                    case_number or case_id,
                    pending.next_attempt_at.isoformat(),
                )
        else:
            sources = _sources(value)
            q = RegistryQuery.objects.create(
                outcome=Outcome.ANSWERED if value not in (None, ()) else Outcome.NOT_FOUND,
                source_reference=";".join(s.reference for s in sources)[:120],
                **row,
            )
            answer = RegistryAnswer(kind, method, value, sources, q.pk)
            if case_id is not None:  # kept for the rest of the case's collection (`prefill`, decision 0033)
                QueryAnswer.objects.create(query=q, answer=answer.as_dict())
            return answer
    if pending is None:
        raise error
    raise QueryDeferred(pending, error)


def backoff(attempt: int) -> dt.timedelta:
    """Wait before the next try after `attempt` failures (`rules.retry`, with QAMQOR_REGISTRY_RETRY)."""
    return dt.timedelta(
        seconds=retry.backoff_seconds(
            attempt, retry_setting("BACKOFF_BASE_SECONDS"), retry_setting("BACKOFF_MAX_SECONDS")
        )
    )


def _schedule(pending: PendingQuery) -> None:
    """Enqueue the retry after commit (by id); if the queue is unavailable the sweep still finds it."""

    def enqueue():
        try:
            from qamqor.registries.tasks import retry_registry_query

            retry_registry_query.using(run_after=pending.next_attempt_at).enqueue(pending.pk)
        except Exception:  # noqa: BLE001 - the row is the source of truth; `sweep` retries it
            log.exception("could not enqueue the retry of pending query %s", pending.pk)

    transaction.on_commit(enqueue)


def retry_pending(
    pending_id: int, *, at: dt.datetime | None = None, skip_locked: bool = False
) -> PendingQuery:
    """One more attempt at a waiting query (no-op if it was answered meanwhile; with `skip_locked`,
    also when another worker is asking it now: the drain)."""
    at = at or timezone.now()
    with transaction.atomic():
        p = (
            PendingQuery.objects.select_for_update(skip_locked=skip_locked)
            .select_related("consent")
            .filter(pk=pending_id)
            .first()
        )
        if p is None:
            return PendingQuery.objects.get(pk=pending_id)  # held by another worker (or DoesNotExist)
        if p.status != PendingQuery.Status.WAITING:
            return p
        try:
            answer = query_registry(
                p.registry,
                p.method,
                p.subject_iin,
                actor=p.actor,
                case=p.case_id,
                purpose=p.purpose,
                consent=p.consent,
                args=p.args,
                legal_basis=[Citation(**c) for c in p.legal_basis],
                at=at,
                defer=False,
                _attempt=p.attempts + 1,
            )
        except RegistryError as exc:
            p.attempts += 1
            p.next_attempt_at = at + backoff(p.attempts)
            p.last_error = str(exc)[:300]
            p.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            _schedule(p)
            return p
        except ConsentMissing:  # consent revoked while waiting: the query is not made
            p.status = PendingQuery.Status.CANCELLED
            p.last_error = "consent revoked"
            p.save(update_fields=["status", "last_error"])
            return p
        p.status = PendingQuery.Status.ANSWERED
        p.attempts += 1
        p.answered_at = at
        p.result = answer.as_dict()
        p.save(update_fields=["status", "attempts", "answered_at", "result"])
        query_answered.send(sender=PendingQuery, pending=p, answer=answer)
        transaction.on_commit(lambda: retry_the_rest_now(p.registry, at))
        return p


def retry_the_rest_now(kind: str, at: dt.datetime) -> list[int]:
    """The registry answers again: its other waiting queries are asked now, not at their back-off time
    (after a 10-minute outage the back-off has grown to minutes and would lengthen the wait of every
    case parked for it), by a few drain tasks in batches (decision 0032: each query's own retry task
    is already queued; one more per query would double the queue). Rows another worker holds are
    left to their own retry (`skip_locked`)."""
    from qamqor.registries import recovery

    with transaction.atomic():
        waiting = list(
            PendingQuery.objects.select_for_update(skip_locked=True)
            .filter(registry=kind, status=PendingQuery.Status.WAITING, next_attempt_at__gt=at)
            .values_list("pk", flat=True)
        )
        if not waiting:
            return []
        PendingQuery.objects.filter(pk__in=waiting).update(next_attempt_at=at)
        transaction.on_commit(lambda: recovery.enqueue_drains(kind, len(waiting)))
    log.info("registry %s answers again: %d waiting queries asked now", kind, len(waiting))
    return waiting


def sweep(*, at: dt.datetime | None = None) -> dict:
    """Retry every waiting query that is due and warn about those putting a term at risk."""
    at = at or timezone.now()
    due = list(
        PendingQuery.objects.filter(status=PendingQuery.Status.WAITING, next_attempt_at__lte=at).values_list(
            "pk", flat=True
        )
    )
    answered = sum(retry_pending(pk, at=at).status == PendingQuery.Status.ANSWERED for pk in due)
    warned = warn_at_risk(at=at)
    forgotten = forget_kept_answers()
    return {
        "retried": len(due),
        "answered": answered,
        "warned": [p.pk for p in warned],
        "forgotten": forgotten,
    }


def forget_kept_answers() -> int:
    """Delete the kept answers (`QueryAnswer`: raw records — convictions, diseases, addresses) that no
    collection can still use: those of cases none of whose queries waits. A collection's continuation
    runs in the transaction that records its last waiting answer (decision 0033), so once nothing
    waits the answers are recorded as facts with their sources and the ledger says what was asked;
    keeping the raw records longer would only keep personal data without a purpose. A collection
    still open in another transaction is not seen here, nor are its answers."""
    waiting = PendingQuery.objects.filter(status=PendingQuery.Status.WAITING, case_id__isnull=False).values(
        "case_id"
    )
    deleted, _ = QueryAnswer.objects.exclude(query__case_id__in=waiting).delete()
    return deleted


def at_risk(pending: PendingQuery, at: dt.datetime) -> bool:
    if pending.case_due_at is None:
        return False
    if pending.case_due_at - at <= dt.timedelta(minutes=retry_setting("AT_RISK_MINUTES")):
        return True
    from qamqor.rules.calendar import get_calendar, local

    today, due = local(at).date(), local(pending.case_due_at).date()
    if due < today:
        return True
    return get_calendar().working_days_between(today, due) <= retry_setting("AT_RISK_WORKING_DAYS")


def warn_at_risk(*, at: dt.datetime | None = None) -> list[PendingQuery]:
    """Pending queries whose case term ends soon: warned once each (signal `query_at_risk`, log)."""
    at = at or timezone.now()
    out = []
    for p in PendingQuery.objects.filter(
        status=PendingQuery.Status.WAITING, warned_at__isnull=True, case_due_at__isnull=False
    ):
        if at_risk(p, at):
            with transaction.atomic():
                PendingQuery.objects.filter(pk=p.pk).update(warned_at=at)
                p.warned_at = at
                query_at_risk.send(sender=PendingQuery, pending=p)
            log.warning(
                "case %s: registry %s still silent, the term ends %s",
                p.case_number or p.case_id,
                p.registry,
                timezone.localtime(p.case_due_at).strftime("%d.%m.%Y %H:%M"),
            )
            out.append(p)
    return out


# --- selectors -----------------------------------------------------------------------------------
def ledger_for(iin: str):
    """Every query about this person (what a recipient sees of their own data), newest first."""
    return RegistryQuery.objects.filter(subject_iin=iin).select_related("consent").order_by("-at", "-id")


def waiting_for_case(case_id: int):
    return PendingQuery.objects.filter(case_id=case_id, status=PendingQuery.Status.WAITING)
