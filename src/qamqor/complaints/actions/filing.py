"""Filing a complaint, forwarding it to the reviewing body, and taking an answer further.

`003` §13 (and `002` annex 11 §14): a complaint goes to the provider and/or the official complained
about (para 3), who forwards it to the reviewing body within 3 working days of its coming in (para 4)
unless, within those days, they take a decision fully satisfying it (para 5); the provider's head
reviews it within 5 working days of its registration (para 6), the authorised body within 15 (para
7); court after the pre-trial complaint (para 8). `000` §11: to the provider's head or the akimat's
head (para 1), the State Corporation's head for its employee (para 5); 5 and 15 working days (para 7,
9); no forwarding step. Every term and clause comes from `catalog/complaints.yaml`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions.common import role_of
from qamqor.cases.exceptions import RoleNotAllowed
from qamqor.cases.models import CaseEvent, Decision
from qamqor.complaints.actions.common import (
    ComplaintError,
    clock,
    local_date,
    may_see,
    now,
    preflight,
    rules_of,
    step,
    write_event,
)
from qamqor.complaints.models import Complaint, ComplaintChannel, Route, Subject
from qamqor.complaints.transitions import HEAD, OFFICER, OPERATOR, RECIPIENT, REVIEWER, ComplaintStatus

# the channel each role files through (the recipient on the portal, the operator at the counter...)
CHANNELS_OF_ROLE = {
    RECIPIENT: (ComplaintChannel.PORTAL,),
    OPERATOR: (ComplaintChannel.STATE_CORP,),
    OFFICER: (ComplaintChannel.PROVIDER, ComplaintChannel.POST),
    HEAD: (ComplaintChannel.PROVIDER, ComplaintChannel.POST),
    REVIEWER: (ComplaintChannel.PROVIDER, ComplaintChannel.AKIMAT, ComplaintChannel.POST),
}


def _required(**values) -> dict:
    blank = sorted(k for k, v in values.items() if not str(v or "").strip())
    if blank:
        raise ComplaintError(
            _("Fill in: %(fields)s") % {"fields": ", ".join(blank)},
            code="required",
            details={"fields": blank},
        )
    return {k: str(v).strip() for k, v in values.items()}


def _subject(case, decision, event) -> tuple[str, Decision | None, CaseEvent | None]:
    if decision is not None and event is not None:
        raise ComplaintError(_("A complaint is about a decision or an action, not both."), code="subject")
    if decision is not None:
        if decision.application_id != case.pk:
            raise ComplaintError(_("That decision is not of this application."), code="subject")
        return Subject.DECISION, decision, None
    if event is not None:
        if event.application_id != case.pk:
            raise ComplaintError(_("That action is not of this application."), code="subject")
        return Subject.ACTION, None, event
    return Subject.INACTION, None, None


def _new_number(case) -> str:
    return f"{case.number}-C{case.complaints.count() + 1}"


def file_complaint(
    case,
    *,
    actor,
    route: str,
    channel: str,
    text: str,
    complainant_name: str,
    postal_address: str,
    phone: str,
    decision: Decision | None = None,
    event: CaseEvent | None = None,
    at=None,
    escalated_from: Complaint | None = None,
) -> Complaint:
    """Register a complaint about `decision`, or the action `event`, or an inaction of the case;
    its clocks are computed from the rules of the case's procedure text and stored."""
    at = now(at)
    fields = _required(
        text=text, complainant_name=complainant_name, postal_address=postal_address, phone=phone
    )
    rules = rules_of(case.procedure_source)
    if route not in Route.values or rules.route(route) is None:
        raise ComplaintError(
            _("The rules of this service name no such complaint route: %(route)s") % {"route": route},
            code="route",
            details={"routes": sorted(rules.routes)},
        )
    if channel not in rules.channels:
        raise ComplaintError(
            _("The rules of this service name no such complaint channel: %(channel)s") % {"channel": channel},
            code="channel",
            details={"channels": sorted(rules.channels)},
        )
    role = role_of(actor)
    if channel not in CHANNELS_OF_ROLE.get(role, ()):
        raise RoleNotAllowed(
            _("The role “%(role)s” may not register a complaint by this channel.") % {"role": role},
            code="channel_role",
        )
    subject, decision, event = _subject(case, decision, event)
    r = rules.route(route)
    day = local_date(at)
    status = ComplaintStatus.FILED if r.forward is not None else ComplaintStatus.IN_REVIEW
    review_anchor = day if r.review.anchor == "received" else None
    clocks = {
        "received_on": day.isoformat(),
        "addressed": clock(r.addressed, None),
        "channel": clock(rules.channels[channel], None),
        "forward": clock(r.forward, day),
        "unless_satisfied": clock(r.unless_satisfied, day),
        "review": clock(r.review, review_anchor),
        "court": clock(rules.court, None),
    }
    complaint = Complaint(
        application=case,
        subject=subject,
        decision=decision,
        event=event,
        route=route,
        channel=channel,
        procedure_text=case.procedure_source,
        status=status,
        filed_by=actor,
        filed_by_role=role,
        received_at=at,
        received_on=day,
        forward_due=r.forward.due(day) if r.forward is not None else None,
        review_due=r.review.due(review_anchor) if review_anchor else None,
        clocks=clocks,
        escalated_from=escalated_from,
        **fields,
    )
    if not may_see(actor, complaint):
        raise RoleNotAllowed(_("Only the applicant or the case's own staff may do this."), code="not_yours")
    for _attempt in range(3):  # the number counts the case's complaints: a concurrent filing retries
        complaint.number = _new_number(case)
        try:
            with transaction.atomic():
                complaint.save()
                basis = r.addressed.basis + rules.channels[channel].basis
                write_event(complaint, "file_complaint", "", actor, at, basis, {"clocks": clocks})
            return complaint
        except IntegrityError:
            complaint.pk = None
    raise ComplaintError(_("The complaint could not be numbered; try again."), code="number")


def forward_complaint(complaint: Complaint, *, actor, at=None, expected_version=None) -> Complaint:
    """The official sends the complaint to the reviewing body (`003` §13 para 4); the review term of a
    body that counts from its own registration starts that day."""
    at = now(at)
    preflight(complaint, "forward_complaint", actor)  # a text without a forwarding step never gets here
    r = rules_of(complaint).route(complaint.route)
    day = local_date(at)
    changes = {"forwarded_on": day}
    clocks = dict(complaint.clocks)
    if r.review.anchor == "forwarded":
        changes["review_due"] = r.review.due(day)
        clocks["review"] = clock(r.review, day)
    changes["clocks"] = clocks
    late = complaint.forward_due is not None and day > complaint.forward_due
    step(
        complaint,
        "forward_complaint",
        actor=actor,
        at=at,
        basis=r.forward.basis,
        changes=changes,
        expected_version=expected_version,
        payload={"late": late, "due": complaint.forward_due, "review_due": changes.get("review_due")},
    )
    return complaint


def escalate_complaint(
    complaint: Complaint, *, actor, text: str, at=None, expected_version=None
) -> Complaint:
    """The recipient disagrees with the answer and takes it to the body the rules name (`000` §11 para
    8; `003` §13 para 1 by analogy): a new complaint, linked to this one, with its own clocks."""
    at = now(at)
    rules = rules_of(complaint)
    _required(text=text)
    with transaction.atomic():
        step(
            complaint,
            "escalate_complaint",
            actor=actor,
            at=at,
            basis=rules.escalate.basis,
            payload={"to": rules.escalate.to},
            expected_version=expected_version,
            changes={"closed_at": complaint.closed_at or at},
        )
        return file_complaint(
            complaint.application,
            actor=actor,
            route=rules.escalate.to,
            channel=ComplaintChannel.PORTAL,
            text=text,
            complainant_name=complaint.complainant_name,
            postal_address=complaint.postal_address,
            phone=complaint.phone,
            decision=complaint.decision,
            event=complaint.event,
            at=at,
            escalated_from=complaint,
        )
