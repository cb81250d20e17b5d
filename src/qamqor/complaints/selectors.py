"""Every read of complaints the pages and the API make: who sees which, the reviewer's queue by due
date with the overdue marks, and a complaint as shown (no IIN: a complaint's reader sees the number,
the route, the clocks, the text and the answer; the case's own page is the case layer's)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Q, QuerySet, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qamqor.cases.exceptions import AccessDenied, CaseError
from qamqor.cases.transitions import Status
from qamqor.complaints.actions.common import PROVIDER_ROUTES, may_see, rules_of
from qamqor.complaints.models import Complaint, ComplaintChannel, Outcome, Route, Subject
from qamqor.complaints.transitions import HEAD, OFFICER, OPEN, OPERATOR, RECIPIENT, REVIEWER, ComplaintStatus
from qamqor.rules.calendar import get_calendar

QUEUE_ROLES = (REVIEWER, HEAD, OFFICER, "auditor", "administrator")


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """The queryset form of `may_see` (complaints.actions.common)."""
    qs = Complaint.objects.select_related("application", "application__provider", "decision")
    role = getattr(user, "role", None)
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return qs.none()
    if role in ("auditor", "administrator"):
        return qs
    if role == RECIPIENT:
        return qs.filter(application__applicant__iin=user.iin) if user.iin else qs.none()
    if role in (OFFICER, HEAD) or (role == REVIEWER and user.provider_id):
        return qs.filter(application__provider_id=user.provider_id) if user.provider_id else qs.none()
    if role == REVIEWER:
        return qs.exclude(route__in=PROVIDER_ROUTES)
    if role == OPERATOR:
        return qs.filter(application__office_id=user.office_id) if user.office_id else qs.none()
    return qs.none()


def complaint_for(user, pk) -> Complaint:
    """The complaint if `user` may see it, else AccessDenied (404, also for a missing id)."""
    complaint = complaints_visible_to(user).filter(pk=pk).first()
    if complaint is None or not may_see(user, complaint):
        raise AccessDenied(_("No such complaint, or you may not see it."))
    return complaint


def complaints_of_case(user, case) -> list[Complaint]:
    return list(complaints_visible_to(user).filter(application=case).order_by("id"))


def complaint_queue(user) -> QuerySet[Complaint]:
    """The open complaints the user works, the nearest due date first (unknown terms last)."""
    qs = complaints_visible_to(user).filter(status__in=[str(s) for s in OPEN])
    role = getattr(user, "role", None)
    if role == REVIEWER and not user.provider_id:
        qs = qs.filter(status=ComplaintStatus.IN_REVIEW)  # the authorised body gets them once forwarded
    return qs.annotate(
        due_on=Case(When(status=ComplaintStatus.FILED, then=F("forward_due")), default=F("review_due"))
    ).order_by(F("due_on").asc(nulls_last=True), "received_at", "id")


def flags(complaint: Complaint, today: dt.date) -> dict:
    """The due date of the complaint's stage, overdue (past it), and the working days left."""
    due = complaint.due
    if due is None:
        return {"due": None, "overdue": False, "working_days_left": None}
    cal = get_calendar()
    left = cal.working_days_between(today, due) if due >= today else -cal.working_days_between(due, today)
    return {"due": due, "overdue": today > due, "working_days_left": left}


def overdue_count(user, today: dt.date) -> int:
    qs = complaint_queue(user)
    return qs.filter(
        Q(status=ComplaintStatus.FILED, forward_due__lt=today)
        | Q(status=ComplaintStatus.IN_REVIEW, review_due__lt=today)
    ).count()


def shown(complaint: Complaint, lang: str, today: dt.date) -> dict:
    """A complaint as the API and the pages show it."""
    with translation.override(lang):
        return {
            "id": complaint.pk,
            "number": complaint.number,
            "application": complaint.application_id,
            "application_number": complaint.application.number,
            "application_status": str(Status(complaint.application.status).label),
            "subject": complaint.subject,
            "subject_label": str(Subject(complaint.subject).label),
            "decision": complaint.decision_id,
            "event": complaint.event_id,
            "route": complaint.route,
            "route_label": str(Route(complaint.route).label),
            "channel": complaint.channel,
            "channel_label": str(ComplaintChannel(complaint.channel).label),
            "status": complaint.status,
            "status_label": str(ComplaintStatus(complaint.status).label),
            "version": complaint.version,
            "text": complaint.text,
            "received_on": complaint.received_on,
            "forwarded_on": complaint.forwarded_on,
            "forward_due": complaint.forward_due,
            "review_due": complaint.review_due,
            **flags(complaint, today),
            "clocks": complaint.clocks,
            "outcome": complaint.outcome,
            "outcome_label": str(Outcome(complaint.outcome).label) if complaint.outcome else "",
            "answer": complaint.answer,
            "escalated_from": complaint.escalated_from_id,
            "court": rules_of(complaint).court.as_dict(),
            "events": [
                {
                    "seq": e.seq,
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "actor_role": e.actor_role,
                    "at": e.at,
                    "legal_basis": e.legal_basis,
                }
                for e in complaint.events.order_by("seq")
            ],
        }


def steps_for(user, complaint: Complaint) -> list[str]:
    """The steps the complaint's table offers this user now (the pages' forms)."""
    from qamqor.complaints.actions.common import preflight
    from qamqor.complaints.transitions import TABLE

    out = []
    for name in dict.fromkeys(s.action for s in TABLE if s.action != "file_complaint"):
        try:
            preflight(complaint, name, user)
        except CaseError:  # a refused step is simply not offered
            continue
        out.append(name)
    return out


def decisions_to_complain_about(case) -> list:
    """The case's decisions a recipient may complain about (the latest first)."""
    return list(case.decisions.order_by("-decided_at", "-id"))


def judgement_findings(complaint: Complaint) -> list[tuple[str, str]]:
    """The officials' findings (`officer.*` facts) the refusal complained about rests on, each with
    the words of its ground: what a reviewer may re-examine (empty: not a complaint about a decision)."""
    if complaint.decision is None:
        return []
    from qamqor.cases.actions.common import version_of

    version = version_of(complaint.application)
    fired = {g.get("code") for g in complaint.decision.grounds or []}
    lang = (translation.get_language() or "kk").split("-")[0]
    out: dict[str, str] = {}
    for g in version.grounds:
        if g.judgement and g.code in fired:
            for path, _how in g.when.facts:
                if path.startswith("officer."):
                    out.setdefault(path, g.text.get(lang))
    return sorted(out.items())
