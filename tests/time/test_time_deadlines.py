"""Registration, terms, steps and explanations, with hand-made catalogue values."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import at
from qamqor.rules.calendar import ALMATY
from qamqor.rules.deadlines import DeadlineError, compute_deadline, due_date, registration_date, render
from qamqor.rules.schedules import get_schedule
from qamqor.rules.types import Citation, StepRule, Term

D = dt.date
S003 = "003_4cf6e905af0d21d2.txt"


def C(clause, source=S003):
    return Citation(source, clause)


MEETING = Term(5, "working_days", C("annex 2 row 3"))
MEETING_STEPS = (
    StepRule("courier_to_provider", 1, "working_days", C("§6")),
    StepRule("completeness_check", 1, "working_days", C("§7")),
    StepRule("decision", 3, "working_days", C("§9")),
    StepRule("preliminary_refusal", 3, "working_days", C("§9")),
    StepRule("hearing_objection", 2, "working_days", Citation("Administrative Procedural Code", "art. 73")),
    StepRule("final_decision", 1, "working_days", C("§9")),
    StepRule("result_to_state_corp", 1, "calendar_days", C("§4 item 1", "000_e53799d7e328390d.txt")),
    StepRule("custody", 1, "calendar_months", C("§11")),
    StepRule("complaint_forwarding", 3, "working_days", C("§13")),
    StepRule("complaint_review_provider", 5, "working_days", C("§13")),
    StepRule("complaint_review_authority", 15, "working_days", C("§13")),
)
GUARDIANSHIP = Term(19, "working_days", C("annex 1 row 3", "001_9090383b8961739a.txt"))
CERTIFICATE = Term(30, "minutes", C("row 3", "004_b3169fa141ba7fa6.txt"))


# --- registration -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        (at(2026, 3, 19, 18, 29), D(2026, 3, 19)),  # Thursday, before 18:30
        (at(2026, 3, 19, 18, 31), D(2026, 3, 20)),  # after 18:30: next working day
        (at(2026, 3, 19, 18, 30), D(2026, 3, 20)),  # 18:30 is the end of working time
        (at(2026, 3, 19, 7, 0), D(2026, 3, 19)),  # before 9:00 is not "after working hours"
        (at(2026, 3, 20, 18, 31), D(2026, 3, 26)),  # Friday evening before Nauryz
        (at(2026, 3, 21, 10, 0), D(2026, 3, 26)),  # a holiday on a Saturday
        (at(2026, 5, 27, 12, 0), D(2026, 5, 28)),  # Kurban Ait
        (at(2024, 5, 4, 12, 0), D(2024, 5, 4)),  # the worked Saturday of 2024
        (at(2025, 1, 5, 19, 0), D(2025, 1, 6)),  # the worked Sunday of 2025, after hours
    ],
)
def test_portal_after_hours_rule(submitted, expected):
    assert registration_date("portal", submitted) == expected


def test_portal_rule_uses_almaty_time_across_the_2024_zone_change():
    utc = dt.UTC
    # 2024-02-15: UTC+6 → 12:29Z is 18:29 local
    assert registration_date("portal", dt.datetime(2024, 2, 15, 12, 29, tzinfo=utc)) == D(2024, 2, 15)
    assert registration_date("portal", dt.datetime(2024, 2, 15, 12, 31, tzinfo=utc)) == D(2024, 2, 16)
    # 2026-03-19: UTC+5 → 13:29Z is 18:29 local, 12:31Z is 17:31
    assert registration_date("portal", dt.datetime(2026, 3, 19, 13, 29, tzinfo=utc)) == D(2026, 3, 19)
    assert registration_date("portal", dt.datetime(2026, 3, 19, 13, 31, tzinfo=utc)) == D(2026, 3, 20)


def test_offices_register_on_the_day_of_acceptance():
    for channel in ("provider", "state_corp", "education_org"):
        assert registration_date(channel, at(2026, 3, 19, 18, 45)) == D(2026, 3, 19)
    # a State Corporation duty office on Saturday
    assert registration_date("state_corp", at(2026, 4, 4, 11, 0), get_schedule("state-corp-duty")) == D(
        2026, 4, 4
    )


def test_naive_datetimes_and_unknown_channels_are_refused():
    with pytest.raises(ValueError):
        registration_date("portal", dt.datetime(2026, 3, 19, 18, 0))
    with pytest.raises(ValueError):
        due_date(MEETING, "portal", dt.datetime(2026, 3, 19, 18, 0))
    with pytest.raises(DeadlineError):
        compute_deadline(MEETING, MEETING_STEPS, "fax", at(2026, 3, 19))


# --- the term -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("term", "channel", "submitted", "due"),
    [
        (MEETING, "provider", at(2026, 3, 20), D(2026, 4, 1)),  # 26, 27, 30, 31, 1
        (MEETING, "state_corp", at(2026, 3, 20), D(2026, 4, 1)),  # the acceptance day is not counted
        (MEETING, "portal", at(2026, 3, 19, 18, 29), D(2026, 3, 31)),
        (MEETING, "portal", at(2026, 3, 19, 18, 31), D(2026, 4, 1)),
        (MEETING, "provider", at(2026, 5, 6), D(2026, 5, 15)),  # 7 May, 9 May (Sat) → 11 May
        (MEETING, "provider", at(2024, 5, 2), D(2024, 5, 13)),  # 3, 4 (worked Sat), 6, 10, 13
        (MEETING, "provider", at(2024, 12, 30), D(2025, 1, 9)),  # 31, 5 (worked Sun), 6, 8, 9
        (GUARDIANSHIP, "state_corp", at(2026, 3, 2), D(2026, 4, 2)),
        (GUARDIANSHIP, "portal", at(2026, 3, 20, 20, 0), D(2026, 4, 22)),  # registered 26.03
    ],
)
def test_due_dates(term, channel, submitted, due):
    result = compute_deadline(term, MEETING_STEPS, channel, submitted)
    assert result.due == due
    assert due_date(term, channel, submitted) == due


def test_minute_terms_run_around_the_clock():
    submitted = at(2026, 3, 22, 23, 50)  # Nauryz, a Sunday, late evening
    result = compute_deadline(CERTIFICATE, (), "portal", submitted)
    assert result.registered_on == D(2026, 3, 22)
    assert result.due == dt.datetime(2026, 3, 23, 0, 20, tzinfo=ALMATY)
    assert result.due.utcoffset() == dt.timedelta(hours=5)
    assert result.as_dict()["due"] == "2026-03-23T00:20:00+05:00"


# --- steps --------------------------------------------------------------------------------------
def test_state_corporation_steps():
    r = compute_deadline(MEETING, MEETING_STEPS, "state_corp", at(2026, 3, 20))
    due = {s.step: s.due for s in r.steps}
    assert due["courier_to_provider"] == D(2026, 3, 26)
    assert due["completeness_check"] == D(2026, 3, 27)
    assert due["decision"] == D(2026, 4, 1)
    assert due["preliminary_refusal"] == D(2026, 3, 27)  # due − 3 WD
    assert due["hearing_objection"] == D(2026, 3, 31)
    assert due["final_decision"] == D(2026, 4, 1)
    assert due["result_to_state_corp"] == D(2026, 3, 31)
    assert due["custody"] == D(2026, 4, 30)
    assert due["complaint_forwarding"] is None  # waits for a complaint
    assert r.step("complaint_forwarding").waiting_for == "complaint_registered"
    assert r.step("courier_to_provider").citation == C("§6")


def test_provider_channel_has_no_state_corporation_steps():
    r = compute_deadline(MEETING, MEETING_STEPS, "provider", at(2026, 3, 20))
    codes = [s.step for s in r.steps]
    assert (
        "courier_to_provider" not in codes and "result_to_state_corp" not in codes and "custody" not in codes
    )
    assert r.step("completeness_check").due == D(2026, 3, 26)  # received on the day of registration
    assert r.step("decision").due == D(2026, 3, 31)


def test_a_step_the_catalogue_lacks_is_not_emitted():
    r = compute_deadline(
        MEETING, [StepRule("completeness_check", 1, "working_days", C("§7"))], "provider", at(2026, 3, 20)
    )
    assert [s.step for s in r.steps] == ["completeness_check"]


def test_without_a_hearing_term_the_final_decision_stays_within_the_term():
    steps = [s for s in MEETING_STEPS if s.step != "hearing_objection"]
    r = compute_deadline(MEETING, steps, "provider", at(2026, 3, 20))
    assert r.step("final_decision").due == r.due
    r = compute_deadline(MEETING, steps, "provider", at(2026, 3, 20), events={"hearing": D(2026, 3, 30)})
    assert r.step("final_decision").due == D(2026, 3, 31)


def test_result_to_state_corp_before_a_monday_due_date():
    # due Monday 30.03.2026 → "one day before" is Sunday → the last working day before: Friday 27.03
    r = compute_deadline(MEETING, MEETING_STEPS, "state_corp", at(2026, 3, 18))
    assert r.due == D(2026, 3, 30)
    assert r.step("result_to_state_corp").due == D(2026, 3, 27)


def test_calendar_terms_ending_on_a_non_working_day_move_forward():
    # custody: one month from 09.04.2026 ends on Saturday 09.05.2026 (Victory Day) → Tuesday 12.05
    r = compute_deadline(
        MEETING, MEETING_STEPS, "state_corp", at(2026, 3, 20), events={"result_at_state_corp": D(2026, 4, 9)}
    )
    custody = r.step("custody")
    assert custody.due == D(2026, 5, 12)
    assert any(e.kind == "extension" and e.source.clause == "art. 175" for e in custody.explanation)
    # the relatives' certificate: one calendar year from 22.03.2025 → Sunday 22.03.2026 → 26.03.2026
    cert = StepRule("relatives_certificate", 1, "calendar_years", C("§15-1", "001_9090383b8961739a.txt"))
    r = compute_deadline(
        GUARDIANSHIP, [cert], "state_corp", at(2025, 3, 3), events={"placement_decision": D(2025, 3, 22)}
    )
    assert r.step("relatives_certificate").due == D(2026, 3, 26)


def test_complaint_terms_from_registration():
    r = compute_deadline(
        MEETING, MEETING_STEPS, "provider", at(2026, 3, 2), events={"complaint_registered": D(2026, 3, 19)}
    )
    assert r.step("complaint_forwarding").due == D(2026, 3, 27)  # 20, 26, 27
    assert r.step("complaint_review_provider").due == D(2026, 3, 31)  # 20, 26, 27, 30, 31
    assert r.step("complaint_review_authority").due == D(2026, 4, 14)


# --- explanations -------------------------------------------------------------------------------
def test_explanation_names_every_skipped_day_and_the_clauses():
    r = compute_deadline(MEETING, MEETING_STEPS, "state_corp", at(2026, 3, 20))
    skipped = [
        (e.date, e.kind) for e in r.explanation if e.kind in ("weekend", "holiday", "transfer", "decree")
    ]
    assert skipped == [
        (D(2026, 3, 21), "holiday"),
        (D(2026, 3, 22), "holiday"),
        (D(2026, 3, 23), "holiday"),
        (D(2026, 3, 24), "transfer"),
        (D(2026, 3, 25), "transfer"),
        (D(2026, 3, 28), "weekend"),
        (D(2026, 3, 29), "weekend"),
    ]
    nauryz = next(e for e in r.explanation if e.date == D(2026, 3, 23))
    assert nauryz.name.kk == "Наурыз мейрамы" and nauryz.source.source.startswith("Law No. 267")
    reg = r.explanation[0]
    assert reg.kind == "registration" and reg.source == C("§6")
    assert "the day of acceptance is not counted" in reg.text.en
    count = next(e for e in r.explanation if e.kind == "count")
    assert count.source == MEETING.citation
    assert count.text.en == "Term of 5 working days, counted from 21.03.2026: due 01.04.2026 (inclusive)"
    assert any(e.source and e.source.clause == "art. 173" for e in r.explanation)
    en = render(r, "en")
    assert "23.03.2026: Nowruz Holiday — not counted" in en
    assert "24.03.2026: Nowruz Holiday (observed) — not counted" in en
    ru = render(r, "ru")
    assert "23.03.2026: Наурыз мейрамы — не засчитывается" in ru


def test_explanation_of_the_portal_rule_and_worked_days():
    r = compute_deadline(MEETING, (), "portal", at(2026, 3, 19, 18, 31))
    assert r.explanation[0].text.en == (
        "Application made on the portal on 19.03.2026 18:31 (after 18:30): registered on the next working day, 20.03.2026"
    )
    r = compute_deadline(MEETING, (), "provider", at(2024, 5, 2))
    worked = [e for e in r.explanation if e.kind == "worked_day"]
    assert [e.date for e in worked] == [D(2024, 5, 4)] and "— counted" in worked[0].text.en
    decree = next(e for e in r.explanation if e.kind == "decree")
    assert decree.date == D(2024, 5, 8) and decree.text.en.startswith(
        "08.05.2024: Day off transferred from 04.05.2024"
    )


def test_as_dict_contract():
    d = compute_deadline(MEETING, MEETING_STEPS, "state_corp", at(2026, 3, 20)).as_dict()
    assert set(d) >= {"channel", "submitted", "registered_on", "term", "due", "steps", "explanation"}
    assert d["due"] == "2026-04-01" and d["registered_on"] == "2026-03-20"
    assert d["term"]["value"] == 5 and d["term"]["unit"] == "working_days"
    step = next(s for s in d["steps"] if s["step"] == "preliminary_refusal")
    assert step["due"] == "2026-03-27" and step["citation"] == {"source": S003, "clause": "§9"}
