"""Issue 11 on the shipped catalogue: closed value sets, editions not in the sources, readings said
out loud (and choosable), the loader's checks of the new declarations."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import run_cli
from qamqor.catalog import evaluate_service, load_catalog
from qamqor.catalog.facts_schema import (
    FactsInvalid,
    SchemaUnavailable,
    check_facts,
    facts_schema,
    validate_facts,
)
from qamqor.catalog.loader import (
    DEFINITIONS_DIR,
    PARAMETERS_FILE,
    CatalogError,
    load_catalog_from,
    load_service,
)

SLUG = "guardianship-establishment"
ON = dt.date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]


def good():
    return {
        "applicant": {
            "birth_date": "1985-06-15",
            "sex": "female",
            "citizenship": "KZ",
            "legal_capacity": "full",
            "parental_rights": "full",
            "removed_as_guardian": False,
            "adoption_cancelled_by_fault": False,
            "disease_preventing_care": False,
            "permanent_residence": True,
            "resides_in_kazakhstan": True,
            "married": True,
            "dispensary_registered": False,
            "psych_training_certificate": True,
            "relation_to_child": "none",
            "monthly_income": 300000,
            "household_size": 4,
            "convictions": [],
        },
        "child": {"years_raised_by_applicant": 0, "mother_died_or_deprived": False},
        "consent_personal_data": True,
    }


def version():
    return load_catalog().service(SLUG).version_on(ON)


# --- finding 5: closed value sets ---------------------------------------------------------------------


def test_the_issues_example_is_refused_with_every_error_and_nothing_decided():
    facts = good()
    facts["applicant"].update(legal_capacity="INCAPABLE", sex="banana", relation_to_child="uncle")
    errors = validate_facts(version(), facts)
    assert [(e.path, e.code) for e in errors] == [
        ("applicant.legal_capacity", "not_allowed"),
        ("applicant.relation_to_child", "not_allowed"),
        ("applicant.sex", "not_allowed"),
    ]
    assert all(set(e.message) == {"kk", "ru", "en"} for e in errors)
    assert "full, incapable, limited" in errors[0].message["en"]
    with pytest.raises(FactsInvalid) as caught:
        check_facts(version(), facts)
    assert len(caught.value.errors) == 3 and caught.value.errors[0].as_dict()["code"] == "not_allowed"


@pytest.mark.parametrize(
    "path,value,code",
    [
        ("citizenship", "KAZ", "not_a_country"),  # alpha-3 is not the declared format
        ("citizenship", "XX", "not_a_country"),
        ("household_size", 0, "out_of_range"),
        ("monthly_income", -1, "out_of_range"),
        ("convictions", [{"category": "theft", "kind": "conviction", "expunged": False}], "not_allowed"),
        ("convictions", [{"category": "murder", "kind": "suspicion", "expunged": False}], "not_allowed"),
        ("parental_rights", "partial", "not_allowed"),
    ],
)
def test_values_outside_the_closed_sets(path, value, code):
    facts = good()
    facts["applicant"][path] = value
    errors = validate_facts(version(), facts)
    assert [e.code for e in errors] == [code]


@pytest.mark.parametrize("citizenship", ["KZ", "RU", "UZ", None])
def test_a_country_code_or_none(citizenship):
    facts = good()
    facts["applicant"]["citizenship"] = citizenship
    assert validate_facts(version(), facts) == []


def test_the_schema_enumerates_from_the_rules_and_the_declarations():
    s = facts_schema(version())["properties"]["applicant"]["properties"]
    assert s["legal_capacity"]["enum"] == ["full", "incapable", "limited"]  # 2 from item 2, full declared
    assert s["sex"]["enum"] == ["female", "male"]
    assert s["relation_to_child"]["enum"] == ["close_relative", "none", "relative", "stepparent"]
    assert "KZ" in s["citizenship"]["enum"] and None in s["citizenship"]["enum"]
    assert s["household_size"] == {"type": "integer", "minimum": 1}
    categories = s["convictions"]["items"]["properties"]["category"]["enum"]
    assert "negligent" in categories and "murder" in categories and "intentional" in categories


def test_a_declared_value_already_named_by_a_rule_is_refused(tmp_path):
    text = (DEFINITIONS_DIR / f"{SLUG}.yaml").read_text(encoding="utf-8")
    path = tmp_path / f"{SLUG}.yaml"
    path.write_text(
        text.replace("      other_values: [female]", "      other_values: [female, male]"), "utf-8"
    )
    with pytest.raises(CatalogError, match=r"applicant.sex: \['male'\] already named by the rules"):
        load_service(path)


def test_facts_schema_of_a_service_whose_texts_are_incomplete(capsys):
    with pytest.raises(SchemaUnavailable):
        facts_schema(load_catalog().service("school-meals").version_on(ON))
    code, out, err = run_cli(capsys, "facts-schema", "school-meals", "--on", "2026-03-02")
    assert code == 2 and out == "" and "incomplete" in err and err.count("\n") == 1


def test_evaluate_cli_refuses_the_issues_example(capsys, tmp_path):
    facts = good()
    facts["applicant"].update(legal_capacity="INCAPABLE", sex="banana", relation_to_child="uncle")
    f = tmp_path / "f.json"
    f.write_text(json.dumps(facts), "utf-8")
    code, out, err = run_cli(
        capsys, "evaluate", SLUG, "--facts", str(f), "--on", "2026-03-02", "--lang", "ru"
    )
    assert code == 2 and out == "" and "applicant.legal_capacity" in err and "(+2)" in err


# --- finding 4: editions not in the sources ---------------------------------------------------------


@pytest.mark.parametrize(
    "slug,day,status",
    [
        ("guardianship-establishment", "2020-05-04", "not_yet_in_force"),
        ("guardianship-establishment", "2021-06-01", "edition_not_in_sources"),
        ("guardianship-establishment", "2022-08-11", "edition_not_in_sources"),
        ("guardianship-establishment", "2022-08-12", "in_force"),
        ("patronage-placement", "2021-06-01", "edition_not_in_sources"),
        ("patronage-placement", "2023-07-11", "repealed"),
        ("child-opinion-decision", "2021-06-01", "edition_not_in_sources"),
        ("parent-meeting-permission", "2019-01-01", "in_force"),
        ("parent-meeting-permission", "2022-01-01", "edition_not_in_sources"),
        ("camp-referral", "2023-04-22", "edition_not_in_sources"),
        ("guardianship-certificate", "2023-04-22", "edition_not_in_sources"),
        ("school-meals", "2021-06-01", "incomplete_source"),
    ],
)
def test_status_on_a_date(slug, day, status):
    assert load_catalog().service(slug).status_on(dt.date.fromisoformat(day)) == status


def test_services_list_and_evaluate_say_edition_not_in_sources(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "services", "list", "--on", "2021-06-01", "--json")
    statuses = {r["slug"]: r["status"] for r in json.loads(out)}
    assert statuses["guardianship-establishment"] == "edition_not_in_sources"
    assert statuses["minor-property-certificate"] == "incomplete_source"
    r = evaluate_service(load_catalog(), SLUG, good(), dt.date(2021, 6, 1))
    assert r.decision == "edition_not_in_sources" and r.version is None
    assert "existed" in r.message["en"] and "қолданыста болды" in r.message["kk"]
    f = tmp_path / "f.json"
    f.write_text(json.dumps(good()), "utf-8")
    code, out, _ = run_cli(capsys, "evaluate", SLUG, "--facts", str(f), "--on", "2021-06-01", "--lang", "en")
    assert code == 0 and "edition_not_in_sources" in out and "existed" in out


def test_services_show_names_the_period(capsys):
    code, out, _ = run_cli(
        capsys, "services", "show", "parent-meeting-permission", "--on", "2022-01-01", "--json"
    )
    d = json.loads(out)
    assert d["status"] == "edition_not_in_sources"
    assert (
        d["edition_not_in_sources"]["from"] == "2020-05-05"
        and d["edition_not_in_sources"]["until"] == "2023-04-23"
    )
    code, out, _ = run_cli(capsys, "services", "show", "parent-meeting-permission", "--on", "2022-01-01")
    assert "editions not in the sources from 05.05.2020 (estimated) to 23.04.2023" in out


def test_a_gap_may_not_overlap_the_previous_version(tmp_path):
    text = (DEFINITIONS_DIR / "parent-meeting-permission.yaml").read_text(encoding="utf-8")
    path = tmp_path / "parent-meeting-permission.yaml"
    path.write_text(text.replace("    from: 2020-05-05\n", "    from: 2020-05-01\n", 1), "utf-8")
    with pytest.raises(CatalogError, match="version windows overlap"):
        load_service(path)


# --- finding 7: readings said out loud, and the alternative can be chosen -------------------------------


def _with_reading(tmp_path, old, new):
    root = tmp_path / "catalog"
    shutil.copytree(DEFINITIONS_DIR, root / "definitions")
    path = root / "definitions" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), "utf-8")
    return load_catalog_from(root / "definitions", PARAMETERS_FILE)


def test_ground_11_per_head_is_shown_and_the_literal_reading_can_be_chosen(tmp_path):
    facts = good()
    facts["applicant"].update(monthly_income=3 * 50851, household_size=4)
    r = evaluate_service(load_catalog(), SLUG, facts, ON)
    assert [g.item for g in r.grounds] == [11]
    ground = r.as_dict()["grounds"][0]
    assert ground["interpretation"]["chosen"]["code"] == "per_head_of_household"
    assert ground["interpretation"]["decision"] == "docs/decisions/0014-interpretations.md"
    assert "0014-interpretations" in ground["explanation"]["en"] and "reading:" in ground["explanation"]["en"]
    codes = {i["chosen"]["code"] for i in r.as_dict()["interpretations"]}
    assert {"per_head_of_household", "literal_with_item_13", "earliest_possible_day"} <= codes
    other = _with_reading(tmp_path, "chosen: per_head_of_household", "chosen: income_covers_one_minimum")
    assert evaluate_service(other, SLUG, facts, ON).decision == "grant"
    facts["applicant"]["monthly_income"] = 50850
    assert [g.item for g in evaluate_service(other, SLUG, facts, ON).grounds] == [11]


def test_ground_8_reading_of_the_item_13_persons_can_be_chosen(tmp_path):
    facts = good()
    facts["applicant"]["convictions"] = [{"category": "murder", "kind": "conviction", "expunged": True}]
    assert [g.item for g in evaluate_service(load_catalog(), SLUG, facts, ON).grounds] == [8, 13]
    other = _with_reading(tmp_path, "chosen: literal_with_item_13", "chosen: conviction_only")
    assert [g.item for g in evaluate_service(other, SLUG, facts, ON).grounds] == [13]
    facts["applicant"]["convictions"] = [{"category": "intentional", "kind": "conviction", "expunged": False}]
    assert [g.item for g in evaluate_service(other, SLUG, facts, ON).grounds] == [8]


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("chosen: per_head_of_household", "chosen: nobodys_reading", "is not among"),
        (
            "decision: docs/decisions/0014-interpretations.md\n      chosen: per_head",
            "decision: somewhere.md\n      chosen: per_head",
            "decision must be the path",
        ),
    ],
)
def test_the_loader_checks_interpretations(tmp_path, old, new, message):
    with pytest.raises(CatalogError, match=message):
        _with_reading(tmp_path, old, new)


def test_every_decision_record_named_exists():
    catalog = load_catalog()
    named = set()
    for service in catalog.services.values():
        for v in service.versions:
            named.update(i.decision for i in v.interpretations)
            named.update(g.interpretation.decision for g in v.grounds if g.interpretation)
    assert named and all((ROOT / path).is_file() for path in named), named


def test_the_patronage_automation_readings_are_recorded():
    v = load_catalog().service("patronage-placement").versions[0]
    codes = {i.chosen.code: [a.code for a in i.alternatives] for i in v.interpretations}
    assert codes["judgement_grounds_not_examined"] == ["official_examines_judgement_grounds"]
    assert codes["refusal_without_hearing"] == ["hearing_before_refusal"]


def test_yaml_readings_compile_for_every_alternative():
    # both readings of grounds 8 and 11 are compiled at load: choosing either is safe
    data = yaml.safe_load((DEFINITIONS_DIR / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    grounds = {g["item"]: g for g in data["versions"][0]["grounds"]}
    assert all("when" in r for r in grounds[11]["interpretation"]["readings"])
    assert "when" not in grounds[11]


# --- finding 3: decided arithmetic, explained ----------------------------------------------------------


def test_ground_11_without_the_household_explains_the_range():
    facts = good()
    facts["applicant"]["monthly_income"] = 30000
    del facts["applicant"]["household_size"]
    r = evaluate_service(load_catalog(), SLUG, facts, ON)
    assert r.decision == "refuse" and [g.item for g in r.grounds] == [11] and r.missing_facts == ()
    assert "applicant.household_size ∈ [0, 30000] < subsistence_minimum = 50851" in r.grounds[0].explanation()["en"]
    facts["applicant"]["monthly_income"] = 50851  # one minimum: the household decides
    r = evaluate_service(load_catalog(), SLUG, facts, ON)
    assert r.decision == "needs_facts" and r.missing_facts == ("applicant.household_size",)
