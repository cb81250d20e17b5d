"""The recipient's front-office pages: booking a slot of the State Corporation's electronic queue
(`frontoffice.actions.book_slot`; `003_4cf6e905af0d21d2.txt` annex 2 row 7 item 2: the electronic
queue "can be booked through the portal") with their tickets, and asking for a home visit
(`frontoffice.actions.request_home_visit`; `000_e53799d7e328390d.txt` §13, the portal being a reading
the definition marks as interpretation). Each page parses its input, calls one step, renders."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.accounts.models import StateCorpOffice
from qamqor.frontoffice import actions, selectors
from qamqor.frontoffice.actions.common import bookable_services
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.pages import home_visit_services, parse_day


def _recipient(user) -> None:
    if getattr(user, "role", "") != "recipient":
        raise PermissionDenied(_("Only a recipient books a slot or asks for a home visit."))


def _choice(value: str, choices) -> str:
    return value if value in choices else ""


@login_required(login_url="sign-in")
def book(request):
    _recipient(request.user)
    now = timezone.now()
    source = request.POST if request.method == "POST" else request.GET
    offices = {o.code: o for o in StateCorpOffice.objects.all()}
    day, day_error = parse_day(source.get("day", ""), default=timezone.localdate(now) + dt.timedelta(days=1))
    services = bookable_services(day or timezone.localdate(now))
    office = offices.get(source.get("office", ""))
    service = _choice(source.get("service", ""), services)
    ctx = {"offices": offices.values(), "services": services, "office": office, "service": service}
    ctx |= {"day": day, "day_text": source.get("day") or (day and f"{day:%d.%m.%Y}"), "error": day_error}
    status = 400 if day_error else 200
    if request.method == "POST" and not day_error:
        try:
            start = dt.datetime.fromisoformat(request.POST.get("slot", ""))
            if office is None or not service or timezone.is_naive(start):
                raise ValueError
        except ValueError:
            ctx["error"], status = _("Choose the office, the service and a slot."), 400
        else:
            try:
                ticket = actions.book_slot(
                    office=office, service_slug=service, start=start, recipient=request.user, at=now
                )
            except FrontOfficeError as exc:
                ctx["error"], ctx["refusal"], status = str(exc), exc.details, 400
            else:
                messages.success(
                    request,
                    _("Booked: ticket %(number)s, %(when)s, %(office)s.")
                    % {
                        "number": ticket.number,
                        "when": f"{timezone.localtime(ticket.slot_start):%d.%m.%Y %H:%M}",
                        "office": office.name(request.LANGUAGE_CODE[:2]),
                    },
                )
                return redirect("portal:book")
    if office is not None and service and day and not day_error:
        try:
            ctx["slots"] = selectors.free_slots(office, service, day, now)
            if not ctx["slots"]:
                ctx["next_opening"] = selectors.next_opening_after(office, service, day)
        except FrontOfficeError as exc:
            ctx["error"], status = str(exc), 400
    ctx["tickets"] = list(selectors.my_tickets(request.user)[:50])
    return render(request, "portal/book.html", ctx, status=status)


@login_required(login_url="sign-in")
def home_visit(request):
    _recipient(request.user)
    now = timezone.now()
    offered = home_visit_services(timezone.localdate(now))
    offices = {o.code: o for o in StateCorpOffice.objects.all()}
    ctx = {"offered": offered, "offices": offices.values(), "form": request.POST, "status_code": 200}
    if request.method == "POST":
        try:
            visit = actions.request_home_visit(
                service_slug=_choice(request.POST.get("service", ""), offered["services"]) or "-",
                via="portal",
                requested_by=request.user,
                recipient_iin=request.user.iin,
                recipient_name=request.POST.get("name", "")[:240],
                address=request.POST.get("address", "")[:300],
                phone=request.POST.get("phone", "")[:32],
                office=offices.get(request.POST.get("office", "")),
                declared_impairment=request.POST.get("impairment") == "yes",
                at=now,
            )
        except FrontOfficeError as exc:
            ctx["error"], ctx["status_code"] = str(exc), 400
        else:
            messages.success(request, _("Your request %(ref)s is recorded.") % {"ref": visit.reference})
            return redirect("portal:home-visit")
    ctx["visits"] = list(selectors.home_visits_requested_by(request.user)[:50])
    return render(request, "portal/home_visit.html", ctx, status=ctx["status_code"])
