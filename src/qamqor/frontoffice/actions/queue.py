"""The electronic queue's steps, each named after what happens at the office, the clock an argument.

`book_slot` (the portal's booking, `003_4cf6e905af0d21d2.txt` annex 2 row 7 item 2: "портал арқылы
электрондық кезекті «брондауға» болады"), `issue_walk_in_ticket`, `call_next_ticket` (to a window),
`start_service`, `finish_service`, `mark_no_show`. A ticket carries the version's limits at the State
Corporation (maximum waiting and service time, `003` annex 2 row 3 items 2-3 and the like) with the
clause. The office's `OfficeQueue` row is the lock that serialises the numbering and the bookings of
one office; a call locks the ticket it takes (`skip_locked`, so two windows never take the same one).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qamqor.frontoffice.actions.common import (
    aware,
    local_day,
    office_schedule,
    version_at_office,
)
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.models import OPEN_STATUSES, OfficeQueue, Ticket, TicketKind, TicketStatus
from qamqor.frontoffice.slots import fits, limits_for, next_slot

OPERATOR = "front_office_operator"


def queue_of(office) -> OfficeQueue:
    """The office's queue settings (the defaults, unsaved, for an office that has none: a read writes nothing)."""
    return OfficeQueue.objects.filter(office=office).first() or OfficeQueue(office=office)


def _locked_queue(office) -> OfficeQueue:
    OfficeQueue.objects.get_or_create(office=office)
    return OfficeQueue.objects.select_for_update().get(office=office)


def _closed(message, *, code: str, opens: dt.datetime, schedule) -> FrontOfficeError:
    """A refusal that names the next opening, in the user's language, with all three in `details`."""
    lang = (translation.get_language() or "kk")[:2]
    params = {"when": f"{opens:%d.%m.%Y %H:%M}", "hours": schedule.name.get(lang)}
    texts = {}
    for other in ("kk", "ru", "en"):
        with translation.override(other):
            texts[other] = str(message) % (params | {"hours": schedule.name.get(other)})
    return FrontOfficeError(
        message % params,
        code=code,
        details={
            "next_opening": opens.isoformat(),
            "schedule": schedule.id,
            "citation": schedule.citation.as_dict(),
            "texts": texts,
        },
    )


def _new_ticket(queue, *, kind, day, version, **fields) -> Ticket:
    prefix = "B" if kind == TicketKind.BOOKED else "W"
    n = Ticket.objects.filter(office=queue.office, day=day, kind=kind).count() + 1
    limits = limits_for(version)
    return Ticket.objects.create(
        office=queue.office,
        day=day,
        number=f"{prefix}{n:03d}",
        kind=kind,
        service_slug=version.slug,
        catalogue_version=version.id,
        max_wait_minutes=limits.max_wait_minutes,
        max_service_minutes=limits.max_service_minutes,
        limits_citation=limits.as_dict(),
        **fields,
    )


def book_slot(
    *, office, service_slug: str, start: dt.datetime, recipient, at: dt.datetime, catalog=None
) -> Ticket:
    """Book the slot beginning at `start` for a service at an office. Refused (changing nothing) for a
    moment that is not a slot inside the office's hours on that day (after hours, a weekend, a holiday
    of the working-time calendar) with the next slot it opens, for a past slot, a full slot, or a
    second booking of the same person for the same day and service."""
    aware(at)
    aware(start)
    if getattr(recipient, "role", "") != "recipient":
        raise FrontOfficeError(_("Only a recipient books a slot, for themself."), code="not_recipient")
    day = local_day(start)
    version = version_at_office(service_slug, day, catalog)
    schedule = office_schedule(version, office)
    with transaction.atomic():
        queue = _locked_queue(office)
        if not fits(schedule, start, queue.slot_minutes):
            opens = next_slot(schedule, max(start, at), queue.slot_minutes)
            raise _closed(
                _("The office does not receive at this time (%(hours)s): the next slot opens on %(when)s."),
                code="office_closed",
                opens=opens,
                schedule=schedule,
            )
        if start <= at:
            raise FrontOfficeError(_("This slot has already begun: choose a later one."), code="slot_past")
        booked = Ticket.objects.filter(office=office, kind=TicketKind.BOOKED, slot_start=start).count()
        if booked >= queue.bookable_per_slot:
            raise FrontOfficeError(_("This slot is fully booked: choose another."), code="slot_full")
        if Ticket.objects.filter(
            office=office, day=day, service_slug=service_slug, recipient=recipient, kind=TicketKind.BOOKED
        ).exists():
            raise FrontOfficeError(
                _("You already have a booking for this service at this office on that day."),
                code="booked_twice",
            )
        return _new_ticket(
            queue,
            kind=TicketKind.BOOKED,
            day=day,
            version=version,
            recipient=recipient,
            issued_at=at,
            slot_start=start,
            waiting_since=start,
        )


def issue_walk_in_ticket(
    *, office, service_slug: str, at: dt.datetime, recipient=None, catalog=None
) -> Ticket:
    """A ticket for a visitor who came without booking: only while the office receives."""
    aware(at)
    day = local_day(at)
    version = version_at_office(service_slug, day, catalog)
    schedule = office_schedule(version, office)
    if not schedule.is_open(at):
        raise _closed(
            _("The office is closed at this time (%(hours)s): it next opens on %(when)s."),
            code="office_closed",
            opens=schedule.next_opening(at),
            schedule=schedule,
        )
    with transaction.atomic():
        queue = _locked_queue(office)
        return _new_ticket(
            queue,
            kind=TicketKind.WALK_IN,
            day=day,
            version=version,
            recipient=recipient,
            issued_at=at,
            waiting_since=at,
        )


def _check_operator(operator, office) -> None:
    if getattr(operator, "role", "") != OPERATOR or operator.office_id != office.pk:
        raise FrontOfficeError(_("Only an operator of this office works its queue."), code="not_operator")


def call_next_ticket(*, office, operator, window: int, at: dt.datetime) -> Ticket | None:
    """Call the ticket that has waited longest (a booked one from its slot's start) to `window`; None
    when nobody waits. An operator with a ticket still open finishes it (or marks the no-show) first."""
    aware(at)
    _check_operator(operator, office)
    queue = queue_of(office)
    if not 1 <= int(window) <= queue.windows:
        raise FrontOfficeError(
            _("Window %(n)s does not exist at this office.") % {"n": window}, code="no_such_window"
        )
    with transaction.atomic():
        if Ticket.objects.filter(operator=operator, status__in=OPEN_STATUSES).exists():
            raise FrontOfficeError(
                _("Finish the ticket at your window before calling the next one."), code="ticket_open"
            )
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(office=office, day=local_day(at), status=TicketStatus.WAITING, waiting_since__lte=at)
            .order_by("waiting_since", "id")
            .first()
        )
        if ticket is None:
            return None
        ticket.status = TicketStatus.CALLED
        ticket.called_at, ticket.window, ticket.operator = at, window, operator
        ticket.save(update_fields=["status", "called_at", "window", "operator"])
        return ticket


# each step after the call: (the status it applies to, the status it leaves, the moment it stamps)
STEPS = {
    "start_service": (TicketStatus.CALLED, TicketStatus.IN_SERVICE, "started_at"),
    "finish_service": (TicketStatus.IN_SERVICE, TicketStatus.SERVED, "finished_at"),
    "mark_no_show": (TicketStatus.CALLED, TicketStatus.NO_SHOW, "no_show_at"),
}


def _move(step: str, ticket: Ticket, *, operator, at: dt.datetime) -> Ticket:
    source, target, stamp = STEPS[step]
    aware(at)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.operator_id != getattr(operator, "pk", None):
            raise FrontOfficeError(_("This ticket was called to another window."), code="not_your_ticket")
        if locked.status != source:
            raise FrontOfficeError(
                _("The ticket is “%(status)s”: this step does not apply.")
                % {"status": locked.get_status_display()},
                code="wrong_status",
            )
        since = locked.started_at if step == "finish_service" else locked.called_at
        if since is not None and at < since:
            raise FrontOfficeError(_("A step cannot be earlier than the one before it."), code="time_order")
        locked.status = target
        setattr(locked, stamp, at)
        locked.save(update_fields=["status", stamp])
        return locked


def start_service(ticket, *, operator, at) -> Ticket:
    """The operator begins to take the documents of the ticket called to their window."""
    return _move("start_service", ticket, operator=operator, at=at)


def finish_service(ticket, *, operator, at) -> Ticket:
    """The service at the window ends (its time is measured against the ticket's limit)."""
    return _move("finish_service", ticket, operator=operator, at=at)


def mark_no_show(ticket, *, operator, at) -> Ticket:
    """The called visitor did not come to the window."""
    return _move("mark_no_show", ticket, operator=operator, at=at)
