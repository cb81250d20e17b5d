"""Template filters of the complaint pages: a complaint's step and status in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from qamqor.complaints.transitions import ComplaintStatus

register = template.Library()
STEPS = {
    "file_complaint": _("Complaint filed"),
    "forward_complaint": _("Forward to the reviewing body"),
    "satisfy_complaint_fully": _("Satisfy the complaint fully"),
    "answer_complaint": _("Answer the complaint"),
    "escalate_complaint": _("Take the complaint to the authorised body"),
}


@register.filter
def complaint_step_label(name: str) -> str:
    return str(STEPS.get(name, name))


@register.filter
def complaint_status_label(code: str) -> str:
    return str(ComplaintStatus(code).label) if code in ComplaintStatus.values else code
