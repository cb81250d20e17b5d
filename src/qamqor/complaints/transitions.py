"""The explicit transition table of a complaint (its own, beside the case's).

    (new) ──file_complaint──▶ filed ──forward_complaint──▶ in_review ──answer_complaint──▶ answered
                  │              │                            │                              │
                  │              └──satisfy_complaint_fully──▶ satisfied ◀──────────────────┘ (no)
                  └─ (a text without a forwarding step, `000`) ─▶ in_review    escalate_complaint ─▶ escalated

`filed`: the complaint is with the official complained about, who forwards it to the reviewing body
within the forwarding term unless, within that term, they take a decision fully satisfying it
(`003` §13 para 4–5). `in_review`: at the reviewing body (the provider's head, the akimat's head, the
State Corporation's head, or the authorised body for quality assessment and control), to be answered
within its review term. `answered`: a reasoned answer was given; the recipient may take it further
(`escalated`: a new complaint to the authorised body, linked) and then to court.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

RECIPIENT = "recipient"
OPERATOR = "front_office_operator"
OFFICER = "provider_officer"
HEAD = "provider_head"
REVIEWER = "complaints_reviewer"


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("filed, awaiting forwarding")
    IN_REVIEW = "in_review", _("under review")
    SATISFIED = "satisfied", _("fully satisfied")
    ANSWERED = "answered", _("answered")
    ESCALATED = "escalated", _("taken to the authorised body")


OPEN = (ComplaintStatus.FILED, ComplaintStatus.IN_REVIEW)


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    basis: str  # the rule of catalog/complaints.yaml the event cites


C = ComplaintStatus
TABLE: tuple[Step, ...] = (
    Step("file_complaint", ("",), C.FILED, (RECIPIENT, OPERATOR, OFFICER, HEAD, REVIEWER), "addressed"),
    Step("file_complaint", ("",), C.IN_REVIEW, (RECIPIENT, OPERATOR, OFFICER, HEAD, REVIEWER), "addressed"),
    Step("forward_complaint", (C.FILED,), C.IN_REVIEW, (OFFICER, HEAD, OPERATOR, REVIEWER), "forward"),
    Step("satisfy_complaint_fully", (C.FILED,), C.SATISFIED, (OFFICER, HEAD, REVIEWER), "unless_satisfied"),
    Step("satisfy_complaint_fully", (C.IN_REVIEW,), C.SATISFIED, (HEAD, REVIEWER), "review"),
    Step("answer_complaint", (C.IN_REVIEW,), C.ANSWERED, (HEAD, REVIEWER), "answer"),
    Step("escalate_complaint", (C.ANSWERED,), C.ESCALATED, (RECIPIENT,), "escalate"),
)


def step_for(action: str, source: str, target: str | None = None) -> list[Step]:
    return [
        s
        for s in TABLE
        if s.action == action and source in s.sources and (target is None or s.target == target)
    ]
