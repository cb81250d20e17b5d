"""Every shipped service definition has a scenarios file, and every scenario holds.

The scenarios are written from the seed clauses (inputs → decision, grounds, obligations).
"""

import datetime as dt
import json

import pytest

from qamqor.catalog import evaluate_service, load_catalog
from qamqor.catalog.facts_schema import validate_facts
from qamqor.catalog.loader import DEFINITIONS_DIR, SCENARIOS_DIR, read_yaml


def _all_scenarios():
    for path in sorted(SCENARIOS_DIR.glob("*.yaml")):
        doc = read_yaml(path)
        for i, sc in enumerate(doc["scenarios"]):
            yield pytest.param(doc["service"], sc, id=f"{path.stem}[{i}] {sc['name']}")


def test_every_definition_has_scenarios():
    definitions = {p.stem for p in DEFINITIONS_DIR.glob("*.yaml")}
    scenarios = {p.stem for p in SCENARIOS_DIR.glob("*.yaml")}
    assert definitions, "no service definitions shipped"
    assert definitions <= scenarios, f"without scenarios: {sorted(definitions - scenarios)}"


@pytest.mark.parametrize("slug,scenario", list(_all_scenarios()))
def test_scenario(slug, scenario):
    catalog = load_catalog()
    on = scenario["on"]
    on = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    result = evaluate_service(catalog, slug, scenario.get("facts") or {}, on)
    expect = scenario["expect"]
    assert result.decision == expect["decision"], result.as_dict()
    if "grounds" in expect:
        assert [g.item for g in result.grounds] == sorted(expect["grounds"]), result.as_dict()
    if "missing_facts" in expect:
        assert list(result.missing_facts) == sorted(expect["missing_facts"]), result.as_dict()
    if "obligations" in expect:
        assert sorted(o.code for o in result.obligations) == sorted(expect["obligations"]), result.as_dict()
    if "version" in expect:
        assert (result.version.id if result.version else None) == expect["version"]
    for g in result.grounds:  # every ground applied cites its clause
        assert g.citation.source and g.citation.clause


@pytest.mark.parametrize("slug,scenario", list(_all_scenarios()))
def test_scenario_facts_pass_the_facts_check(slug, scenario):
    """The facts a scenario judges are facts the CLI and the API accept (closed value sets, country
    codes, ranges), except where the scenario names the paths the check refuses."""
    on = scenario["on"]
    on = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    version = load_catalog().service(slug).version_on(on)
    if version is None or version.source_status != "complete":
        return
    facts = json.loads(json.dumps(scenario.get("facts") or {}, default=str))  # as a JSON document
    paths = sorted(e.path for e in validate_facts(version, facts))
    assert paths == sorted(scenario["expect"].get("facts_invalid_at", [])), paths
