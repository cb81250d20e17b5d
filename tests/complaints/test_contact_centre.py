"""The contact centre's lookup: status, stage and expected date for the right number and IIN;
the same refusal for a wrong IIN as for an unknown number; every lookup in the access log."""

from __future__ import annotations

import pytest

from helpers import at
from qamqor.audit.models import PersonalDataAccess
from qamqor.cases.exceptions import RoleNotAllowed
from qamqor.complaints import actions as ca
from qamqor.complaints.actions.contact import BadLookup

pytestmark = pytest.mark.django_db


def test_the_right_caller_hears_status_stage_and_date_and_nothing_more(refused):
    w = refused
    answer = ca.lookup_status(w.contact, number=w.case.number, iin=w.parent.iin, at=at(2026, 3, 2, 10))
    assert answer["status"] == "result_issued" and answer["expected_date"] == w.case.due_date
    assert answer["stage"]["status"] == "result_issued"
    text = repr(answer)
    for secret in (w.parent.iin, w.child.iin, w.parent.last_name, "false_documents", "parent-meeting"):
        assert secret not in text
    log = PersonalDataAccess.objects.filter(actor=w.contact).get()
    assert log.case_id == w.case.pk and log.subject_iin == w.parent.iin and "status told" in log.purpose


def test_a_wrong_iin_is_refused_as_an_unknown_number_and_both_are_logged(refused):
    w = refused
    with pytest.raises(ca.LookupRefused) as wrong:
        ca.lookup_status(w.contact, number=w.case.number, iin=w.other_person.iin)
    with pytest.raises(ca.LookupRefused) as unknown:
        ca.lookup_status(w.contact, number="NO-SUCH-NUMBER", iin=w.parent.iin)
    assert str(wrong.value) == str(unknown.value) and wrong.value.code == unknown.value.code == "not_found"
    assert wrong.value.details == unknown.value.details == {}
    rows = PersonalDataAccess.objects.filter(actor=w.contact).order_by("id")
    assert [(r.subject_iin, r.case_id, r.case_number) for r in rows] == [
        (w.other_person.iin, None, w.case.number),
        (w.parent.iin, None, "NO-SUCH-NUMBER"),
    ]


def test_only_the_contact_centre_looks_up_and_bad_input_is_refused(refused):
    w = refused
    for someone in (w.officer, w.recipient, w.reviewer, w.auditor):
        with pytest.raises(RoleNotAllowed):
            ca.lookup_status(someone, number=w.case.number, iin=w.parent.iin)
    with pytest.raises(BadLookup):
        ca.lookup_status(w.contact, number=w.case.number, iin="123")
    assert not PersonalDataAccess.objects.filter(actor=w.contact).exists()
