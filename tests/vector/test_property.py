"""Property: the vectorised path gives, case by case, exactly what the scalar path gives.

For random facts documents (absent keys, nulls, wrong-looking dates, empty and non-empty lists with
absent item fields, dates around birthdays and around parameter and version boundaries) the batch
result — version, decision, fired grounds, unknown grounds, obligations and the missing facts
reconstructed from the bitmask — equals `evaluate_service` for every case, on the real
guardianship-establishment definition and on a synthetic service that uses every operator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qamqor.catalog import evaluate_service, load_catalog
from qamqor.catalog.batch import evaluate_batch
from qamqor.catalog.facts_schema import facts_schema
from qamqor.catalog.loader import load_catalog_from

from .strategies import cases

DATA = Path(__file__).parent / "data"
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def scalar_view(ev):
    unknown = tuple(g.item for g in ev.all_grounds if g.status == "unknown")
    return (
        ev.version.id if ev.version else None,
        ev.decision,
        tuple(g.item for g in ev.grounds),
        unknown,
        tuple(ev.missing_facts),
        tuple(o.code for o in ev.obligations),
    )


def batch_view(res, i):
    return (
        res.version_id(i),
        res.decision(i),
        res.fired_items(i),
        res.unknown_items(i),
        res.missing_facts(i),
        res.obligation_codes(i),
    )


def check(catalog, slug, drawn, chunk, definitions_dir=None):
    docs = [d for _, d in drawn]
    dates = [on for on, _ in drawn]
    res = evaluate_batch(catalog, slug, docs, dates, chunk=chunk, definitions_dir=definitions_dir)
    for i, (on, doc) in enumerate(drawn):
        want = scalar_view(evaluate_service(catalog, slug, doc, on))
        assert batch_view(res, i) == want, (i, on, doc)


# --- synthetic service: every operator ---------------------------------------------------------------

SYNTH = load_catalog_from(DATA / "definitions", DATA / "params.yaml")
STRINGS = ("string", ("male", "female", "f", "a", "b", "k1", "k2", "zz"))


def synthetic_spec(status_kind):
    return {
        "p.birth": "date",
        "p.flag_a": "bool",
        "p.flag_b": "bool",
        "p.sex": STRINGS,
        "p.kind": STRINGS,
        "p.status": status_kind,
        "p.income": "number",
        "p.size": "number",
        "p.years": "number",
        "p.score": "number",
        "p.limit": "number",
        "p.items": (
            "list",
            {"cat": ("string", ("x", "c", "y")), "since": "date", "n": "number", "ok": "bool"},
        ),
    }


@st.composite
def synthetic_cases(draw):
    status_kind = draw(st.sampled_from([STRINGS, "number", "bool"]))
    return draw(cases(synthetic_spec(status_kind)))


@SETTINGS
@given(drawn=synthetic_cases(), chunk=st.sampled_from([1, 3, 7, 4096]))
def test_synthetic_batch_equals_scalar(drawn, chunk):
    check(SYNTH, "synthetic", drawn, chunk, definitions_dir=DATA / "definitions")


# --- the real guardianship-establishment definition --------------------------------------------------


def _spec_from_schema(schema, literals, prefix=""):
    spec = {}
    for name, sub in schema.get("properties", {}).items():
        path = prefix + name
        t = sub.get("type")
        types = t if isinstance(t, list) else [t]
        if "object" in types and "properties" in sub:
            spec.update(_spec_from_schema(sub, literals, path + "."))
        elif "array" in types:
            fields = _spec_from_schema(sub["items"], literals)
            spec[path] = ("list", fields)
        elif sub.get("format") == "date":
            spec[path] = "date"
        elif "boolean" in types:
            spec[path] = "bool"
        elif "number" in types:
            spec[path] = "number"
        else:
            spec[path] = ("string", tuple(sorted(literals)) + ("other",))
    return spec


def _literals(node, out):
    if isinstance(node, dict):
        for v in node.values():
            _literals(v, out)
    elif isinstance(node, list):
        for v in node:
            _literals(v, out)
    elif isinstance(node, str):
        out.add(node)


def guardianship():
    catalog = load_catalog()
    try:
        service = catalog.service("guardianship-establishment")
    except KeyError:
        pytest.skip("guardianship-establishment is not in the catalogue yet")
    literals = {"KZ", "RU"}
    spec = {}
    for v in service.versions:
        for g in v.grounds:
            _literals(g.when.source, literals)
            for e in g.unless:
                _literals(e.when.source, literals)
        for o in v.obligations:
            _literals(o.when.source, literals)
        spec.update(_spec_from_schema(facts_schema(v), literals))
    # a literal that names a fact path is not a value
    return catalog, spec


GUARD_CATALOG, GUARD_SPEC = guardianship()


@SETTINGS
@given(drawn=st.deferred(lambda: cases(GUARD_SPEC)), chunk=st.sampled_from([1, 5, 4096]))
def test_guardianship_batch_equals_scalar(drawn, chunk):
    check(GUARD_CATALOG, "guardianship-establishment", drawn, chunk)
