"""The sandbox population and every adapter against it (pure Python, no Django)."""

import datetime as dt

import numpy as np
import pytest

from qamqor.registries import interfaces
from qamqor.registries.adapters import AdapterRegistry, UnknownRegistry
from qamqor.registries.sandbox import failures, generate
from qamqor.registries.sandbox.adapters import DigitalDocumentsSandbox
from qamqor.registries.sandbox.population import Population
from qamqor.registries.types import OtpRejected, RegistryTimeout, RegistryUnavailable
from qamqor.rules.iin import validate_iin


def test_same_seed_same_people_other_seed_other_people():
    a, b, c = generate(1500, 5), generate(1500, 5), generate(1500, 6)
    for k in a.cols:
        assert np.array_equal(a[k], b[k], equal_nan=False) or np.array_equal(
            a[k].astype("int64"), b[k].astype("int64")
        ), k
    assert not np.array_equal(a["iin"], c["iin"])
    assert len(a) == 1500


def test_iins_are_valid_unique_and_agree_with_birth_and_sex(pop):
    assert np.unique(pop["iin"]).size == len(pop)
    for r in range(0, len(pop), 37):
        info = validate_iin(pop.iin_of(r))
        assert info.birth_date == pop.date("birth", r)
        assert info.sex == ("male" if pop["male"][r] else "female")


def test_families_are_coherent(pop):
    kids = np.flatnonzero(pop["mother"] >= 0)
    assert kids.size > len(pop) // 3
    m = pop["mother"][kids]
    assert (pop["birth"][kids] - pop["birth"][m] >= np.timedelta64(18 * 365, "D")).all()
    assert not pop["male"][m].any()
    died = ~np.isnat(pop["died_on"][m])
    assert (
        pop["died_on"][m][died] > pop["birth"][kids][died]
    ).all()  # no child born after the mother's death
    sp = np.flatnonzero(pop["spouse"] >= 0)
    assert (pop["spouse"][pop["spouse"][sp]] == sp).all()  # marriage is symmetric


def test_every_kind_of_record_is_present(pop):
    for col in ("court_kind", "conv_cat", "disp_kind", "school"):
        assert (pop[col] > 0).any(), col
    assert (~np.isnat(pop["disease_on"])).any()
    assert pop.placed_children("guardianship").size > 0
    assert (~np.isnat(pop["trained_on"])).any()


def test_save_and_load_round_trip(pop, tmp_path):
    path = pop.save(tmp_path / "sandbox-11.npz")
    back = Population.load(path)
    assert back.seed == 11 and back.as_of == pop.as_of
    assert np.array_equal(back["iin"], pop["iin"])
    r = 123
    assert back.row(pop.iin_of(r)) == r
    assert back.row("000000000000") is None and back.row("not an iin") is None


def test_every_adapter_answers_from_the_sandbox(pop):
    reg = AdapterRegistry()
    child = int(pop.placed_children()[0])
    mother = int(pop["mother"][child])
    iin = pop.iin_of(child)
    for kind, proto in interfaces.INTERFACES.items():
        assert isinstance(reg.get(kind), proto)
    ident = reg.get("population").identity(iin)
    assert (
        ident.iin == iin
        and ident.birth_date == pop.date("birth", child)
        and ident.source.registry == "population"
    )
    birth = reg.get("civil_registry").birth(iin)
    assert birth.mother_iin == pop.iin_of(mother)
    assert iin in {b.child_iin for b in reg.get("civil_registry").births_to(pop.iin_of(mother))}
    # placed children were left without care: most mothers are dead or deprived of parental rights
    lost = 0
    placed = pop.placed_children()
    for c in placed:
        m = pop.iin_of(int(pop["mother"][int(c)]))
        dead = reg.get("civil_registry").death(m)
        deprived = [d for d in reg.get("courts").decisions(m) if d.kind == "parental_rights_deprived"]
        lost += bool(dead or deprived)
    assert lost >= 0.7 * placed.size
    convicted = int(np.flatnonzero(pop["conv_cat"] > 0)[0])
    (conv,) = reg.get("criminal_records").convictions(pop.iin_of(convicted))
    assert conv.convicted_on == pop.date("conv_on", convicted)
    disp = int(np.flatnonzero(pop["disp_kind"] > 0)[0])
    assert reg.get("health").dispensary_records(pop.iin_of(disp))[0].kind in (
        "narcological",
        "psychoneurological",
    )
    pupil = int(np.flatnonzero(pop["school"] > 0)[0])
    enr = reg.get("education").enrolment(pop.iin_of(pupil))
    assert 1 <= enr.grade <= 11 and enr.school_year == "2025-2026"
    married = int(np.flatnonzero(pop["spouse"] >= 0)[0])
    (mar,) = reg.get("civil_registry").marriages(pop.iin_of(married))
    assert pop.iin_of(married) in (mar.husband_iin, mar.wife_iin)
    holder = int(np.flatnonzero(~np.isnat(pop["tsa_from"]))[0])
    assert reg.get("social_assistance").assistance(pop.iin_of(holder))[0].kind == "targeted_social_assistance"
    assert reg.get("population").identity("000000000000") is None
    assert reg.get("courts").decisions("000000000000") == ()


def test_digital_document_needs_the_owners_one_time_password(pop):
    dd = AdapterRegistry().get("digital_documents")
    iin = pop.iin_of(5)
    ch = dd.request_consent(iin, "identity_card")
    with pytest.raises(OtpRejected):
        dd.fetch(
            ch.challenge_id,
            "000000" if DigitalDocumentsSandbox.sandbox_otp(ch.challenge_id) != "000000" else "1",
        )
    doc = dd.fetch(ch.challenge_id, DigitalDocumentsSandbox.sandbox_otp(ch.challenge_id))
    assert doc.owner_iin == iin and doc.content["birth_date"] == pop.date("birth", 5)


def test_injected_failures_then_back(pop):
    reg = AdapterRegistry()
    iin = pop.iin_of(1)
    failures.fail("population", "timeout", times=2)
    for _ in range(2):
        with pytest.raises(RegistryTimeout):
            reg.get("population").identity(iin)
    assert reg.get("population").identity(iin).iin == iin
    before = reg.get("courts").decisions(iin)
    failures.fail("courts", "error")
    with pytest.raises(RegistryUnavailable):
        reg.get("courts").decisions(iin)
    failures.restore("courts")
    assert reg.get("courts").decisions(iin) == before  # back, with the same answer


def test_configuration_is_checked():
    with pytest.raises(UnknownRegistry):
        AdapterRegistry({"tax": "x.Y"})
    reg = AdapterRegistry({"courts": "qamqor.registries.sandbox.adapters.HealthSandbox"})
    with pytest.raises(TypeError):
        reg.get("courts")
    with pytest.raises(UnknownRegistry):
        AdapterRegistry().get("tax")


def test_as_of_is_an_argument_not_the_clock():
    p = generate(500, 2, as_of=dt.date(2020, 1, 1))
    assert (p["birth"] < np.datetime64("2020-01-01")).all()
