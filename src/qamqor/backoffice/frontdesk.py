"""The State Corporation operator's front-office pages: the queue console (call the next ticket to a
window, start, finish, no-show, a walk-in ticket), the office-day figures (count, mean and p90
waiting and service time, the share within the requirements list's limits, per service) and the home
visits (`000_e53799d7e328390d.txt` §13: a contact-centre request recorded, a visit scheduled and
assigned, the documents accepted at home through the counter's intake). Each POST calls one step."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qamqor.accounts.models import Provider, StateCorpOffice
from qamqor.backoffice.homevisits import accept_documents_at_home
from qamqor.cases.exceptions import CaseError
from qamqor.catalog import active_catalog
from qamqor.frontoffice import actions, selectors
from qamqor.frontoffice.actions.common import bookable_services
from qamqor.frontoffice.actions.queue import queue_of
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.models import HomeVisit, Ticket
from qamqor.frontoffice.pages import home_visit_services, parse_day

OPERATOR = "front_office_operator"
FIGURE_READERS = ("auditor", "administrator")  # any office; an operator reads their own office's


def _operator(user) -> None:
    if getattr(user, "role", "") != OPERATOR:
        raise PermissionDenied(_("Only State Corporation operators work the front office."))


def _window(request) -> int:
    try:
        return int(
            request.POST.get("window") or request.GET.get("window") or request.session.get("window", 1)
        )
    except ValueError:
        return 0


@login_required(login_url="sign-in")
def console(request, error: str = "", status: int = 200):
    _operator(request.user)
    now = timezone.now()
    office = request.user.office
    ctx = {
        "office": office,
        "queue": queue_of(office),
        "window": _window(request),
        "line": list(selectors.waiting_line(office, timezone.localdate(now))[:100]),
        "mine": selectors.open_ticket(request.user),
        "services": bookable_services(timezone.localdate(now)),
        "now": now,
        "error": error,
    }
    return render(request, "backoffice/console.html", ctx, status=status)


def _ticket(request):
    try:
        return Ticket.objects.get(pk=int(request.POST.get("ticket", "")), office=request.user.office)
    except (ValueError, Ticket.DoesNotExist):
        raise Http404 from None


@require_POST
@login_required(login_url="sign-in")
def console_step(request, step: str):
    _operator(request.user)
    now, office, user = timezone.now(), request.user.office, request.user
    try:
        if step == "call":
            window = _window(request)
            ticket = actions.call_next_ticket(office=office, operator=user, window=window, at=now)
            request.session["window"] = window
            note = (
                _("Ticket %(n)s called to window %(w)s.") % {"n": ticket.number, "w": window}
                if ticket
                else _("Nobody is waiting.")
            )
        elif step == "walk-in":
            ticket = actions.issue_walk_in_ticket(
                office=office, service_slug=request.POST.get("service", ""), at=now
            )
            note = _("Walk-in ticket %(n)s issued.") % {"n": ticket.number}
        elif step in ("start", "finish", "no-show"):
            step_action = {
                "start": actions.start_service,
                "finish": actions.finish_service,
                "no-show": actions.mark_no_show,
            }[step]
            ticket = step_action(_ticket(request), operator=user, at=now)
            note = _("Ticket %(n)s: %(status)s.") % {
                "n": ticket.number,
                "status": ticket.get_status_display(),
            }
        else:
            raise Http404
    except FrontOfficeError as exc:
        return console(request, error=str(exc), status=400)
    messages.success(request, note)
    return redirect("backoffice:console")


@login_required(login_url="sign-in")
def figures(request):
    user = request.user
    role = getattr(user, "role", "")
    if role != OPERATOR and role not in FIGURE_READERS:
        raise PermissionDenied(
            _("Only State Corporation operators, auditors and administrators see these figures.")
        )
    now = timezone.now()
    offices = [user.office] if role == OPERATOR else list(StateCorpOffice.objects.all())
    office = next(
        (o for o in offices if o.code == request.GET.get("office")), offices[0] if offices else None
    )
    day, error = parse_day(request.GET.get("day", ""), default=timezone.localdate(now))
    ctx = {"offices": offices, "office": office, "day": day, "error": error}
    ctx["day_text"] = request.GET.get("day") or (day and f"{day:%d.%m.%Y}")
    if office is not None and day is not None:
        end = dt.datetime.combine(day, dt.time(23, 59), tzinfo=timezone.get_current_timezone())
        ctx["figures"] = selectors.office_day_figures(office, day, min(now, end))
    return render(request, "backoffice/figures.html", ctx, status=400 if error else 200)


@login_required(login_url="sign-in")
def home_visits(request, error: str = "", status: int = 200):
    _operator(request.user)
    office = request.user.office
    today = timezone.localdate()
    offered = home_visit_services(today)
    visits = list(selectors.home_visits_of(office)[:200])
    catalog = active_catalog()
    versions = {v.pk: catalog.service(v.service_slug).version_by_id(v.catalogue_version) for v in visits}
    ctx = {
        "office": office,
        "offered": offered,
        "visits": [(v, versions[v.pk]) for v in visits],
        "operators": list(office.staff.filter(role=OPERATOR)),
        "providers": list(Provider.objects.all()),
        "error": error,
        "form": request.POST,
    }
    return render(request, "backoffice/home_visits.html", ctx, status=status)


def _moment(text: str) -> dt.datetime:
    """dd.mm.yyyy HH:MM, local time."""
    naive = dt.datetime.strptime(text.strip(), "%d.%m.%Y %H:%M")
    return timezone.make_aware(naive, timezone.get_current_timezone())


@require_POST
@login_required(login_url="sign-in")
def home_visit_step(request, step: str, pk: int | None = None):
    _operator(request.user)
    now, user, post = timezone.now(), request.user, request.POST
    visit = None
    if pk is not None:
        try:
            visit = HomeVisit.objects.get(pk=pk, office=user.office)
        except HomeVisit.DoesNotExist:
            raise Http404 from None
    try:
        if step == "request" and visit is None:
            visit = actions.request_home_visit(
                service_slug=post.get("service", ""),
                via="contact_centre",
                requested_by=user,
                recipient_iin=post.get("iin", "").strip(),
                recipient_name=post.get("name", "")[:240],
                address=post.get("address", "")[:300],
                phone=post.get("phone", "")[:32],
                office=user.office,
                declared_impairment=post.get("impairment") == "yes",
                at=now,
            )
            note = _("Request %(ref)s recorded.") % {"ref": visit.reference}
        elif step == "schedule" and visit is not None:
            assignee = user.office.staff.filter(pk=post.get("operator") or 0, role=OPERATOR).first()
            when = _moment(post.get("when", ""))
            actions.schedule_home_visit(visit, operator=user, assignee=assignee or user, when=when, at=now)
            note = _("Visit %(ref)s scheduled.") % {"ref": visit.reference}
        elif step == "accept" and visit is not None:
            provider = Provider.objects.filter(code=post.get("provider", "")).first()
            if provider is None:
                raise FrontOfficeError(_("Choose the provider."), code="provider")
            case = accept_documents_at_home(
                visit,
                operator=user,
                at=now,
                provider=provider,
                names={
                    "last_name": post.get("last_name", "")[:120],
                    "first_name": post.get("first_name", "")[:120],
                },
                documents=[{"code": c, "source": "paper"} for c in post.getlist("documents")],
                consent=post.get("consent") == "yes",
            )
            note = _("Documents accepted: application %(n)s.") % {"n": case.number}
        else:
            raise Http404
    except ValueError:
        return home_visits(request, error=_("Write the moment as dd.mm.yyyy HH:MM."), status=400)
    except (FrontOfficeError, CaseError) as exc:
        return home_visits(request, error=str(exc), status=400)
    except ValidationError as exc:
        return home_visits(request, error="; ".join(exc.messages), status=400)
    messages.success(request, note)
    return redirect("backoffice:home-visits")
