"""The complaints tests run in the case tests' world (tests/cases/conftest.py: its small catalogue,
its provider, office and officials), with the applicant's account and the reviewers added."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.conftest import _use_case_catalog, case_catalog, world  # noqa: F401  (fixtures reused)
from helpers import at, submit_meeting


@pytest.fixture
def people(world):  # noqa: F811
    from qamqor.accounts.models import Role, User

    w = world
    mk = User.objects.create_user
    User.objects.filter(pk=w.recipient.pk).update(language="ru")  # the answer comes in Russian
    w.recipient.refresh_from_db()
    w.reviewer = mk("reviewer", role=Role.COMPLAINTS_REVIEWER, provider=w.dept)
    w.authority = mk("authority", role=Role.COMPLAINTS_REVIEWER)  # the authorised body: no provider
    w.other_reviewer = mk("reviewer2", role=Role.COMPLAINTS_REVIEWER, provider=w.other_dept)
    w.contact = mk("c1414", role=Role.CONTACT_CENTRE_OPERATOR)
    return w


@pytest.fixture
def refused(people):
    """A meeting permission at the provider refused on a false-documents finding (February 2026),
    its motivated refusal issued."""
    from qamqor.cases import actions as sv

    w = people
    case = submit_meeting(w, "provider", at(2026, 2, 2, 10), children=[w.child])
    sv.register_at_provider(case, actor=w.officer, at=at(2026, 2, 2, 10, 5))
    sv.check_completeness(case, actor=w.officer, at=at(2026, 2, 3, 9))
    sv.start_review(case, actor=w.officer, at=at(2026, 2, 3, 9, 30))
    sv.decide(
        case,
        actor=w.officer,
        at=at(2026, 2, 3, 16),
        findings={"officer.false_documents": True},
        evidence={"officer.false_documents": "The court decision's number is not in the court registry."},
        hearing_at=at(2026, 2, 5, 11),
        hearing_place="Room 12",
    )
    sv.hold_hearing(case, actor=w.officer, position="I object", at=at(2026, 2, 5, 11, 30))
    sv.decide(case, actor=w.head, at=at(2026, 2, 6, 10))
    sv.issue_result(case, actor=w.officer, at=at(2026, 2, 6, 11))
    case.refresh_from_db()
    w.case = case
    w.refusal = case.decisions.get(kind="final_refusal")
    return w


def details() -> dict:
    return {
        "complainant_name": "Әбенова Айгүл",
        "postal_address": "Almaty, Abay 10-5",
        "phone": "+77010000000",
    }


D = dt.date
