"""The world of the integrity tests: the shipped catalogue, the sandbox registries (a deterministic
synthetic population), people picked from it, and staff of every role (tests/conftest.py `world`)."""

from __future__ import annotations

import datetime as dt

import pytest

from qamqor.registries.sandbox import failures, generate, use_population

ON = dt.date(2026, 3, 2)


@pytest.fixture(scope="session")
def sandbox_pop():
    return generate(4000, 23)


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


@pytest.fixture
def people(pop, world):
    """A stranger (an adult of the population who is nobody's guardian), a child, and recipients."""
    from qamqor.accounts.models import User
    from qamqor.cases.models import Person
    from qamqor.demo.placements import clean_rows

    clean, kids = clean_rows(pop)  # nothing on record in the courts, criminal records or health

    def person(row, name):
        iin = pop.iin_of(int(row))
        return Person.objects.get_or_create(iin=iin, defaults={"last_name": name, "first_name": "Sandbox"})[0]

    class P:
        pass

    p = P()
    p.adult = person(clean[0], "Adult")
    p.stranger = person(clean[1], "Stranger")
    p.child = person(kids[0], "Child")
    p.adult_user = User.objects.create_user("adult", role="recipient", iin=p.adult.iin)
    p.stranger_user = User.objects.create_user("stranger", role="recipient", iin=p.stranger.iin)
    return p
