"""The catalogue CLI contract (fixture catalogue through QAMQOR_CATALOG_DIR)."""

import json

import pytest

from helpers import run_cli
from qamqor.catalog import loader

from .conftest import FIXTURE, good_applicant


@pytest.fixture(autouse=True)
def fixture_catalog(monkeypatch):
    monkeypatch.setenv("QAMQOR_CATALOG_DIR", str(FIXTURE))
    loader._cached.cache_clear()
    yield
    loader._cached.cache_clear()


def test_services_list_json(capsys):
    code, out, _ = run_cli(capsys, "services", "list", "--on", "2025-03-01", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows == [{"slug": "demo-service", "order_item": 99, "name": {"kk": "Сынақ қызметі", "ru": "Тестовая услуга", "en": "Test service"}, "status": "in_force"}]
    code, out, _ = run_cli(capsys, "services", "list", "--on", "2023-03-01", "--json")
    assert json.loads(out)[0]["status"] == "not_yet_in_force"


def test_services_show_json_contract(capsys):
    code, out, _ = run_cli(capsys, "services", "show", "demo-service", "--on", "2025-03-01", "--json")
    d = json.loads(out)
    assert d["version"]["in_force_from"] == "2025-01-01" and d["version"]["in_force_until"] is None
    assert d["version"]["legal_basis"]["citation"] == {"source": "test.txt", "clause": "§2"}
    assert d["term"] == {"value": 3, "unit": "working_days", "citation": {"source": "test.txt", "clause": "row 3"}}
    assert [g["item"] for g in d["grounds"]] == [1, 2, 3, 4, 5]
    assert d["grounds"][0]["citation"] == {"source": "test.txt", "clause": "row 9 item 1"}
    assert set(d["grounds"][0]["text"]) == {"kk", "ru", "en"}


def test_services_diff(capsys):
    code, out, _ = run_cli(capsys, "services", "diff", "demo-service", "--from", "2024-06-01", "--to", "2025-06-01", "--json")
    d = json.loads(out)
    assert d["from"] == "v1" and d["to"] == "v2"
    assert d["changes"]["term"]["from"]["value"] == 5 and d["changes"]["term"]["to"]["value"] == 3
    assert [g["item"] for g in d["changes"]["grounds"]["added"]] == [2, 3, 4, 5]
    assert [c["channel"] for c in d["changes"]["channels"]["added"]] == ["portal"]


def test_evaluate_json_contract(capsys, tmp_path):
    facts = tmp_path / "f.json"
    facts.write_text(json.dumps(good_applicant(applicant__birth_date="2012-01-01")), encoding="utf-8")
    code, out, _ = run_cli(capsys, "evaluate", "demo-service", "--facts", str(facts), "--on", "2025-06-02", "--json")
    d = json.loads(out)
    assert code == 0
    assert d["decision"] == "refuse" and d["version"] == "v2" and d["on"] == "2025-06-02"
    assert d["grounds"][0]["item"] == 1 and d["grounds"][0]["citation"]["clause"] == "row 9 item 1"
    assert set(d["grounds"][0]["explanation"]) == {"kk", "ru", "en"}
    assert d["missing_facts"] == [] and d["obligations"] == []


def test_evaluate_reads_stdin(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(good_applicant())))
    code, out, _ = run_cli(capsys, "evaluate", "demo-service", "--facts", "-", "--on", "2025-06-02", "--json")
    assert json.loads(out)["decision"] == "grant"


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["services", "show", "no-such"], "unknown service 'no-such'"),
        (["services", "list", "--on", "2025-13-01"], "malformed --on date"),
        (["evaluate", "demo-service", "--facts", "/nonexistent.json"], "cannot read facts file"),
        (["services", "diff", "demo-service", "--from", "2020-01-01", "--to", "2025-01-01"], "no version"),
    ],
)
def test_usage_errors_exit_2_one_line(capsys, argv, needle):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "content,needle",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps(good_applicant(applicant__married="yes")), "facts fail the schema at applicant.married"),
        (json.dumps(good_applicant(applicant__birth_date="08.08.1985")), "applicant.birth_date"),
        (json.dumps(good_applicant(applicant__convictions=[{"category": 7}])), "applicant.convictions.0.category"),
        # closed value sets: a word no rule or declaration knows is an error, nothing is decided
        (json.dumps(good_applicant(applicant__sex="banana")), "applicant.sex: the value “banana” is not allowed"),
        (json.dumps(good_applicant(applicant__relation_to_child="uncle")), "allowed values: close_relative, none"),
        (json.dumps(good_applicant(applicant__household_size=0)), "applicant.household_size: the value 0 is out of range"),
        (json.dumps(good_applicant(applicant__household_size=2.5)), "must be a whole number"),
    ],
)
def test_bad_facts_exit_2(capsys, tmp_path, content, needle):
    f = tmp_path / "f.json"
    f.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", "demo-service", "--facts", str(f), "--on", "2025-06-02", "--lang", "en")
    assert code == 2 and needle in err and out == ""


def test_bad_facts_message_in_the_chosen_language(capsys, tmp_path):
    f = tmp_path / "f.json"
    f.write_text(json.dumps(good_applicant(applicant__sex="banana", applicant__relation_to_child="uncle")), "utf-8")
    code, out, err = run_cli(capsys, "evaluate", "demo-service", "--facts", str(f), "--on", "2025-06-02", "--lang", "kk")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "рұқсат етілмеген" in err and "(+1)" in err  # the first of two errors, in Kazakh


def test_facts_schema(capsys):
    code, out, _ = run_cli(capsys, "facts-schema", "demo-service", "--on", "2025-06-02")
    s = json.loads(out)
    applicant = s["properties"]["applicant"]["properties"]
    assert applicant["married"] == {"type": "boolean"}
    assert applicant["birth_date"]["format"] == "date"
    assert applicant["monthly_income"] == {"type": "number", "minimum": 0}
    assert applicant["household_size"] == {"type": "integer", "minimum": 1}
    # closed sets: the words the rules name, and the declared others (one source each)
    assert applicant["convictions"]["items"]["properties"]["category"] == {
        "type": "string",
        "enum": ["murder", "negligent", "terrorism"],
    }
    assert applicant["convictions"]["items"]["properties"]["kind"]["enum"] == ["conviction", "prosecution"]
    assert applicant["sex"]["enum"] == ["female", "male"]
    assert applicant["relation_to_child"]["enum"] == ["close_relative", "none", "relative", "stepparent"]
    assert s["properties"]["consent_personal_data"] == {"type": "boolean"}
