"""The one door: every status change of a case goes through `move_case`.

`move_case` checks the explicit transition table (`cases.transitions.TABLE`), locks the row, checks
the optimistic version, the actor's role and scope, passes a decision move through the gate
(`cases.actions.gate.verdict`, over the recorded facts, inside the lock), applies the step's own
writes, bumps the version, writes an append-only `CaseEvent` (actor, moment, from, to, legal basis,
payload), the `Decision` of a decision move, the data-bank placement of a gated placement grant, and
hands the event to the monitoring feed (`003_4cf6e905af0d21d2.txt` §12-1) and the recipient's message
(`notices`, issue 14) in the same transaction.
An illegal move raises and changes nothing. The clock is an argument (`at`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions import gate
from qamqor.cases.actions.common import jsonable, now, role_of, version_of
from qamqor.cases.actions.deadlines import recompute_deadlines
from qamqor.cases.actions.notices import notify_recipient
from qamqor.cases.actions.placements import record_placements_of_grant
from qamqor.cases.exceptions import ConcurrentUpdate, IllegalTransition, RoleNotAllowed
from qamqor.cases.models import Application, CaseEvent, Channel, Decision, DecisionKind, Outcome
from qamqor.cases.transitions import (
    COMPLAINTS_REVIEWER,
    OPERATOR,
    PROVIDER_STAFF,
    RECIPIENT,
    SYSTEM,
    Status,
    Transition,
    basis_for,
    candidates,
)
from qamqor.catalog.procedure import AUTOMATED_STEPS, Basis
from qamqor.rules.types import Citation

FULLY_AUTOMATED = "electronic_full"
DECISION_KIND = {
    "grant": DecisionKind.GRANT,
    "preliminary_refusal": DecisionKind.PRELIMINARY_REFUSAL,
    "final_refusal": DecisionKind.FINAL_REFUSAL,
}


class NotFullyAutomated(IllegalTransition):
    """A system decision was asked for a version whose form is not fully automated."""

    code = "not_fully_automated"


@dataclass(frozen=True)
class DecisionNote:
    """What a decision move records beside the gate's verdict: written reasons and notes (kk/ru/en
    texts of the automated path), and extra evaluation entries (e.g. judgement not examined)."""

    reasons: Mapping[str, Any] = field(default_factory=dict)
    record: Mapping[str, Any] = field(default_factory=dict)


def is_fully_automated(version) -> bool:
    return FULLY_AUTOMATED in tuple(getattr(version, "form", ()) or ())


def require_full_automation(case: Application):
    """The pinned version of `case`, if it is fully automated and the case came through the portal."""
    version = version_of(case)
    if not is_fully_automated(version) or case.channel != Channel.PORTAL:
        raise NotFullyAutomated(
            _("The service “%(slug)s” is not fully automated: an official must decide this case.")
            % {"slug": case.service_slug},
            details={"form": list(version.form), "channel": case.channel},
        )
    return version


def as_basis(legal_basis) -> Basis:
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
            out = out + as_basis(item)
        return out
    raise TypeError(f"cannot read a legal basis from {legal_basis!r}")


def check_scope(case: Application, actor, role: str) -> None:
    """An actor acts only on cases of their own provider / office / person."""
    if role == SYSTEM:
        return
    if role in PROVIDER_STAFF and actor.provider_id != case.provider_id:
        raise RoleNotAllowed(_("This case belongs to another provider."), code="other_provider")
    if role == COMPLAINTS_REVIEWER and actor.provider_id and actor.provider_id != case.provider_id:
        raise RoleNotAllowed(_("This case belongs to another provider."), code="other_provider")
    if role == OPERATOR and actor.office_id != case.office_id:
        raise RoleNotAllowed(_("This case belongs to another State Corporation office."), code="other_office")
    if role == RECIPIENT and actor.iin != case.applicant.iin:
        raise RoleNotAllowed(_("Only the applicant may do this."), code="not_the_applicant")


def notify_monitoring(event: CaseEvent, case: Application) -> None:
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
            # a stage reached after its statutory date is reported as such (timeliness is watched)
            **({"late": True} if (event.payload or {}).get("late") is True else {}),
        },
    )


def write_event(case, *, action, from_status, actor, at, basis: Basis, payload, idempotency_key) -> CaseEvent:
    from qamqor.db.inserts import insert

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
            payload=jsonable(payload or {}),
            idempotency_key=idempotency_key,
        )
    )  # CaseEvent.objects.create(...), its SQL compiled once (db.inserts)
    if from_status != case.status:  # a stage change; facts recorded in place are not a stage
        notify_monitoring(event, case)
        notify_recipient(event, case)  # the recipient's message, sent after commit (notifications)
    return event


def replay(idempotency_key: str | None, case: Application, to_status: str) -> CaseEvent | None:
    if not idempotency_key:
        return None
    existing = CaseEvent.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.application_id != case.pk or existing.to_status != to_status:
        raise IllegalTransition(
            _("This idempotency key was already used for another request."), code="idempotency_key_reused"
        )
    existing.decision = Decision.objects.filter(application_id=case.pk, decided_at=existing.at).first()
    return existing


def _transition(locked: Application, to_status: str, action: str | None, role: str) -> Transition:
    rows = candidates(locked.status, to_status, locked.channel)
    # a move made only on a complaint's review is made only when named (cases.actions.complaint)
    rows = [r for r in rows if r.action == action] if action else [r for r in rows if not r.on_complaint]
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
    return allowed[0]


@dataclass(frozen=True)
class Move:
    """What a caller asks of `move_case` (see its docstring)."""

    to_status: str
    actor: Any
    at: dt.datetime
    legal_basis: Any = None
    payload: Mapping[str, Any] | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    action: str | None = None
    changes: Mapping[str, Any] | None = None
    guard: Callable[[Application, dt.datetime, Transition], dict | None] | None = None
    recompute: bool = False
    note: DecisionNote | None = None

    @property
    def role(self) -> str:
        return role_of(self.actor)


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
    note: DecisionNote | None = None,
) -> CaseEvent:
    """Move `case` to `to_status`, or raise and change nothing.

    `legal_basis` adds citations to the table's own basis. `changes` are field values written on the
    case with the move; `guard(locked_case, at, transition)` may raise or return extra payload. A
    repeated `idempotency_key` returns the first event and does nothing. `expected_version` ≠ the
    case's version → `ConcurrentUpdate`. `recompute`: the move is a dated step of the case; its dates
    are written with the move's own update. A decision move (the transition `decides`) is made only
    where the gate allows it; its `Decision` is on the returned event as `event.decision`.
    """
    to_status = Status(to_status).value if to_status in Status.values else to_status
    move = Move(
        to_status,
        actor,
        now(at),
        legal_basis,
        payload,
        expected_version,
        idempotency_key,
        action,
        changes,
        guard,
        recompute,
        note,
    )
    found = replay(idempotency_key, case, to_status)
    if found is not None:
        case.refresh_from_db()
        return found
    try:
        with transaction.atomic():
            locked = (
                Application.objects.select_for_update(of=("self",))  # the office join is nullable
                .select_related("applicant", "provider", "office")
                .get(pk=case.pk)
            )
            event = replay(idempotency_key, locked, to_status)  # a concurrent retry won the lock
            if event is None:
                event = _apply(locked, move)
    except IntegrityError:
        event = replay(idempotency_key, case, to_status)
        if event is None:
            raise
    case.refresh_from_db()
    return event


def _apply(locked: Application, m: Move) -> CaseEvent:
    if m.expected_version is not None and locked.version != int(m.expected_version):
        raise ConcurrentUpdate(
            _("The case was changed by someone else (version %(have)s, you had %(expected)s).")
            % {"have": locked.version, "expected": m.expected_version},
            details={"version": locked.version, "expected_version": m.expected_version},
        )
    transition = _transition(locked, m.to_status, m.action, m.role)
    if transition.basis_key in AUTOMATED_STEPS:
        require_full_automation(locked)  # the system decides alone only a fully automated version
    check_scope(locked, m.actor, m.role)
    extra = m.guard(locked, m.at, transition) if m.guard else None
    basis = basis_for(transition, locked.procedure_source) + as_basis(m.legal_basis)
    verdict = None
    payload = dict(m.payload or {})
    changes = dict(m.changes or {})
    if transition.decides:
        verdict = gate.verdict(locked, transition.decides, at=m.at)
        basis = basis + verdict.basis
        if verdict.decision == "refuse":
            payload["grounds"] = verdict.grounds
        changes.update(_outcome(transition.decides))
    from_status = locked.status
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.status = m.to_status
    locked.version += 1
    if m.recompute:
        # the event is written after the case row (it carries the new version), so its moment is
        # handed over: the dates then go out in the one UPDATE below
        recompute_deadlines(locked, save=False, move=(transition.action, m.at))
    locked.save()
    event = write_event(
        locked,
        action=transition.action,
        from_status=from_status,
        actor=m.actor,
        at=m.at,
        basis=basis,
        payload={**payload, **(extra or {})},
        idempotency_key=m.idempotency_key,
    )
    event.decision = None
    if verdict is not None:
        event.decision = _record_decision(
            locked, transition, verdict, m.actor, m.at, m.note or DecisionNote()
        )
    return event


def _outcome(decides: str) -> dict:
    if decides == "grant":
        return {"outcome": Outcome.GRANTED}
    if decides == "final_refusal":
        return {"outcome": Outcome.REFUSED}
    return {}


def _record_decision(locked, transition, verdict, actor, at, note: DecisionNote) -> Decision:
    record = {**verdict.record(), **dict(note.record)}
    decision = Decision.objects.create(
        application=locked,
        kind=DECISION_KIND[transition.decides],
        decided_by=actor,
        decided_at=at,
        catalogue_version=locked.catalogue_version,
        evaluation=jsonable(record),
        grounds=jsonable(verdict.grounds),
        reasons=jsonable(dict(note.reasons)),
    )
    if transition.decides == "grant":
        record_placements_of_grant(locked, decision, at=at)
    return decision
