"""The Unified Contact Centre (1414): where an application stands, told to a caller who gives the
application's number and their IIN (`003` annex 2 row 10; `002` annex 11 annex 2 row 10; `004` row
10; `catalog/complaints.yaml` `contact_centre`).

The answer is the status, the stage (the last step and its date) and the expected date, and nothing
more about the person (no name, no service, no children, no grounds). A number that does not exist
and an IIN that is not the applicant's get the same answer, so a caller learns nothing by trying.
Every lookup, answered or refused, is written to the personal-data access log (`audit`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qamqor.audit.services import log_reads
from qamqor.cases.exceptions import AccessDenied, CaseError, RoleNotAllowed
from qamqor.cases.models import Application
from qamqor.cases.transitions import Status
from qamqor.catalog.complaints import complaint_rules
from qamqor.complaints.actions.common import now
from qamqor.rules.iin import is_valid_iin

CONTACT_CENTRE = "contact_centre_operator"
PURPOSE_ANSWERED = "contact centre: status told to the caller"
PURPOSE_REFUSED = "contact centre: number and IIN do not match"


class LookupRefused(AccessDenied):
    """No application with this number for this IIN (404; the same whichever of the two is wrong)."""

    code = "not_found"


class BadLookup(CaseError):
    """The input is not a number and a valid IIN (400)."""

    code = "bad_lookup"


def lookup_status(actor, *, number: str, iin: str, at=None) -> dict:
    at = now(at)
    if getattr(actor, "role", None) != CONTACT_CENTRE:
        raise RoleNotAllowed(_("Only a contact-centre operator looks up applications by number."))
    number = str(number or "").strip()
    iin = str(iin or "").strip()
    if not number or len(number) > 40 or not is_valid_iin(iin):
        raise BadLookup(_("Give the application number and the caller's valid IIN."))
    case = (
        Application.objects.filter(number=number)
        .select_related("applicant")
        .only("pk", "number", "status", "due_date", "applicant__iin")
        .first()
    )
    if case is None or case.applicant.iin != iin:
        log_reads(actor, subjects=[(iin, "caller")], purpose=PURPOSE_REFUSED, case_number=number, at=at)
        raise LookupRefused(_("No application with this number for this IIN."))
    last = case.events.order_by("-seq").values("to_status", "at").first()
    log_reads(
        actor,
        subjects=[(iin, "caller")],
        purpose=PURPOSE_ANSWERED,
        case_id=case.pk,
        case_number=number,
        at=at,
    )
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "stage": {
            "status": last["to_status"] if last else case.status,
            "since": last["at"] if last else None,
        },
        "expected_date": case.due_date,
        "legal_basis": complaint_rules().contact_centre.basis.as_dict(),
    }
