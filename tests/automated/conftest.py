"""Fixtures of the fully automated path: the shipped catalogue (patronage-placement, in force until
its repeal in 2023), the sandbox registries (a deterministic synthetic population), a provider of
the kind the standard names (`001` annex 2 row 1) and recipients picked from the population."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from helpers import at
from qamqor.registries.sandbox import failures, generate, use_population

SLUG = "patronage-placement"

# A working day in 2023 before the repeal of the patronage standard (estimated 11.07.2023).
BEFORE_REPEAL = at(2023, 3, 15, 11)
AFTER_REPEAL = at(2023, 9, 14, 11)


@pytest.fixture(scope="session")
def sandbox_pop():
    return generate(4000, 11)


@pytest.fixture
def pop(sandbox_pop):
    use_population(sandbox_pop)
    failures.restore()
    yield sandbox_pop
    failures.restore()
    use_population(None)


@pytest.fixture(autouse=True)
def _shipped_catalogue(install_catalog):
    install_catalog(None)


def _clean_adults(pop, on: dt.date, *, male: bool) -> np.ndarray:
    """Rows of living adult citizens with nothing on record in the courts, criminal records or health."""
    birth = pop["birth"]
    adult = birth <= np.datetime64(dt.date(on.year - 25, on.month, on.day), "D")
    return np.flatnonzero(
        adult
        & (pop["male"] == male)
        & (pop["citizen"] == 0)
        & (pop["court_kind"] == 0)
        & (pop["conv_cat"] == 0)
        & (pop["disp_kind"] == 0)
        & np.isnat(pop["disease_on"])
        & np.isnat(pop["died_on"])
    )


class World:
    pass


@pytest.fixture
def world(db, pop):
    """A district education department, a recipient with a clean record, one with a conviction
    for a crime of ground 13, the child, a provider officer (for the non-automated service)."""
    from qamqor.accounts.models import Provider, Role, StateCorpOffice, User

    on = BEFORE_REPEAL.date()
    w = World()
    w.pop = pop
    w.dept = Provider.objects.create(
        code="almaty-bostandyk-edu",
        kind="district_education_department",
        name_kk="Бостандық ауданының білім бөлімі",
        name_ru="Отдел образования Бостандыкского района",
        name_en="Bostandyk district education department",
        region="Almaty",
        locality="Bostandyk",
    )
    w.office = StateCorpOffice.objects.create(
        code="almaty-co-5",
        number="5",
        kind="regular",
        name_kk="ХҚКО №5",
        name_ru="ЦОН №5",
        name_en="Office No. 5",
        region="Almaty",
        address="Almaty, Abay ave. 1",
    )
    clean = _clean_adults(pop, on, male=False)
    w.clean_iin = pop.iin_of(int(clean[0]))
    w.clean2_iin = pop.iin_of(int(clean[1]))
    convicted = np.flatnonzero(
        (pop["birth"] <= np.datetime64("1995-01-01", "D"))
        & (pop["conv_cat"] == 2)  # murder (ground 13, and so ground 8)
        & np.isnat(pop["died_on"])
    )
    w.convicted_iin = pop.iin_of(int(convicted[0]))
    children = np.flatnonzero(pop["birth"] >= np.datetime64("2012-01-01", "D"))
    w.child_iin = pop.iin_of(int(children[0]))
    w.child2_iin = pop.iin_of(int(children[1]))
    mk = User.objects.create_user
    w.recipient = mk(
        "recipient", role=Role.RECIPIENT, iin=w.clean_iin, first_name="Айгүл", last_name="Сейітова"
    )
    w.recipient2 = mk("recipient2", role=Role.RECIPIENT, iin=w.clean2_iin)
    w.convicted = mk("convicted", role=Role.RECIPIENT, iin=w.convicted_iin)
    w.officer = mk("officer", role=Role.PROVIDER_OFFICER, provider=w.dept)
    w.operator = mk("operator", role=Role.FRONT_OFFICE_OPERATOR, office=w.office)
    return w


# Declared facts of a relative without the psychological-training certificate (ground 14 excepted
# for relatives; the one-year duty of new §12 applies). Income per person above the subsistence minimum.
# (Residence comes from the population register, never from the recipient: fact_sources.)
RELATIVE_FACTS = {
    "applicant": {
        "relation_to_child": "relative",
        "psych_training_certificate": False,
        "monthly_income": 600000,
        "household_size": 3,
    }
}
# The electronic copies of the package of `001` annex 2 row 8 (the application itself aside).
DOCUMENTS = [
    {"code": code, "source": "uploaded"}
    for code in (
        "spouse_notarised_consent",
        "marriage_certificate",
        "housing_right_documents",
        "health_certificates",
        "education_record",
        "training_certificate",
        "personal_account_contract",
        "kinship_documents",
    )
]
