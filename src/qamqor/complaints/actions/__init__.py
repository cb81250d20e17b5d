"""The steps of a complaint, each named after it: `file_complaint`, `forward_complaint`,
`satisfy_complaint_fully`, `answer_complaint`, `escalate_complaint`; and the contact centre's
`lookup_status`. Statuses change only through `common.step` (the complaint's transition table and
an append-only event)."""

from qamqor.complaints.actions.common import ComplaintError
from qamqor.complaints.actions.contact import LookupRefused, lookup_status
from qamqor.complaints.actions.filing import escalate_complaint, file_complaint, forward_complaint
from qamqor.complaints.actions.review import answer_complaint, satisfy_complaint_fully

__all__ = [
    "ComplaintError",
    "LookupRefused",
    "answer_complaint",
    "escalate_complaint",
    "file_complaint",
    "forward_complaint",
    "lookup_status",
    "satisfy_complaint_fully",
]
