"""Fixtures of the case-domain tests: a small catalogue (tests/cases/fixture), providers, offices,
users of every role and people identified by generated IINs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qamqor.catalog.loader import load_catalog_from
from qamqor.rules.iin import make_iin

FIXTURE = Path(__file__).parent / "fixture"


@pytest.fixture(scope="session")
def case_catalog():
    return load_catalog_from(FIXTURE / "definitions", FIXTURE / "parameters.yaml")


@pytest.fixture(autouse=True)
def _use_case_catalog(case_catalog, install_catalog):
    """Every layer a case reaches decides with the fixture catalogue, the data bank included."""
    install_catalog(case_catalog)


@pytest.fixture
def world(db):
    """Two providers, two State Corporation offices, staff of each, two recipients, a child."""
    from qamqor.accounts.models import Provider, Role, StateCorpOffice, User
    from qamqor.cases.models import Person

    class W:
        pass

    w = W()
    w.dept = Provider.objects.create(
        code="almaty-bostandyk-edu",
        kind="district_education_department",
        name_kk="Бостандық ББ",
        name_ru="ОО Бостандыкского района",
        name_en="Bostandyk education department",
        region="Almaty",
        locality="Bostandyk",
        bin="030140123451",
    )
    w.other_dept = Provider.objects.create(
        code="astana-edu",
        kind="city_education_administration",
        name_kk="Астана ББ",
        name_ru="УО Астаны",
        name_en="Astana education administration",
        region="Astana",
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
    w.other_office = StateCorpOffice.objects.create(
        code="almaty-co-9",
        number="9",
        kind="duty",
        name_kk="ХҚКО №9",
        name_ru="ЦОН №9",
        name_en="Office No. 9",
        region="Almaty",
        address="Almaty, Tole bi 2",
    )
    mk = User.objects.create_user
    w.officer = mk("officer", role=Role.PROVIDER_OFFICER, provider=w.dept)
    w.head = mk("head", role=Role.PROVIDER_HEAD, provider=w.dept)
    w.other_officer = mk("officer2", role=Role.PROVIDER_OFFICER, provider=w.other_dept)
    w.operator = mk("operator", role=Role.FRONT_OFFICE_OPERATOR, office=w.office)
    w.other_operator = mk("operator2", role=Role.FRONT_OFFICE_OPERATOR, office=w.other_office)
    w.auditor = mk("auditor", role=Role.AUDITOR)
    parent_iin = make_iin(dt.date(1985, 8, 8), "female", 12)
    other_iin = make_iin(dt.date(1979, 1, 20), "male", 7)
    w.parent = Person.objects.create(
        iin=parent_iin, last_name="Әбенова", first_name="Айгүл", birth_date=dt.date(1985, 8, 8), sex="female"
    )
    w.other_person = Person.objects.create(
        iin=other_iin, last_name="Иванов", first_name="Пётр", birth_date=dt.date(1979, 1, 20), sex="male"
    )
    w.child = Person.objects.create(
        iin=make_iin(dt.date(2015, 6, 30), "female", 3),
        last_name="Әбенова",
        first_name="Дана",
        birth_date=dt.date(2015, 6, 30),
        sex="female",
    )
    w.recipient = mk("parent", role=Role.RECIPIENT, iin=parent_iin)
    w.other_recipient = mk("other", role=Role.RECIPIENT, iin=other_iin)
    return w
