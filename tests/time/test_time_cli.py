"""`qamqor deadline`, `qamqor calendar`, `qamqor workdays` — and each service's term through each channel."""

from __future__ import annotations

import json

import pytest

from helpers import run_cli


def run_json(capsys, *argv):
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# --- workdays -----------------------------------------------------------------------------------
def test_workdays_add_and_between(capsys):
    assert run_cli(capsys, "workdays", "add", "2026-03-20", "3")[1].strip() == "30.03.2026"
    assert run_cli(capsys, "workdays", "add", "2026-03-26", "-1")[1].strip() == "20.03.2026"
    assert run_cli(capsys, "workdays", "between", "2026-03-20", "2026-03-30")[1].strip() == "3"
    assert run_cli(capsys, "workdays", "between", "2026-03-30", "2026-03-20")[1].strip() == "-3"
    assert run_json(capsys, "workdays", "add", "2024-05-03", "1")["result"] == "2024-05-04"


@pytest.mark.parametrize(
    "argv",
    [
        ("workdays", "add", "20.03.2026", "3"),
        ("workdays", "add", "2026-03-20", "three"),
        ("workdays", "between", "2026-02-30", "2026-03-01"),
        ("workdays", "add", "2035-12-30", "10"),
        ("calendar", "1990"),
        ("calendar", "twenty"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("qamqor: ") and err.count("\n") == 1 and "Traceback" not in err


# --- calendar -----------------------------------------------------------------------------------
def test_calendar_json(capsys):
    data = run_json(capsys, "calendar", "2026")
    assert data["year"] == 2026 and data["worked_days"] == []
    days = {d["date"]: d for d in data["non_working_days"]}
    assert days["2026-03-24"]["kind"] == "transfer"
    assert days["2026-05-27"]["names"]["ru"] == "Курбан айт"
    assert all(d["source"]["source"] for d in data["non_working_days"])
    data = run_json(capsys, "calendar", "2024")
    assert data["worked_days"][0]["date"] == "2024-05-04" and data["worked_days"][0]["source"]["clause"]


def test_calendar_text_uses_dd_mm_yyyy(capsys):
    code, out, _ = run_cli(capsys, "calendar", "2025", "--lang", "en")
    assert code == 0
    assert any(line.startswith("03.01.2025  decree") for line in out.splitlines())
    assert any(line.startswith("05.01.2025  worked") for line in out.splitlines())


# --- deadline -----------------------------------------------------------------------------------
def test_deadline_json_contract(capsys):
    d = run_json(
        capsys,
        "deadline",
        "parent-meeting-permission",
        "--channel",
        "state_corp",
        "--submitted",
        "2026-03-20T10:00+05:00",
    )
    for key in ("slug", "channel", "submitted", "registered_on", "term", "due", "steps", "explanation"):
        assert key in d
    assert d["slug"] == "parent-meeting-permission" and d["registered_on"] == "2026-03-20"
    assert d["term"] == {"value": 5, "unit": "working_days", "citation": d["term"]["citation"]}
    assert d["due"] == "2026-04-01"
    steps = {s["step"]: s for s in d["steps"]}
    assert {"completeness_check", "preliminary_refusal", "final_decision"} <= set(steps)
    assert steps["preliminary_refusal"]["due"] == "2026-03-27"
    assert steps["courier_to_provider"]["due"] == "2026-03-26"
    assert all(s["citation"]["source"] and s["citation"]["clause"] for s in d["steps"])
    assert any(e["kind"] == "transfer" and e["date"] == "2026-03-24" for e in d["explanation"])


def test_deadline_portal_after_hours_through_the_cli(capsys):
    args = ("deadline", "camp-referral", "--channel", "portal", "--submitted")
    assert run_json(capsys, *args, "2026-03-19T18:29+05:00")["due"] == "2026-03-31"
    late = run_json(capsys, *args, "2026-03-19T18:31+05:00")
    assert late["registered_on"] == "2026-03-20" and late["due"] == "2026-04-01"
    # no offset: read as Almaty time
    assert run_json(capsys, *args, "2026-03-19T18:31")["registered_on"] == "2026-03-20"


def test_deadline_minutes_gives_an_aware_datetime(capsys):
    d = run_json(
        capsys,
        "deadline",
        "guardianship-certificate",
        "--channel",
        "portal",
        "--submitted",
        "2026-03-22T23:50+05:00",
    )
    assert d["due"] == "2026-03-23T00:20:00+05:00" and d["term"]["unit"] == "minutes"


def test_deadline_text_mode(capsys):
    code, out, _ = run_cli(
        capsys,
        "deadline",
        "parent-meeting-permission",
        "--channel",
        "provider",
        "--submitted",
        "2026-03-20T10:00+05:00",
        "--lang",
        "en",
    )
    assert code == 0 and "due: 01.04.2026" in out and "23.03.2026: Nowruz Holiday — not counted" in out
    assert "preliminary_refusal: 27.03.2026" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            (
                "deadline",
                "parent-meeting-permission",
                "--channel",
                "portal",
                "--submitted",
                "2026-03-20T10:00",
            ),
            "not offered",
        ),
        (
            ("deadline", "no-such-service", "--channel", "portal", "--submitted", "2026-03-20T10:00"),
            "unknown service",
        ),
        (
            ("deadline", "parent-meeting-permission", "--channel", "provider", "--submitted", "yesterday"),
            "malformed",
        ),
        (
            ("deadline", "school-meals", "--channel", "provider", "--submitted", "2026-03-20T10:00"),
            "incomplete source",
        ),
        (
            ("deadline", "patronage-placement", "--channel", "portal", "--submitted", "2026-03-20T10:00"),
            "no version",
        ),
        (
            ("deadline", "camp-referral", "--channel", "fax", "--submitted", "2026-03-20T10:00"),
            "invalid choice",
        ),
    ],
)
def test_deadline_user_errors(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


# --- each service's term through each channel ---------------------------------------------------
# Submitted on Thursday 19.03.2026 at 10:00 (before Nauryz), unless another day is given.
SERVICES = [
    ("parent-meeting-permission", "provider", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("parent-meeting-permission", "state_corp", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("camp-referral", "provider", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("camp-referral", "state_corp", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("camp-referral", "education_org", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("camp-referral", "portal", "2026-03-19T10:00+05:00", None, "2026-03-31"),
    ("foster-family-placement", "provider", "2026-03-19T10:00+05:00", None, "2026-04-07"),
    ("foster-family-placement", "portal", "2026-03-19T10:00+05:00", None, "2026-04-07"),
    ("guardianship-establishment", "state_corp", "2026-03-19T10:00+05:00", None, "2026-04-20"),
    ("guardianship-establishment", "portal", "2026-03-19T10:00+05:00", None, "2026-04-20"),
    ("guardianship-certificate", "portal", "2026-03-19T10:00+05:00", None, "2026-03-19T10:30:00+05:00"),
    # patronage (repealed 2023): Tuesday 10.01.2023
    ("patronage-placement", "portal", "2023-01-10T10:00+06:00", None, "2023-01-24"),
    # the earlier standard of the meeting permission: 8 March 2019 (Friday) is skipped
    ("parent-meeting-permission", "provider", "2019-03-05T10:00+06:00", None, "2019-03-13"),
    ("parent-meeting-permission", "state_corp", "2019-03-05T10:00+06:00", None, "2019-03-13"),
]


@pytest.mark.parametrize(
    ("slug", "channel", "submitted", "on", "due"),
    SERVICES,
    ids=[f"{s[0]}-{s[1]}-{s[2][:4]}" for s in SERVICES],
)
def test_each_service_term_through_each_channel(capsys, slug, channel, submitted, on, due):
    argv = ["deadline", slug, "--channel", channel, "--submitted", submitted]
    if on:
        argv += ["--on-version", on]
    d = run_json(capsys, *argv)
    assert d["due"] == due
    assert d["term"]["citation"]["source"] and d["term"]["citation"]["clause"]


def test_every_offered_channel_of_every_current_version_is_covered():
    from qamqor.catalog import load_catalog

    covered = {(s, c) for s, c, *_ in SERVICES}
    cat = load_catalog()
    for slug, svc in cat.services.items():
        for v in svc.versions:
            if v.term is None:
                continue
            for ch in v.channels:
                assert (slug, ch.channel) in covered, (slug, v.id, ch.channel)


def test_earlier_standard_delivers_the_result_a_day_before(capsys):
    d = run_json(
        capsys,
        "deadline",
        "parent-meeting-permission",
        "--channel",
        "state_corp",
        "--submitted",
        "2019-03-05T10:00+06:00",
    )
    steps = {s["step"]: s for s in d["steps"]}
    assert steps["result_to_state_corp"]["due"] == "2019-03-12"
    assert steps["result_to_state_corp"]["citation"]["source"] == "000_e53799d7e328390d.txt"
