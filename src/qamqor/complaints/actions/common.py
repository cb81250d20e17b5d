"""What every step of a complaint stands on: its errors, who may act on which complaint, the rules of
its text, the clocks, and the one door for its status (`step`: the table, the lock, the version, the
append-only event with its legal basis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import jsonable, local_date, now, role_of
from qamqor.cases.exceptions import CaseError, ConcurrentUpdate, IllegalTransition, RoleNotAllowed
from qamqor.catalog.complaints import Rule, TextRules, complaint_rules
from qamqor.catalog.procedure import Basis
from qamqor.complaints.models import Complaint, ComplaintEvent, Route
from qamqor.complaints.transitions import HEAD, OFFICER, OPERATOR, RECIPIENT, REVIEWER, Step, step_for

# routes a provider's own people review; the others are reviewed outside the provider (by a complaints
# reviewer who belongs to no provider: the authorised body, the State Corporation's head)
PROVIDER_ROUTES = (Route.PROVIDER_HEAD, Route.AKIMAT_HEAD)


class ComplaintError(CaseError):
    """A complaint step refused (400); nothing changed."""

    code = "complaint_error"


def rules_of(complaint_or_text) -> TextRules:
    text = getattr(complaint_or_text, "procedure_text", complaint_or_text)
    return complaint_rules().for_text(text or "")


def may_see(user, complaint: Complaint) -> bool:
    """A recipient their own; provider staff (and a provider's complaints reviewer) their provider's;
    an operator their office's; a complaints reviewer of no provider the routes reviewed outside the
    provider; auditors and administrators all."""
    role = getattr(user, "role", None)
    case = complaint.application
    if role in ("auditor", "administrator"):
        return True
    if role == RECIPIENT:
        return bool(user.iin) and case.applicant.iin == user.iin
    if role in (OFFICER, HEAD) or (role == REVIEWER and user.provider_id):
        return user.provider_id == case.provider_id
    if role == REVIEWER:
        return complaint.route not in PROVIDER_ROUTES
    if role == OPERATOR:
        return case.office_id is not None and user.office_id == case.office_id
    return False


def check_actor(user, complaint: Complaint, step: Step) -> None:
    role = role_of(user)
    if role not in step.roles:
        raise RoleNotAllowed(
            _("The role “%(role)s” may not make this move.") % {"role": role},
            details={"roles": list(step.roles)},
        )
    if not may_see(user, complaint):
        raise RoleNotAllowed(_("This complaint is not yours to handle."), code="other_complaint")
    reviewing = step.action == "answer_complaint" or (
        step.action == "satisfy_complaint_fully" and step.basis == "review"
    )
    if reviewing and complaint.route not in PROVIDER_ROUTES:
        # reviewed outside the provider: by a complaints reviewer of no provider, who answers; the
        # seeds do not say that body redoes the provider's decision itself
        if step.action == "satisfy_complaint_fully" or role != REVIEWER or user.provider_id:
            raise RoleNotAllowed(
                _("This complaint is reviewed by the body it is addressed to."), code="other_reviewing_body"
            )


def clock(rule: Rule | None, anchor_day: dt.date | None) -> dict:
    """A clock as stored: the rule (citations, certainty, term) and its due date, or why unknown."""
    if rule is None:
        return {"applies": False}
    d = rule.as_dict()
    if anchor_day is not None and rule.term is not None:
        d |= {"anchor_day": anchor_day.isoformat(), "due": rule.due(anchor_day).isoformat()}
    return d


def preflight(complaint: Complaint, action: str, actor, target: str | None = None) -> Step:
    """The table's row for this step from the complaint's status, checked against the actor (raises)."""
    if not may_see(actor, complaint):  # before anything about the complaint's state is said
        raise RoleNotAllowed(_("This complaint is not yours to handle."), code="other_complaint")
    rows = step_for(action, complaint.status, target)
    if not rows:
        raise IllegalTransition(
            _("A complaint that is “%(status)s” cannot be moved by this step.")
            % {"status": complaint.get_status_display()},
            details={"from": complaint.status, "action": action},
        )
    allowed = [r for r in rows if role_of(actor) in r.roles] or rows
    check_actor(actor, complaint, allowed[0])
    return allowed[0]


def step(
    complaint: Complaint,
    action: str,
    *,
    actor,
    at: dt.datetime,
    basis: Basis,
    target: str | None = None,
    payload: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> ComplaintEvent:
    """Move the complaint by the table (locked, version checked) and write its event; inside the
    caller's transaction."""
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().select_related("application").get(pk=complaint.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConcurrentUpdate(
                _("The complaint was changed by someone else (version %(have)s, you had %(expected)s).")
                % {"have": locked.version, "expected": expected_version},
                details={"version": locked.version, "expected_version": expected_version},
            )
        row = preflight(locked, action, actor, target)
        from_status = locked.status
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        locked.status = row.target
        locked.version += 1
        locked.save()
        event = write_event(locked, action, from_status, actor, at, basis, payload)
    for name in ("status", "version", *(changes or {})):
        setattr(complaint, name, getattr(locked, name))
    return event


def write_event(complaint, action, from_status, actor, at, basis: Basis, payload) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        application_id_ref=complaint.application_id,
        seq=complaint.version,
        action=action,
        from_status=from_status,
        to_status=complaint.status,
        actor=actor,
        actor_role=role_of(actor),
        at=at,
        legal_basis=basis.as_dict(),
        payload=jsonable(dict(payload or {})),
    )


__all__ = [
    "ComplaintError",
    "PROVIDER_ROUTES",
    "check_actor",
    "clock",
    "local_date",
    "may_see",
    "now",
    "preflight",
    "rules_of",
    "step",
    "write_event",
]
