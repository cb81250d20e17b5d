"""Template context of every page: whether this is the demo (the pages then say so; issue 15), and
which roles have a work queue (the pages' menu links to it)."""

from __future__ import annotations

from django.conf import settings


def mode(request) -> dict:
    from qamqor.backoffice.impact import IMPACT_ROLES
    from qamqor.cases.compliance import DASHBOARD_ROLES
    from qamqor.cases.selectors import QUEUE_ROLES
    from qamqor.complaints.selectors import QUEUE_ROLES as COMPLAINT_ROLES

    return {
        "qamqor_demo": settings.QAMQOR_DEMO,
        "staff_roles": QUEUE_ROLES,
        "complaint_roles": COMPLAINT_ROLES,
        "dashboard_roles": DASHBOARD_ROLES,
        "impact_roles": IMPACT_ROLES,
    }
