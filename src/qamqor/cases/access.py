"""Who may see which case, and the log of every read of personal data.

A recipient sees only their own applications; a provider's officer or head only their provider's;
a front-office operator only their office's; auditors and administrators see all (and their reads
are logged like everyone's). Complaints reviewers see the cases of their provider when they have
one, else none here (the complaints app grants its own access).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.models import PROVIDER_ROLES, Role
from qamqor.audit.services import log_reads
from qamqor.cases.exceptions import AccessDenied
from qamqor.cases.models import Application

SEE_ALL = (Role.AUDITOR, Role.ADMINISTRATOR)


def cases_visible_to(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("applicant", "provider", "office")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return qs.none()
    role = getattr(user, "role", None)
    if role in SEE_ALL:
        return qs
    if role == Role.RECIPIENT:
        return qs.filter(applicant__iin=user.iin) if user.iin else qs.none()
    if role in PROVIDER_ROLES or role == Role.COMPLAINTS_REVIEWER:
        return qs.filter(provider_id=user.provider_id) if user.provider_id else qs.none()
    if role == Role.FRONT_OFFICE_OPERATOR:
        return qs.filter(office_id=user.office_id) if user.office_id else qs.none()
    return qs.none()


def log_personal_data_access(user, case: Application, purpose: str, *, at: dt.datetime | None = None) -> None:
    """Log a read of the applicant's and the children's personal data in this case."""
    subjects = [(case.applicant.iin, "applicant")] + [(c.iin, "child") for c in case.children.all()]
    log_reads(user, subjects=subjects, purpose=purpose, case_id=case.pk, case_number=case.number, at=at)


def get_case_for(user, case_id, *, purpose: str = "view", at: dt.datetime | None = None) -> Application:
    """The case if `user` may see it (the read is logged), else `AccessDenied` (also for a missing id,
    so that ids of other people's cases cannot be probed)."""
    lookup = {"number": case_id} if isinstance(case_id, str) and not case_id.isdigit() else {"pk": case_id}
    case = cases_visible_to(user).filter(**lookup).first()
    if case is None:
        raise AccessDenied(_("No such case, or you may not see it."))
    log_personal_data_access(user, case, purpose, at=at)
    return case
