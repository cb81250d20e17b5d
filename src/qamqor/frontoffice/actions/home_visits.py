"""Home visits (`000_e53799d7e328390d.txt` §13): for recipients with a lasting impairment of body
functions who have fully or partly lost the ability to care for themselves, to move on their own or
to find their way, State Corporation employees take the documents at their place of residence, on a
request through the Unified Contact Centre 1414, 8 800 080 7777.

The steps: `request_home_visit` (through the contact centre, the text's way; through the portal, a
reading the definition marks as interpretation), `schedule_home_visit` (a moment in the office's
hours, an operator of the office assigned), `record_home_intake` (the application the documents taken
at home became: filed through the same intake as the counter, `cases.actions.intake.submit` with
`home_visit=`, by the page that calls both). Which versions provide for it, the request channels and
the source of the eligibility fact are the catalogue's (`home_visit:` of a version).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qamqor.frontoffice.actions.common import aware, local_day, office_schedule, version_at_office
from qamqor.frontoffice.exceptions import FrontOfficeError
from qamqor.frontoffice.models import HomeVisit, VisitStatus
from qamqor.rules.iin import InvalidIin, validate_iin

OPERATOR = "front_office_operator"


def provision(service_slug: str, day: dt.date, catalog=None):
    """The version in force on `day` and its home-visit provision; refused where it has none."""
    version = version_at_office(service_slug, day, catalog)
    if version.home_visit is None:
        raise FrontOfficeError(
            _("The legal texts of this service in force on %(day)s provide for no home visit.")
            % {"day": f"{day:%d.%m.%Y}"},
            code="no_home_visit",
            details={"unknown": [u.reason for u in version.unknown if u.field == "home_visit"]},
        )
    return version, version.home_visit


def request_home_visit(
    *,
    service_slug: str,
    via: str,
    requested_by,
    recipient_iin: str,
    recipient_name: str,
    address: str,
    office,
    declared_impairment: bool,
    at: dt.datetime,
    phone: str = "",
    catalog=None,
) -> HomeVisit:
    aware(at)
    version, rule = provision(service_slug, local_day(at), catalog)
    if not rule.accepts_request(via):
        raise FrontOfficeError(
            _("A home visit is not requested this way (%(via)s).") % {"via": via}, code="request_channel"
        )
    role = getattr(requested_by, "role", "")
    if via == "portal" and (role != "recipient" or requested_by.iin != recipient_iin):
        raise FrontOfficeError(_("On the portal a recipient asks for themself."), code="portal_requester")
    if via == "contact_centre" and role != OPERATOR:
        raise FrontOfficeError(
            _("A contact-centre request is recorded by a State Corporation operator."),
            code="contact_centre_requester",
        )
    try:
        validate_iin(recipient_iin)
    except InvalidIin as exc:
        raise FrontOfficeError(_("Invalid IIN: %(reason)s") % {"reason": exc}, code="invalid_iin") from exc
    if not address.strip() or not recipient_name.strip():
        raise FrontOfficeError(_("Give the recipient's name and the address of the visit."), code="address")
    if declared_impairment is not True:
        raise FrontOfficeError(
            _("A home visit is for recipients with a lasting impairment as the text describes it."),
            code="not_eligible",
        )
    return HomeVisit.objects.create(
        reference=f"HV-{local_day(at):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}",
        service_slug=service_slug,
        catalogue_version=version.id,
        requested_via=via,
        requested_at=at,
        requested_by=requested_by,
        recipient_iin=recipient_iin,
        recipient_name=recipient_name.strip(),
        address=address.strip(),
        phone=phone.strip(),
        eligibility={
            "declared": True,
            "sources": list(rule.eligibility_sources),
            "certainty": rule.eligibility_certainty,
            "via_interpreted": via in rule.interpreted_request_channels,
            "eligible": rule.eligible.as_dict(),
            "note": rule.note,
        },
        office=office,
        citation=rule.citation.as_dict(),
    )


def _office_operator(user, office) -> None:
    if getattr(user, "role", "") != OPERATOR or user.office_id != office.pk:
        raise FrontOfficeError(
            _("Only an operator of this office works its home visits."), code="not_operator"
        )


def schedule_home_visit(
    visit: HomeVisit, *, operator, assignee, when: dt.datetime, at: dt.datetime, catalog=None
):
    """Fix the visit's moment (in the office's hours under the version in force that day) and the
    operator who goes."""
    aware(at)
    aware(when)
    _office_operator(operator, visit.office)
    _office_operator(assignee, visit.office)
    version, _rule = provision(visit.service_slug, local_day(when), catalog)
    schedule = office_schedule(version, visit.office)
    if when <= at:
        raise FrontOfficeError(_("A visit is scheduled for a later moment."), code="visit_past")
    if not schedule.is_open(when):
        opens = schedule.next_opening(when)
        raise FrontOfficeError(
            _("The State Corporation does not work at that time: it next opens on %(when)s.")
            % {"when": f"{opens:%d.%m.%Y %H:%M}"},
            code="office_closed",
            details={"next_opening": opens.isoformat(), "schedule": schedule.id},
        )
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status == VisitStatus.DOCUMENTS_ACCEPTED:
            raise FrontOfficeError(_("The documents of this visit were already accepted."), code="visit_done")
        locked.status, locked.scheduled_for, locked.operator = VisitStatus.SCHEDULED, when, assignee
        locked.save(update_fields=["status", "scheduled_for", "operator"])
        return locked


def check_home_intake(visit: HomeVisit, *, operator) -> None:
    """Before the intake: the visit is scheduled and this operator is the one assigned."""
    if visit.status != VisitStatus.SCHEDULED:
        raise FrontOfficeError(
            _("Schedule the visit before accepting the documents."), code="visit_not_scheduled"
        )
    if visit.operator_id != getattr(operator, "pk", None):
        raise FrontOfficeError(
            _("Only the operator assigned to the visit accepts the documents."), code="not_assigned"
        )


def record_home_intake(visit: HomeVisit, *, application_id: int, operator, at: dt.datetime) -> HomeVisit:
    """The documents taken at home became the application `application_id` (filed through the
    counter's intake with `home_visit=visit.reference`)."""
    aware(at)
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        check_home_intake(locked, operator=operator)
        locked.status, locked.application_id, locked.accepted_at = (
            VisitStatus.DOCUMENTS_ACCEPTED,
            application_id,
            at,
        )
        locked.save(update_fields=["status", "application", "accepted_at"])
        return locked
