"""Every shipped service definition has a scenarios file, and every scenario holds.

The scenarios are written from the seed clauses (inputs → decision, grounds, obligations).
"""

import datetime as dt

import pytest

from qamqor.catalog import evaluate_service, load_catalog
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
