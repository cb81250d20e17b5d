import pytest

from qamqor.registries.sandbox import generate


@pytest.fixture(scope="session")
def sandbox_pop():
    return generate(4000, 11)
