"""Issue 16: the impact of an amendment before it is signed. A draft of the guardianship definition
without ground 11 (income below the subsistence minimum, 001 annex 1 row 9 item 11) is judged over
the open cases: the case refused only on ground 11 would now wait for the facts that ground made moot
(named), the case refused on 11 and another ground stays refused on the other, the case with no
ground is unchanged; the scalar engine
agrees with the batch on every case; the report counts by direction, ground, provider and month."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from helpers import at, package, run_cli
from qamqor.cases import actions as sv
from qamqor.cases.impact import analyse_impact
from qamqor.cases.models import CaseEvent, Decision
from qamqor.catalog.drafts import draft_without_ground
from qamqor.demo.placements import clean_rows

pytestmark = pytest.mark.django_db
WHEN = at(2026, 3, 2, 11)
SLUG = "guardianship-establishment"
DECLARED = {
    "relation_to_child": "none",
    "monthly_income": 450000,
    "household_size": 3,
    "owns_housing": True,
    "psych_training_certificate": True,
}


def _draft(tmp_path: Path, drop_item: int = 11) -> Path:
    """The shipped definition plus a version from 01.01.2027 without ground `drop_item`."""
    return draft_without_ground(SLUG, drop_item, tmp_path)


def _open_case(world, applicant, child, *, income, findings=None):
    case = sv.submit_application(
        service_slug=SLUG,
        channel="state_corp",
        applicant=applicant,
        children=[child],
        provider=world.astana,
        office=world.office,
        actor=world.operator,
        at=WHEN,
        facts={"applicant": {**DECLARED, "monthly_income": income}},
        consent=True,
        documents=package(SLUG, "state_corp"),
        registered_regions={applicant.iin: world.office.region},  # 001 annex 1 row 7 item 2
    )
    sv.accept_at_front_office(case, actor=world.operator, at=WHEN, originals_returned=True)
    sv.send_by_courier(case, actor=world.operator, at=WHEN)
    sv.receive_at_provider(case, actor=world.officer, at=WHEN)
    sv.check_completeness(case, actor=world.officer, at=WHEN)
    sv.start_review(case, actor=world.officer, at=WHEN)
    sv.collect_registry_data(case, actor=world.officer, at=WHEN)
    if findings:
        evidence = {k: "Court decision 2-123/2025 of the Almaty district court" for k in findings}
        sv.record_official_findings(case, actor=world.officer, findings=findings, evidence=evidence, at=WHEN)
    case.refresh_from_db()
    return case


@pytest.fixture
def cases(pop, world):
    from qamqor.cases.models import Person

    clean, kids = clean_rows(pop)

    def person(row, name):
        return Person.objects.get_or_create(
            iin=pop.iin_of(int(row)), defaults={"last_name": name, "first_name": "S"}
        )[0]

    poor = _open_case(world, person(clean[2], "Poor"), person(kids[2], "C1"), income=1000)
    both = _open_case(
        world,
        person(clean[3], "Both"),
        person(kids[3], "C2"),
        income=1000,
        findings={"applicant.legal_capacity": "incapable"},
    )
    fine = _open_case(world, person(clean[4], "Fine"), person(kids[4], "C3"), income=450000)
    return poor, both, fine


def test_a_draft_without_ground_11_reopens_the_case_refused_only_on_it(cases, tmp_path):
    poor, both, fine = cases
    events, decisions = CaseEvent.objects.count(), Decision.objects.count()

    report = analyse_impact(_draft(tmp_path), check=10)

    assert report.cases == 3 and report.checked_by_scalar == 3  # every case, the scalar engine agreeing
    assert report.draft_version == "draft-2027" and report.judged_on == "2027-01-01"
    changed = {c.number: c for c in report.sample}
    assert set(changed) == {poor.number, both.number}  # the case with no ground is not listed
    # refused only on ground 11, the case would now wait for the facts that ground made moot
    assert (changed[poor.number].before, changed[poor.number].after) == ("refuse", "needs_facts")
    assert report.facts_to_collect == {
        "child.mother_died_or_deprived": 1,
        "child.years_raised_by_applicant": 1,
    }
    assert 11 in changed[both.number].grounds_before and 11 not in changed[both.number].grounds_after
    assert changed[both.number].after == "refuse" and 2 in changed[both.number].grounds_after
    assert report.transitions == {("refuse", "needs_facts"): 1, ("refuse", "refuse"): 1}
    assert report.grounds_no_longer == {11: 2} and not report.grounds_fired_now
    month = {(k[0], k[1]): dict(v) for k, v in report.by_provider_month.items()}
    assert month == {(poor.provider.code, "2026-03"): {("refuse", "needs_facts"): 1, ("refuse", "refuse"): 1}}
    # reading only: nothing about the cases changed
    assert (CaseEvent.objects.count(), Decision.objects.count()) == (events, decisions)


def test_judged_as_submitted_the_draft_changes_nothing_before_its_date(cases, tmp_path):
    report = analyse_impact(_draft(tmp_path), as_submitted=True)
    assert report.cases == 3 and report.changed == 0  # 02.03.2026 falls under the version in force


def test_the_decisions_of_a_past_period_are_judged_again(cases, world, tmp_path):
    poor, _both, _fine = cases
    decision = sv.decide(
        poor, actor=world.head, at=WHEN, hearing_at=at(2026, 3, 5, 11), hearing_place="Room 1"
    )
    assert decision.kind == "preliminary_refusal"

    report = analyse_impact(_draft(tmp_path), decided=(at(2026, 3, 1).date(), at(2026, 3, 31).date()))
    assert report.scope == "decided 2026-03-01..2026-03-31" and report.cases == 1
    assert report.transitions == {("refuse", "needs_facts"): 1}
    assert (
        analyse_impact(_draft(tmp_path), decided=(at(2026, 4, 1).date(), at(2026, 4, 30).date())).cases == 0
    )


def test_the_command_prints_the_report_and_refuses_a_bad_draft(cases, tmp_path, capsys):
    code, out, _err = run_cli(capsys, "impact", "--draft", str(_draft(tmp_path)), "--json")
    assert code == 0
    data = json.loads(out)
    assert (
        data["changed"] == 2
        and {"before": "refuse", "after": "needs_facts", "cases": 1} in data["transitions"]
    )

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "slug": SLUG,
                "names": {"kk": "x", "ru": "x", "en": "x"},
                "versions": [
                    {"id": "x", "in_force_from": "2027-01-01", "grounds": [{"item": 1, "when": True}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    code, _out, err = run_cli(capsys, "impact", "--draft", str(bad))
    assert code == 2 and "not a valid service definition" in err
    code, _out, err = run_cli(capsys, "impact", "--draft", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such draft file" in err
    code, _out, err = run_cli(capsys, "impact", "--draft", str(bad), "--decided", "2026-03-02")
    assert code == 2 and "FROM..TO" in err


def test_the_ministry_page_shows_the_impact_and_refuses_a_bad_draft(cases, world, tmp_path, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    poor, _both, _fine = cases
    client.force_login(world.auditor)
    assert client.get("/backoffice/impact/").status_code == 200
    upload = SimpleUploadedFile(
        "draft.yaml", _draft(tmp_path).read_bytes(), content_type="application/x-yaml"
    )
    page = client.post("/backoffice/impact/", {"draft": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 applications judged, 2 would get another answer" in text and poor.number in text

    bad = SimpleUploadedFile("draft.yaml", b"slug: nothing-of-the-sort\nnames: {}\n")
    page = client.post("/backoffice/impact/", {"draft": bad}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 400 and "не является корректным определением услуги" in page.content.decode()
    # the ministry that keeps the rules signs in to this page and finds it in the menu
    from qamqor.accounts.models import User

    ministry = User.objects.create(username="ministry-rules", role="ministry_officer")
    client.force_login(ministry)
    page = client.get("/backoffice/impact/", HTTP_ACCEPT_LANGUAGE="kk")
    assert page.status_code == 200 and 'href="/backoffice/impact/"' in page.content.decode()
    # a provider officer does not see it (403), nor does an anonymous visitor (sign-in)
    client.force_login(world.officer)
    assert client.get("/backoffice/impact/").status_code == 403
    client.logout()
    assert client.get("/backoffice/impact/").status_code == 302
