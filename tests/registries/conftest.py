import pytest

from qamqor.registries.sandbox import failures, generate, use_population


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
