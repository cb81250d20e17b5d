"""The front office's steps: the electronic queue (`queue`) and home visits (`home_visits`)."""

from qamqor.frontoffice.actions.home_visits import (
    record_home_intake,
    request_home_visit,
    schedule_home_visit,
)
from qamqor.frontoffice.actions.queue import (
    book_slot,
    call_next_ticket,
    finish_service,
    issue_walk_in_ticket,
    mark_no_show,
    start_service,
)

__all__ = [
    "book_slot",
    "call_next_ticket",
    "finish_service",
    "issue_walk_in_ticket",
    "mark_no_show",
    "record_home_intake",
    "request_home_visit",
    "schedule_home_visit",
    "start_service",
]
