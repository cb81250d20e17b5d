import pytest

from qamqor.registries.sandbox import generate


@pytest.fixture(autouse=True)
def _shipped_catalogue(install_catalog):
    """The data bank decides with the shipped catalogue (guardianship-certificate, the placement services)."""
    install_catalog(None)


@pytest.fixture(scope="session")
def sandbox_pop():
    return generate(4000, 11)
