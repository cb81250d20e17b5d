import pytest


@pytest.fixture
def akimat(world):
    """A local executive body: the provider of the meeting permission under the earlier standard (000 §3)."""
    from qamqor.accounts.models import Provider

    return Provider.objects.create(
        code="astana-akimat",
        kind="local_executive_body",
        name_kk="Әкімдік",
        name_ru="Акимат",
        name_en="Akimat",
        region="Astana",
    )
