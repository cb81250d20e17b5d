"""Every date of a case, from the pinned catalogue version through one deadline service.

`recompute_deadlines` counts the registration, the due date and each step (`rules.deadlines`) from
the version's term and steps, the channel's office schedule, the submission and what already
happened; `term_of` gives the date of one step, or `unknown` with its reason when the definition
gives no such step — never a default number in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from qamqor.cases.actions import common
from qamqor.cases.actions.common import in_languages, local_date
from qamqor.cases.models import Application
from qamqor.rules.calendar import ALMATY

# The case's actions whose moment anchors a later step (the vocabulary of `rules.deadlines`).
EVENT_ANCHORS = {
    "accept_at_front_office": "registered",
    "receive_at_provider": "documents_received",
    "check_completeness": "completeness_check",
    "issue_preliminary_refusal": "preliminary_refusal",
    # the objection term counts from the receipt of the notice (catalog-format.md "Steps",
    # hearing_objection; APC art. 73): its recorded delivery, later than the sending, wins
    "record_notice_delivery": "preliminary_refusal",
    "hold_hearing": "hearing",
    "lapse_objection_term": "hearing",
    "hold_at_state_corp": "result_at_state_corp",
    "request_return": "resend_request",
}


def event_dates(case: Application, move: tuple[str, dt.datetime] | None = None) -> dict[str, dt.date]:
    """Dates of what already happened, as `rules.deadlines` anchors; `move` is the (action, moment)
    of a move being made whose event is not written yet (the latest of all)."""
    out: dict[str, dt.date] = {}
    if case.pk is not None:
        for action, at in case.events.order_by("seq").values_list("action", "at"):
            key = EVENT_ANCHORS.get(action)
            if key:
                out[key] = local_date(at)  # the latest occurrence wins (a resend may repeat)
    if move is not None and (key := EVENT_ANCHORS.get(move[0])):
        out[key] = local_date(move[1])
    return out


def _version(case: Application, given=None):
    from qamqor.catalog import UnknownService

    try:
        return common.catalog(given).service(case.service_slug).version_by_id(case.catalogue_version)
    except UnknownService:
        return None


def office_hours(version, channel: str, office, on: dt.date):
    """The hours an application through `channel` at `office` is taken and counted under, on the
    local date `on`: at the State Corporation the office's own schedule in force that day where an
    administrator entered one (`accounts.OfficeSchedule`, with its source), else the version's for
    the channel (a duty office's own where the version gives one, e.g. `003` annex 2 row 7)."""
    from qamqor.accounts.working_time import own_schedule

    if channel == "state_corp" and office is not None:
        own = own_schedule(office, on)
        if own is not None:
            return own
    return version.office_schedule(channel, duty=office is not None and getattr(office, "kind", "") == "duty")


def recompute_deadlines(
    case: Application, *, catalog=None, save: bool = True, move: tuple[str, dt.datetime] | None = None
) -> dict:
    """Recompute every date of the case (registration, due date, each step) with explanations.
    No dates: `{"unknown": {"code", "text": {kk, ru, en}}}` (codes: version_missing and
    `DeadlineError`'s codes)."""
    from qamqor.accounts.working_time import case_calendar
    from qamqor.rules.deadlines import DeadlineError, compute_deadline

    version = _version(case, catalog)
    unknown = None
    if version is None:
        unknown = {
            "code": "version_missing",
            "text": in_languages(_("The pinned catalogue version is gone.")),
        }
    else:
        try:
            result = compute_deadline(  # a version with no term (incomplete source): code no_term
                version.term,
                version.steps,
                case.channel,
                case.submitted_at,
                # an office counts by its own hours (administered, or the version's `duty_schedules`)
                schedule=office_hours(
                    version,
                    case.channel,
                    case.office if case.office_id else None,
                    local_date(case.submitted_at),
                ),
                schedule_citation=version.schedules_citation,
                calendar=case_calendar(),  # with the administrators' corrections
                events=event_dates(case, move),
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
    """The latest day of a step as the case's dates give it (None: no such step counted)."""
    for s in (case.deadlines or {}).get("steps", []):
        if s.get("step") == step and s.get("due"):
            return dt.date.fromisoformat(s["due"][:10])
    return None


@dataclass(frozen=True)
class Term:
    """A step's date for a case, or why there is none (the definition gives no such step)."""

    due: dt.date | None
    unknown: str = ""


def term_of(case: Application, step: str, catalog=None) -> Term:
    """The date of `step` for the case: from its counted dates; `unknown` (with the reason) when the
    pinned version gives no such step."""
    due = step_due(case, step)
    if due is not None:
        return Term(due)
    version = _version(case, catalog)
    if version is None or version.step(step) is None:
        return Term(
            None, f"the catalogue version {case.catalogue_version} gives no term for the step {step!r}"
        )
    return Term(None, f"the step {step!r} has not started: its anchor has not happened")


def lateness(step: str):
    """A guard that records (never blocks) whether a step was done after its time limit, or that
    its limit is unknown."""

    def guard(locked, at, t):
        term = term_of(locked, step)
        if term.due is None:
            return {"term_unknown": term.unknown}
        return {"due_by": term.due, "late": local_date(at) > term.due}

    return guard
