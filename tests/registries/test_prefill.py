"""Once only: documents and ground facts prefilled from the registries, with their sources."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from qamqor.catalog import evaluate_version, load_catalog
from qamqor.registries import services
from qamqor.registries.prefill import prefill_case
from qamqor.registries.sandbox import failures

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


class _Children(list):
    def all(self):
        return self


def _case(applicant_iin, child_iin):
    return SimpleNamespace(
        pk=5,
        number="T-5",
        applicant=SimpleNamespace(iin=applicant_iin),
        children=_Children([SimpleNamespace(iin=child_iin)]),
    )


def test_guardianship_facts_and_documents_come_from_the_registries(pop):
    version = load_catalog().service("guardianship-establishment").version_on(AT.date())
    married = int(
        np.flatnonzero((pop["spouse"] >= 0) & np.isnat(pop["divorced_on"]) & (pop["conv_cat"] > 0))[0]
    )
    child = int(pop.placed_children()[0])
    app, kid = pop.iin_of(married), pop.iin_of(child)
    mother = pop.iin_of(int(pop["mother"][child]))
    narrow = services.give_consent(recipient_iin=app, subject_iins=[kid], at=AT)
    out = prefill_case(_case(app, kid), version, consent=narrow, at=AT)
    # the mother's records are not covered: that fact is asked, the recipient's consent still stands
    assert "child.mother_died_or_deprived" in out["ask"] and not out["no_consent"]
    assert not services.ledger_for(mother).exists()
    consent = services.give_consent(recipient_iin=app, subject_iins=[kid, mother], at=AT)
    out = prefill_case(_case(app, kid), version, consent=consent, at=AT)
    meta = out["facts_meta"]
    assert meta["applicant.married"]["value"] is True
    assert meta["applicant.married"]["source"][0]["registry"] == "civil_registry"
    assert meta["applicant.convictions"]["value"][0]["kind"] == "conviction"
    assert meta["applicant.birth_date"]["value"] == pop.date("birth", married).isoformat()
    assert "child.mother_died_or_deprived" in meta
    # what no registry holds is asked of the officer or the recipient
    assert "applicant.monthly_income" in out["ask"] and "applicant.monthly_income" not in meta
    statuses = {d["code"]: d["status"] for d in out["documents"]}
    assert "supplied" in statuses.values() and "asked" in statuses.values()
    # the prefilled facts feed the rules directly
    ev = evaluate_version(load_catalog(), version, out["facts"], AT.date())
    assert ev.decision in ("refuse", "needs_facts")


def test_without_consent_nothing_is_prefilled_and_the_ground_applies(pop):
    version = load_catalog().service("guardianship-establishment").version_on(AT.date())
    app, kid = pop.iin_of(0), pop.iin_of(2)
    out = prefill_case(_case(app, kid), version, consent=None, at=AT)
    assert out["no_consent"] and out["facts"] == {"consent_personal_data": False}
    ev = evaluate_version(load_catalog(), version, out["facts"], AT.date())
    assert ev.decision == "refuse" and "no_consent_personal_data" in {g.code for g in ev.grounds}


def test_a_silent_registry_leaves_the_fact_open_and_the_query_waiting(pop):
    version = load_catalog().service("guardianship-establishment").version_on(AT.date())
    app, kid = pop.iin_of(0), pop.iin_of(2)
    consent = services.give_consent(recipient_iin=app, subject_iins=[kid], at=AT)
    failures.fail("criminal_records", "timeout")
    out = prefill_case(_case(app, kid), version, consent=consent, at=AT)
    assert "applicant.convictions" not in out["facts_meta"] and "applicant.convictions" in out["ask"]
    assert len(out["awaiting"]) == 1
