"""Reads of the front office: the office-day figures, the waiting line, an operator's open ticket,
the free slots of a day, the home visits of an office."""

from __future__ import annotations

import datetime as dt

from qamqor.frontoffice import figures as fig
from qamqor.frontoffice.actions.common import office_schedule, version_at_office
from qamqor.frontoffice.actions.queue import queue_of
from qamqor.frontoffice.models import OPEN_STATUSES, HomeVisit, Ticket, TicketKind, TicketStatus
from qamqor.frontoffice.slots import next_slot, slot_starts
from qamqor.rules.calendar import ALMATY


def visits_of(office, day: dt.date) -> list[fig.Visit]:
    rows = Ticket.objects.filter(office=office, day=day).values_list(
        "service_slug",
        "kind",
        "status",
        "waiting_since",
        "called_at",
        "started_at",
        "finished_at",
        "max_wait_minutes",
        "max_service_minutes",
    )
    return [fig.Visit(*row) for row in rows]


def office_day_figures(office, day: dt.date, as_of: dt.datetime) -> dict:
    """`figures.office_day` of the office's tickets of `day`; each service's figures also carry the
    limits its tickets were measured against (`limits`: version, minutes, the clause)."""
    out = fig.office_day(visits_of(office, day), as_of)
    rows = Ticket.objects.filter(office=office, day=day).values_list(
        "service_slug", "catalogue_version", "max_wait_minutes", "max_service_minutes", "limits_citation"
    )
    for slug, version, wait, service, cit in rows.distinct():
        out["by_service"][slug]["limits"] = {
            "version": version,
            "max_wait": wait,
            "max_service": service,
            "citation": cit.get("citation"),
            "unknown": cit.get("unknown", ""),
        }
    return out


def waiting_line(office, day: dt.date):
    return Ticket.objects.filter(office=office, day=day, status=TicketStatus.WAITING).order_by(
        "waiting_since", "id"
    )


def open_ticket(operator):
    return Ticket.objects.filter(operator=operator, status__in=OPEN_STATUSES).first()


def free_slots(
    office, service_slug: str, day: dt.date, after: dt.datetime, catalog=None
) -> list[dt.datetime]:
    """The slot starts of `day` after `after` that still take a booking at this office."""
    version = version_at_office(service_slug, day, catalog)
    queue = queue_of(office)
    starts = [s for s in slot_starts(office_schedule(version, office), day, queue.slot_minutes) if s > after]
    taken: dict[dt.datetime, int] = {}
    for start in Ticket.objects.filter(office=office, day=day, kind=TicketKind.BOOKED).values_list(
        "slot_start", flat=True
    ):
        taken[start] = taken.get(start, 0) + 1
    return [s for s in starts if taken.get(s, 0) < queue.bookable_per_slot]


def next_opening_after(office, service_slug: str, day: dt.date, catalog=None) -> dt.datetime:
    """The first slot after `day` (for a day without free slots: closed, a holiday, or full)."""
    version = version_at_office(service_slug, day, catalog)
    after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ALMATY)
    return next_slot(office_schedule(version, office), after, queue_of(office).slot_minutes)


def my_tickets(user):
    return Ticket.objects.filter(recipient=user).select_related("office").order_by("-day", "waiting_since")


def home_visits_of(office):
    return HomeVisit.objects.filter(office=office).select_related("operator", "application")


def home_visits_requested_by(user):
    return HomeVisit.objects.filter(requested_by=user).select_related("office")
